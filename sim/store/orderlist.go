package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// ListLeg is one order of an order list: a LIMIT_MAKER or a stop order
// (StopPrice set).
type ListLeg struct {
	Order     NewOrder
	StopPrice decimal.Decimal
	// Book is the best price of the other side, which a LIMIT_MAKER leg
	// must not reach.
	Book decimal.Decimal
}

// OrderList is a stored order list.
type OrderList struct {
	ID           int64
	Symbol       string
	ListClientID string
	Contingency  string // OCO
	Time         time.Time
	OrderIDs     []int64
}

// PlaceOCO stores an OCO list of two legs of account in one transaction:
// either both are placed or neither. Both legs trade the same side and
// quantity, so the list locks once, on the first leg: a SELL its quantity of
// base, a BUY the larger of price × quantity of its legs (a market-type
// stop counts at its stop price). When one leg fills or starts, the caller
// expires the other with ExpireOrder, which releases the lock first.
func (s *Store) PlaceOCO(ctx context.Context, account string, m Market, listClientID string, legs [2]ListLeg, now time.Time) (OrderList, []Order, error) {
	op := "place OCO on " + m.Symbol
	fail := func(err error) (OrderList, []Order, error) {
		return OrderList{}, nil, fmt.Errorf("store: %s: %w", op, err)
	}
	if account == "" {
		return fail(badInput("account", "must not be empty"))
	}
	if err := validateMarket(m); err != nil {
		return fail(err)
	}
	if err := validateClientOrderID(listClientID); err != nil {
		return fail(badInput("listClientOrderId", "may contain only A-Z a-z 0-9 . : / _ - (1 to 36 characters)"))
	}
	side, qty := legs[0].Order.Side, legs[0].Order.Quantity
	lockAmt := decimal.Zero
	orders := make([]Order, 2)
	for i, l := range legs {
		o := l.Order
		if o.Side != side || !o.Quantity.Equal(qty) || o.Symbol != m.Symbol {
			return fail(badInput("quantity", "both legs of an OCO trade the same symbol, side and quantity"))
		}
		var under NewOrder
		var err error
		switch {
		case o.Type == TypeLimitMaker:
			if under, err = validateOrder(m, o); err != nil {
				return fail(err)
			}
			if l.Book.IsPositive() && (side == SideBuy && o.Price.GreaterThanOrEqual(l.Book) || side == SideSell && o.Price.LessThanOrEqual(l.Book)) {
				return fail(fmt.Errorf("%w: price %s against the book's %s", ErrWouldMatch, o.Price, l.Book))
			}
		case IsStopType(o.Type):
			u := o
			u.Type = TypeMarket
			if IsLimitStop(o.Type) {
				u.Type = TypeLimit
			}
			if under, err = validateOrder(m, u); err != nil {
				return fail(err)
			}
			if !l.StopPrice.IsPositive() {
				return fail(badInput("stopPrice", "a stop leg needs a stop price greater than 0"))
			}
			if Triggers(side, o.Type, l.StopPrice, m.Price) {
				return fail(fmt.Errorf("%w: stop price %s against market %s", ErrWouldTrigger, l.StopPrice, m.Price))
			}
		default:
			return fail(badInput("type", "an OCO leg is LIMIT_MAKER or a stop order, got %q", o.Type))
		}
		if under.Product != ProductSpot {
			return fail(badInput("type", "OCO lists are spot orders"))
		}
		p := under.Price
		if p.IsZero() {
			p = l.StopPrice
		}
		lockAmt = decimal.Max(lockAmt, p.Mul(qty))
		t := now.Truncate(time.Millisecond).UTC()
		orders[i] = Order{Symbol: o.Symbol, ClientOrderID: o.ClientOrderID, Price: under.Price, OrigQty: qty,
			ExecutedQty: decimal.Zero, CummulativeQuoteQty: decimal.Zero, OrigQuoteOrderQty: decimal.Zero, Status: StatusNew,
			TimeInForce: under.TimeInForce, Type: o.Type, Side: side, Product: ProductSpot, Time: t, UpdateTime: t, Fills: []Fill{}}
	}
	if orders[0].ClientOrderID == orders[1].ClientOrderID {
		return fail(badInput("belowClientOrderId", "the two legs need different client order ids"))
	}
	lock := locked{asset: m.Quote, amount: lockAmt}
	if side == SideSell {
		lock = locked{asset: m.Base, amount: qty}
	}
	list := OrderList{Symbol: m.Symbol, ListClientID: listClientID, Contingency: "OCO", Time: now.Truncate(time.Millisecond).UTC()}
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		if err := checkNewOrder(ctx, tx, account, orders[0].ClientOrderID, orders[1].ClientOrderID); err != nil {
			return err
		}
		if err := adjust(ctx, tx, account, lock.asset, lock.amount.Neg(), lock.amount); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO order_lists (account, symbol, list_client_id, contingency, time_ms) VALUES (?, ?, ?, ?, ?)`,
			account, m.Symbol, listClientID, list.Contingency, millis(list.Time))
		if err != nil {
			return err
		}
		if list.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		for i := range orders {
			o := &orders[i]
			l := lock
			if i > 0 {
				l = locked{amount: decimal.Zero}
			}
			if o.OrderID, err = insertOrder(ctx, tx, account, *o, l); err != nil {
				return err
			}
			if IsStopType(o.Type) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO stop_orders (order_id, stop_price) VALUES (?, ?)`, o.OrderID, legs[i].StopPrice.String()); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO order_list_members (order_id, list_id) VALUES (?, ?)`, o.OrderID, list.ID); err != nil {
				return err
			}
			list.OrderIDs = append(list.OrderIDs, o.OrderID)
		}
		return nil
	})
	if err != nil {
		return OrderList{}, nil, err
	}
	return list, orders, nil
}

// ListOf returns the list an order of account belongs to, if any.
func (s *Store) ListOf(ctx context.Context, account string, orderID int64) (OrderList, bool, error) {
	var listID int64
	err := s.r.QueryRowContext(ctx,
		`SELECT m.list_id FROM order_list_members m JOIN order_lists l ON l.id = m.list_id WHERE m.order_id = ? AND l.account = ?`,
		orderID, account).Scan(&listID)
	if errors.Is(err, sql.ErrNoRows) {
		return OrderList{}, false, nil
	}
	if err != nil {
		return OrderList{}, false, fmt.Errorf("store: list of order %d: %w", orderID, err)
	}
	l, err := s.OrderList(ctx, account, listID, "")
	return l, err == nil, err
}

// OrderList returns a list of account by id, or by client id when id is 0.
func (s *Store) OrderList(ctx context.Context, account string, id int64, clientID string) (OrderList, error) {
	q, arg := `SELECT id, symbol, list_client_id, contingency, time_ms FROM order_lists WHERE account = ? AND id = ?`, any(id)
	if id == 0 {
		q, arg = `SELECT id, symbol, list_client_id, contingency, time_ms FROM order_lists WHERE account = ? AND list_client_id = ? ORDER BY id DESC LIMIT 1`, clientID
	}
	var l OrderList
	var ms int64
	err := s.r.QueryRowContext(ctx, q, account, arg).Scan(&l.ID, &l.Symbol, &l.ListClientID, &l.Contingency, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return OrderList{}, fmt.Errorf("store: order list %d %q: %w", id, clientID, ErrUnknownOrder)
	}
	if err != nil {
		return OrderList{}, fmt.Errorf("store: order list: %w", err)
	}
	l.Time = fromMillis(ms)
	rows, err := s.r.QueryContext(ctx, `SELECT order_id FROM order_list_members WHERE list_id = ? ORDER BY order_id`, l.ID)
	if err != nil {
		return OrderList{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var oid int64
		if err := rows.Scan(&oid); err != nil {
			return OrderList{}, err
		}
		l.OrderIDs = append(l.OrderIDs, oid)
	}
	return l, rows.Err()
}

// EndOrder ends an open order of account as EXPIRED (an OCO leg whose
// sibling filled or started) or CANCELED (its sibling was canceled),
// releasing what it locked. An order that is no longer open is left as it
// is.
func (s *Store) EndOrder(ctx context.Context, account string, orderID int64, status string, now time.Time) (Order, error) {
	if status != StatusExpired && status != StatusCanceled {
		return Order{}, fmt.Errorf("store: end order %d: %w", orderID, badInput("status", "must be EXPIRED or CANCELED, got %q", status))
	}
	var out Order
	err := s.write(ctx, fmt.Sprintf("expire order %d", orderID), func(tx *sql.Tx) error {
		r, err := scanOrder(tx.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ? AND account = ?`, orderID, account))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no order %d", ErrUnknownOrder, orderID)
		}
		if err != nil {
			return err
		}
		if !isOpen(r.Status) {
			out = r.Order
			return nil
		}
		if out, err = cancel(ctx, tx, r, now); err != nil {
			return err
		}
		out.Status = status
		_, err = tx.ExecContext(ctx, `UPDATE orders SET status = ? WHERE id = ?`, status, orderID)
		return err
	})
	return out, err
}

// ListIDs maps the given orders of account that belong to a list to the
// list's id.
func (s *Store) ListIDs(ctx context.Context, account string, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		q := `SELECT m.order_id, m.list_id FROM order_list_members m JOIN order_lists l ON l.id = m.list_id WHERE l.account = ? AND m.order_id IN (`
		args := []any{account}
		for i, id := range chunk {
			if i > 0 {
				q += ","
			}
			q += "?"
			args = append(args, id)
		}
		rows, err := s.r.QueryContext(ctx, q+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: list ids: %w", err)
		}
		for rows.Next() {
			var o, l int64
			if err := rows.Scan(&o, &l); err != nil {
				rows.Close()
				return nil, err
			}
			out[o] = l
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListSiblings returns the account of an order and the other orders of the
// list it belongs to (none when it is in no list).
func (s *Store) ListSiblings(ctx context.Context, orderID int64) (string, []int64, error) {
	var account string
	var listID int64
	err := s.r.QueryRowContext(ctx,
		`SELECT l.account, l.id FROM order_list_members m JOIN order_lists l ON l.id = m.list_id WHERE m.order_id = ?`, orderID).Scan(&account, &listID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: siblings of order %d: %w", orderID, err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT order_id FROM order_list_members WHERE list_id = ? AND order_id != ? ORDER BY order_id`, listID, orderID)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", nil, err
		}
		out = append(out, id)
	}
	return account, out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Stop order types, spelt as Binance spells them. STOP_LOSS and
// TAKE_PROFIT become MARKET orders when triggered, the _LIMIT ones LIMIT
// orders at their price.
const (
	TypeStopLoss        = "STOP_LOSS"
	TypeStopLossLimit   = "STOP_LOSS_LIMIT"
	TypeTakeProfit      = "TAKE_PROFIT"
	TypeTakeProfitLimit = "TAKE_PROFIT_LIMIT"
)

// IsStopType reports whether t is one of the four stop order types.
func IsStopType(t string) bool {
	switch t {
	case TypeStopLoss, TypeStopLossLimit, TypeTakeProfit, TypeTakeProfitLimit:
		return true
	}
	return false
}

// IsLimitStop reports whether a stop type becomes a LIMIT order.
func IsLimitStop(t string) bool { return t == TypeStopLossLimit || t == TypeTakeProfitLimit }

// schemaV2 adds the stop orders: an order of a stop type has a row here
// until it is canceled or done; triggered says whether it works yet. An
// untriggered stop order is open (NEW) but never matched.
const schemaV2 = `
CREATE TABLE stop_orders (
	order_id   INTEGER NOT NULL PRIMARY KEY REFERENCES orders(id),
	stop_price TEXT    NOT NULL,
	triggered  INTEGER NOT NULL DEFAULT 0,
	working_ms INTEGER NOT NULL DEFAULT -1
) STRICT;
CREATE INDEX stop_orders_pending ON stop_orders (order_id) WHERE triggered = 0;

-- Order lists (OCO): one row per list, one member row per leg.
CREATE TABLE order_lists (
	id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	account        TEXT    NOT NULL REFERENCES accounts(id),
	symbol         TEXT    NOT NULL,
	list_client_id TEXT    NOT NULL,
	contingency    TEXT    NOT NULL,
	time_ms        INTEGER NOT NULL
) STRICT;
CREATE INDEX order_lists_by_account ON order_lists (account, id);
CREATE TABLE order_list_members (
	order_id INTEGER NOT NULL PRIMARY KEY REFERENCES orders(id),
	list_id  INTEGER NOT NULL REFERENCES order_lists(id)
) STRICT;
CREATE INDEX order_list_members_by_list ON order_list_members (list_id);
`

// notPendingStop is the SQL condition "the order is not a stop order
// waiting for its trigger", for queries of the orders table.
const notPendingStop = `id NOT IN (SELECT order_id FROM stop_orders WHERE triggered = 0)`

// StopInfo is what a stop order carries beyond Order.
type StopInfo struct {
	StopPrice   decimal.Decimal
	Triggered   bool
	WorkingTime time.Time // zero until triggered
}

// Triggers reports whether a stop order of side and type, with stopPrice,
// triggers at price: a STOP_LOSS SELL when the price falls to it, a
// TAKE_PROFIT SELL when it rises to it, the other way round for BUY.
func Triggers(side, typ string, stopPrice, price decimal.Decimal) bool {
	falls := (side == SideSell) == (typ == TypeStopLoss || typ == TypeStopLossLimit)
	if falls {
		return price.LessThanOrEqual(stopPrice)
	}
	return price.GreaterThanOrEqual(stopPrice)
}

// PlaceStopOrder stores a stop order of account that waits for its
// trigger. o.Type is a stop type; a _LIMIT one needs Price and TimeInForce
// (GTC, IOC or FOK), the others neither. A SELL locks its quantity of base
// and a _LIMIT BUY Price × Quantity of quote; a STOP_LOSS or TAKE_PROFIT BUY
// locks nothing and is checked when it triggers. A stop price that m.Price
// already triggers is ErrWouldTrigger.
func (s *Store) PlaceStopOrder(ctx context.Context, account string, m Market, o NewOrder, stopPrice decimal.Decimal) (Order, error) {
	op := fmt.Sprintf("place stop order %s %s %s", o.Symbol, o.Side, o.Type)
	fail := func(err error) (Order, error) { return Order{}, fmt.Errorf("store: %s: %w", op, err) }
	if account == "" {
		return fail(badInput("account", "must not be empty"))
	}
	if err := validateMarket(m); err != nil {
		return fail(err)
	}
	if !IsStopType(o.Type) {
		return fail(badInput("type", "%q is not a stop order type", o.Type))
	}
	if err := checkAmount("stopPrice", stopPrice, MaxDecimalPlaces); err != nil || !stopPrice.IsPositive() {
		return fail(badInput("stopPrice", "must be greater than 0 with at most %d decimal places, got %s", MaxDecimalPlaces, stopPrice))
	}
	// Validate as the order it becomes.
	under := o
	under.Type = TypeMarket
	if IsLimitStop(o.Type) {
		under.Type = TypeLimit
	}
	under, err := validateOrder(m, under)
	if err != nil {
		return fail(err)
	}
	if under.Product != ProductSpot || !under.QuoteOrderQty.IsZero() {
		return fail(badInput("type", "stop orders are spot orders with a quantity"))
	}
	if Triggers(o.Side, o.Type, stopPrice, m.Price) {
		return fail(fmt.Errorf("%w: stop price %s against market %s", ErrWouldTrigger, stopPrice, m.Price))
	}
	now := o.Now.Truncate(time.Millisecond).UTC()
	tif := under.TimeInForce
	ord := Order{Symbol: o.Symbol, ClientOrderID: o.ClientOrderID, Price: under.Price, OrigQty: o.Quantity,
		ExecutedQty: decimal.Zero, CummulativeQuoteQty: decimal.Zero, OrigQuoteOrderQty: decimal.Zero, Status: StatusNew,
		TimeInForce: tif, Type: o.Type, Side: o.Side, Product: ProductSpot, Time: now, UpdateTime: now, Fills: []Fill{}}
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		if err := checkNewOrder(ctx, tx, account, o.ClientOrderID); err != nil {
			return err
		}
		lock := locked{amount: decimal.Zero}
		switch {
		case o.Side == SideSell:
			lock = locked{asset: m.Base, amount: o.Quantity}
		case IsLimitStop(o.Type):
			lock = locked{asset: m.Quote, amount: under.Price.Mul(o.Quantity)}
		}
		if lock.asset != "" {
			if err := adjust(ctx, tx, account, lock.asset, lock.amount.Neg(), lock.amount); err != nil {
				return err
			}
		}
		var err error
		if ord.OrderID, err = insertOrder(ctx, tx, account, ord, lock); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO stop_orders (order_id, stop_price) VALUES (?, ?)`, ord.OrderID, stopPrice.String())
		return err
	})
	if err != nil {
		return Order{}, err
	}
	return ord, nil
}

// ErrWouldTrigger: a stop order whose stop price the market already
// reached (Binance: "Stop price would trigger immediately.").
var ErrWouldTrigger = errors.New("stop price would trigger immediately")

// StopInfos returns the stop information of the given orders of account
// that are stop orders, by order id.
func (s *Store) StopInfos(ctx context.Context, account string, ids []int64) (map[int64]StopInfo, error) {
	out := map[int64]StopInfo{}
	for _, id := range ids {
		var sp string
		var trig, working int64
		err := s.r.QueryRowContext(ctx,
			`SELECT so.stop_price, so.triggered, so.working_ms FROM stop_orders so JOIN orders o ON o.id = so.order_id
			 WHERE so.order_id = ? AND o.account = ?`, id, account).Scan(&sp, &trig, &working)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: stop info of order %d: %w", id, err)
		}
		p, err := parseDec("stop_price", sp)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		info := StopInfo{StopPrice: p, Triggered: trig == 1}
		if working >= 0 {
			info.WorkingTime = fromMillis(working)
		}
		out[id] = info
	}
	return out, nil
}

// PendingStop is a stop order waiting for its trigger.
type PendingStop struct {
	Order
	StopPrice decimal.Decimal
}

// PendingStops lists the untriggered stop orders of every account on
// symbol, oldest first.
func (s *Store) PendingStops(ctx context.Context, symbol string) ([]PendingStop, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT o.id, so.stop_price FROM orders o JOIN stop_orders so ON so.order_id = o.id
		 WHERE o.symbol = ? AND so.triggered = 0 AND o.status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY o.id`, symbol)
	if err != nil {
		return nil, fmt.Errorf("store: pending stops of %s: %w", symbol, err)
	}
	type idStop struct {
		id int64
		sp string
	}
	var list []idStop
	for rows.Next() {
		var x idStop
		if err := rows.Scan(&x.id, &x.sp); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]PendingStop, 0, len(list))
	for _, x := range list {
		r, err := scanOrder(s.r.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ?`, x.id))
		if err != nil {
			return nil, fmt.Errorf("store: pending stop %d: %w", x.id, err)
		}
		p, err := parseDec("stop_price", x.sp)
		if err != nil {
			return nil, err
		}
		out = append(out, PendingStop{Order: r.Order, StopPrice: p})
	}
	return out, nil
}

// TriggerStop starts a waiting stop order at now. With levels (best
// first; for a _LIMIT order only those at or better than its price) it
// trades against them as a taker: a market-type stop fills what they hold
// and expires the rest; a _LIMIT one rests the rest (GTC) or expires it
// (IOC, FOK short of the whole quantity: no fill). Without levels a
// _LIMIT order rests as a working LIMIT order, and a market-type one
// expires. An order the account can no longer pay for expires. It returns
// the order with its fills.
func (s *Store) TriggerStop(ctx context.Context, m Market, orderID int64, levels []BookFill, commission decimal.Decimal, now time.Time) (Order, error) {
	op := fmt.Sprintf("trigger stop order %d", orderID)
	if err := validateMarket(m); err != nil {
		return Order{}, fmt.Errorf("store: %s: %w", op, err)
	}
	if len(levels) > maxBookFills || commission.IsNegative() || commission.GreaterThanOrEqual(decimal.NewFromInt(1)) {
		return Order{}, fmt.Errorf("store: %s: %w", op, badInput("levels", "at most %d levels and a commission in [0, 1)", maxBookFills))
	}
	now = now.Truncate(time.Millisecond).UTC()
	var out Order
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		r, err := scanOrder(tx.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ? AND symbol = ?`, orderID, m.Symbol))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no stop order %d on %s", ErrUnknownOrder, orderID, m.Symbol)
		}
		if err != nil {
			return err
		}
		var trig int64
		if err := tx.QueryRowContext(ctx, `SELECT triggered FROM stop_orders WHERE order_id = ?`, orderID).Scan(&trig); err != nil || trig != 0 || !isOpen(r.Status) {
			return fmt.Errorf("%w: order %d is not a waiting stop order", ErrUnknownOrder, orderID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stop_orders SET triggered = 1, working_ms = ? WHERE order_id = ?`, millis(now), orderID); err != nil {
			return err
		}
		limitStop := IsLimitStop(r.Type)
		if limitStop && len(levels) == 0 {
			r.UpdateTime = now
			if r.lock.amount.IsZero() {
				// An OCO leg placed without the list's lock: lock what it
				// now needs, or expire it if the account no longer has it.
				need := locked{asset: m.Base, amount: r.OrigQty}
				if r.Side == SideBuy {
					need = locked{asset: m.Quote, amount: r.Price.Mul(r.OrigQty)}
				}
				err := adjust(ctx, tx, r.account, need.asset, need.amount.Neg(), need.amount)
				switch {
				case errors.Is(err, ErrInsufficientBalance):
					r.Status = StatusExpired
					need = locked{amount: decimal.Zero}
				case err != nil:
					return err
				}
				r.lock = need
			}
			_, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, locked_asset = ?, locked_amount = ?, update_ms = ? WHERE id = ?`,
				r.Status, r.lock.asset, r.lock.amount.String(), millis(now), orderID)
			out = r.Order
			return err
		}
		// Release the lock, then trade as a new taker order would.
		if r.lock.asset != "" && !r.lock.amount.IsZero() {
			if err := adjust(ctx, tx, r.account, r.lock.asset, r.lock.amount, r.lock.amount.Neg()); err != nil {
				return err
			}
		}
		no := NewOrder{Symbol: r.Symbol, Side: r.Side, Type: TypeMarket, Quantity: r.OrigQty, ClientOrderID: r.ClientOrderID, Product: ProductSpot, Now: now}
		if limitStop {
			no.Type, no.Price, no.TimeInForce = TypeLimit, r.Price, r.TimeInForce
		}
		filled, cost := decimal.Zero, decimal.Zero
		for _, l := range levels {
			if !l.Price.IsPositive() || !l.Qty.IsPositive() || limitStop && (r.Side == SideBuy && l.Price.GreaterThan(r.Price) || r.Side == SideSell && l.Price.LessThan(r.Price)) {
				return badInput("levels", "level %s × %s does not fit order %d", l.Price, l.Qty, orderID)
			}
			filled, cost = filled.Add(l.Qty), cost.Add(l.Price.Mul(l.Qty))
		}
		if filled.GreaterThan(r.OrigQty) {
			return badInput("levels", "the levels hold %s, more than the order's %s", filled, r.OrigQty)
		}
		if no.TimeInForce == FOK && filled.LessThan(r.OrigQty) {
			filled, cost, levels = decimal.Zero, decimal.Zero, nil
		}
		status := StatusFilled
		switch {
		case filled.Equal(r.OrigQty):
		case limitStop && no.TimeInForce == GTC:
			status = StatusPartiallyFilled
		default:
			status = StatusExpired
		}
		fills := takerFills(m, r.Side, ProductSpot, levels, commission)
		lock, err := takerSpotFunds(ctx, tx, r.account, m, no, r.OrigQty, filled, cost, fills, status)
		if errors.Is(err, ErrInsufficientBalance) {
			status, filled, cost, fills, lock = StatusExpired, decimal.Zero, decimal.Zero, nil, locked{amount: decimal.Zero}
		} else if err != nil {
			return err
		}
		r.Status, r.ExecutedQty, r.CummulativeQuoteQty, r.UpdateTime, r.lock = status, filled, cost, now, lock
		if _, err := tx.ExecContext(ctx,
			`UPDATE orders SET status = ?, executed_qty = ?, cumm_quote_qty = ?, locked_asset = ?, locked_amount = ?, update_ms = ? WHERE id = ?`,
			status, filled.String(), cost.String(), lock.asset, lock.amount.String(), millis(now), orderID); err != nil {
			return err
		}
		for i := range fills {
			if fills[i].TradeID, err = insertTrade(ctx, tx, r.account, r.Order, fills[i], false, now); err != nil {
				return err
			}
		}
		r.Fills = fills
		if r.Fills == nil {
			r.Fills = []Fill{}
		}
		out = r.Order
		return nil
	})
	if err != nil {
		return Order{}, err
	}
	return out, nil
}

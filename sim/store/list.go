package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ListQuery selects the orders or trades that [Store.ListOrders] and
// [Store.ListTrades] return. Every condition is applied in SQL before the
// limit, so any row can be reached however many rows the account has.
type ListQuery struct {
	Symbol  string // "" = every symbol
	Product string // "" = every product, else ProductSpot or ProductFutures
	// FromID, when positive, returns rows with id >= FromID, oldest first
	// (Binance's orderId for allOrders, fromId for myTrades). Otherwise the
	// most recent rows are returned, still oldest first.
	FromID int64
	// OrderID, when positive, keeps only the trades of that order
	// (myTrades' orderId). ListOrders ignores it.
	OrderID int64
	// Start and End bound the row's time, both inclusive; zero is unbounded.
	Start, End time.Time
	Limit      int // 0 = DefaultLimit; above MaxLimit = MaxLimit
}

// where builds the conditions shared by both lists.
func (lq ListQuery) where(account string) (string, []any) {
	conds := []string{"account = ?"}
	args := []any{account}
	if lq.Symbol != "" {
		conds, args = append(conds, "symbol = ?"), append(args, lq.Symbol)
	}
	if lq.Product != "" {
		conds, args = append(conds, "product = ?"), append(args, lq.Product)
	}
	if lq.FromID > 0 {
		conds, args = append(conds, "id >= ?"), append(args, lq.FromID)
	}
	if !lq.Start.IsZero() {
		conds, args = append(conds, "time_ms >= ?"), append(args, millis(lq.Start))
	}
	if !lq.End.IsZero() {
		conds, args = append(conds, "time_ms <= ?"), append(args, millis(lq.End))
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// order returns the ORDER BY and LIMIT clause: forward from FromID, else
// the newest rows (which the caller reverses).
func (lq ListQuery) order(limit int) (string, bool) {
	if lq.FromID > 0 {
		return fmt.Sprintf(" ORDER BY id ASC LIMIT %d", limit), false
	}
	return fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit), true
}

// ListOrders returns the orders of account that lq selects, oldest first, as
// Binance's allOrders does.
func (s *Store) ListOrders(ctx context.Context, account string, lq ListQuery) ([]Order, error) {
	op := "all orders of " + account
	limit, err := normLimit(lq.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	where, args := lq.where(account)
	tail, newest := lq.order(limit)
	rows, err := queryOrders(ctx, s.r, `SELECT `+orderCols+` FROM orders`+where+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	out := publicOrders(rows)
	if newest {
		slices.Reverse(out)
	}
	return out, nil
}

// ListTrades returns the trades of account that lq selects, oldest first, as
// Binance's myTrades does.
func (s *Store) ListTrades(ctx context.Context, account string, lq ListQuery) ([]Trade, error) {
	op := "trades of " + account
	limit, err := normLimit(lq.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	where, args := lq.where(account)
	if lq.OrderID > 0 {
		where, args = where+" AND order_id = ?", append(args, lq.OrderID)
	}
	tail, newest := lq.order(limit)
	rows, err := s.r.QueryContext(ctx, `SELECT id, order_id, symbol, product, price, qty, quote_qty, commission,
	        commission_asset, is_buyer, is_maker, time_ms FROM trades`+where+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	defer rows.Close()
	out := []Trade{}
	for rows.Next() {
		var (
			t                                Trade
			price, qty, quoteQty, commission string
			ms                               int64
		)
		if err := rows.Scan(&t.ID, &t.OrderID, &t.Symbol, &t.Product, &price, &qty, &quoteQty, &commission,
			&t.CommissionAsset, &t.IsBuyer, &t.IsMaker, &ms); err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
		for _, c := range []struct {
			name, src string
			dst       *decimal.Decimal
		}{{"price", price, &t.Price}, {"qty", qty, &t.Qty}, {"quote_qty", quoteQty, &t.QuoteQty}, {"commission", commission, &t.Commission}} {
			if *c.dst, err = parseDec(c.name, c.src); err != nil {
				return nil, fmt.Errorf("store: %s: trade %d: %w", op, t.ID, err)
			}
		}
		t.Time = fromMillis(ms)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	if newest {
		slices.Reverse(out)
	}
	return out, nil
}

// CancelProductOrders cancels every open order of account on symbol of one
// product (ProductSpot or ProductFutures), oldest first, in one transaction,
// and returns them: a crash cancels all of them or none.
func (s *Store) CancelProductOrders(ctx context.Context, account, symbol, product string, now time.Time) ([]Order, error) {
	op := "cancel open " + product + " orders"
	switch {
	case now.IsZero():
		return nil, fmt.Errorf("store: %s: %w", op, badInput("now", "the cancel time must be set"))
	case symbol == "":
		return nil, fmt.Errorf("store: %s: %w", op, badInput("symbol", "must not be empty"))
	case product != ProductSpot && product != ProductFutures:
		return nil, fmt.Errorf("store: %s: %w", op, badInput("product", "must be %q or %q", ProductSpot, ProductFutures))
	}
	q := `SELECT ` + orderCols + ` FROM orders WHERE account = ? AND ` + openStatuses + ` AND symbol = ? AND product = ? ORDER BY id`
	return s.cancelAll(ctx, op, now, q, account, symbol, product)
}

// cancelAll cancels the orders query selects, in one transaction.
func (s *Store) cancelAll(ctx context.Context, op string, now time.Time, query string, args ...any) ([]Order, error) {
	out := []Order{}
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		rows, err := queryOrders(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			o, err := cancel(ctx, tx, r, now)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

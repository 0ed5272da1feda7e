package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// OrderByID returns an order of account by its id alone, for exchanges
// whose query and cancel endpoints name no symbol (KuCoin's
// /api/v1/orders/{orderId}). An order of another account, or none, is
// ErrUnknownOrder.
func (s *Store) OrderByID(ctx context.Context, account string, orderID int64) (Order, error) {
	if orderID <= 0 {
		return Order{}, fmt.Errorf("store: order by id: %w", badInput("orderId", "must be greater than 0, got %d", orderID))
	}
	r, err := scanOrder(s.r.QueryRowContext(ctx,
		`SELECT `+orderCols+` FROM orders WHERE account = ? AND id = ?`, account, orderID))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, fmt.Errorf("store: order %d: %w", orderID, ErrUnknownOrder)
	}
	if err != nil {
		return Order{}, fmt.Errorf("store: order %d: %w", orderID, err)
	}
	return r.Order, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Steps every order insert shares (PlaceOrder, PlaceTakerOrder,
// PlaceStopOrder, PlaceOCO).

// checkNewOrder checks, inside the order's transaction, that the account
// exists and that no open order of it uses clientOrderID.
func checkNewOrder(ctx context.Context, tx *sql.Tx, account string, clientOrderIDs ...string) error {
	if err := requireAccount(ctx, tx, account); err != nil {
		return err
	}
	for _, cid := range clientOrderIDs {
		var dup int64
		err := tx.QueryRowContext(ctx,
			`SELECT id FROM orders WHERE account = ? AND client_order_id = ? AND `+openStatuses, account, cid).Scan(&dup)
		switch {
		case err == nil:
			return fmt.Errorf("%w: newClientOrderId %q is used by open order %d", ErrDuplicateOrder, cid, dup)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	return nil
}

// checkFuturesMargin is the only balance rule of a futures order: a free
// USDT balance greater than zero.
func checkFuturesMargin(ctx context.Context, tx *sql.Tx, account string) error {
	b, err := getBalance(ctx, tx, account, FuturesMarginAsset)
	if err != nil {
		return err
	}
	if !b.free.IsPositive() {
		return fmt.Errorf("%w: futures orders need a free %s balance greater than 0, have %s",
			ErrInsufficientBalance, FuturesMarginAsset, b.free)
	}
	return nil
}

// insertOrder writes ord with what it locks and returns its new id.
func insertOrder(ctx context.Context, tx *sql.Tx, account string, ord Order, lock locked) (int64, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO orders (account, symbol, client_order_id, product, side, type, time_in_force,
		   price, orig_qty, orig_quote_order_qty, executed_qty, cumm_quote_qty, status,
		   locked_asset, locked_amount, time_ms, update_ms)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		account, ord.Symbol, ord.ClientOrderID, ord.Product, ord.Side, ord.Type, ord.TimeInForce,
		ord.Price.String(), ord.OrigQty.String(), ord.OrigQuoteOrderQty.String(),
		ord.ExecutedQty.String(), ord.CummulativeQuoteQty.String(), ord.Status,
		lock.asset, lock.amount.String(), millis(ord.Time), millis(ord.UpdateTime))
	if err != nil {
		return 0, fmt.Errorf("insert order: %w", err)
	}
	return res.LastInsertId()
}

package wsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/params"
)

// AccountStatus returns the spot account ("account.status", SIGNED,
// weight 20).
func (c *Client) AccountStatus(ctx context.Context) (*binance.Account, error) {
	var p params.List
	p.AddString("omitZeroBalances", "true")
	var a binance.Account
	if err := c.decode(ctx, "account.status", &p, true, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// orderParams are order.place's parameters: the same as REST's
// POST /api/v3/order (binance.NewOrder.Params).
func orderParams(o *binance.NewOrder) (params.List, error) {
	if o.ReduceOnly {
		return params.List{}, errors.New("NewOrder.ReduceOnly is a futures parameter; the spot WebSocket API has no reduceOnly")
	}
	return o.Params(false)
}

// PlaceOrder places a spot order ("order.place") and never places it
// twice, as binance.Client.PlaceOrder: the client order id is fixed once
// for this intent; when the outcome of a try is unknown (the connection
// dropped after sending, -1007, a 5xx status), the order is looked up with
// order.status by that id — on the replacement connection, logged on again
// — and sent again only when the exchange answers -2013 (no such order).
// If ctx ends after the order was sent, the error matches
// binance.ErrUnknownStatus and the order may exist: query it.
func (c *Client) PlaceOrder(ctx context.Context, o binance.NewOrder) (*binance.Order, error) {
	if o.ClientOrderID == "" {
		o.ClientOrderID = binance.NewClientOrderID()
	}
	l, err := orderParams(&o)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		r, err := c.call(ctx, "order.place", &l, true)
		if err == nil {
			var out binance.Order
			if err := json.Unmarshal(r.Result, &out); err != nil {
				return nil, fmt.Errorf("wsapi: decoding the order.place answer: %w", err)
			}
			out.Attempts = attempt
			return &out, nil
		}
		if ctx.Err() != nil {
			return nil, err // unknown when it was sent: the caller asked to stop waiting
		}
		if !errors.Is(err, binance.ErrUnknownStatus) && !isDuplicateOrder(err) {
			return nil, err
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "wsapi: order outcome unknown, looking it up by client order id",
			slog.String("clientOrderId", o.ClientOrderID), slog.String("error", err.Error()))
		found, exists, qerr := c.lookupOrder(ctx, o.Symbol, o.ClientOrderID)
		if qerr != nil {
			return nil, fmt.Errorf("wsapi: order %s: outcome unknown and the lookup failed, so it was NOT sent again (query it before retrying): %w (lookup: %v)",
				o.ClientOrderID, err, qerr)
		}
		if exists {
			found.Attempts, found.Recovered = attempt, true
			return found, nil
		}
		if attempt >= c.orders.MaxAttempts {
			return nil, fmt.Errorf("wsapi: order %s: not placed after %d tries: %w", o.ClientOrderID, attempt, err)
		}
		if err := sleep(ctx, c.orderBackoff(attempt)); err != nil {
			return nil, err
		}
	}
}

func isDuplicateOrder(err error) bool {
	var apiErr *binance.APIError
	return errors.As(err, &apiErr) && apiErr.Code == codes.NewOrderRejected && apiErr.Msg == codes.MsgDuplicateOrder
}

// lookupOrder asks whether an order with this client id exists. exists is
// false only when the exchange says so (-2013); anything else is an error,
// because only proof of absence allows sending again.
func (c *Client) lookupOrder(ctx context.Context, symbol, clientID string) (*binance.Order, bool, error) {
	if err := sleep(ctx, c.orders.QueryDelay); err != nil {
		return nil, false, err
	}
	var lastErr error
	for try := 1; try <= c.orders.MaxAttempts+2; try++ {
		o, err := c.OrderStatus(ctx, symbol, 0, clientID)
		if err == nil {
			return o, true, nil
		}
		var apiErr *binance.APIError
		if errors.As(err, &apiErr) && apiErr.Code == codes.NoSuchOrder {
			return nil, false, nil
		}
		lastErr = err
		if ctx.Err() != nil || errors.Is(err, binance.ErrBanned) || errors.Is(err, ErrClosed) {
			break
		}
		if err := sleep(ctx, c.orderBackoff(try)); err != nil {
			return nil, false, err
		}
	}
	return nil, false, lastErr
}

func (c *Client) orderBackoff(attempt int) time.Duration {
	d := c.orders.BaseDelay << min(attempt-1, 20)
	if d > c.orders.MaxDelay || d <= 0 {
		d = c.orders.MaxDelay
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// OrderStatus gets an order by id or client order id ("order.status",
// SIGNED, weight 4).
func (c *Client) OrderStatus(ctx context.Context, symbol string, orderID int64, clientOrderID string) (*binance.Order, error) {
	return c.orderCall(ctx, "order.status", symbol, orderID, clientOrderID)
}

// CancelOrder cancels an order by id or client order id ("order.cancel",
// SIGNED, weight 1).
func (c *Client) CancelOrder(ctx context.Context, symbol string, orderID int64, clientOrderID string) (*binance.Order, error) {
	return c.orderCall(ctx, "order.cancel", symbol, orderID, clientOrderID)
}

func (c *Client) orderCall(ctx context.Context, method, symbol string, orderID int64, clientOrderID string) (*binance.Order, error) {
	var l params.List
	l.AddString("symbol", symbol)
	switch {
	case orderID != 0:
		l.AddInt("orderId", orderID)
	case clientOrderID != "":
		l.AddString("origClientOrderId", clientOrderID)
	default:
		return nil, fmt.Errorf("wsapi: %s: give an orderId or a client order id", method)
	}
	var out binance.Order
	if err := c.decode(ctx, method, &l, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OpenOrders lists open orders ("openOrders.status", SIGNED, weight 6, or
// 80 for every symbol with symbol "").
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]binance.Order, error) {
	var l params.List
	if symbol != "" {
		l.AddString("symbol", symbol)
	}
	var out []binance.Order
	if err := c.decode(ctx, "openOrders.status", &l, true, &out); err != nil {
		return nil, err
	}
	return out, nil
}

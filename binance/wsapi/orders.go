package wsapi

import (
	"context"
	"errors"
	"fmt"
	"github.com/mbxkit/mbx/retry"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/params"
)

// AccountStatus returns the spot account ("account.status", SIGNED,
// weight 20).
func (c *Client) AccountStatus(ctx context.Context) (*binance.Account, error) {
	var p params.List
	p.AddString("omitZeroBalances", "true")
	var a binance.Account
	if err := c.decode(ctx, "account.status", &p, signedMethod("account.status"), &a); err != nil {
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
	return binance.OrderProtocol{
		ClientOrderID: o.ClientOrderID, MaxAttempts: c.orders.MaxAttempts, QueryDelay: c.orders.QueryDelay,
		Backoff: c.orderBackoff, Logger: c.log,
		Place: func(ctx context.Context) (*binance.Order, error) {
			r, err := c.call(ctx, "order.place", &l, signedMethod("order.place"))
			if err != nil {
				return nil, err
			}
			var out binance.Order
			if err := binance.DecodeOrder(r.Result, &out, &o); err != nil {
				return nil, fmt.Errorf("wsapi: decoding the order.place answer: %w", err)
			}
			return &out, nil
		},
		Lookup: func(ctx context.Context) (*binance.Order, error) {
			return c.OrderStatus(ctx, o.Symbol, 0, o.ClientOrderID)
		},
		Final: func(err error) bool { return errors.Is(err, ErrClosed) },
	}.Run(ctx)
}

func (c *Client) orderBackoff(attempt int) time.Duration {
	return retry.Backoff{Base: c.orders.BaseDelay, Max: c.orders.MaxDelay}.Delay(attempt)
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
	if err := c.decode(ctx, method, &l, signedMethod(method), &out); err != nil {
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
	if err := c.decode(ctx, "openOrders.status", &l, signedMethod("openOrders.status"), &out); err != nil {
		return nil, err
	}
	return out, nil
}

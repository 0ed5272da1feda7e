package binance

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mbxkit/mbx/params"
	"github.com/shopspring/decimal"
)

// NewOrder is an order to place. Decimals are sent in plain digits.
type NewOrder struct {
	Symbol        string
	Side          string // BUY or SELL
	Type          string // LIMIT, MARKET, LIMIT_MAKER, ...
	TimeInForce   string // GTC, IOC, FOK (LIMIT only)
	Quantity      decimal.Decimal
	QuoteOrderQty decimal.Decimal // MARKET by quote amount (spot)
	Price         decimal.Decimal
	// ClientOrderID identifies the intent: it is generated when empty and
	// kept across every retry, so an order is never placed twice.
	ClientOrderID string
	RespType      string // ACK, RESULT or FULL (spot)
	ReduceOnly    bool   // futures
	// Extra parameters, appended in order.
	Extra params.List
}

// clientIDAlphabet is Binance's ^[a-zA-Z0-9-_]{1,36}$.
const clientIDAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewClientOrderID returns "mbx-" and 24 random letters and digits: 28
// characters, within Binance's ^[a-zA-Z0-9-_]{1,36}$, about 143 bits.
func NewClientOrderID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 28)
	out = append(out, "mbx-"...)
	for _, c := range b {
		out = append(out, clientIDAlphabet[int(c)%len(clientIDAlphabet)])
	}
	return string(out)
}

// Params are the order's parameters as POST /api/v3/order (futures=false)
// or /fapi/v1/order and WebSocket order.place take them, in a fixed order,
// FULL answers by default on spot. ClientOrderID must be set.
func (o *NewOrder) Params(futures bool) (params.List, error) {
	var l params.List
	l.Grow(8 + o.Extra.Len())
	if o.Symbol == "" || o.Side == "" || o.Type == "" {
		return l, fmt.Errorf("NewOrder: Symbol, Side and Type are required")
	}
	l.AddString("symbol", o.Symbol).AddString("side", o.Side).AddString("type", o.Type)
	if o.TimeInForce != "" {
		l.AddString("timeInForce", o.TimeInForce)
	}
	if !o.Quantity.IsZero() {
		l.AddDecimal("quantity", o.Quantity)
	}
	if !o.QuoteOrderQty.IsZero() {
		l.AddDecimal("quoteOrderQty", o.QuoteOrderQty)
	}
	if !o.Price.IsZero() {
		l.AddDecimal("price", o.Price)
	}
	if o.ReduceOnly {
		l.AddString("reduceOnly", "true")
	}
	l.AddString("newClientOrderId", o.ClientOrderID)
	if o.RespType != "" {
		l.AddString("newOrderRespType", o.RespType)
	} else if !futures {
		l.AddString("newOrderRespType", "FULL")
	}
	for _, p := range o.Extra.All() {
		l.AddString(p.Name, p.Value)
	}
	if err := o.Extra.Err(); err != nil {
		return l, err
	}
	return l, l.Err()
}

// PlaceOrder places a spot order (POST /api/v3/order) and never places it
// twice: the client order id is fixed once for this intent; when the outcome
// of a try is unknown (5xx, -1007, a timeout or a dropped connection after
// sending), the order is looked up by that id, and it is sent again only
// when the lookup proves it does not exist.
func (c *Client) PlaceOrder(ctx context.Context, o NewOrder) (*Order, error) {
	return c.placeOrder(ctx, o, "/api/v3/order", false)
}

// PlaceFuturesOrder is PlaceOrder for USDⓈ-M futures (POST /fapi/v1/order).
func (c *Client) PlaceFuturesOrder(ctx context.Context, o NewOrder) (*Order, error) {
	return c.placeOrder(ctx, o, "/fapi/v1/order", true)
}

// TestOrder validates an order without placing it (POST /api/v3/order/test).
func (c *Client) TestOrder(ctx context.Context, o NewOrder) error {
	if o.ClientOrderID == "" {
		o.ClientOrderID = NewClientOrderID()
	}
	l, err := o.Params(false)
	if err != nil {
		return err
	}
	_, err = c.Do(ctx, &Request{Method: http.MethodPost, Path: "/api/v3/order/test", Security: Catalogued, Query: l})
	return err
}

func (c *Client) placeOrder(ctx context.Context, o NewOrder, path string, futures bool) (*Order, error) {
	if o.ClientOrderID == "" {
		o.ClientOrderID = NewClientOrderID()
	}
	l, err := o.Params(futures)
	if err != nil {
		return nil, err
	}
	// One allocation holds the whole call: the request, the reply and the
	// values the decoder may reuse.
	p := &placing{c: c, path: path, symbol: o.Symbol,
		hints: orderHints{symbol: o.Symbol, clientOrderID: o.ClientOrderID, price: o.Price, qty: o.Quantity}}
	p.req = Request{Method: http.MethodPost, Path: path, Security: securityFor(http.MethodPost, path), Query: l, Idempotent: &p.no}
	return OrderProtocol{
		ClientOrderID: o.ClientOrderID, MaxAttempts: c.retry.MaxAttempts, QueryDelay: c.retry.QueryDelay,
		Backoff: c.backoffFn, Logger: c.log, Calls: p,
	}.Run(ctx)
}

// placing is one PlaceOrder call.
type placing struct {
	c      *Client
	path   string
	symbol string
	no     bool // Request.Idempotent: an order is never resent blindly
	req    Request
	hints  orderHints
	out    Order
	resp   Response
}

// Place implements OrderCalls.
func (p *placing) Place(ctx context.Context) (*Order, error) {
	p.out = Order{}
	if err := p.c.callOrder(ctx, &p.req, &p.resp, &p.out, &p.hints); err != nil {
		return nil, err
	}
	return &p.out, nil
}

// Lookup implements OrderCalls.
func (p *placing) Lookup(ctx context.Context) (*Order, error) {
	return p.c.orderCall(ctx, http.MethodGet, p.path, p.symbol, 0, p.hints.clientOrderID)
}

// QueryOrder gets an order by id or client id (GET /api/v3/order).
func (c *Client) QueryOrder(ctx context.Context, symbol string, orderID int64, clientOrderID string) (*Order, error) {
	return c.orderCall(ctx, http.MethodGet, "/api/v3/order", symbol, orderID, clientOrderID)
}

// CancelOrder cancels an order (DELETE /api/v3/order).
func (c *Client) CancelOrder(ctx context.Context, symbol string, orderID int64, clientOrderID string) (*Order, error) {
	return c.orderCall(ctx, http.MethodDelete, "/api/v3/order", symbol, orderID, clientOrderID)
}

// QueryFuturesOrder gets a futures order (GET /fapi/v1/order).
func (c *Client) QueryFuturesOrder(ctx context.Context, symbol string, orderID int64, clientOrderID string) (*Order, error) {
	return c.orderCall(ctx, http.MethodGet, "/fapi/v1/order", symbol, orderID, clientOrderID)
}

func (c *Client) orderCall(ctx context.Context, method, path, symbol string, orderID int64, clientOrderID string) (*Order, error) {
	q := &orderQuery{req: Request{Method: method, Path: path, Security: securityFor(method, path)}}
	l := &q.req.Query
	l.Grow(2)
	l.AddString("symbol", symbol)
	switch {
	case orderID != 0:
		l.AddInt("orderId", orderID)
	case clientOrderID != "":
		l.AddString("origClientOrderId", clientOrderID)
	default:
		return nil, fmt.Errorf("give an orderId or a client order id")
	}
	q.hints = orderHints{symbol: symbol, clientOrderID: clientOrderID}
	if err := c.callOrder(ctx, &q.req, &q.resp, &q.out, &q.hints); err != nil {
		return nil, err
	}
	return &q.out, nil
}

// orderQuery is one query or cancel call, in one allocation.
type orderQuery struct {
	req   Request
	resp  Response
	out   Order
	hints orderHints
}

// callOrder sends req and decodes an order reply into out.
func (c *Client) callOrder(ctx context.Context, req *Request, resp *Response, out *Order, h *orderHints) error {
	if err := c.do(ctx, req, resp, true); err != nil {
		return err
	}
	err := decodeOrder(resp.Body, out, h)
	c.releaseBody(resp.Body, true)
	if err != nil {
		return fmt.Errorf("binance: decoding %s %s: %w", req.Method, req.Path, err)
	}
	return nil
}

// call sends req and decodes a JSON answer into out.
func (c *Client) call(ctx context.Context, req *Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, fmt.Errorf("binance: decoding %s %s: %w", req.Method, req.Path, err)
		}
	}
	return resp, nil
}

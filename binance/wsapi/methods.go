package wsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
)

// methodCost prices a method as the spot WebSocket API documents it. An
// unknown method costs ratelimit.DefaultUnknownWeight (over-counting is
// safe: the server's rateLimits counts correct it after each answer).
func (c *Client) methodCost(method string, p *params.List) ratelimit.Cost {
	cost := ratelimit.Cost{Host: c.host, Family: c.family, Path: method, Scope: c.scope}
	switch method {
	case "ping", "time":
		cost.Weight = 1
	case "session.logon", "session.status", "session.logout":
		cost.Weight = 2
	case "exchangeInfo", "allOrders", "myTrades":
		cost.Weight = 20
	case "account.status":
		cost.Weight = 20
	case "account.rateLimits.orders":
		cost.Weight = 40
	case "order.place", "sor.order.place", "order.cancelReplace":
		// 0 on success since 2026-04-02, 1 on failure: count 1.
		cost.Weight, cost.Orders = 1, 1
	case "orderList.place.oco", "orderList.place.oto":
		cost.Weight, cost.Orders = 1, 2
	case "orderList.place.otoco":
		cost.Weight, cost.Orders = 1, 3
	case "order.test", "order.cancel", "openOrders.cancelAll", "orderList.cancel":
		cost.Weight = 1
	case "order.status":
		cost.Weight = 4
	case "openOrders.status":
		cost.Weight = 6
		if !p.Has("symbol") {
			cost.Weight = 80
		}
	default:
		cost.Weight = ratelimit.DefaultUnknownWeight
	}
	return cost
}

// Time returns the server time ("time", weight 1). Without Options.Clock
// the client's clock syncs with it.
func (c *Client) Time(ctx context.Context) (time.Time, error) {
	var st struct {
		ServerTime int64 `json:"serverTime"`
	}
	if err := c.decode(ctx, "time", nil, false, &st); err != nil {
		return time.Time{}, err
	}
	if st.ServerTime <= 0 {
		return time.Time{}, fmt.Errorf("wsapi: time: the answer has no serverTime")
	}
	return time.UnixMilli(st.ServerTime), nil
}

// Ping checks the API answers ("ping", weight 1). It is the API method, not
// a WebSocket ping frame.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, "ping", &params.List{}, false)
	return err
}

// Session is the answer of session.logon, session.status and
// session.logout. APIKey is empty when the connection is not logged on.
type Session struct {
	APIKey           string `json:"apiKey"`
	AuthorizedSince  int64  `json:"authorizedSince"`
	ConnectedSince   int64  `json:"connectedSince"`
	ReturnRateLimits bool   `json:"returnRateLimits"`
	ServerTime       int64  `json:"serverTime"`
	UserDataStream   bool   `json:"userDataStream"`
}

// Logon authenticates the current connection with session.logon (Ed25519
// keys only: other keys get ErrLogonKeyType without anything being sent),
// and every later connection after a reconnect. Signed calls then carry
// only timestamp.
func (c *Client) Logon(ctx context.Context) (*Session, error) {
	if c.signer == nil || c.apiKey == "" {
		return nil, fmt.Errorf("wsapi: session.logon: %w: set Options.APIKey and an Ed25519 Options.Signer", ErrNoKey)
	}
	if c.signer.Algorithm() != sign.Ed25519 {
		return nil, logonKeyError(c.signer.Algorithm())
	}
	var s Session
	if err := c.decode(ctx, "session.logon", nil, true, &s); err != nil {
		return nil, err
	}
	c.wantLogon.Store(true)
	c.mu.Lock()
	cn := c.cur
	c.mu.Unlock()
	if cn != nil {
		cn.loggedOn.Store(true)
	}
	return &s, nil
}

// SessionStatus reports the connection's authentication ("session.status").
func (c *Client) SessionStatus(ctx context.Context) (*Session, error) {
	var s Session
	if err := c.decode(ctx, "session.status", nil, false, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Logout forgets the session key ("session.logout"); the connection stays
// open, later signed calls are signed one by one, and reconnects no longer
// log on.
func (c *Client) Logout(ctx context.Context) (*Session, error) {
	c.wantLogon.Store(false)
	var s Session
	err := c.decode(ctx, "session.logout", nil, false, &s)
	c.mu.Lock()
	cn := c.cur
	c.mu.Unlock()
	if cn != nil {
		cn.loggedOn.Store(false)
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// decode runs a method and decodes its result into out.
func (c *Client) decode(ctx context.Context, method string, p *params.List, signed bool, out any) error {
	if p == nil {
		p = &params.List{}
	}
	r, err := c.call(ctx, method, p, signed)
	if err != nil {
		return err
	}
	var derr error
	if o, ok := out.(*binance.Order); ok {
		derr = binance.DecodeOrder(r.Result, o, nil) // order.status, order.cancel
	} else {
		derr = json.Unmarshal(r.Result, out)
	}
	if derr != nil {
		return fmt.Errorf("wsapi: decoding the %s answer: %w", method, derr)
	}
	return nil
}

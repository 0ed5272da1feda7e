package wsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
)

// methodCost prices a method from the catalogue (package binance/catalog).
// An unknown method costs ratelimit.DefaultUnknownWeight (over-counting is
// safe: the server's rateLimits counts correct it after each answer).
func (c *Client) methodCost(method string, p *params.List) ratelimit.Cost {
	cost := ratelimit.Cost{Host: c.host, Family: c.family, Path: method, Scope: c.scope}
	e, ok := catalog.Default().Lookup(catalog.WS, method)
	if !ok {
		cost.Weight = ratelimit.DefaultUnknownWeight
		return cost
	}
	cost.Orders = e.Orders
	cost.Weight = e.Weight.Base
	if len(e.Weight.If) > 0 || len(e.Weight.Tiers) > 0 {
		cost.Weight = e.Weight.Of(func(name string) (string, bool) {
			if p == nil {
				return "", false
			}
			return p.Get(name)
		})
	}
	return cost
}

// signedMethod reports whether the catalogue lists a method as SIGNED
// (timestamp and signature, or a logged-on session); a method it does not
// list is signed, because an unsigned call to a signed method only earns an
// error.
func signedMethod(name string) bool {
	e, ok := catalog.Default().Lookup(catalog.WS, name)
	return !ok || e.Security.Signed()
}

// connectWeight is what opening a connection costs, from the catalogue's
// handshake entry of the family's WebSocket API path.
func connectWeight(family string) int {
	path := "/ws-api/v3"
	switch family {
	case "fapi":
		path = "/ws-fapi/v1"
	case "dapi":
		path = "/ws-dapi/v1"
	}
	if e, ok := catalog.Default().Lookup(http.MethodGet, path); ok {
		return e.Weight.Base
	}
	return ratelimit.DefaultUnknownWeight
}

// Time returns the server time ("time", weight 1). Without Options.Clock
// the client's clock syncs with it.
func (c *Client) Time(ctx context.Context) (time.Time, error) {
	var st struct {
		ServerTime int64 `json:"serverTime"`
	}
	if err := c.decode(ctx, "time", nil, signedMethod("time"), &st); err != nil {
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
	_, err := c.call(ctx, "ping", &params.List{}, signedMethod("ping"))
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
	if err := c.decode(ctx, "session.logon", nil, signedMethod("session.logon"), &s); err != nil {
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
	if err := c.decode(ctx, "session.status", nil, signedMethod("session.status"), &s); err != nil {
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
	err := c.decode(ctx, "session.logout", nil, signedMethod("session.logout"), &s)
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

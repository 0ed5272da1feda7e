package binance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/shopspring/decimal"
)

// Time returns the spot server time (GET /api/v3/time).
func (c *Client) Time(ctx context.Context) (time.Time, error) {
	var st ServerTime
	if _, err := c.call(ctx, &Request{Method: http.MethodGet, Path: "/api/v3/time"}, &st); err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(st.ServerTime), nil
}

// ExchangeInfo returns exchange rules (GET /api/v3/exchangeInfo); symbols
// may be empty for all. It also feeds the rate limits to the governor.
func (c *Client) ExchangeInfo(ctx context.Context, symbols ...string) (*ExchangeInfo, error) {
	req := &Request{Method: http.MethodGet, Path: "/api/v3/exchangeInfo"}
	switch len(symbols) {
	case 0:
	case 1:
		req.Query.AddString("symbol", symbols[0])
	default:
		req.Query.Add("symbols", symbols)
	}
	var info ExchangeInfo
	resp, err := c.call(ctx, req, &info)
	if err != nil {
		return nil, err
	}
	if ls, err := ratelimit.LimitsFromExchangeInfo(resp.Body, string(Spot)); err == nil && len(ls) > 0 {
		c.gov.SetLimits(string(Spot), ls)
	}
	return &info, nil
}

// Account returns the spot account (GET /api/v3/account).
func (c *Client) Account(ctx context.Context) (*Account, error) {
	q := &accountQuery{req: Request{Method: http.MethodGet, Path: "/api/v3/account", Security: securityFor(http.MethodGet, "/api/v3/account")}}
	q.req.Query.Grow(1)
	q.req.Query.AddString("omitZeroBalances", "true")
	if err := c.do(ctx, &q.req, &q.resp, true); err != nil {
		return nil, err
	}
	err := decodeAccount(q.resp.Body, &q.out)
	c.releaseBody(q.resp.Body, true)
	if err != nil {
		return nil, fmt.Errorf("binance: decoding GET /api/v3/account: %w", err)
	}
	return &q.out, nil
}

// accountQuery is one Account call, in one allocation.
type accountQuery struct {
	req  Request
	resp Response
	out  Account
}

// OpenOrders lists open orders (GET /api/v3/openOrders); symbol "" for all.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]Order, error) {
	req := &Request{Method: http.MethodGet, Path: "/api/v3/openOrders", Security: Catalogued}
	if symbol != "" {
		req.Query.AddString("symbol", symbol)
	}
	var out []Order
	_, err := c.call(ctx, req, &out)
	return out, err
}

// CancelOpenOrders cancels every open order of a symbol (DELETE /api/v3/openOrders).
func (c *Client) CancelOpenOrders(ctx context.Context, symbol string) ([]Order, error) {
	req := &Request{Method: http.MethodDelete, Path: "/api/v3/openOrders", Security: Catalogued}
	req.Query.AddString("symbol", symbol)
	var out []Order
	_, err := c.call(ctx, req, &out)
	return out, err
}

// MyTrades lists the account's trades of a symbol (GET /api/v3/myTrades).
func (c *Client) MyTrades(ctx context.Context, symbol string, limit int) ([]Trade, error) {
	req := &Request{Method: http.MethodGet, Path: "/api/v3/myTrades", Security: Catalogued}
	req.Query.AddString("symbol", symbol)
	if limit > 0 {
		req.Query.AddInt("limit", int64(limit))
	}
	var out []Trade
	_, err := c.call(ctx, req, &out)
	return out, err
}

// APIRestrictions tells what the key may do (GET /sapi/v1/account/apiRestrictions).
func (c *Client) APIRestrictions(ctx context.Context) (map[string]any, error) {
	out := map[string]any{}
	_, err := c.call(ctx, &Request{Method: http.MethodGet, Path: "/sapi/v1/account/apiRestrictions", Security: Catalogued}, &out)
	return out, err
}

// FiatWithdraw is POST /sapi/v2/fiat/withdraw. AccountInfo is the nested
// object Binance wants; it is sent as a form field holding compact JSON,
// signed exactly as sent (the official connectors' layout).
type FiatWithdraw struct {
	Currency         string
	APIPaymentMethod string // e.g. bank_transfer
	Amount           decimal.Decimal
	AccountInfo      map[string]any
}

// FiatWithdrawResult is the answer's data.
type FiatWithdrawResult struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		OrderID string `json:"orderId"`
	} `json:"data"`
}

// FiatWithdraw withdraws fiat. It is never retried automatically.
func (c *Client) FiatWithdraw(ctx context.Context, w FiatWithdraw) (*FiatWithdrawResult, error) {
	req := &Request{Method: http.MethodPost, Path: "/sapi/v2/fiat/withdraw", Security: Catalogued}
	req.Body.AddString("currency", w.Currency).AddString("apiPaymentMethod", w.APIPaymentMethod).
		AddDecimal("amount", w.Amount).Add("accountInfo", w.AccountInfo)
	req.TimestampIn = payload.Query // query: the documented sample keeps timestamp and signature in the URL
	var out FiatWithdrawResult
	if _, err := c.call(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UniversalTransfer is POST /sapi/v1/sub-account/universalTransfer.
type UniversalTransfer struct {
	FromEmail, ToEmail             string // sub-account e-mails; '@' is percent-encoded and signed as sent
	FromAccountType, ToAccountType string // SPOT, USDT_FUTURE, ...
	Asset                          string
	Amount                         decimal.Decimal
}

// UniversalTransfer moves assets between (sub-)accounts.
func (c *Client) UniversalTransfer(ctx context.Context, t UniversalTransfer) (int64, error) {
	req := &Request{Method: http.MethodPost, Path: "/sapi/v1/sub-account/universalTransfer", Security: Catalogued}
	if t.FromEmail != "" {
		req.Body.AddString("fromEmail", t.FromEmail)
	}
	if t.ToEmail != "" {
		req.Body.AddString("toEmail", t.ToEmail)
	}
	req.Body.AddString("fromAccountType", t.FromAccountType).AddString("toAccountType", t.ToAccountType).
		AddString("asset", t.Asset).AddDecimal("amount", t.Amount)
	var out struct {
		TranID int64 `json:"tranId"`
	}
	if _, err := c.call(ctx, req, &out); err != nil {
		return 0, err
	}
	return out.TranID, nil
}

// FuturesLeverage sets a symbol's leverage (POST /fapi/v1/leverage).
func (c *Client) FuturesLeverage(ctx context.Context, symbol string, leverage int) (*Leverage, error) {
	req := &Request{Method: http.MethodPost, Path: "/fapi/v1/leverage", Security: Catalogued}
	req.Query.AddString("symbol", symbol).AddInt("leverage", int64(leverage))
	var out Leverage
	if _, err := c.call(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FuturesAccount returns the USDⓈ-M account (GET /fapi/v2/account) as JSON.
func (c *Client) FuturesAccount(ctx context.Context) (map[string]any, error) {
	out := map[string]any{}
	_, err := c.call(ctx, &Request{Method: http.MethodGet, Path: "/fapi/v2/account", Security: Catalogued}, &out)
	return out, err
}

// FuturesBatchOrders places up to 5 futures orders in one request (POST
// /fapi/v1/batchOrders, the list as a JSON array). Batches are not retried:
// each order gets a client id, so a caller can look them up.
func (c *Client) FuturesBatchOrders(ctx context.Context, orders []NewOrder) ([]BatchResult, error) {
	if len(orders) == 0 || len(orders) > 5 {
		return nil, fmt.Errorf("batchOrders takes 1 to 5 orders, got %d", len(orders))
	}
	items := make([]map[string]string, 0, len(orders))
	for i := range orders {
		if orders[i].ClientOrderID == "" {
			orders[i].ClientOrderID = NewClientOrderID()
		}
		l, err := orders[i].Params(true)
		if err != nil {
			return nil, fmt.Errorf("order %d: %w", i, err)
		}
		m := map[string]string{}
		for _, p := range l.All() {
			m[p.Name] = p.Value
		}
		items = append(items, m)
	}
	var l params.List
	l.Add("batchOrders", items)
	resp, err := c.Do(ctx, &Request{Method: http.MethodPost, Path: "/fapi/v1/batchOrders", Security: Catalogued, Body: l})
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		return nil, fmt.Errorf("binance: decoding batchOrders: %w", err)
	}
	out := make([]BatchResult, len(raw))
	for i, r := range raw {
		var e struct {
			Code *int   `json:"code"`
			Msg  string `json:"msg"`
		}
		if json.Unmarshal(r, &e) == nil && e.Code != nil && *e.Code != 200 {
			out[i].Err = &APIError{HTTPStatus: resp.StatusCode, Code: codes.Code(*e.Code), Msg: e.Msg,
				Method: http.MethodPost, Path: "/fapi/v1/batchOrders"}
			out[i].Err.Hint = hintFor(out[i].Err)
			continue
		}
		var o Order
		if err := json.Unmarshal(r, &o); err != nil {
			return nil, fmt.Errorf("binance: decoding batch item %d: %w", i, err)
		}
		out[i].Order = &o
	}
	return out, nil
}

package kucoin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sim/exsim"
	"github.com/mbxkit/mbx/sim/store"
)

// Emulator is KuCoin's local exchange: KuCoin's authentication (every
// rule Verify checks), its {"code","data"} envelope and error codes, and a
// core set of spot endpoints backed by the SQLite ledger (sim/store):
// server time, symbols and currencies, accounts, place / query / cancel an
// order and the list of active orders. Every rejection carries its
// explanation in X-MBX-EXPLAIN and is listed at /mbx/recent.
type Emulator struct {
	*exsim.Base // Handler, Start, Close, Recent
	ex          Exchange
}

var _ exchange.Emulator = (*Emulator)(nil)

// NewEmulator builds KuCoin's local exchange from cfg; every key needs a
// passphrase. Start listens.
func (x Exchange) NewEmulator(ctx context.Context, cfg exchange.EmulatorConfig) (exchange.Emulator, error) {
	b, err := exsim.Open(ctx, "KuCoin", cfg, exsim.PassphraseRequired)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Base: b, ex: x}
	api := exsim.API{
		Exchange: x,
		Write: exsim.JSONEnvelope(func(data any) any { return map[string]any{"code": CodeOK, "data": data} },
			func(r exsim.Reply) any { return map[string]string{"code": r.Code, "msg": r.Msg} }),
		BadParams: func(err error) exsim.Reply {
			return exsim.Reply{Status: http.StatusBadRequest, Code: CodeParameterError, Msg: err.Error()}
		},
	}
	e.Serve(api, e.publicRoutes(), e.private)
	return e, nil
}

// apiError is a KuCoin error answer.
type apiError = exsim.Reply

func paramErr(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeParameterError, Msg: fmt.Sprintf(format, args...)}
}

func (e *Emulator) private(ctx context.Context, account string, r *http.Request, p map[string]string) (any, *apiError) {
	path := r.URL.Path
	switch {
	case r.Method == "GET" && path == "/api/v1/accounts":
		return e.accounts(ctx, account, r.URL.Query().Get("currency"), r.URL.Query().Get("type"))
	case r.Method == "GET" && path == "/api/v1/hf/accounts/opened":
		return false, nil // classic account: ccxt then uses /api/v1/orders
	case r.Method == "GET" && path == "/api/ua/v1/account/mode":
		return map[string]any{"selfAccountMode": "CLASSIC"}, nil
	case r.Method == "GET" && path == "/api/v3/margin/symbols":
		return map[string]any{"timestamp": e.Now().UnixMilli(), "items": []any{}}, nil
	case r.Method == "GET" && path == "/api/v1/isolated/symbols":
		return []any{}, nil
	case r.Method == "POST" && path == "/api/v1/orders":
		if !e.Can(account, "trade") {
			return nil, &apiError{Status: http.StatusForbidden, Code: "400007", Msg: "Access denied, requires more permission.",
				Explanation: "this API key lacks the Trade permission; enable it on the API page"}
		}
		return e.placeOrder(ctx, account, p)
	case r.Method == "GET" && path == "/api/v1/orders":
		return e.listOrders(ctx, account, r)
	case strings.HasPrefix(path, "/api/v1/orders/") && (r.Method == "GET" || r.Method == "DELETE"):
		id, err := parseOrderID(strings.TrimPrefix(path, "/api/v1/orders/"))
		if err != nil {
			return nil, &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Msg: "order not exist.", Explanation: err.Error()}
		}
		if r.Method == "GET" {
			o, err := e.Store.OrderByID(ctx, account, id)
			if err != nil {
				return nil, storeErr(err)
			}
			return orderJSON(o), nil
		}
		return e.cancel(ctx, account, id)
	}
	return nil, &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Msg: "Url Not Found",
		Explanation: "the local KuCoin exchange does not model " + r.Method + " " + path}
}

func (e *Emulator) accounts(ctx context.Context, account, currency, typ string) (any, *apiError) {
	if typ != "" && typ != "trade" {
		return []any{}, nil // only the trade account is modelled
	}
	bals, err := e.Store.Balances(ctx, account)
	if err != nil {
		return nil, storeErr(err)
	}
	out := []map[string]string{}
	for _, b := range bals {
		if currency != "" && b.Asset != currency {
			continue
		}
		out = append(out, map[string]string{
			"id": fmt.Sprintf("%024x", len(out)+1), "currency": b.Asset, "type": "trade",
			"balance": b.Free.Add(b.Locked).String(), "available": b.Free.String(), "holds": b.Locked.String(),
		})
	}
	return out, nil
}

func (e *Emulator) placeOrder(ctx context.Context, account string, p map[string]string) (any, *apiError) {
	str := func(name string) string { return p[name] }
	m, ok := marketBySymbol(str("symbol"))
	if !ok {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "900001", Msg: "symbol not exists!",
			Explanation: fmt.Sprintf("symbol %q is not listed; the local exchange lists %s", str("symbol"), symbolNames())}
	}
	side := strings.ToUpper(str("side"))
	if side != store.SideBuy && side != store.SideSell {
		return nil, paramErr("side must be buy or sell")
	}
	typ := str("type")
	if typ == "" {
		typ = "limit"
	}
	o := store.NewOrder{Symbol: m.Symbol, Side: side, ClientOrderID: str("clientOid"), Now: e.Now()}
	if o.ClientOrderID == "" {
		return nil, paramErr("clientOid is required")
	}
	var err error
	switch typ {
	case "limit":
		o.Type = store.TypeLimit
		o.TimeInForce = strings.ToUpper(str("timeInForce"))
		if o.TimeInForce == "" {
			o.TimeInForce = store.GTC
		}
		if o.Price, err = decimal.NewFromString(str("price")); err != nil {
			return nil, paramErr("price must be a decimal number")
		}
		if o.Quantity, err = decimal.NewFromString(str("size")); err != nil {
			return nil, paramErr("size must be a decimal number")
		}
	case "market":
		o.Type = store.TypeMarket
		if s := str("size"); s != "" {
			if o.Quantity, err = decimal.NewFromString(s); err != nil {
				return nil, paramErr("size must be a decimal number")
			}
		} else if o.QuoteOrderQty, err = decimal.NewFromString(str("funds")); err != nil {
			return nil, paramErr("a market order needs size or funds")
		}
	default:
		return nil, paramErr("type must be limit or market")
	}
	placed, err := e.Store.PlaceOrder(ctx, account, m, o)
	if err != nil {
		return nil, storeErr(err)
	}
	return map[string]string{"orderId": orderID(placed.OrderID)}, nil
}

func (e *Emulator) cancel(ctx context.Context, account string, id int64) (any, *apiError) {
	o, err := e.Store.OrderByID(ctx, account, id)
	if err != nil {
		return nil, storeErr(err)
	}
	if _, err := e.Store.CancelOrder(ctx, account, o.Symbol, id, "", e.Now()); err != nil {
		if errors.Is(err, store.ErrUnknownOrder) {
			return nil, &apiError{Status: http.StatusBadRequest, Code: CodeParameterError, Msg: "order_not_exist_or_not_allow_to_cancel",
				Explanation: "the order is no longer active (" + o.Status + ")"}
		}
		return nil, storeErr(err)
	}
	return map[string][]string{"cancelledOrderIds": {orderID(id)}}, nil
}

func (e *Emulator) listOrders(ctx context.Context, account string, r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	var (
		orders []store.Order
		err    error
	)
	switch q.Get("status") {
	case "active":
		orders, err = e.Store.OpenOrders(ctx, account, q.Get("symbol"))
	case "", "done":
		orders, err = e.Store.AllOrders(ctx, account, q.Get("symbol"), store.MaxLimit)
		if q.Get("status") == "done" {
			kept := orders[:0]
			for _, o := range orders {
				if o.Status != store.StatusNew && o.Status != store.StatusPartiallyFilled {
					kept = append(kept, o)
				}
			}
			orders = kept
		}
	default:
		return nil, paramErr("status must be active or done")
	}
	if err != nil {
		return nil, storeErr(err)
	}
	items := make([]map[string]any, 0, len(orders))
	for _, o := range orders {
		items = append(items, orderJSON(o))
	}
	return map[string]any{"currentPage": 1, "pageSize": len(items), "totalNum": len(items), "totalPage": 1, "items": items}, nil
}

// storeErr is KuCoin's answer to an error of the ledger.
func storeErr(err error) *apiError {
	return exsim.StoreError(err, exsim.StoreAnswers{
		Balance:      apiError{Status: http.StatusBadRequest, Code: CodeBalance, Msg: "Balance insufficient!"},
		UnknownOrder: apiError{Status: http.StatusNotFound, Code: CodeNotFound, Msg: "order not exist."},
		Duplicate:    apiError{Status: http.StatusBadRequest, Code: CodeParameterError, Msg: "clientOid is duplicated"},
		BadInput:     apiError{Status: http.StatusBadRequest, Code: CodeParameterError},
		Internal:     apiError{Status: http.StatusInternalServerError, Code: "500000", Msg: "Internal Server Error"},
	})
}

// orderID writes a ledger id as KuCoin writes order ids: 24 hex digits.
func orderID(id int64) string { return fmt.Sprintf("%024x", id) }

func parseOrderID(s string) (int64, error) {
	if len(s) != 24 {
		return 0, fmt.Errorf("order id %q is not 24 hex digits", s)
	}
	id, err := strconv.ParseInt(s, 16, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("order id %q is not 24 hex digits", s)
	}
	return id, nil
}

func orderJSON(o store.Order) map[string]any {
	active := o.Status == store.StatusNew || o.Status == store.StatusPartiallyFilled
	return map[string]any{
		"id": orderID(o.OrderID), "symbol": o.Symbol, "opType": "DEAL", "type": strings.ToLower(o.Type),
		"side": strings.ToLower(o.Side), "price": o.Price.String(), "size": o.OrigQty.String(),
		"funds": o.OrigQuoteOrderQty.String(), "dealFunds": o.CummulativeQuoteQty.String(), "dealSize": o.ExecutedQty.String(),
		"fee": "0", "feeCurrency": quoteOf(o.Symbol), "stp": "", "stop": "", "stopTriggered": false, "stopPrice": "0",
		"timeInForce": o.TimeInForce, "postOnly": false, "hidden": false, "iceberg": false, "visibleSize": "0",
		"cancelAfter": 0, "channel": "API", "clientOid": o.ClientOrderID, "remark": nil, "tags": nil,
		"isActive": active, "cancelExist": o.Status == store.StatusCanceled || o.Status == store.StatusExpired,
		"createdAt": o.Time.UnixMilli(), "tradeType": "TRADE",
	}
}

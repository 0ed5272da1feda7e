package gate

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sim/exsim"
	"github.com/mbxkit/mbx/sim/store"
)

// Emulator is Gate's local exchange: Gate's API v4 authentication (every
// rule Verify checks), its bare JSON answers and {"label","message"}
// errors, and a core set of spot endpoints backed by the SQLite ledger
// (sim/store): server time, currency pairs and currencies, spot accounts,
// place / query / cancel an order and the open orders. Every rejection
// carries its explanation in X-MBX-EXPLAIN and is listed at /mbx/recent.
type Emulator struct {
	*exsim.Base // Handler, Start, Close, Recent
	ex          Exchange
	text        atomic.Int64 // generates a text for orders sent without one
}

var _ exchange.Emulator = (*Emulator)(nil)

// NewEmulator builds Gate's local exchange from cfg. Gate keys have no
// passphrase. Start listens.
func (x Exchange) NewEmulator(ctx context.Context, cfg exchange.EmulatorConfig) (exchange.Emulator, error) {
	b, err := exsim.Open(ctx, "Gate", cfg, exsim.PassphraseOptional)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Base: b, ex: x}
	api := exsim.API{
		Exchange: x,
		Write: exsim.JSONEnvelope(func(data any) any { return data },
			func(r exsim.Reply) any { return map[string]string{"label": r.Code, "message": r.Msg} }),
		BadParams: func(err error) exsim.Reply {
			return exsim.Reply{Status: http.StatusBadRequest, Code: "INVALID_REQUEST_BODY", Msg: "Invalid request body: " + err.Error()}
		},
	}
	e.Serve(api, e.publicRoutes(), e.private)
	return e, nil
}

type apiError = exsim.Reply

func paramErr(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: LabelInvalidParam, Msg: fmt.Sprintf(format, args...)}
}

func (e *Emulator) private(ctx context.Context, account string, r *http.Request, p map[string]string) (any, *apiError) {
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	q := r.URL.Query()
	switch {
	case r.Method == "GET" && path == "/spot/accounts":
		return e.accounts(ctx, account, q.Get("currency"))
	case r.Method == "GET" && path == "/unified/unified_mode":
		return map[string]any{"mode": "classic", "settings": map[string]any{}}, nil
	case r.Method == "GET" && path == "/account/detail":
		return map[string]any{"user_id": 1, "ip_whitelist": []string{}, "currency_pairs": []string{}, "key": map[string]any{"mode": 1}, "tier": 0}, nil
	case r.Method == "POST" && path == "/spot/orders":
		if !e.Can(account, "trade") && !e.Can(account, "spot") {
			return nil, &apiError{Status: http.StatusForbidden, Code: LabelForbidden, Msg: "Forbidden",
				Explanation: "this API key lacks the spot trade permission; enable it on the APIv4 key page"}
		}
		return e.placeOrder(ctx, account, p)
	case r.Method == "GET" && path == "/spot/open_orders":
		return e.openOrders(ctx, account)
	case r.Method == "GET" && path == "/spot/orders":
		if q.Get("status") != "open" {
			return nil, paramErr("status: the local exchange lists status=open orders only")
		}
		return e.ordersOf(ctx, account, q.Get("currency_pair"))
	case strings.HasPrefix(path, "/spot/orders/") && (r.Method == "GET" || r.Method == "DELETE"):
		pair := q.Get("currency_pair")
		if pair == "" {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "MISSING_REQUIRED_PARAM", Msg: "Missing required parameter: currency_pair"}
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(path, "/spot/orders/"), 10, 64)
		if err != nil || id <= 0 {
			return nil, &apiError{Status: http.StatusNotFound, Code: LabelOrderNotFound, Msg: "Order not found",
				Explanation: "order ids are decimal numbers; a custom text id (t-...) is not looked up by the local exchange"}
		}
		if r.Method == "GET" {
			o, err := e.Store.GetOrder(ctx, account, pair, id, "")
			if err != nil {
				return nil, storeErr(err)
			}
			return orderJSON(o), nil
		}
		o, err := e.Store.CancelOrder(ctx, account, pair, id, "", e.Now())
		if err != nil {
			return nil, storeErr(err)
		}
		return orderJSON(o), nil
	}
	return nil, &apiError{Status: http.StatusNotFound, Code: "NOT_FOUND", Msg: "Not found",
		Explanation: "the local Gate exchange does not model " + r.Method + " " + r.URL.Path}
}

func (e *Emulator) accounts(ctx context.Context, account, currency string) (any, *apiError) {
	bals, err := e.Store.Balances(ctx, account)
	if err != nil {
		return nil, storeErr(err)
	}
	out := []map[string]any{}
	for i, b := range bals {
		if currency != "" && b.Asset != currency {
			continue
		}
		out = append(out, map[string]any{"currency": b.Asset, "available": b.Free.String(), "locked": b.Locked.String(), "update_id": i + 1})
	}
	return out, nil
}

func (e *Emulator) placeOrder(ctx context.Context, account string, p map[string]string) (any, *apiError) {
	str := func(name string) string { return p[name] }
	m, ok := marketByPair(str("currency_pair"))
	if !ok {
		return nil, &apiError{Status: http.StatusBadRequest, Code: LabelInvalidPair, Msg: "Invalid currency pair " + str("currency_pair"),
			Explanation: "the local exchange lists " + pairNames()}
	}
	if a := str("account"); a != "" && a != "spot" {
		return nil, paramErr("account: only spot is modelled")
	}
	side := strings.ToUpper(str("side"))
	if side != store.SideBuy && side != store.SideSell {
		return nil, paramErr("invalid argument: side")
	}
	text := str("text")
	if text == "" {
		text = fmt.Sprintf("apiv4-%d", e.text.Add(1))
	} else if !strings.HasPrefix(text, "t-") {
		return nil, paramErr("text must start with t-")
	}
	o := store.NewOrder{Symbol: m.Symbol, Side: side, ClientOrderID: text, Now: e.Now()}
	amount, err := decimal.NewFromString(str("amount"))
	if err != nil {
		return nil, paramErr("invalid argument: amount")
	}
	switch t := str("type"); t {
	case "", "limit":
		o.Type = store.TypeLimit
		switch tif := str("time_in_force"); tif {
		case "", "gtc":
			o.TimeInForce = store.GTC
		case "ioc":
			o.TimeInForce = store.IOC
		case "fok":
			o.TimeInForce = store.FOK
		default:
			return nil, paramErr("time_in_force %q is not modelled; use gtc, ioc or fok", tif)
		}
		o.Quantity = amount
		if o.Price, err = decimal.NewFromString(str("price")); err != nil {
			return nil, paramErr("invalid argument: price")
		}
	case "market":
		o.Type = store.TypeMarket
		if side == store.SideBuy {
			o.QuoteOrderQty = amount // Gate: a market buy's amount is in the quote currency
		} else {
			o.Quantity = amount
		}
	default:
		return nil, paramErr("invalid argument: type")
	}
	placed, err := e.Store.PlaceOrder(ctx, account, m, o)
	if err != nil {
		return nil, storeErr(err)
	}
	return orderJSON(placed), nil
}

func (e *Emulator) ordersOf(ctx context.Context, account, pair string) (any, *apiError) {
	if pair == "" {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "MISSING_REQUIRED_PARAM", Msg: "Missing required parameter: currency_pair"}
	}
	orders, err := e.Store.OpenOrders(ctx, account, pair)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]map[string]any, 0, len(orders))
	for _, o := range orders {
		out = append(out, orderJSON(o))
	}
	return out, nil
}

func (e *Emulator) openOrders(ctx context.Context, account string) (any, *apiError) {
	orders, err := e.Store.OpenOrders(ctx, account, "")
	if err != nil {
		return nil, storeErr(err)
	}
	byPair := map[string][]map[string]any{}
	var order []string
	for _, o := range orders {
		if _, seen := byPair[o.Symbol]; !seen {
			order = append(order, o.Symbol)
		}
		byPair[o.Symbol] = append(byPair[o.Symbol], orderJSON(o))
	}
	out := make([]map[string]any, 0, len(order))
	for _, p := range order {
		out = append(out, map[string]any{"currency_pair": p, "total": len(byPair[p]), "orders": byPair[p]})
	}
	return out, nil
}

// storeErr is Gate's answer to an error of the ledger.
func storeErr(err error) *apiError {
	return exsim.StoreError(err, exsim.StoreAnswers{
		Balance:      apiError{Status: http.StatusBadRequest, Code: LabelBalanceNotEnough, Msg: "Not enough balance"},
		UnknownOrder: apiError{Status: http.StatusNotFound, Code: LabelOrderNotFound, Msg: "Order not found"},
		Duplicate:    apiError{Status: http.StatusBadRequest, Code: LabelInvalidParam, Msg: "text is used by an open order"},
		BadInput:     apiError{Status: http.StatusBadRequest, Code: LabelInvalidParam, Msg: "invalid argument: "},
		Internal:     apiError{Status: http.StatusInternalServerError, Code: "SERVER_ERROR", Msg: "Internal server error"},
	})
}

func orderJSON(o store.Order) map[string]any {
	status, finish := "closed", "filled"
	switch o.Status {
	case store.StatusNew, store.StatusPartiallyFilled:
		status, finish = "open", "open"
	case store.StatusCanceled:
		status, finish = "cancelled", "cancelled"
	case store.StatusExpired:
		status, finish = "cancelled", "ioc"
	}
	base, quote, _ := strings.Cut(o.Symbol, "_")
	avg := "0"
	if o.ExecutedQty.IsPositive() {
		avg = o.CummulativeQuoteQty.Div(o.ExecutedQty).String()
	}
	amount := o.OrigQty
	if o.Type == store.TypeMarket && o.Side == store.SideBuy && o.OrigQuoteOrderQty.IsPositive() {
		amount = o.OrigQuoteOrderQty
	}
	fee := quote
	if o.Side == store.SideBuy {
		fee = base
	}
	return map[string]any{
		"id": strconv.FormatInt(o.OrderID, 10), "text": o.ClientOrderID, "amend_text": "-",
		"create_time": strconv.FormatInt(o.Time.Unix(), 10), "update_time": strconv.FormatInt(o.UpdateTime.Unix(), 10),
		"create_time_ms": o.Time.UnixMilli(), "update_time_ms": o.UpdateTime.UnixMilli(),
		"status": status, "currency_pair": o.Symbol, "type": strings.ToLower(o.Type), "account": "spot",
		"side": strings.ToLower(o.Side), "amount": amount.String(), "price": o.Price.String(),
		"time_in_force": strings.ToLower(o.TimeInForce), "iceberg": "0",
		"left": o.OrigQty.Sub(o.ExecutedQty).String(), "filled_amount": o.ExecutedQty.String(),
		"fill_price": o.CummulativeQuoteQty.String(), "filled_total": o.CummulativeQuoteQty.String(),
		"avg_deal_price": avg, "fee": "0", "fee_currency": fee, "point_fee": "0", "gt_fee": "0",
		"gt_maker_fee": "0", "gt_taker_fee": "0", "gt_discount": false, "rebated_fee": "0",
		"rebated_fee_currency": quote, "finish_as": finish,
	}
}

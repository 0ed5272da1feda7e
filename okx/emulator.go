package okx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sim/exsim"
	"github.com/mbxkit/mbx/sim/store"
)

// instruments are the spot instruments the local exchange lists, at fixed
// prices.
func instruments() exsim.Markets {
	return exsim.NewMarkets(exsim.Spot("BTC-USDT", "BTC", "USDT", "60000"), exsim.Spot("ETH-USDT", "ETH", "USDT", "3000"))
}

// Emulator is OKX's local exchange: v5 authentication (with the passphrase)
// on server time, instruments, currencies, account balance, and placing,
// querying, listing and cancelling spot orders, with OKX's envelope and
// codes, state in the SQLite ledger. Every rejection carries X-MBX-EXPLAIN;
// /mbx/recent lists recent requests as JSON.
type Emulator struct {
	*exsim.Base // Handler, Start, Close, Recent
	insts       exsim.Markets
}

var _ exchange.Emulator = (*Emulator)(nil)

// NewEmulator builds OKX's local exchange from cfg; Start listens.
func (Exchange) NewEmulator(ctx context.Context, cfg exchange.EmulatorConfig) (exchange.Emulator, error) {
	return exsim.AsEmulator(NewEmulator(ctx, cfg))
}

// NewEmulator builds OKX's local exchange from cfg. Every key needs a
// passphrase, as every OKX API key has one.
func NewEmulator(ctx context.Context, cfg exchange.EmulatorConfig) (*Emulator, error) {
	b, err := exsim.Open(ctx, "OKX", cfg, exsim.PassphraseRequired)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Base: b, insts: instruments()}
	e.routes()
	return e, nil
}

// apiError is an OKX answer other than success. sCode, when set, is the
// per-item code of a trade endpoint (the envelope then says code "1").
type apiError struct {
	status             int
	code, msg          string
	sCode, sMsg        string
	explanation        string
	ordID, clientOrdID string
	items              []any // per-order answers of a partly failed batch
}

func paramErr(name, explanation string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "51000", msg: "Parameter " + name + " error", explanation: explanation}
}

func emptyErr(name string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "50014", msg: "Parameter " + name + " can not be empty.", explanation: name + " is required"}
}

type handler func(ctx context.Context, account string, p map[string]string) ([]any, *apiError)

func (e *Emulator) routes() {
	e.route("GET /api/v5/public/time", false, func(context.Context, string, map[string]string) ([]any, *apiError) {
		return []any{map[string]string{"ts": strconv.FormatInt(e.Now().UnixMilli(), 10)}}, nil
	})
	e.route("GET /api/v5/public/instruments", false, e.instruments)
	e.route("GET /api/v5/asset/currencies", true, e.currencies)
	e.route("GET /api/v5/account/balance", true, e.balance)
	e.route("POST /api/v5/trade/order", true, e.placeOrder)
	e.route("GET /api/v5/trade/order", true, e.getOrder)
	e.route("POST /api/v5/trade/cancel-order", true, e.cancelOrder)
	e.route("GET /api/v5/trade/orders-pending", true, e.pending)
	e.Handle(e.api(), "POST "+batchPath, true, func(r *http.Request, account string, _ map[string]string, body []byte) exsim.Reply {
		return reply(e.batch(r.Context(), account, body))
	})
	e.route("/", false, func(context.Context, string, map[string]string) ([]any, *apiError) {
		return nil, &apiError{status: http.StatusNotFound, code: "50030", msg: "Illegal request",
			explanation: "mbx's OKX local exchange does not serve this method and path"}
	})
}

// api is OKX's envelope for exsim.
func (e *Emulator) api() exsim.API {
	return exsim.API{
		Exchange: New(),
		Write: func(w http.ResponseWriter, r exsim.Reply) {
			data, _ := r.Data.([]any)
			writeEnvelope(w, r.Status, r.Code, r.Msg, data)
		},
		BadParams: func(err error) exsim.Reply {
			return exsim.Reply{Status: http.StatusBadRequest, Code: "50002", Msg: "JSON syntax error", Explanation: err.Error()}
		},
	}
}

// route registers h with OKX's envelope.
func (e *Emulator) route(pattern string, private bool, h handler) {
	e.Handle(e.api(), pattern, private, func(r *http.Request, account string, p map[string]string, _ []byte) exsim.Reply {
		return reply(h(r.Context(), account, p))
	})
}

// reply is an answer in OKX's terms: a trade endpoint's per-order failure is
// code "1" with the order's sCode in data.
func reply(data []any, aerr *apiError) exsim.Reply {
	if aerr == nil {
		return exsim.Reply{Status: http.StatusOK, Code: CodeOK, Data: data}
	}
	code, msg := aerr.code, aerr.msg
	items := []any{}
	if aerr.items != nil {
		items = aerr.items
	} else if aerr.sCode != "" {
		code, msg = "1", "Operation failed."
		items = append(items, map[string]string{"ordId": aerr.ordID, "clOrdId": aerr.clientOrdID, "tag": "", "sCode": aerr.sCode, "sMsg": aerr.sMsg})
	}
	return exsim.Reply{Status: aerr.status, Code: code, Msg: msg, Explanation: aerr.explanation, Data: items}
}

// writeEnvelope writes OKX's v5 envelope: {"code":"0","msg":"","data":[...]}.
func writeEnvelope(w http.ResponseWriter, status int, code, msg string, data []any) {
	if data == nil {
		data = []any{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Code string `json:"code"`
		Msg  string `json:"msg"`
		Data []any  `json:"data"`
	}{code, msg, data})
}

func (e *Emulator) instruments(_ context.Context, _ string, p map[string]string) ([]any, *apiError) {
	switch t := p["instType"]; t {
	case "SPOT":
	case "MARGIN", "SWAP", "FUTURES", "OPTION":
		return []any{}, nil // listed as empty: the local exchange trades spot only
	case "":
		return nil, emptyErr("instType")
	default:
		return nil, paramErr("instType", "instType must be SPOT, MARGIN, SWAP, FUTURES or OPTION; got "+strconv.Quote(t))
	}
	var out []any
	for _, in := range e.insts.All() {
		if id := p["instId"]; id != "" && id != in.Symbol {
			continue
		}
		out = append(out, map[string]string{"instType": "SPOT", "instId": in.Symbol, "baseCcy": in.Base, "quoteCcy": in.Quote,
			"settleCcy": "", "ctVal": "", "ctMult": "", "ctValCcy": "", "uly": "", "instFamily": "", "listTime": "1606468572000",
			"lever": "", "tickSz": "0.1", "lotSz": "0.00000001", "minSz": "0.00001", "maxLmtSz": "9999999999", "maxMktSz": "1000000",
			"state": "live", "ruleType": "normal", "ctType": "", "alias": "", "expTime": "", "optType": "", "stk": ""})
	}
	return out, nil
}

func (e *Emulator) currencies(context.Context, string, map[string]string) ([]any, *apiError) {
	var out []any
	for _, c := range e.insts.Assets() {
		out = append(out, map[string]any{"ccy": c, "name": c, "chain": c + "-" + c, "canDep": true, "canWd": true, "canInternal": true,
			"minDep": "0", "minWd": "0", "maxWd": "1000000", "wdTickSz": "8", "minFee": "0", "maxFee": "0", "mainNet": true, "needTag": false})
	}
	return out, nil
}

func (e *Emulator) balance(ctx context.Context, account string, p map[string]string) ([]any, *apiError) {
	bals, err := e.Store.Balances(ctx, account)
	if err != nil {
		return nil, storeErr(err, "", "")
	}
	want := map[string]bool{}
	if c := p["ccy"]; c != "" {
		for _, s := range splitComma(c) {
			want[s] = true
		}
	}
	now := strconv.FormatInt(e.Now().UnixMilli(), 10)
	details := []any{}
	total := decimal.Zero
	for _, b := range bals {
		if len(want) > 0 && !want[b.Asset] {
			continue
		}
		eq := b.Free.Add(b.Locked)
		if b.Asset == "USDT" {
			total = total.Add(eq)
		}
		details = append(details, map[string]string{"ccy": b.Asset, "eq": eq.String(), "cashBal": eq.String(), "availBal": b.Free.String(),
			"frozenBal": b.Locked.String(), "ordFrozen": b.Locked.String(), "uTime": now})
	}
	return []any{map[string]any{"uTime": now, "totalEq": total.String(), "details": details}}, nil
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func (e *Emulator) instrument(p map[string]string) (store.Market, *apiError) {
	id := p["instId"]
	if id == "" {
		return store.Market{}, emptyErr("instId")
	}
	in, ok := e.insts.Lookup(id)
	if !ok {
		return store.Market{}, &apiError{status: http.StatusOK, code: "51001", msg: "Instrument ID does not exist", explanation: "unknown instId " + strconv.Quote(id) + "; the local exchange lists BTC-USDT and ETH-USDT"}
	}
	return in, nil
}

func (e *Emulator) placeOrder(ctx context.Context, account string, p map[string]string) ([]any, *apiError) {
	in, aerr := e.instrument(p)
	if aerr != nil {
		return nil, aerr
	}
	cl := p["clOrdId"]
	fail := func(sCode, sMsg, expl string) ([]any, *apiError) {
		return nil, &apiError{status: http.StatusOK, sCode: sCode, sMsg: sMsg, explanation: expl, clientOrdID: cl}
	}
	if p["tdMode"] != "cash" {
		return fail("51000", "Parameter tdMode error", "a spot order in the local exchange's cash account needs tdMode=cash; got "+strconv.Quote(p["tdMode"]))
	}
	o := store.NewOrder{Symbol: in.Symbol, Now: e.Now(), ClientOrderID: cl}
	switch p["side"] {
	case "buy":
		o.Side = store.SideBuy
	case "sell":
		o.Side = store.SideSell
	default:
		return fail("51000", "Parameter side error", "side must be buy or sell; got "+strconv.Quote(p["side"]))
	}
	sz, err := decimal.NewFromString(p["sz"])
	if err != nil || !sz.IsPositive() {
		return fail("51000", "Parameter sz error", "sz must be a decimal greater than 0; got "+strconv.Quote(p["sz"]))
	}
	switch t := p["ordType"]; t {
	case "limit", "post_only", "ioc", "fok":
		px, err := decimal.NewFromString(p["px"])
		if err != nil || !px.IsPositive() {
			return fail("51000", "Parameter px error", "a "+t+" order needs px, a decimal greater than 0; got "+strconv.Quote(p["px"]))
		}
		o.Type, o.Quantity, o.Price, o.TimeInForce = store.TypeLimit, sz, px, store.GTC
		switch t {
		case "post_only":
			o.Type, o.TimeInForce = store.TypeLimitMaker, ""
		case "ioc":
			o.TimeInForce = store.IOC
		case "fok":
			o.TimeInForce = store.FOK
		}
	case "market":
		o.Type = store.TypeMarket
		// OKX spot: a market buy's sz is in the quote currency unless tgtCcy=base_ccy.
		if o.Side == store.SideBuy && p["tgtCcy"] != "base_ccy" {
			o.QuoteOrderQty = sz
		} else {
			o.Quantity = sz
		}
	default:
		return fail("51000", "Parameter ordType error", "ordType must be limit, market, post_only, ioc or fok; got "+strconv.Quote(t))
	}
	if o.ClientOrderID == "" {
		o.ClientOrderID = "mbx" + strconv.FormatInt(o.Now.UnixNano(), 36)
	}
	ord, err := e.Store.PlaceOrder(ctx, account, in, o)
	if err != nil {
		return nil, storeErr(err, "", cl)
	}
	return []any{map[string]string{"ordId": strconv.FormatInt(ord.OrderID, 10), "clOrdId": cl, "tag": p["tag"], "sCode": "0", "sMsg": "Order placed",
		"ts": strconv.FormatInt(ord.Time.UnixMilli(), 10)}}, nil
}

// batchPath places up to 20 orders in one request; ccxt's createOrder uses it
// by default.
const batchPath = "/api/v5/trade/batch-orders"

// maxBatch is OKX's limit on orders per batch request.
const maxBatch = 20

// batch places each order of a JSON array body, answering one item per
// order; the envelope is code "0" when all succeeded, "2" when some did and
// "1" when none did, as OKX documents.
func (e *Emulator) batch(ctx context.Context, account string, body []byte) ([]any, *apiError) {
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || len(raw) == 0 {
		return nil, &apiError{status: http.StatusBadRequest, code: "50002", msg: "JSON syntax error", explanation: "batch-orders takes a non-empty JSON array of orders"}
	}
	if len(raw) > maxBatch {
		return nil, &apiError{status: http.StatusOK, code: "51000", msg: "Parameter data error", explanation: fmt.Sprintf("at most %d orders per batch, got %d", maxBatch, len(raw))}
	}
	items := make([]any, 0, len(raw))
	failed := 0
	var first *apiError
	for _, one := range raw {
		p, err := exsim.BodyParams(one)
		if err != nil {
			return nil, &apiError{status: http.StatusBadRequest, code: "50002", msg: "JSON syntax error", explanation: "each batch item must be a JSON object: " + err.Error()}
		}
		data, aerr := e.placeOrder(ctx, account, p)
		if aerr != nil {
			failed++
			if first == nil {
				first = aerr
			}
			sCode, sMsg := aerr.sCode, aerr.sMsg
			if sCode == "" {
				sCode, sMsg = aerr.code, aerr.msg
			}
			items = append(items, map[string]string{"ordId": "", "clOrdId": p["clOrdId"], "tag": p["tag"], "sCode": sCode, "sMsg": sMsg})
			continue
		}
		items = append(items, data...)
	}
	if failed == len(raw) && len(raw) == 1 {
		return nil, first
	}
	if failed > 0 {
		return nil, &apiError{status: http.StatusOK, code: "2", msg: "Batch operation partially succeeded.", explanation: first.explanation, items: items}
	}
	return items, nil
}

func orderRef(p map[string]string) (int64, string, *apiError) {
	id, cl := p["ordId"], p["clOrdId"]
	if id == "" && cl == "" {
		return 0, "", &apiError{status: http.StatusOK, code: "51000", msg: "Parameter ordId error", explanation: "send ordId or clOrdId"}
	}
	var n int64
	if id != "" {
		var err error
		n, err = strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return 0, "", &apiError{status: http.StatusOK, code: "51603", msg: "Order does not exist", explanation: "no order has ordId " + strconv.Quote(id)}
		}
	}
	return n, cl, nil
}

func (e *Emulator) getOrder(ctx context.Context, account string, p map[string]string) ([]any, *apiError) {
	in, aerr := e.instrument(p)
	if aerr != nil {
		return nil, aerr
	}
	id, cl, aerr := orderRef(p)
	if aerr != nil {
		return nil, aerr
	}
	o, err := e.Store.GetOrder(ctx, account, in.Symbol, id, cl)
	if err != nil {
		if errors.Is(err, store.ErrUnknownOrder) {
			return nil, &apiError{status: http.StatusOK, code: "51603", msg: "Order does not exist", explanation: "no such order for this account and instId"}
		}
		return nil, storeErr(err, "", "")
	}
	return []any{orderJSON(o)}, nil
}

func (e *Emulator) cancelOrder(ctx context.Context, account string, p map[string]string) ([]any, *apiError) {
	in, aerr := e.instrument(p)
	if aerr != nil {
		return nil, aerr
	}
	id, cl, aerr := orderRef(p)
	if aerr != nil {
		return nil, aerr
	}
	o, err := e.Store.CancelOrder(ctx, account, in.Symbol, id, cl, e.Now())
	if err != nil {
		return nil, storeErr(err, p["ordId"], cl)
	}
	return []any{map[string]string{"ordId": strconv.FormatInt(o.OrderID, 10), "clOrdId": o.ClientOrderID, "sCode": "0", "sMsg": "",
		"ts": strconv.FormatInt(e.Now().UnixMilli(), 10)}}, nil
}

func (e *Emulator) pending(ctx context.Context, account string, p map[string]string) ([]any, *apiError) {
	if t := p["instType"]; t != "" && t != "SPOT" {
		return []any{}, nil
	}
	id := p["instId"]
	if id != "" {
		if _, aerr := e.instrument(p); aerr != nil {
			return nil, aerr
		}
	}
	os, err := e.Store.OpenOrders(ctx, account, id)
	if err != nil {
		return nil, storeErr(err, "", "")
	}
	out := make([]any, 0, len(os))
	for _, o := range os {
		out = append(out, orderJSON(o))
	}
	return out, nil
}

func orderState(s string) string {
	switch s {
	case store.StatusNew:
		return "live"
	case store.StatusPartiallyFilled:
		return "partially_filled"
	case store.StatusFilled:
		return "filled"
	default: // CANCELED, EXPIRED (an IOC/FOK that did not fill)
		return "canceled"
	}
}

func orderJSON(o store.Order) map[string]string {
	typ := "limit"
	switch {
	case o.Type == store.TypeMarket:
		typ = "market"
	case o.Type == store.TypeLimitMaker:
		typ = "post_only"
	case o.TimeInForce == store.IOC:
		typ = "ioc"
	case o.TimeInForce == store.FOK:
		typ = "fok"
	}
	side := "buy"
	if o.Side == store.SideSell {
		side = "sell"
	}
	avg, px := "", o.Price.String()
	if o.ExecutedQty.IsPositive() {
		avg = o.CummulativeQuoteQty.Div(o.ExecutedQty).String()
	}
	if o.Type == store.TypeMarket {
		px = ""
	}
	sz := o.OrigQty.String()
	if o.OrigQuoteOrderQty.IsPositive() {
		sz = o.OrigQuoteOrderQty.String()
	}
	return map[string]string{"instType": "SPOT", "instId": o.Symbol, "ordId": strconv.FormatInt(o.OrderID, 10), "clOrdId": o.ClientOrderID,
		"tag": "", "px": px, "sz": sz, "ordType": typ, "side": side, "tdMode": "cash", "state": orderState(o.Status),
		"accFillSz": o.ExecutedQty.String(), "avgPx": avg, "fillPx": avg, "fee": "0", "feeCcy": "", "rebate": "0", "rebateCcy": "",
		"cTime": strconv.FormatInt(o.Time.UnixMilli(), 10), "uTime": strconv.FormatInt(o.UpdateTime.UnixMilli(), 10), "category": "normal"}
}

// storeErr maps a ledger error to OKX's per-order answer.
func storeErr(err error, ordID, clOrdID string) *apiError {
	item := func(sCode, sMsg, expl string) *apiError {
		return &apiError{status: http.StatusOK, sCode: sCode, sMsg: sMsg, explanation: expl, ordID: ordID, clientOrdID: clOrdID}
	}
	var fe *store.FieldError
	switch {
	case errors.Is(err, store.ErrInsufficientBalance):
		return item("51008", "Order failed. Insufficient balance.", "the account's free balance does not cover the order")
	case errors.Is(err, store.ErrUnknownOrder):
		return item("51400", "Order cancellation failed as the order has been filled, canceled or does not exist.", "no open order with that id for this account and instId")
	case errors.Is(err, store.ErrDuplicateOrder):
		return item("51016", "Duplicated clOrdId", "clOrdId is held by an open order; use a new one")
	case errors.Is(err, store.ErrWouldMatch):
		return item("51020", "Order failed: post_only order would take liquidity", "a post_only order priced to fill at once is rejected")
	case errors.As(err, &fe):
		return item("51000", "Parameter "+fe.Field+" error", fe.Problem)
	default:
		return &apiError{status: http.StatusInternalServerError, code: "50026", msg: "System error. Try again later.", explanation: "the local exchange's ledger failed: " + err.Error()}
	}
}

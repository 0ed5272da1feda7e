package bybit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sim/exsim"
	"github.com/mbxkit/mbx/sim/store"
)

// markets are the spot symbols the local exchange lists, at fixed prices.
func markets() exsim.Markets {
	return exsim.NewMarkets(exsim.Spot("BTCUSDT", "BTC", "USDT", "60000"), exsim.Spot("ETHUSDT", "ETH", "USDT", "3000"))
}

// Emulator is Bybit's local exchange: v5 authentication on server time,
// instruments, wallet balance, and placing, querying, listing and cancelling
// spot orders, with Bybit's envelope and retCodes, state in the SQLite
// ledger. Every rejection carries X-MBX-EXPLAIN; /mbx/recent lists recent
// requests as JSON.
type Emulator struct {
	*exsim.Base // Handler, Start, Close, Recent
	markets     exsim.Markets
}

var _ exchange.Emulator = (*Emulator)(nil)

// NewEmulator builds Bybit's local exchange from cfg; Start listens.
func (Exchange) NewEmulator(ctx context.Context, cfg exchange.EmulatorConfig) (exchange.Emulator, error) {
	return exsim.AsEmulator(NewEmulator(ctx, cfg))
}

// NewEmulator builds Bybit's local exchange from cfg. Keys with a passphrase
// are refused: Bybit keys have none.
func NewEmulator(ctx context.Context, cfg exchange.EmulatorConfig) (*Emulator, error) {
	b, err := exsim.Open(ctx, "Bybit", cfg, exsim.PassphraseForbidden)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Base: b, markets: markets()}
	e.routes()
	return e, nil
}

// apiError is a Bybit answer other than success, in the frame's terms.
type apiError = exsim.Reply

func paramErr(msg, explanation string) *apiError {
	return &apiError{Status: http.StatusOK, Code: CodeParams, Msg: msg, Explanation: explanation}
}

type handler func(ctx context.Context, account string, p map[string]string) (any, *apiError)

func (e *Emulator) routes() {
	e.route("GET /v5/market/time", false, func(context.Context, string, map[string]string) (any, *apiError) {
		now := e.Now()
		return map[string]string{"timeSecond": strconv.FormatInt(now.Unix(), 10), "timeNano": strconv.FormatInt(now.UnixNano(), 10)}, nil
	})
	e.route("GET /v5/market/instruments-info", false, e.instruments)
	e.route("GET /v5/user/query-api", true, e.queryAPI)
	e.route("GET /v5/account/info", true, func(context.Context, string, map[string]string) (any, *apiError) {
		return map[string]any{"unifiedMarginStatus": 5, "marginMode": "REGULAR_MARGIN", "isMasterTrader": false,
			"spotHedgingStatus": "OFF", "updatedTime": strconv.FormatInt(e.Now().UnixMilli(), 10), "dcpStatus": "OFF", "timeWindow": 10, "smpGroup": 0}, nil
	})
	e.route("GET /v5/asset/coin/query-info", true, e.coins)
	e.route("GET /v5/account/wallet-balance", true, e.walletBalance)
	e.route("POST /v5/order/create", true, e.createOrder)
	e.route("GET /v5/order/realtime", true, e.realtime)
	e.route("POST /v5/order/cancel", true, e.cancelOrder)
	e.route("/", false, func(context.Context, string, map[string]string) (any, *apiError) {
		return nil, &apiError{Status: http.StatusNotFound, Code: "10017", Msg: "route not found",
			Explanation: "mbx's Bybit local exchange does not serve this method and path"}
	})
}

// route registers h with Bybit's envelope.
func (e *Emulator) route(pattern string, private bool, h handler) {
	api := exsim.API{
		Exchange: New(),
		Write: func(w http.ResponseWriter, r exsim.Reply) {
			data := r.Data
			if data == nil {
				data = struct{}{}
			}
			writeEnvelope(w, r.Status, r.Code, r.Msg, data, e.Now())
		},
		BadParams: func(err error) exsim.Reply {
			return exsim.Reply{Status: http.StatusOK, Code: CodeParams, Msg: "params error: " + err.Error(), Explanation: "the parameters could not be read: " + err.Error()}
		},
	}
	e.Handle(api, pattern, private, func(r *http.Request, account string, p map[string]string, _ []byte) exsim.Reply {
		res, aerr := h(r.Context(), account, p)
		if aerr != nil {
			return *aerr
		}
		return exsim.Reply{Status: http.StatusOK, Code: CodeOK, Msg: "OK", Data: res}
	})
}

// writeEnvelope writes Bybit's v5 envelope.
func writeEnvelope(w http.ResponseWriter, status int, code, msg string, result any, now time.Time) {
	n, _ := strconv.Atoi(code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"retCode": n, "retMsg": msg, "result": result, "retExtInfo": struct{}{}, "time": now.UnixMilli()})
}

func (e *Emulator) instruments(_ context.Context, _ string, p map[string]string) (any, *apiError) {
	cat := p["category"]
	list := []any{}
	switch cat {
	case "spot":
		for _, m := range e.markets.All() {
			if s := p["symbol"]; s != "" && s != m.Symbol {
				continue
			}
			list = append(list, map[string]any{
				"symbol": m.Symbol, "baseCoin": m.Base, "quoteCoin": m.Quote, "innovation": "0", "status": "Trading", "marginTrading": "none",
				"lotSizeFilter": map[string]string{"basePrecision": "0.000001", "quotePrecision": "0.00000001", "minOrderQty": "0.000048", "maxOrderQty": "100", "minOrderAmt": "1", "maxOrderAmt": "2000000"},
				"priceFilter":   map[string]string{"tickSize": "0.01"},
			})
		}
	case "linear", "inverse", "option":
		// Listed as empty: the local exchange trades spot only.
	default:
		return nil, paramErr("Illegal category", "category must be spot, linear, inverse or option; got "+strconv.Quote(cat))
	}
	return map[string]any{"category": cat, "list": list, "nextPageCursor": ""}, nil
}

func (e *Emulator) queryAPI(_ context.Context, account string, _ map[string]string) (any, *apiError) {
	return map[string]any{"id": "1", "note": "mbx local exchange", "apiKey": account, "readOnly": 0, "secret": "",
		"permissions": map[string][]string{"Spot": {"SpotTrade"}, "Wallet": {"AccountTransfer"}},
		"ips":         []string{"*"}, "type": 1, "unified": 0, "uta": 1, "isMaster": true, "rsaPublicKey": ""}, nil
}

func (e *Emulator) coins(context.Context, string, map[string]string) (any, *apiError) {
	var rows []any
	for _, c := range e.markets.Assets() {
		rows = append(rows, map[string]any{"name": c, "coin": c, "remainAmount": "1000000", "chains": []any{
			map[string]string{"chainType": c, "confirmation": "10", "withdrawFee": "0", "depositMin": "0", "withdrawMin": "0", "chain": c, "chainDeposit": "1", "chainWithdraw": "1", "minAccuracy": "8"},
		}})
	}
	return map[string]any{"rows": rows}, nil
}

func (e *Emulator) walletBalance(ctx context.Context, account string, p map[string]string) (any, *apiError) {
	switch p["accountType"] {
	case "UNIFIED":
	case "":
		return nil, paramErr("accountType can not be empty", "GET /v5/account/wallet-balance needs accountType=UNIFIED")
	default:
		return nil, paramErr("accountType only support UNIFIED", "the local exchange models a unified trading account: send accountType=UNIFIED")
	}
	bals, err := e.Store.Balances(ctx, account)
	if err != nil {
		return nil, storeErr(err)
	}
	want := map[string]bool{}
	for _, c := range strings.Split(p["coin"], ",") {
		if c != "" {
			want[c] = true
		}
	}
	coins := []any{}
	total := decimal.Zero
	for _, b := range bals {
		if len(want) > 0 && !want[b.Asset] {
			continue
		}
		wallet := b.Free.Add(b.Locked)
		if b.Asset == "USDT" {
			total = total.Add(wallet)
		}
		coins = append(coins, map[string]string{"coin": b.Asset, "walletBalance": wallet.String(), "equity": wallet.String(),
			"locked": b.Locked.String(), "availableToWithdraw": b.Free.String(), "borrowAmount": "0", "accruedInterest": "0", "totalOrderIM": "0", "totalPositionIM": "0"})
	}
	return map[string]any{"list": []any{map[string]any{"accountType": "UNIFIED", "totalEquity": total.String(), "totalWalletBalance": total.String(), "coin": coins}}}, nil
}

func (e *Emulator) spotMarket(p map[string]string) (store.Market, *apiError) {
	if c := p["category"]; c != "spot" {
		if c == "" {
			return store.Market{}, paramErr("category can not be empty", "send category=spot")
		}
		return store.Market{}, paramErr("Illegal category", "the local exchange trades category=spot only; got "+strconv.Quote(c))
	}
	m, ok := e.markets.Lookup(p["symbol"])
	if !ok {
		return store.Market{}, paramErr("params error: symbol invalid", "unknown symbol "+strconv.Quote(p["symbol"])+"; the local exchange lists BTCUSDT and ETHUSDT")
	}
	return m, nil
}

func (e *Emulator) createOrder(ctx context.Context, account string, p map[string]string) (any, *apiError) {
	m, aerr := e.spotMarket(p)
	if aerr != nil {
		return nil, aerr
	}
	o := store.NewOrder{Symbol: m.Symbol, Now: e.Now(), ClientOrderID: p["orderLinkId"]}
	switch p["side"] {
	case "Buy":
		o.Side = store.SideBuy
	case "Sell":
		o.Side = store.SideSell
	default:
		return nil, paramErr("params error: side invalid", "side must be Buy or Sell; got "+strconv.Quote(p["side"]))
	}
	qty, err := decimal.NewFromString(p["qty"])
	if err != nil || !qty.IsPositive() {
		return nil, paramErr("params error: qty invalid", "qty must be a decimal greater than 0; got "+strconv.Quote(p["qty"]))
	}
	switch p["orderType"] {
	case "Limit":
		o.Type, o.Quantity = store.TypeLimit, qty
		price, err := decimal.NewFromString(p["price"])
		if err != nil || !price.IsPositive() {
			return nil, paramErr("params error: price invalid", "a Limit order needs price, a decimal greater than 0; got "+strconv.Quote(p["price"]))
		}
		o.Price = price
		switch tif := p["timeInForce"]; tif {
		case "", "GTC":
			o.TimeInForce = store.GTC
		case "IOC", "FOK":
			o.TimeInForce = tif
		case "PostOnly":
			o.Type = store.TypeLimitMaker
		default:
			return nil, paramErr("params error: timeInForce invalid", "timeInForce must be GTC, IOC, FOK or PostOnly; got "+strconv.Quote(tif))
		}
	case "Market":
		o.Type = store.TypeMarket
		// Bybit spot: a Market Buy's qty is in the quote coin unless marketUnit=baseCoin.
		if o.Side == store.SideBuy && p["marketUnit"] != "baseCoin" {
			o.QuoteOrderQty = qty
		} else {
			o.Quantity = qty
		}
	default:
		return nil, paramErr("params error: orderType invalid", "orderType must be Limit or Market; got "+strconv.Quote(p["orderType"]))
	}
	if o.ClientOrderID == "" {
		o.ClientOrderID = "mbx" + strconv.FormatInt(o.Now.UnixNano(), 36)
	}
	ord, err := e.Store.PlaceOrder(ctx, account, m, o)
	if err != nil {
		return nil, storeErr(err)
	}
	return map[string]string{"orderId": strconv.FormatInt(ord.OrderID, 10), "orderLinkId": ord.ClientOrderID}, nil
}

func orderRef(p map[string]string) (int64, string, *apiError) {
	var id int64
	if s := p["orderId"]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, "", &apiError{Status: http.StatusOK, Code: CodeOrderMissing, Msg: "Order does not exist.", Explanation: "no order has orderId " + strconv.Quote(s)}
		}
		id = n
	}
	return id, p["orderLinkId"], nil
}

func (e *Emulator) realtime(ctx context.Context, account string, p map[string]string) (any, *apiError) {
	if p["category"] != "spot" {
		return nil, paramErr("Illegal category", "the local exchange trades category=spot only; got "+strconv.Quote(p["category"]))
	}
	id, link, aerr := orderRef(p)
	if aerr != nil {
		return nil, aerr
	}
	var orders []store.Order
	if id != 0 || link != "" {
		m, aerr := e.spotMarket(p)
		if aerr != nil {
			return nil, aerr
		}
		o, err := e.Store.GetOrder(ctx, account, m.Symbol, id, link)
		if err != nil && !errors.Is(err, store.ErrUnknownOrder) {
			return nil, storeErr(err)
		}
		if err == nil {
			orders = append(orders, o)
		}
	} else {
		sym := p["symbol"]
		if sym != "" {
			if _, ok := e.markets.Lookup(sym); !ok {
				return nil, paramErr("params error: symbol invalid", "unknown symbol "+strconv.Quote(sym))
			}
		}
		os, err := e.Store.OpenOrders(ctx, account, sym)
		if err != nil {
			return nil, storeErr(err)
		}
		orders = os
	}
	list := make([]any, 0, len(orders))
	for _, o := range orders {
		list = append(list, orderJSON(o))
	}
	return map[string]any{"category": "spot", "list": list, "nextPageCursor": ""}, nil
}

func (e *Emulator) cancelOrder(ctx context.Context, account string, p map[string]string) (any, *apiError) {
	m, aerr := e.spotMarket(p)
	if aerr != nil {
		return nil, aerr
	}
	id, link, aerr := orderRef(p)
	if aerr != nil {
		return nil, aerr
	}
	if id == 0 && link == "" {
		return nil, paramErr("params error: orderId or orderLinkId is required", "send orderId or orderLinkId")
	}
	o, err := e.Store.CancelOrder(ctx, account, m.Symbol, id, link, e.Now())
	if err != nil {
		return nil, storeErr(err)
	}
	return map[string]string{"orderId": strconv.FormatInt(o.OrderID, 10), "orderLinkId": o.ClientOrderID}, nil
}

// orderStatus is Bybit's name for a ledger status.
func orderStatus(s string) string {
	switch s {
	case store.StatusNew:
		return "New"
	case store.StatusPartiallyFilled:
		return "PartiallyFilled"
	case store.StatusFilled:
		return "Filled"
	default: // CANCELED, EXPIRED (an IOC/FOK that did not fill)
		return "Cancelled"
	}
}

func orderJSON(o store.Order) map[string]string {
	side, typ, tif := "Buy", "Limit", o.TimeInForce
	if o.Side == store.SideSell {
		side = "Sell"
	}
	switch o.Type {
	case store.TypeMarket:
		typ, tif = "Market", "IOC"
	case store.TypeLimitMaker:
		tif = "PostOnly"
	}
	avg := "0"
	if o.ExecutedQty.IsPositive() {
		avg = o.CummulativeQuoteQty.Div(o.ExecutedQty).String()
	}
	return map[string]string{
		"orderId": strconv.FormatInt(o.OrderID, 10), "orderLinkId": o.ClientOrderID, "symbol": o.Symbol,
		"price": o.Price.String(), "qty": o.OrigQty.String(), "side": side, "orderType": typ, "timeInForce": tif,
		"orderStatus": orderStatus(o.Status), "cumExecQty": o.ExecutedQty.String(), "cumExecValue": o.CummulativeQuoteQty.String(),
		"cumExecFee": "0", "avgPrice": avg, "leavesQty": o.OrigQty.Sub(o.ExecutedQty).String(),
		"createdTime": strconv.FormatInt(o.Time.UnixMilli(), 10), "updatedTime": strconv.FormatInt(o.UpdateTime.UnixMilli(), 10),
		"category": "spot",
	}
}

// storeErr maps a ledger error to Bybit's answer.
func storeErr(err error) *apiError {
	var fe *store.FieldError
	switch {
	case errors.Is(err, store.ErrInsufficientBalance):
		return &apiError{Status: http.StatusOK, Code: "170131", Msg: "Insufficient balance.", Explanation: "the account's free balance does not cover the order"}
	case errors.Is(err, store.ErrUnknownOrder):
		return &apiError{Status: http.StatusOK, Code: "170213", Msg: "Order does not exist.", Explanation: "no such order for this account and symbol"}
	case errors.Is(err, store.ErrDuplicateOrder):
		return &apiError{Status: http.StatusOK, Code: "170141", Msg: "Duplicate clientOrderId", Explanation: "orderLinkId is held by an open order; use a new one"}
	case errors.Is(err, store.ErrWouldMatch):
		return &apiError{Status: http.StatusOK, Code: "170213", Msg: "Order rejected: PostOnly would take", Explanation: "a PostOnly order priced to fill at once is rejected"}
	case errors.As(err, &fe):
		return paramErr("params error: "+fe.Field+" invalid", fe.Problem)
	default:
		return &apiError{Status: http.StatusInternalServerError, Code: "10016", Msg: "Server error.", Explanation: "the local exchange's ledger failed: " + err.Error()}
	}
}

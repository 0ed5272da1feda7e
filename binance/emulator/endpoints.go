package emulator

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/verify"
)

// Security types, as Binance's docs label endpoints.
const (
	secNone     = string(catalog.None)
	secUserData = string(catalog.UserData)
	secTrade    = string(catalog.Trade)
)

// HeaderEmulated marks an answer that is the catalogue's documented
// example rather than modelled state ("example").
const HeaderEmulated = "X-MBX-EMULATED"

// EmulatedExample is the value of HeaderEmulated on example answers.
const EmulatedExample = "example"

// handlerFunc answers one request that passed every check.
type handlerFunc func(q *reqCtx) (any, *verify.Rejection)

// handlers attaches modelled behaviour to catalogue entries by (method,
// path). Every other catalogued endpoint runs the same checks and answers
// its documented example (HeaderEmulated). Add a modelled endpoint here.
func handlers() map[catalog.Key]handlerFunc {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	return map[catalog.Key]handlerFunc{
		// Spot.
		{Method: get, Path: "/api/v3/ping"}:            (*reqCtx).ping,
		{Method: get, Path: "/api/v3/time"}:            (*reqCtx).serverTime,
		{Method: get, Path: "/api/v3/exchangeInfo"}:    (*reqCtx).exchangeInfo,
		{Method: get, Path: "/api/v3/ticker/price"}:    (*reqCtx).tickerPrice,
		{Method: get, Path: "/api/v3/account"}:         (*reqCtx).account,
		{Method: post, Path: "/api/v3/order"}:          (*reqCtx).newOrder,
		{Method: post, Path: "/api/v3/order/test"}:     (*reqCtx).testOrder,
		{Method: get, Path: "/api/v3/order"}:           (*reqCtx).getOrder,
		{Method: del, Path: "/api/v3/order"}:           (*reqCtx).cancelOrder,
		{Method: get, Path: "/api/v3/openOrders"}:      (*reqCtx).openOrders,
		{Method: del, Path: "/api/v3/openOrders"}:      (*reqCtx).cancelOpenOrders,
		{Method: get, Path: "/api/v3/allOrders"}:       (*reqCtx).allOrders,
		{Method: get, Path: "/api/v3/myTrades"}:        (*reqCtx).myTrades,
		{Method: get, Path: "/api/v3/rateLimit/order"}: (*reqCtx).rateLimitOrder,

		// Wallet and co.
		{Method: post, Path: "/sapi/v1/sub-account/universalTransfer"}: (*reqCtx).universalTransfer,
		{Method: post, Path: "/sapi/v1/capital/withdraw/apply"}:        (*reqCtx).withdraw,
		{Method: post, Path: "/sapi/v2/fiat/withdraw"}:                 (*reqCtx).fiatWithdraw,
		{Method: get, Path: "/sapi/v1/account/apiRestrictions"}:        (*reqCtx).apiRestrictions,

		// USDⓈ-M futures.
		{Method: get, Path: "/fapi/v1/ping"}:         (*reqCtx).ping,
		{Method: get, Path: "/fapi/v1/time"}:         (*reqCtx).serverTime,
		{Method: post, Path: "/fapi/v1/order"}:       (*reqCtx).futNewOrder,
		{Method: get, Path: "/fapi/v1/order"}:        (*reqCtx).futGetOrder,
		{Method: del, Path: "/fapi/v1/order"}:        (*reqCtx).futCancelOrder,
		{Method: post, Path: "/fapi/v1/batchOrders"}: (*reqCtx).futBatchOrders,
		{Method: post, Path: "/fapi/v1/leverage"}:    (*reqCtx).futLeverage,
		{Method: get, Path: "/fapi/v2/account"}:      (*reqCtx).futAccount,

		// COIN-M futures.
		{Method: get, Path: "/dapi/v1/ping"}: (*reqCtx).ping,
		{Method: get, Path: "/dapi/v1/time"}: (*reqCtx).serverTime,
		// Market data, futures accounts, margin reference data and order
		// lists (market.go, futures.go, margin.go, orderlist.go).
		{Method: get, Path: "/api/v3/depth"}:                     (*reqCtx).depth,
		{Method: get, Path: "/api/v3/trades"}:                    (*reqCtx).recentTrades,
		{Method: get, Path: "/api/v3/historicalTrades"}:          (*reqCtx).recentTrades,
		{Method: get, Path: "/api/v3/aggTrades"}:                 (*reqCtx).aggTrades,
		{Method: get, Path: "/api/v3/klines"}:                    (*reqCtx).klines,
		{Method: get, Path: "/api/v3/uiKlines"}:                  (*reqCtx).klines,
		{Method: get, Path: "/api/v3/ticker/24hr"}:               (*reqCtx).ticker24,
		{Method: get, Path: "/api/v3/ticker/tradingDay"}:         (*reqCtx).tickerTradingDay,
		{Method: get, Path: "/api/v3/ticker"}:                    (*reqCtx).tickerRolling,
		{Method: get, Path: "/api/v3/ticker/bookTicker"}:         (*reqCtx).bookTicker,
		{Method: get, Path: "/api/v3/avgPrice"}:                  (*reqCtx).avgPrice,
		{Method: get, Path: "/fapi/v1/exchangeInfo"}:             (*reqCtx).futExchangeInfo,
		{Method: get, Path: "/fapi/v1/depth"}:                    (*reqCtx).depth,
		{Method: get, Path: "/fapi/v1/trades"}:                   (*reqCtx).recentTrades,
		{Method: get, Path: "/fapi/v1/aggTrades"}:                (*reqCtx).aggTrades,
		{Method: get, Path: "/fapi/v1/klines"}:                   (*reqCtx).klines,
		{Method: get, Path: "/fapi/v1/ticker/24hr"}:              (*reqCtx).ticker24,
		{Method: get, Path: "/fapi/v1/ticker/price"}:             (*reqCtx).futTickerPrice,
		{Method: get, Path: "/fapi/v2/ticker/price"}:             (*reqCtx).futTickerPrice,
		{Method: get, Path: "/fapi/v1/ticker/bookTicker"}:        (*reqCtx).bookTicker,
		{Method: get, Path: "/fapi/v1/premiumIndex"}:             (*reqCtx).premiumIndex,
		{Method: get, Path: "/dapi/v1/exchangeInfo"}:             (*reqCtx).futExchangeInfo,
		{Method: get, Path: "/dapi/v1/depth"}:                    (*reqCtx).depth,
		{Method: get, Path: "/dapi/v1/trades"}:                   (*reqCtx).recentTrades,
		{Method: get, Path: "/dapi/v1/aggTrades"}:                (*reqCtx).aggTrades,
		{Method: get, Path: "/dapi/v1/klines"}:                   (*reqCtx).klines,
		{Method: get, Path: "/dapi/v1/ticker/24hr"}:              (*reqCtx).ticker24,
		{Method: get, Path: "/dapi/v1/ticker/price"}:             (*reqCtx).futTickerPrice,
		{Method: get, Path: "/dapi/v1/ticker/bookTicker"}:        (*reqCtx).bookTicker,
		{Method: get, Path: "/dapi/v1/premiumIndex"}:             (*reqCtx).premiumIndex,
		{Method: get, Path: "/fapi/v1/positionSide/dual"}:        (*reqCtx).futDualSide,
		{Method: get, Path: "/fapi/v1/multiAssetsMargin"}:        (*reqCtx).futMultiAssets,
		{Method: get, Path: "/fapi/v1/openOrders"}:               (*reqCtx).futOpenOrders,
		{Method: get, Path: "/fapi/v1/allOrders"}:                (*reqCtx).futAllOrders,
		{Method: get, Path: "/fapi/v1/userTrades"}:               (*reqCtx).futUserTrades,
		{Method: del, Path: "/fapi/v1/allOpenOrders"}:            (*reqCtx).futCancelAll,
		{Method: get, Path: "/fapi/v3/account"}:                  (*reqCtx).futAccountFull,
		{Method: get, Path: "/fapi/v2/balance"}:                  (*reqCtx).futBalance,
		{Method: get, Path: "/fapi/v3/balance"}:                  (*reqCtx).futBalance,
		{Method: get, Path: "/fapi/v2/positionRisk"}:             (*reqCtx).futPositionRisk,
		{Method: get, Path: "/fapi/v3/positionRisk"}:             (*reqCtx).futPositionRisk,
		{Method: post, Path: "/fapi/v1/marginType"}:              (*reqCtx).futMarginType,
		{Method: post, Path: "/fapi/v1/listenKey"}:               (*reqCtx).listenKeyNew,
		{Method: put, Path: "/fapi/v1/listenKey"}:                (*reqCtx).listenKeyKeep,
		{Method: del, Path: "/fapi/v1/listenKey"}:                (*reqCtx).listenKeyClose,
		{Method: get, Path: "/dapi/v1/account"}:                  (*reqCtx).futAccountFull,
		{Method: get, Path: "/dapi/v1/balance"}:                  (*reqCtx).futBalance,
		{Method: get, Path: "/dapi/v1/positionRisk"}:             (*reqCtx).futPositionRisk,
		{Method: post, Path: "/dapi/v1/marginType"}:              (*reqCtx).futMarginType,
		{Method: post, Path: "/dapi/v1/listenKey"}:               (*reqCtx).listenKeyNew,
		{Method: put, Path: "/dapi/v1/listenKey"}:                (*reqCtx).listenKeyKeep,
		{Method: del, Path: "/dapi/v1/listenKey"}:                (*reqCtx).listenKeyClose,
		{Method: get, Path: "/sapi/v1/capital/config/getall"}:    (*reqCtx).capitalConfig,
		{Method: get, Path: "/sapi/v1/margin/allPairs"}:          (*reqCtx).marginAllPairs,
		{Method: get, Path: "/sapi/v1/margin/isolated/allPairs"}: (*reqCtx).isolatedAllPairs,
		{Method: post, Path: "/api/v3/orderList/oco"}:            (*reqCtx).newOCO,
		{Method: get, Path: "/api/v3/orderList"}:                 (*reqCtx).getOrderList,
		{Method: del, Path: "/api/v3/orderList"}:                 (*reqCtx).cancelOrderList,
		{Method: get, Path: "/api/v3/openOrderList"}:             (*reqCtx).openOrderLists,
	}
}

// endpoint is one catalogued route as the pipeline uses it: the catalogue's
// facts, indexed for the checks, and what answers it.
type endpoint struct {
	method, path, name string
	cat                *catalog.Endpoint
	group              group
	sapi               bool
	security           string
	perm               string // permission the key needs ("" for none)
	weight             int    // the weight when the catalogue has no rule that varies it
	weightFn           func(q *reqCtx) int
	uid                bool // /sapi: charged to the endpoint's UID budget (else its IP budget)
	freeOnSuccess      bool // weight refunded when it succeeds (order placement/cancel since 2026-04-02)
	mandatory          []string
	checkValues        bool // apply the catalogue's enums and ranges (answered from examples)
	handle             handlerFunc
	emulated           bool // answered from the catalogue's example

	allowed     map[string]bool
	allowedList []string
}

// weigh is the weight of the request, from the catalogue's rules; it runs
// before the parameters are parsed, so it reads them raw.
func (ep *endpoint) weigh(q *reqCtx) int {
	if ep.weightFn != nil {
		return ep.weightFn(q)
	}
	return ep.weight
}

// newEndpoint builds the pipeline's view of a catalogue entry; extra are
// parameters the transport adds (apiKey on the WebSocket API).
func newEndpoint(e *catalog.Endpoint, h handlerFunc, extra ...string) *endpoint {
	ep := &endpoint{method: e.Method, path: e.Path, name: e.Method + " " + e.Path, cat: e,
		security: string(e.Security), perm: e.Permission, freeOnSuccess: e.FreeOnSuccess,
		mandatory: e.Mandatory(), handle: h}
	switch e.Family {
	case "fapi":
		ep.group = groupFutures
	case "dapi":
		ep.group = groupCoin
	default:
		ep.group = groupSpot
	}
	w := e.Weight
	if w.Varies() {
		ep.weightFn = func(q *reqCtx) int { return w.Of(q.weightParam) }
	} else {
		ep.weight = w.Base
	}
	ep.sapi, ep.uid = e.Family == "sapi", e.Budget == catalog.SAPIUID
	if h == nil {
		ep.emulated, ep.checkValues = true, true
		example := catalog.Default().Example(e.Key())
		if example == nil {
			example = json.RawMessage("{}")
		}
		ep.handle = func(q *reqCtx) (any, *verify.Rejection) {
			q.w.Header().Set(HeaderEmulated, EmulatedExample)
			q.entry.Emulated = EmulatedExample
			return preEncoded(example), nil
		}
	}
	list := make([]string, 0, len(e.Params)+4)
	for _, p := range e.Params {
		list = append(list, p.Name)
	}
	switch {
	case e.Security.Signed():
		list = append(list, extra...)
		list = append(list, "recvWindow", "timestamp", "signature")
	case e.Security.NeedsKey():
		// Clients sign keyed endpoints too (ccxt signs every /sapi call);
		// Binance answers them, the signature unread.
		list = append(list, "recvWindow", "timestamp", "signature")
	}
	ep.allowedList = list
	ep.allowed = make(map[string]bool, len(list))
	for _, p := range list {
		ep.allowed[p] = true
	}
	return ep
}

// buildRoutes indexes every catalogued REST endpoint by path and method.
func buildRoutes() map[string]map[string]*endpoint {
	hs := handlers()
	routes := map[string]map[string]*endpoint{}
	all := catalog.Default().All()
	for i := range all {
		e := &all[i]
		if e.Family == "ws-api" {
			continue // WebSocket API methods and handshakes (ws.go)
		}
		ep := newEndpoint(e, hs[e.Key()])
		if routes[ep.path] == nil {
			routes[ep.path] = map[string]*endpoint{}
		}
		routes[ep.path][ep.method] = ep
	}
	return routes
}

// Endpoints lists the API routes the exchange serves, e.g. "GET /api/v3/account".
func (s *Server) Endpoints() []string {
	var out []string
	for _, e := range catalog.Default().All() {
		if e.Family != "ws-api" {
			out = append(out, e.Method+" "+e.Path)
		}
	}
	return out
}

// Modelled lists the endpoints answered from modelled state; every other
// catalogued endpoint answers its documented example.
func (s *Server) Modelled() []string {
	var out []string
	for k := range handlers() {
		out = append(out, k.String())
	}
	slices.Sort(out)
	return out
}

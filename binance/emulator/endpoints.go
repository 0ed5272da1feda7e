package emulator

import (
	"net/http"

	"github.com/mbxkit/mbx/binance/verify"
)

// Security types, as Binance's docs label endpoints.
const (
	secNone     = "NONE"
	secUserData = "USER_DATA"
	secTrade    = "TRADE"
)

// endpoint is one API route: who may call it, what it costs, which
// parameters it reads and what it does.
type endpoint struct {
	method, path, name string
	group              group
	sapi               bool
	security           string
	perm               string // permission the key needs ("" for NONE)
	weight             int    // IP weight (api, fapi)
	weightFn           func(q *reqCtx) int
	sapiIP, sapiUID    int  // /sapi: the endpoint's IP or UID weight
	freeOnSuccess      bool // weight refunded when it succeeds (order placement/cancel since 2026-04-02)
	params             []string
	mandatory          []string
	handle             func(q *reqCtx) (any, *verify.Rejection)

	allowed     map[string]bool
	allowedList []string
}

// spotOrderParams are the parameters POST /api/v3/order reads.
func spotOrderParams() []string {
	return []string{"symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price",
		"newClientOrderId", "strategyId", "strategyType", "stopPrice", "trailingDelta", "icebergQty",
		"newOrderRespType", "selfTradePreventionMode", "pegPriceType", "pegOffsetValue", "pegOffsetType"}
}

func futOrderParams() []string {
	return []string{"symbol", "side", "positionSide", "type", "timeInForce", "quantity", "reduceOnly",
		"price", "newClientOrderId", "stopPrice", "closePosition", "activationPrice", "callbackRate",
		"workingType", "priceProtect", "newOrderRespType", "priceMatch", "selfTradePreventionMode", "goodTillDate"}
}

// endpoints is the route table. Weights are Binance's documented ones.
func endpoints() []*endpoint {
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	byParam := func(name string, with, without int) func(q *reqCtx) int {
		return func(q *reqCtx) int {
			if q.rawHas(name) {
				return with
			}
			return without
		}
	}
	return append([]*endpoint{
		// Spot.
		{method: get, path: "/api/v3/ping", group: groupSpot, security: secNone, weight: 1, handle: (*reqCtx).ping},
		{method: get, path: "/api/v3/time", group: groupSpot, security: secNone, weight: 1, handle: (*reqCtx).serverTime},
		{method: get, path: "/api/v3/exchangeInfo", group: groupSpot, security: secNone, weight: 20,
			params: []string{"symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"}, handle: (*reqCtx).exchangeInfo},
		{method: get, path: "/api/v3/ticker/price", group: groupSpot, security: secNone, weightFn: byParam("symbol", 2, 4),
			params: []string{"symbol", "symbols", "symbolStatus"}, handle: (*reqCtx).tickerPrice},
		{method: get, path: "/api/v3/account", group: groupSpot, security: secUserData, perm: PermUserData, weight: 20,
			params: []string{"omitZeroBalances"}, handle: (*reqCtx).account},
		{method: post, path: "/api/v3/order", group: groupSpot, security: secTrade, perm: PermTrade, weight: 1, freeOnSuccess: true,
			params: spotOrderParams(), mandatory: []string{"symbol", "side", "type"}, handle: (*reqCtx).newOrder},
		{method: post, path: "/api/v3/order/test", group: groupSpot, security: secTrade, perm: PermTrade, weightFn: byParam("computeCommissionRates", 20, 1),
			params: append(spotOrderParams(), "computeCommissionRates"), mandatory: []string{"symbol", "side", "type"}, handle: (*reqCtx).testOrder},
		{method: get, path: "/api/v3/order", group: groupSpot, security: secUserData, perm: PermUserData, weight: 4,
			params: []string{"symbol", "orderId", "origClientOrderId"}, mandatory: []string{"symbol"}, handle: (*reqCtx).getOrder},
		{method: del, path: "/api/v3/order", group: groupSpot, security: secTrade, perm: PermTrade, weight: 1, freeOnSuccess: true,
			params: []string{"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"}, mandatory: []string{"symbol"}, handle: (*reqCtx).cancelOrder},
		{method: get, path: "/api/v3/openOrders", group: groupSpot, security: secUserData, perm: PermUserData, weightFn: byParam("symbol", 6, 80),
			params: []string{"symbol"}, handle: (*reqCtx).openOrders},
		{method: del, path: "/api/v3/openOrders", group: groupSpot, security: secTrade, perm: PermTrade, weight: 1, freeOnSuccess: true,
			params: []string{"symbol"}, mandatory: []string{"symbol"}, handle: (*reqCtx).cancelOpenOrders},
		{method: get, path: "/api/v3/allOrders", group: groupSpot, security: secUserData, perm: PermUserData, weight: 20,
			params: []string{"symbol", "orderId", "startTime", "endTime", "limit"}, mandatory: []string{"symbol"}, handle: (*reqCtx).allOrders},
		{method: get, path: "/api/v3/myTrades", group: groupSpot, security: secUserData, perm: PermUserData, weightFn: byParam("orderId", 5, 20),
			params: []string{"symbol", "orderId", "startTime", "endTime", "fromId", "limit"}, mandatory: []string{"symbol"}, handle: (*reqCtx).myTrades},
		{method: get, path: "/api/v3/rateLimit/order", group: groupSpot, security: secUserData, perm: PermUserData, weight: 40,
			handle: (*reqCtx).rateLimitOrder},

		// Wallet and co.: each endpoint has its own IP or UID budget.
		{method: post, path: "/sapi/v1/sub-account/universalTransfer", group: groupSpot, sapi: true, security: secUserData, perm: PermUniversalTransfer, sapiUID: 360,
			params:    []string{"fromEmail", "toEmail", "fromAccountType", "toAccountType", "clientTranId", "symbol", "asset", "amount"},
			mandatory: []string{"fromAccountType", "toAccountType", "asset", "amount"}, handle: (*reqCtx).universalTransfer},
		{method: post, path: "/sapi/v1/capital/withdraw/apply", group: groupSpot, sapi: true, security: secUserData, perm: PermWithdraw, sapiUID: 900,
			params:    []string{"coin", "withdrawOrderId", "network", "address", "addressTag", "amount", "transactionFeeFlag", "name", "walletType"},
			mandatory: []string{"coin", "address", "amount"}, handle: (*reqCtx).withdraw},
		{method: post, path: "/sapi/v2/fiat/withdraw", group: groupSpot, sapi: true, security: secUserData, perm: PermWithdraw, sapiUID: 45000,
			params:    []string{"currency", "apiPaymentMethod", "amount", "accountInfo", "ext"},
			mandatory: []string{"currency", "apiPaymentMethod", "amount", "accountInfo"}, handle: (*reqCtx).fiatWithdraw},
		{method: get, path: "/sapi/v1/account/apiRestrictions", group: groupSpot, sapi: true, security: secUserData, perm: PermUserData, sapiIP: 1,
			handle: (*reqCtx).apiRestrictions},

		// USDⓈ-M futures.
		{method: get, path: "/fapi/v1/ping", group: groupFutures, security: secNone, weight: 1, handle: (*reqCtx).ping},
		{method: get, path: "/fapi/v1/time", group: groupFutures, security: secNone, weight: 1, handle: (*reqCtx).serverTime},
		{method: post, path: "/fapi/v1/order", group: groupFutures, security: secTrade, perm: PermFutures, weight: 0,
			params: futOrderParams(), mandatory: []string{"symbol", "side", "type"}, handle: (*reqCtx).futNewOrder},
		{method: get, path: "/fapi/v1/order", group: groupFutures, security: secUserData, perm: PermFutures, weight: 1,
			params: []string{"symbol", "orderId", "origClientOrderId"}, mandatory: []string{"symbol"}, handle: (*reqCtx).futGetOrder},
		{method: del, path: "/fapi/v1/order", group: groupFutures, security: secTrade, perm: PermFutures, weight: 1,
			params: []string{"symbol", "orderId", "origClientOrderId"}, mandatory: []string{"symbol"}, handle: (*reqCtx).futCancelOrder},
		{method: post, path: "/fapi/v1/batchOrders", group: groupFutures, security: secTrade, perm: PermFutures, weight: 5,
			params: []string{"batchOrders"}, mandatory: []string{"batchOrders"}, handle: (*reqCtx).futBatchOrders},
		{method: post, path: "/fapi/v1/leverage", group: groupFutures, security: secTrade, perm: PermFutures, weight: 1,
			params: []string{"symbol", "leverage"}, mandatory: []string{"symbol", "leverage"}, handle: (*reqCtx).futLeverage},
		{method: get, path: "/fapi/v2/account", group: groupFutures, security: secUserData, perm: PermFutures, weight: 5,
			handle: (*reqCtx).futAccount},
	}, marketEndpoints()...)
}

// buildRoutes indexes the route table by path and method.
func buildRoutes() map[string]map[string]*endpoint {
	routes := map[string]map[string]*endpoint{}
	for _, ep := range endpoints() {
		ep.name = ep.method + " " + ep.path
		list := append([]string{}, ep.params...)
		if ep.security != secNone {
			list = append(list, "recvWindow", "timestamp", "signature")
		}
		ep.allowedList = list
		ep.allowed = make(map[string]bool, len(list))
		for _, p := range list {
			ep.allowed[p] = true
		}
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
	for _, ep := range endpoints() {
		out = append(out, ep.method+" "+ep.path)
	}
	return out
}

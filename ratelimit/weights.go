package ratelimit

import (
	"net/url"
	"strconv"
	"strings"
)

// Cost is what one request will be charged, computed before it is sent.
type Cost struct {
	// Host is scheme://host of the base URL: budgets are kept per host.
	Host string
	// Family is the product family: "api", "sapi", "fapi", "dapi", "papi" or "eapi".
	Family string
	// Path is the endpoint path, e.g. /api/v3/order. Only the per-endpoint
	// /sapi budgets are keyed by it.
	Path string
	// Weight is the request weight.
	Weight int
	// Kind is the limit kind Weight is charged to: KindRequestWeight, KindSAPIIP
	// or KindSAPIUID. "" means the family's own: SAPI_IP for sapi (the
	// stricter of the two), REQUEST_WEIGHT otherwise.
	Kind string
	// Orders is the number of new orders the request places (1 for a new
	// order, 2 for an OCO), charged to the ORDERS limits.
	Orders int
	// Scope identifies the account for per-account budgets (ORDERS, SAPI_UID);
	// "" otherwise. Only a hash of it is stored or shown, but prefer a
	// non-secret account identifier over the API key itself.
	Scope string

	ids *idMemo // budget ids of this cost, when made by Governor.Cost
}

// kind resolves the default weight kind of the family.
func (c Cost) kind() string {
	if c.Kind != "" {
		return c.Kind
	}
	if c.Family == "sapi" {
		return KindSAPIIP
	}
	return KindRequestWeight
}

// Endpoint is the weight of one endpoint in a Weights table.
type Endpoint struct {
	// Method is the HTTP method; "" matches any method not listed separately.
	Method string
	// Path is the endpoint path, e.g. /api/v3/openOrders.
	Path string
	// Weight is the weight when the query names a symbol (or always, if
	// WeightAll is 0).
	Weight int
	// WeightAll is the weight when the query has no "symbol" parameter
	// (all symbols, or a "symbols" list); 0 means the same as Weight.
	WeightAll int
	// Tiers prices the endpoint by its "limit" parameter (order book depth):
	// the first tier whose UpTo is at least the limit applies; a missing
	// limit uses Weight, an unreadable or larger one the last tier.
	Tiers []Tier
	// Orders is the number of new orders one request places.
	Orders int
	// Kind is the limit kind the weight counts against ("" for the family's
	// own; KindSAPIUID for UID-limited /sapi endpoints).
	Kind string
}

// Tier is a weight step of Endpoint.Tiers.
type Tier struct {
	UpTo   int // largest "limit" value of the tier
	Weight int // weight for it
}

// Weights is the table of endpoint weights mbx knows, with a default for
// the rest. It is immutable once built, so one table can serve many
// goroutines without locking.
type Weights struct {
	byRoute map[string]Endpoint // "METHOD path"; method "" for any
	def     int
}

// DefaultUnknownWeight is charged for endpoints missing from the table.
// Most endpoints cost 1 to 20, so 20 over-counts rather than
// under-counts; the heavier ones are in the table, and the server's usage
// headers correct the count after every response.
const DefaultUnknownWeight = 20

// NewWeights builds a table from endpoints; defaultWeight is charged for
// anything not in it (DefaultUnknownWeight if not positive).
func NewWeights(defaultWeight int, eps ...Endpoint) *Weights {
	if defaultWeight <= 0 {
		defaultWeight = DefaultUnknownWeight
	}
	w := &Weights{byRoute: make(map[string]Endpoint, len(eps)), def: defaultWeight}
	for _, e := range eps {
		w.byRoute[routeKey(e.Method, e.Path)] = e
	}
	return w
}

// With returns a copy of the table with eps added or replaced.
func (w *Weights) With(eps ...Endpoint) *Weights {
	n := &Weights{byRoute: make(map[string]Endpoint, len(w.byRoute)+len(eps)), def: w.def}
	for k, e := range w.byRoute {
		n.byRoute[k] = e
	}
	for _, e := range eps {
		n.byRoute[routeKey(e.Method, e.Path)] = e
	}
	return n
}

func routeKey(method, path string) string { return strings.ToUpper(method) + " " + path }

// DefaultWeights returns the weights mbx knows (from the exchange docs; see
// the spec), with DefaultUnknownWeight for the rest.
func DefaultWeights() *Weights {
	return NewWeights(DefaultUnknownWeight,
		// Spot market data.
		Endpoint{Path: "/api/v3/ping", Weight: 1},
		Endpoint{Path: "/api/v3/time", Weight: 1},
		Endpoint{Path: "/api/v3/exchangeInfo", Weight: 20},
		Endpoint{Path: "/api/v3/ticker/price", Weight: 2, WeightAll: 4},
		Endpoint{Path: "/api/v3/ticker/bookTicker", Weight: 2, WeightAll: 4},
		Endpoint{Path: "/api/v3/ticker/24hr", Weight: 2, WeightAll: 80},
		Endpoint{Path: "/api/v3/avgPrice", Weight: 2},
		Endpoint{Path: "/api/v3/klines", Weight: 2},
		Endpoint{Path: "/api/v3/depth", Weight: 5, Tiers: []Tier{{100, 5}, {500, 25}, {1000, 50}, {5000, 250}}},
		// Spot account and trading. Successful order placement/cancel costs
		// 0 weight since 2026-04-02 but failures cost 1: charge 1.
		Endpoint{Path: "/api/v3/account", Weight: 20},
		Endpoint{Method: "POST", Path: "/api/v3/order", Weight: 1, Orders: 1},
		Endpoint{Method: "DELETE", Path: "/api/v3/order", Weight: 1},
		Endpoint{Method: "GET", Path: "/api/v3/order", Weight: 4},
		Endpoint{Path: "/api/v3/order/test", Weight: 1},
		Endpoint{Method: "POST", Path: "/api/v3/order/cancelReplace", Weight: 1, Orders: 1},
		Endpoint{Method: "POST", Path: "/api/v3/orderList/oco", Weight: 1, Orders: 2},
		Endpoint{Method: "POST", Path: "/api/v3/orderList/oto", Weight: 1, Orders: 2},
		Endpoint{Method: "POST", Path: "/api/v3/orderList/otoco", Weight: 1, Orders: 3},
		Endpoint{Method: "POST", Path: "/api/v3/sor/order", Weight: 1, Orders: 1},
		Endpoint{Method: "GET", Path: "/api/v3/openOrders", Weight: 6, WeightAll: 80},
		Endpoint{Method: "DELETE", Path: "/api/v3/openOrders", Weight: 1},
		Endpoint{Path: "/api/v3/allOrders", Weight: 20},
		Endpoint{Path: "/api/v3/myTrades", Weight: 20},
		Endpoint{Path: "/api/v3/rateLimit/order", Weight: 40},
		Endpoint{Path: "/api/v3/userDataStream", Weight: 2},
		// /sapi: per-endpoint budgets, IP- or UID-limited.
		Endpoint{Path: "/sapi/v1/account/apiRestrictions", Weight: 1, Kind: KindSAPIIP},
		Endpoint{Path: "/sapi/v1/capital/withdraw/apply", Weight: 900, Kind: KindSAPIUID},
		Endpoint{Path: "/sapi/v2/fiat/withdraw", Weight: 45000, Kind: KindSAPIUID},
		Endpoint{Path: "/sapi/v1/sub-account/universalTransfer", Weight: 360, Kind: KindSAPIIP},
		// USDⓈ-M futures: placing an order costs no IP weight, one order.
		Endpoint{Path: "/fapi/v1/ping", Weight: 1},
		Endpoint{Path: "/fapi/v1/time", Weight: 1},
		Endpoint{Path: "/fapi/v1/exchangeInfo", Weight: 1},
		Endpoint{Method: "POST", Path: "/fapi/v1/order", Weight: 0, Orders: 1},
		Endpoint{Method: "GET", Path: "/fapi/v1/order", Weight: 1},
		Endpoint{Method: "DELETE", Path: "/fapi/v1/order", Weight: 1},
		// A batch holds up to 5 orders; charge all 5 since the count is
		// not known here.
		Endpoint{Method: "POST", Path: "/fapi/v1/batchOrders", Weight: 5, Orders: 5},
		Endpoint{Path: "/fapi/v1/batchOrders", Weight: 5},
		Endpoint{Path: "/fapi/v1/leverage", Weight: 1},
		Endpoint{Path: "/fapi/v2/account", Weight: 5},
		Endpoint{Path: "/fapi/v1/depth", Weight: 2, Tiers: []Tier{{50, 2}, {100, 5}, {500, 10}, {1000, 20}}},
	)
}

// Cost prices one request. host is scheme://host of the base URL, path the
// full endpoint path (/api/v3/order); query holds the request's parameters
// (query string and form body), of which only symbol and limit matter.
// Endpoints not in the table cost the default weight, and an unknown POST
// is counted as one order, because it may place one.
func (w *Weights) Cost(host, method, path string, query url.Values) Cost {
	c := Cost{Host: host, Family: familyOf(path), Path: path}
	method = strings.ToUpper(method)
	e, ok := w.byRoute[routeKey(method, path)]
	if !ok {
		e, ok = w.byRoute[routeKey("", path)]
	}
	if !ok {
		c.Weight = w.def
		if method == "POST" && c.Family != "sapi" {
			c.Orders = 1
		}
		return c
	}
	c.Weight = e.weight(query)
	c.Orders = e.Orders
	c.Kind = e.Kind
	return c
}

func (e Endpoint) weight(q url.Values) int {
	if len(e.Tiers) > 0 {
		s := q.Get("limit")
		if s == "" {
			return e.Weight
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return e.Tiers[len(e.Tiers)-1].Weight
		}
		for _, t := range e.Tiers {
			if n <= t.UpTo {
				return t.Weight
			}
		}
		return e.Tiers[len(e.Tiers)-1].Weight
	}
	if e.WeightAll != 0 && q.Get("symbol") == "" {
		return e.WeightAll
	}
	return e.Weight
}

// familyOf takes the family from the first path segment: /fapi/v1/order → fapi.
func familyOf(path string) string {
	p := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	return p
}

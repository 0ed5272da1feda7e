package ratelimit

import (
	"maps"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Cost is what one request will be charged, computed before it is sent.
type Cost struct {
	// Host is scheme://host of the base URL: budgets are kept per host.
	Host string
	// Family is the product family: the path's first segment ("api" for
	// /api/v3/order); budgets and limits are kept per family.
	Family string
	// Path is the endpoint path, e.g. /api/v3/order. Only the per-endpoint
	// /sapi budgets are keyed by it.
	Path string
	// Weight is the request weight.
	Weight int
	// Kind is the limit kind Weight is charged to: KindRequestWeight,
	// KindSAPIIP or KindSAPIUID. Weights.Cost fills in the family's own
	// (Weights.WithFamily); "" means KindRequestWeight.
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

// kind resolves the limit kind the weight counts against.
func (c Cost) kind() string {
	if c.Kind != "" {
		return c.Kind
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
	// Weigh, when set, prices the request from its parameters instead of
	// Weight, WeightAll and Tiers (the catalogue's weight rules).
	Weigh func(query url.Values) int
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
	byRoute  map[string]Endpoint // "METHOD path"; method "" for any
	def      int
	families map[string]Family
}

// Family says how a product family's requests are charged when the table
// does not list them.
type Family struct {
	// Kind is the limit kind its weight counts against ("" for
	// KindRequestWeight); e.g. Binance's /sapi is SAPI_IP.
	Kind string
	// NoOrders: an unlisted POST of the family places no order (wallet
	// endpoints); otherwise it is counted as one, because it may.
	NoOrders bool
}

// WithFamily returns a copy of the table that charges the family's
// unlisted requests as f says.
func (w *Weights) WithFamily(name string, f Family) *Weights {
	n := w.With()
	n.families[name] = f
	return n
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
	w := &Weights{byRoute: make(map[string]Endpoint, len(eps)), def: defaultWeight, families: map[string]Family{}}
	for _, e := range eps {
		w.byRoute[routeKey(e.Method, e.Path)] = e
	}
	return w
}

// With returns a copy of the table with eps added or replaced.
func (w *Weights) With(eps ...Endpoint) *Weights {
	n := &Weights{byRoute: make(map[string]Endpoint, len(w.byRoute)+len(eps)), def: w.def, families: maps.Clone(w.families)}
	for k, e := range w.byRoute {
		n.byRoute[k] = e
	}
	for _, e := range eps {
		n.byRoute[routeKey(e.Method, e.Path)] = e
	}
	return n
}

func routeKey(method, path string) string { return strings.ToUpper(method) + " " + path }

// DefaultWeights returns a table that knows no endpoint: every request
// costs DefaultUnknownWeight and an unknown POST counts as one order. The
// governor knows no exchange; an exchange supplies its own table (Binance's
// is binance.DefaultWeights, built from its endpoint catalogue).
func DefaultWeights() *Weights { return unknownWeights() }

// unknownWeights is built once: a Weights is immutable.
var unknownWeights = sync.OnceValue(func() *Weights { return NewWeights(DefaultUnknownWeight) })

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
	fam := w.families[c.Family]
	if !ok {
		c.Weight, c.Kind = w.def, fam.Kind
		if method == "POST" && !fam.NoOrders {
			c.Orders = 1
		}
		return c
	}
	c.Weight = e.weight(query)
	c.Orders = e.Orders
	c.Kind = e.Kind
	if c.Kind == "" {
		c.Kind = fam.Kind
	}
	return c
}

func (e Endpoint) weight(q url.Values) int {
	if e.Weigh != nil {
		return e.Weigh(q)
	}
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

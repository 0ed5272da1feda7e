// Package catalog is the one table of Binance's endpoints: for every REST
// endpoint (/api, /sapi, /fapi, /dapi) and every WebSocket API method, its
// security type, the key permission it needs, its weight and the rules that
// vary it, the budget it is charged to, its parameters and, where Binance
// documents one, an example answer. The client's governor, the local
// exchange, the proxy and the CLI all read it; nothing else holds these
// facts.
//
// The table is generated (go generate) from Binance's OpenAPI file in spec/
// and the hand-kept overlay.yaml; see docs/catalog.md.
package catalog

//go:generate go run ./internal/gen/cmd/catalog-gen

import (
	_ "embed"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mbxkit/mbx/internal/editdist"
)

// Security is an endpoint's security type, as Binance's docs label it.
type Security string

// Security types. Every type but None, MarketData and UserStream is SIGNED.
const (
	None       Security = "NONE"
	MarketData Security = "MARKET_DATA"
	UserStream Security = "USER_STREAM"
	UserData   Security = "USER_DATA"
	Trade      Security = "TRADE"
	Margin     Security = "MARGIN"
)

// Signed reports whether requests of this type carry timestamp and signature.
func (s Security) Signed() bool {
	switch s {
	case None, MarketData, UserStream:
		return false
	}
	return true
}

// NeedsKey reports whether requests of this type carry X-MBX-APIKEY.
func (s Security) NeedsKey() bool { return s != None }

// Known reports whether s is one of the security types above.
func (s Security) Known() bool {
	switch s {
	case None, MarketData, UserStream, UserData, Trade, Margin:
		return true
	}
	return false
}

// Key permissions, as the local exchange's key configuration names them.
const (
	PermUserData          = "USER_DATA"
	PermTrade             = "TRADE"
	PermWithdraw          = "WITHDRAW"
	PermFutures           = "FUTURES"
	PermUniversalTransfer = "UNIVERSAL_TRANSFER"
	PermMargin            = "MARGIN"
	PermOptions           = "OPTIONS"
)

// PermissionText is what Binance's API-management page calls a permission.
func PermissionText(perm string) string {
	switch perm {
	case PermUserData:
		return `"Enable Reading"`
	case PermTrade:
		return `"Enable Spot & Margin Trading"`
	case PermWithdraw:
		return `"Enable Withdrawals"`
	case PermFutures:
		return `"Enable Futures"`
	case PermUniversalTransfer:
		return `"Permits Universal Transfer"`
	case PermMargin:
		return `"Enable Margin Loan, Repay & Transfer"`
	case PermOptions:
		return `"Enable European Options"`
	}
	return perm
}

// Budgets a weight is charged to. The values equal ratelimit's kinds.
const (
	RequestWeight = "REQUEST_WEIGHT" // per IP and host family (/api, /fapi, /dapi)
	SAPIIP        = "SAPI_IP"        // /sapi: the endpoint's own budget per IP
	SAPIUID       = "SAPI_UID"       // /sapi: the endpoint's own budget per account
)

// WS is the Method of WebSocket API entries; their Path is the method name.
const WS = "WS"

// Key identifies an entry: an HTTP method and path, or WS and a method name.
type Key struct {
	Method string
	Path   string
}

func (k Key) String() string { return k.Method + " " + k.Path }

// Endpoint is one catalogued REST endpoint or WebSocket API method.
type Endpoint struct {
	Family   string // api, sapi, fapi, dapi; ws-api for WebSocket API methods
	Method   string // GET, POST, PUT, DELETE, or WS
	Path     string // /api/v3/order, or the method name (order.place)
	Security Security
	// Permission is the key permission the endpoint needs, "" when none.
	Permission string
	Weight     Weight
	// Budget is what Weight is charged to: RequestWeight, SAPIIP or SAPIUID.
	Budget string
	// Orders is how many new orders one request places (ORDERS limits).
	Orders int
	// RawRequests is how many RAW_REQUESTS one request counts (1 on /api).
	RawRequests int
	// FreeOnSuccess: the weight is refunded when the request succeeds
	// (order placement and cancellation since 2026-04-02).
	FreeOnSuccess bool
	Params        []Param
	// HasExample reports whether Example has a documented answer.
	HasExample bool
}

// Key returns the entry's key.
func (e *Endpoint) Key() Key { return Key{e.Method, e.Path} }

// Mandatory lists the names of the mandatory parameters.
func (e *Endpoint) Mandatory() []string {
	var out []string
	for _, p := range e.Params {
		if p.Mandatory {
			out = append(out, p.Name)
		}
	}
	return out
}

// Param is one parameter of an endpoint (timestamp, recvWindow and
// signature are implied by a signed Security and not listed).
type Param struct {
	Name      string
	Mandatory bool
	// Enum lists the legal values, when Binance documents a closed set.
	Enum []string
	// Min and Max bound a numeric value ("" when unbounded).
	Min, Max string
}

// Legal reports whether v is a legal value, and if not the legal range to
// quote in -1100.
func (p *Param) Legal(v string) (string, bool) {
	if len(p.Enum) > 0 {
		for _, e := range p.Enum {
			if e == v {
				return "", true
			}
		}
		return strings.Join(p.Enum, ", "), false
	}
	if p.Min == "" && p.Max == "" {
		return "", true
	}
	f, err := strconv.ParseFloat(v, 64)
	rng := "[" + p.Min + ", " + p.Max + "]"
	if p.Min == "" {
		rng = "(-inf, " + p.Max + "]"
	} else if p.Max == "" {
		rng = "[" + p.Min + ", +inf)"
	}
	if err != nil {
		return rng, false
	}
	if p.Min != "" {
		if m, _ := strconv.ParseFloat(p.Min, 64); f < m {
			return rng, false
		}
	}
	if p.Max != "" {
		if m, _ := strconv.ParseFloat(p.Max, 64); f > m {
			return rng, false
		}
	}
	return "", true
}

// Weight is an endpoint's weight and the rules that change it. Of applies
// them in order: Tiers when set, then the first matching condition, then
// Base.
type Weight struct {
	Base int
	// If: the first condition whose parameter is present (and, when Value
	// is set, has that value) gives the weight.
	If []Cond
	// Tiers price by a numeric parameter (order book depth "limit"): the
	// first tier whose UpTo is at least the value applies; a missing value
	// uses Base, an unreadable or larger one the last tier.
	TierParam string
	Tiers     []Tier
	// Each, when set, prices by the number of items in the TierParam list
	// (symbols=["A","B"]): Each per item, at most Max (0: no cap).
	Each int
	Max  int
}

// Cond is one rule of Weight.If.
type Cond struct {
	Param  string
	Value  string // "" matches any non-empty value
	Absent bool   // matches when Param is absent instead
	Weight int
}

// Tier is a step of Weight.Tiers.
type Tier struct {
	UpTo   int
	Weight int
}

// Getter looks a parameter up: its value and whether it was sent.
type Getter func(name string) (string, bool)

// Of prices a request whose parameters get returns. The If rules come
// first (a symbol given), then the tiers or the per-item rule of TierParam.
func (w *Weight) Of(get Getter) int {
	for i := range w.If {
		c := &w.If[i]
		v, ok := get(c.Param)
		ok = ok && v != ""
		if c.Absent {
			if !ok {
				return c.Weight
			}
			continue
		}
		if ok && (c.Value == "" || c.Value == v) {
			return c.Weight
		}
	}
	if w.TierParam == "" || (len(w.Tiers) == 0 && w.Each == 0) {
		return w.Base
	}
	s, ok := get(w.TierParam)
	if !ok || s == "" {
		return w.Base
	}
	var n int
	if w.Each > 0 || IsListParam(w.TierParam) {
		n = ListLen(s)
	} else {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			return w.Tiers[len(w.Tiers)-1].Weight
		}
	}
	if w.Each > 0 {
		if w.Max > 0 {
			return min(w.Each*n, w.Max)
		}
		return w.Each * n
	}
	for _, t := range w.Tiers {
		if n <= t.UpTo {
			return t.Weight
		}
	}
	return w.Tiers[len(w.Tiers)-1].Weight
}

// Varies reports whether the weight depends on the request's parameters.
func (w *Weight) Varies() bool { return len(w.If) > 0 || len(w.Tiers) > 0 || w.Each > 0 }

// IsListParam reports whether a parameter holds a JSON list whose length
// prices the request (symbols=["BTCUSDT","ETHUSDT"]).
func IsListParam(name string) bool { return name == "symbols" }

// ListLen counts the items of a JSON list parameter as sent, raw or
// percent-encoded: the commas between items plus one.
func ListLen(v string) int {
	n := 1
	for i := 0; i < len(v); i++ {
		if v[i] == ',' || v[i] == '%' && i+2 < len(v) && v[i+1] == '2' && (v[i+2] == 'C' || v[i+2] == 'c') {
			n++
		}
	}
	return n
}

// OfValues prices a request from its query and form values.
func (w *Weight) OfValues(q url.Values) int {
	if len(w.Tiers) == 0 && len(w.If) == 0 && w.Each == 0 {
		return w.Base
	}
	return w.Of(func(name string) (string, bool) {
		v, ok := q[name]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	})
}

// Variants lists one parameter set per distinct weight rule (for tests and
// docs), each with the weight Of gives it.
func (w *Weight) Variants() []Variant {
	out := []Variant{{Params: map[string]string{}, Weight: w.Base}}
	for _, t := range w.Tiers {
		out = append(out, Variant{Params: map[string]string{w.TierParam: strconv.Itoa(t.UpTo)}, Weight: t.Weight})
	}
	for i, c := range w.If {
		if c.Absent {
			continue
		}
		v := c.Value
		if v == "" {
			v = "1"
		}
		p := map[string]string{c.Param: v}
		// Earlier absent-rules must not fire: send their parameter.
		for _, d := range w.If[:i] {
			if d.Absent {
				p[d.Param] = "1"
			}
		}
		out = append(out, Variant{Params: p})
	}
	for i := range out {
		out[i].Weight = w.Of(func(n string) (string, bool) { s, ok := out[i].Params[n]; return s, ok })
	}
	return out
}

// Variant is a parameter set and its weight.
type Variant struct {
	Params map[string]string
	Weight int
}

// Table is the catalogue, indexed. It is immutable: share it freely.
type Table struct {
	all    []Endpoint
	byKey  map[Key]*Endpoint
	byPath map[string][]*Endpoint
	paths  []string
}

//go:embed examples.json
var examplesJSON []byte

var defaultTable = sync.OnceValue(func() *Table { return newTable(generated()) })

// Default returns the generated catalogue.
func Default() *Table { return defaultTable() }

func newTable(eps []Endpoint) *Table {
	t := &Table{all: eps, byKey: make(map[Key]*Endpoint, len(eps)), byPath: map[string][]*Endpoint{}}
	for i := range eps {
		e := &eps[i]
		t.byKey[e.Key()] = e
		if e.Method != WS {
			if t.byPath[e.Path] == nil {
				t.paths = append(t.paths, e.Path)
			}
			t.byPath[e.Path] = append(t.byPath[e.Path], e)
		}
	}
	sort.Strings(t.paths)
	return t
}

// All returns every entry, REST endpoints then WebSocket API methods.
func (t *Table) All() []Endpoint { return t.all }

// Lookup returns the entry of method and path (WS and a method name for
// the WebSocket API).
func (t *Table) Lookup(method, path string) (*Endpoint, bool) {
	e, ok := t.byKey[Key{method, path}]
	return e, ok
}

// Methods returns the entries at path, one per HTTP method.
func (t *Table) Methods(path string) []*Endpoint { return t.byPath[path] }

// Paths lists the catalogued REST paths, sorted.
func (t *Table) Paths() []string { return t.paths }

// Example returns the documented example answer of an entry, or nil.
func (t *Table) Example(k Key) json.RawMessage {
	e, ok := t.byKey[k]
	if !ok || !e.HasExample {
		return nil
	}
	return examples().get(k)
}

type exampleSet map[string]json.RawMessage

func (s exampleSet) get(k Key) json.RawMessage { return s[k.String()] }

var examples = sync.OnceValue(func() exampleSet {
	var s exampleSet
	if err := json.Unmarshal(examplesJSON, &s); err != nil {
		return exampleSet{}
	}
	return s
})

// Closest returns the catalogued REST path nearest to path (edit distance,
// case-insensitive), or "" when none is plausibly meant.
func (t *Table) Closest(path string) string {
	if len(path) > 200 {
		return ""
	}
	lp := strings.ToLower(path)
	best, bestD := "", len(path)/3+2
	for _, p := range t.paths {
		if d := editdist.Distance(lp, strings.ToLower(p), bestD); d < bestD {
			best, bestD = p, d
		}
	}
	return best
}

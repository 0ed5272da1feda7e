package catalog

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestWeightRules(t *testing.T) {
	tab := Default()
	tests := []struct {
		method, path string
		query        string
		want         int
	}{
		{"GET", "/api/v3/depth", "", 5},
		{"GET", "/api/v3/depth", "limit=100", 5},
		{"GET", "/api/v3/depth", "limit=101", 25},
		{"GET", "/api/v3/depth", "limit=5000", 250},
		{"GET", "/api/v3/depth", "limit=x", 250},
		{"GET", "/api/v3/myTrades", "symbol=BTCUSDT", 20},
		{"GET", "/api/v3/myTrades", "symbol=BTCUSDT&orderId=1", 5},
		{"POST", "/api/v3/order/test", "symbol=BTCUSDT", 1},
		{"POST", "/api/v3/order/test", "computeCommissionRates=true", 20},
		{"POST", "/api/v3/order/test", "computeCommissionRates=false", 1},
		{"GET", "/api/v3/openOrders", "", 80},
		{"GET", "/api/v3/openOrders", "symbol=BTCUSDT", 6},
		{"GET", "/api/v3/ticker/price", "", 4},
		{"GET", "/api/v3/exchangeInfo", "", 20},
		{"GET", "/api/v3/trades", "symbol=BTCUSDT", 25},
		{"GET", "/api/v3/aggTrades", "symbol=BTCUSDT", 4},
		{"GET", "/fapi/v1/depth", "limit=1000", 20},
		{"POST", "/fapi/v1/order", "", 0},
		{"WS", "openOrders.status", "symbol=BTCUSDT", 6},
	}
	for _, tt := range tests {
		e, ok := tab.Lookup(tt.method, tt.path)
		if !ok {
			t.Errorf("%s %s not catalogued", tt.method, tt.path)
			continue
		}
		q, _ := url.ParseQuery(tt.query)
		if got := e.Weight.OfValues(q); got != tt.want {
			t.Errorf("%s %s?%s weighs %d, want %d", tt.method, tt.path, tt.query, got, tt.want)
		}
	}
}

func TestFacts(t *testing.T) {
	tab := Default()
	tests := []struct {
		key          Key
		sec          Security
		perm, budget string
		orders       int
		free         bool
	}{
		{Key{"POST", "/api/v3/order"}, Trade, PermTrade, RequestWeight, 1, true},
		{Key{"POST", "/api/v3/orderList/otoco"}, Trade, PermTrade, RequestWeight, 3, true},
		{Key{"GET", "/api/v3/historicalTrades"}, None, "", RequestWeight, 0, false},
		{Key{"POST", "/sapi/v1/sub-account/universalTransfer"}, UserData, PermUniversalTransfer, SAPIUID, 0, false},
		{Key{"POST", "/sapi/v2/fiat/withdraw"}, UserData, PermWithdraw, SAPIUID, 0, false},
		{Key{"GET", "/sapi/v1/capital/config/getall"}, UserData, PermUserData, SAPIIP, 0, false},
		{Key{"POST", "/fapi/v1/order"}, Trade, PermFutures, RequestWeight, 1, false},
		{Key{"POST", "/fapi/v1/listenKey"}, UserStream, "", RequestWeight, 0, false},
		{Key{"WS", "order.place"}, Trade, PermTrade, RequestWeight, 1, true},
		{Key{"WS", "session.logon"}, UserData, "", RequestWeight, 0, false},
	}
	for _, tt := range tests {
		e, ok := tab.Lookup(tt.key.Method, tt.key.Path)
		if !ok {
			t.Errorf("%s not catalogued", tt.key)
			continue
		}
		if e.Security != tt.sec || e.Permission != tt.perm || e.Budget != tt.budget || e.Orders != tt.orders || e.FreeOnSuccess != tt.free {
			t.Errorf("%s = %s %q %s orders %d free %v, want %s %q %s %d %v", tt.key, e.Security, e.Permission, e.Budget, e.Orders, e.FreeOnSuccess,
				tt.sec, tt.perm, tt.budget, tt.orders, tt.free)
		}
	}
	if _, ok := tab.Lookup("POST", "/api/v3/userDataStream"); ok {
		t.Error("the spot listenKey endpoints were removed on 2026-02-20 but are catalogued")
	}
}

func TestEveryEntryIsWellFormed(t *testing.T) {
	seen := map[Key]bool{}
	for _, e := range Default().All() {
		k := e.Key()
		if seen[k] {
			t.Errorf("%s twice", k)
		}
		seen[k] = true
		if !e.Security.Known() {
			t.Errorf("%s: security %q", k, e.Security)
		}
		if e.Weight.Base < 0 {
			t.Errorf("%s: weight %d", k, e.Weight.Base)
		}
		if e.Security.Signed() && e.Permission == "" && k.Path != "session.logon" {
			t.Errorf("%s is signed but needs no permission", k)
		}
		if e.HasExample && !json.Valid(Default().Example(k)) {
			t.Errorf("%s: example is not JSON", k)
		}
	}
	if len(seen) < 350 {
		t.Errorf("only %d entries", len(seen))
	}
}

func TestClosest(t *testing.T) {
	tab := Default()
	tests := []struct{ path, want string }{
		{"/api/v3/acount", "/api/v3/account"},
		{"/api/v3/Account", "/api/v3/account"},
		{"/fapi/v1/exchangeinfo", "/fapi/v1/exchangeInfo"},
		{"/sapi/v1/capital/config/getAll", "/sapi/v1/capital/config/getall"},
		{"/nothing/like/it/at/all/really", ""},
	}
	for _, tt := range tests {
		if got := tab.Closest(tt.path); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestLegal(t *testing.T) {
	p := Param{Name: "limit", Min: "1", Max: "1500"}
	for _, tt := range []struct {
		v  string
		ok bool
	}{{"1", true}, {"1500", true}, {"0", false}, {"1501", false}, {"x", false}} {
		if rng, ok := p.Legal(tt.v); ok != tt.ok || (!ok && rng != "[1, 1500]") {
			t.Errorf("Legal(%q) = %q, %v", tt.v, rng, ok)
		}
	}
	e := Param{Name: "marginType", Enum: []string{"ISOLATED", "CROSSED"}}
	if _, ok := e.Legal("CROSS"); ok {
		t.Error("CROSS accepted")
	}
}

func TestVariants(t *testing.T) {
	e, _ := Default().Lookup("GET", "/api/v3/depth")
	vs := e.Weight.Variants()
	if len(vs) != 5 {
		t.Fatalf("depth variants: %+v", vs)
	}
	e, _ = Default().Lookup("POST", "/api/v3/order/test")
	vs = e.Weight.Variants()
	if len(vs) != 2 || vs[1].Weight != 20 || vs[1].Params["computeCommissionRates"] != "true" {
		t.Fatalf("order/test variants: %+v", vs)
	}
}

func BenchmarkLookupAndWeigh(b *testing.B) {
	tab := Default()
	q := url.Values{"symbol": {"BTCUSDT"}, "orderId": {"1"}}
	for b.Loop() {
		e, _ := tab.Lookup("GET", "/api/v3/myTrades")
		_ = e.Weight.OfValues(q)
	}
}

package binance_test

import (
	"net/url"
	"testing"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/ratelimit"
)

// TestDefaultWeights prices requests from Binance's catalogue.
func TestDefaultWeights(t *testing.T) {
	w := binance.DefaultWeights()
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	const f = "https://fapi.example.com"
	cases := []struct {
		method, path string
		q            url.Values
		want         ratelimit.Cost
	}{
		{"GET", "/api/v3/ping", nil, ratelimit.Cost{Family: "api", Weight: 1}},
		{"GET", "/api/v3/time", nil, ratelimit.Cost{Family: "api", Weight: 1}},
		{"GET", "/api/v3/exchangeInfo", nil, ratelimit.Cost{Family: "api", Weight: 20}},
		{"GET", "/api/v3/ticker/price", q("symbol", "BTCUSDT"), ratelimit.Cost{Family: "api", Weight: 2}},
		{"GET", "/api/v3/ticker/price", q("symbols", `["BTCUSDT","ETHUSDT"]`), ratelimit.Cost{Family: "api", Weight: 4}},
		{"GET", "/api/v3/ticker/price", nil, ratelimit.Cost{Family: "api", Weight: 4}},
		{"GET", "/api/v3/account", nil, ratelimit.Cost{Family: "api", Weight: 20}},
		{"POST", "/api/v3/order", nil, ratelimit.Cost{Family: "api", Weight: 1, Orders: 1}},
		{"post", "/api/v3/order", nil, ratelimit.Cost{Family: "api", Weight: 1, Orders: 1}},
		{"DELETE", "/api/v3/order", nil, ratelimit.Cost{Family: "api", Weight: 1}},
		{"GET", "/api/v3/order", nil, ratelimit.Cost{Family: "api", Weight: 4}},
		{"GET", "/api/v3/openOrders", q("symbol", "BTCUSDT"), ratelimit.Cost{Family: "api", Weight: 6}},
		{"GET", "/api/v3/openOrders", nil, ratelimit.Cost{Family: "api", Weight: 80}},
		{"GET", "/api/v3/allOrders", q("symbol", "BTCUSDT"), ratelimit.Cost{Family: "api", Weight: 20}},
		{"GET", "/api/v3/myTrades", q("symbol", "BTCUSDT"), ratelimit.Cost{Family: "api", Weight: 20}},
		{"GET", "/api/v3/rateLimit/order", nil, ratelimit.Cost{Family: "api", Weight: 40}},
		{"POST", "/api/v3/order/test", nil, ratelimit.Cost{Family: "api", Weight: 1}},
		{"POST", "/api/v3/orderList/oco", nil, ratelimit.Cost{Family: "api", Weight: 1, Orders: 2}},
		{"GET", "/api/v3/depth", nil, ratelimit.Cost{Family: "api", Weight: 5}},
		{"GET", "/api/v3/depth", q("limit", "500"), ratelimit.Cost{Family: "api", Weight: 25}},
		{"GET", "/api/v3/depth", q("limit", "5000"), ratelimit.Cost{Family: "api", Weight: 250}},
		{"GET", "/api/v3/depth", q("limit", "lots"), ratelimit.Cost{Family: "api", Weight: 250}},
		{"GET", "/sapi/v1/account/apiRestrictions", nil, ratelimit.Cost{Family: "sapi", Weight: 1, Kind: ratelimit.KindSAPIIP}},
		{"POST", "/sapi/v1/capital/withdraw/apply", nil, ratelimit.Cost{Family: "sapi", Weight: 900, Kind: ratelimit.KindSAPIUID}},
		{"POST", "/sapi/v2/fiat/withdraw", nil, ratelimit.Cost{Family: "sapi", Weight: 45000, Kind: ratelimit.KindSAPIUID}},
		{"POST", "/sapi/v1/sub-account/universalTransfer", nil, ratelimit.Cost{Family: "sapi", Weight: 360, Kind: ratelimit.KindSAPIUID}},
		{"GET", "/sapi/v1/unknown", nil, ratelimit.Cost{Family: "sapi", Weight: ratelimit.DefaultUnknownWeight, Kind: ratelimit.KindSAPIIP}},
		{"POST", "/sapi/v1/unknown", nil, ratelimit.Cost{Family: "sapi", Weight: ratelimit.DefaultUnknownWeight, Kind: ratelimit.KindSAPIIP}},
		{"GET", "/fapi/v1/time", nil, ratelimit.Cost{Family: "fapi", Weight: 1}},
		{"POST", "/fapi/v1/order", nil, ratelimit.Cost{Family: "fapi", Weight: 0, Orders: 1}},
		{"POST", "/fapi/v1/batchOrders", nil, ratelimit.Cost{Family: "fapi", Weight: 5, Orders: 5}},
		{"DELETE", "/fapi/v1/batchOrders", nil, ratelimit.Cost{Family: "fapi", Weight: 1}},
		{"GET", "/api/v3/myTrades", q("orderId", "7"), ratelimit.Cost{Family: "api", Weight: 5}},
		{"POST", "/api/v3/order/test", q("computeCommissionRates", "true"), ratelimit.Cost{Family: "api", Weight: 20}},
		{"POST", "/fapi/v1/leverage", nil, ratelimit.Cost{Family: "fapi", Weight: 1}},
		{"GET", "/fapi/v2/account", nil, ratelimit.Cost{Family: "fapi", Weight: 5}},
		{"GET", "/api/v3/unknown", nil, ratelimit.Cost{Family: "api", Weight: 20}},
		{"POST", "/api/v3/unknown", nil, ratelimit.Cost{Family: "api", Weight: 20, Orders: 1}},
	}
	for _, tc := range cases {
		got := w.Cost(f, tc.method, tc.path, tc.q)
		want := tc.want
		want.Host, want.Path = f, tc.path
		if got != want {
			t.Errorf("Cost(%s %s %v) = %+v; want %+v", tc.method, tc.path, tc.q, got, want)
		}
	}
	// With overrides without touching the original.
	w2 := w.With(ratelimit.Endpoint{Method: "GET", Path: "/api/v3/ping", Weight: 7})
	if w2.Cost(f, "GET", "/api/v3/ping", nil).Weight != 7 || w.Cost(f, "GET", "/api/v3/ping", nil).Weight != 1 {
		t.Errorf("With changed the original table or did not apply")
	}
	if ratelimit.NewWeights(0).Cost(f, "GET", "/x/y", nil).Weight != ratelimit.DefaultUnknownWeight {
		t.Errorf("ratelimit.NewWeights(0) has no safe default")
	}
}

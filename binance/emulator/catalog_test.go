package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/ratelimit"
)

// TestClientAndExchangeAgreeOnWeights drives the real exchange over
// loopback with every catalogued REST endpoint and each of its weight
// variants, and checks that what the client's governor reserves equals
// what the exchange reports in its usage headers. The request carries a
// configured key but no signature, so it is charged and then rejected
// before any handler runs (a refund on success cannot blur the count).
func TestClientAndExchangeAgreeOnWeights(t *testing.T) {
	x := startExchange(t, DefaultConfig(), Options{})
	gov := ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Weights: binance.DefaultWeights()})
	n := 0
	for _, e := range catalog.Default().All() {
		if e.Method == catalog.WS || strings.HasPrefix(e.Path, "/ws-") {
			continue // WebSocket API: TestWSWeightsFromCatalogue
		}
		for _, v := range e.Weight.Variants() {
			q := url.Values{}
			for k, val := range v.Params {
				q.Set(k, val)
			}
			cost := gov.Cost(x.base, e.Method, e.Path, q)
			x.srv.ResetLimits()
			a := x.raw(e.Method, e.Path, q.Encode(), "", "", DocsAPIKey)
			if a.Err != nil {
				t.Fatalf("%s %s: %v", e.Method, e.Path, a.Err)
			}
			header := headerWeight
			switch cost.Kind {
			case ratelimit.KindSAPIIP:
				header = headerSAPIIP
			case ratelimit.KindSAPIUID:
				header = headerSAPIUID
			}
			got, err := strconv.Atoi(a.Header.Get(header))
			if err != nil {
				t.Fatalf("%s %s?%s: %s = %q", e.Method, e.Path, q.Encode(), header, a.Header.Get(header))
			}
			if got != cost.Weight || cost.Orders != e.Orders {
				t.Errorf("%s %s?%s: the client reserves weight %d (%s), orders %d; the exchange charged %d (%s), catalogue orders %d",
					e.Method, e.Path, q.Encode(), cost.Weight, cost.Kind, cost.Orders, got, header, e.Orders)
			}
			n++
		}
	}
	if n < 400 {
		t.Errorf("only %d endpoint variants checked", n)
	}
}

// TestEveryCatalogueEntryIsRouted checks that each catalogued REST endpoint
// answers something other than -1000 Unknown endpoint, and that the ones
// without a modelled handler answer their documented example, marked.
func TestEveryCatalogueEntryIsRouted(t *testing.T) {
	cfg := DefaultConfig()
	x := startExchange(t, cfg, Options{})
	modelled := map[string]bool{}
	for _, m := range x.srv.Modelled() {
		modelled[m] = true
	}
	for _, e := range catalog.Default().All() {
		if e.Method == catalog.WS || strings.HasPrefix(e.Path, "/ws-") {
			continue
		}
		x.srv.ResetLimits()
		a := x.raw(e.Method, e.Path, "", "", "", "")
		if a.Status == http.StatusNotFound || a.Status == http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d %d %s", e.Method, e.Path, a.Status, a.Code, a.Msg)
		}
		if e.Security.NeedsKey() && a.Status == http.StatusOK {
			t.Errorf("%s %s (%s) answered 200 without a key", e.Method, e.Path, e.Security)
		}
		if !e.Security.NeedsKey() && len(e.Mandatory()) == 0 && !modelled[e.Key().String()] {
			if a.Status != http.StatusOK || a.Header.Get(HeaderEmulated) != EmulatedExample {
				t.Errorf("%s %s: %d %s=%q, want the documented example", e.Method, e.Path, a.Status, HeaderEmulated, a.Header.Get(HeaderEmulated))
			}
			if want := catalog.Default().Example(e.Key()); want != nil && string(a.Body) != string(want) {
				t.Errorf("%s %s answered %s, want the example %s", e.Method, e.Path, a.Body, want)
			}
		}
	}
}

func TestExampleAnswersAfterTheFullCheck(t *testing.T) {
	cfg, keys := authConfig(t)
	x := startExchange(t, cfg, Options{})
	k := keys["hmac"]
	tests := []struct {
		name         string
		method, path string
		query        []any
		key          testKey
		status, code int
		msgPart      string
		example      bool
	}{
		{"signed sapi example", "GET", "/sapi/v1/asset/assetDividend", nil, k, 200, 0, "", true},
		{"legal range", "GET", "/sapi/v1/asset/assetDividend", []any{"asset", "BNB", "limit", "600"}, k, 400, int(codes.IllegalChars), "limit", false},
		{"not read", "GET", "/sapi/v1/asset/assetDividend", []any{"bogus", "1"}, k, 400, int(codes.UnreadParameters), "", false},
		{"mandatory", "POST", "/sapi/v1/asset/transfer", []any{"asset", "BNB"}, k, 400, int(codes.MandatoryParamEmpty), "type", false},
		{"permission", "POST", "/sapi/v1/capital/withdraw/apply", []any{"coin", "BNB", "address", "x", "amount", "1"}, keys["read"], 401, int(codes.RejectedMBXKey), "", false},
		{"enum", "GET", "/sapi/v1/sub-account/list", []any{"isFreeze", "maybe"}, k, 400, int(codes.IllegalChars), "true, false", false},
		{"enum ok", "GET", "/sapi/v1/sub-account/list", []any{"isFreeze", "true"}, k, 200, 0, "", true},
		{"dapi futures permission", "GET", "/dapi/v1/account", nil, keys["read"], 401, int(codes.RejectedMBXKey), "request ip", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x.srv.ResetLimits()
			q := kv(t, tt.query...)
			var a answer
			if tt.method == http.MethodGet {
				a = x.signed(tt.key, tt.method, tt.path, q, params.List{})
			} else {
				a = x.signed(tt.key, tt.method, tt.path, params.List{}, q)
			}
			if a.Status != tt.status || a.Code != tt.code || !strings.Contains(a.Msg, tt.msgPart) {
				t.Fatalf("%d %d %s, want %d %d ~%q", a.Status, a.Code, a.Msg, tt.status, tt.code, tt.msgPart)
			}
			if got := a.Header.Get(HeaderEmulated) == EmulatedExample; got != tt.example {
				t.Fatalf("%s = %q", HeaderEmulated, a.Header.Get(HeaderEmulated))
			}
			if tt.example && !json.Valid(a.Body) {
				t.Fatalf("example is not JSON: %s", a.Body)
			}
		})
	}
	// The inspector record says the answer was an example.
	var found bool
	for _, e := range x.srv.Recent() {
		if e.Endpoint == "GET /sapi/v1/asset/assetDividend" && e.HTTPStatus == 200 {
			found = e.Emulated == EmulatedExample
		}
	}
	if !found {
		t.Error("the recorded request does not say it was answered from the example")
	}
}

func TestUnknownEndpointNamesTheClosest(t *testing.T) {
	x := startExchange(t, DefaultConfig(), Options{})
	tests := []struct {
		method, path string
		status       int
		msg          string
	}{
		{"GET", "/api/v3/acount", 404, "Unknown endpoint GET /api/v3/acount; did you mean /api/v3/account?"},
		{"GET", "/fapi/v1/exchangeinfo", 404, "did you mean /fapi/v1/exchangeInfo?"},
		{"GET", "/zzz/qqq/xxxxxxxxxxxxxxxxxxx/yyyyyyyyyyyyyyyyyy", 404, "Unknown endpoint GET /zzz/qqq/xxxxxxxxxxxxxxxxxxx/yyyyyyyyyyyyyyyyyy."},
		{"PATCH", "/api/v3/order", 405, "Method PATCH is not supported for /api/v3/order; use DELETE or GET or POST."},
	}
	for _, tt := range tests {
		a := x.raw(tt.method, tt.path, "", "", "", "")
		if a.Status != tt.status || a.Code != int(codes.Unknown) || !strings.Contains(a.Msg, tt.msg) {
			t.Errorf("%s %s: %d %d %q, want %d ~%q", tt.method, tt.path, a.Status, a.Code, a.Msg, tt.status, tt.msg)
		}
	}
}

func TestKeyOnlyEndpoints(t *testing.T) {
	x := startExchange(t, DefaultConfig(), Options{})
	a := x.raw("POST", "/fapi/v1/listenKey", "", "", "", "")
	if a.Status != http.StatusUnauthorized && a.Status != http.StatusBadRequest {
		t.Fatalf("listenKey without a key: %d %s", a.Status, a.Body)
	}
	a = x.raw("POST", "/fapi/v1/listenKey", "", "", "", DocsAPIKey)
	modelled := slices.Contains(x.srv.Modelled(), "POST /fapi/v1/listenKey")
	if a.Status != 200 || (!modelled && a.Header.Get(HeaderEmulated) != EmulatedExample) || !strings.Contains(string(a.Body), "listenKey") {
		t.Fatalf("listenKey with the key: %d %s", a.Status, a.Body)
	}
	if a.Header.Get(headerWeight) != "2" { // both requests weigh 1; the refused one is charged too
		t.Fatalf("/fapi listenKey weight %s", a.Header.Get(headerWeight))
	}
}

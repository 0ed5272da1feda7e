package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/params"
)

func placeMarket(t *testing.T, e *exchange, k testKey, path, clientID string) answer {
	t.Helper()
	return e.signed(k, "POST", path, params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET",
		"quantity", "0.001", "newClientOrderId", clientID))
}

func findOrder(t *testing.T, e *exchange, k testKey, path, clientID string) answer {
	t.Helper()
	return e.signed(k, "GET", path, kv(t, "symbol", "BTCUSDT", "origClientOrderId", clientID), params.List{})
}

// The nasty one: -1007 after the order is placed. The client must look the
// order up instead of placing it again.
func TestFaultTimeoutPlacesTheOrder(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	for _, c := range []struct {
		path, get string
		status    int
	}{
		{"/api/v3/order", "/api/v3/order", http.StatusServiceUnavailable},
		{"/fapi/v1/order", "/fapi/v1/order", http.StatusRequestTimeout},
	} {
		t.Run(c.path, func(t *testing.T) {
			a := e.admin("POST", "/faults", `{"kind":"timeout","path":"`+c.path+`","method":"POST"}`)
			wantOK(t, a)
			var f Fault
			a.json(t, &f)
			if f.ID == 0 || f.Count != 1 {
				t.Fatalf("fault = %s", a.Body)
			}
			// A request to another path does not consume it.
			wantOK(t, e.get("/api/v3/time", params.List{}))
			a = placeMarket(t, e, k, c.path, "unknown-1")
			wantCode(t, a, c.status, int(codes.Timeout), codes.MsgTimeout)
			a = findOrder(t, e, k, c.get, "unknown-1")
			wantOK(t, a)
			if !strings.Contains(string(a.Body), `"status":"FILLED"`) {
				t.Fatalf("order after -1007 = %s", a.Body)
			}
			if entry := lastEntry(e); entry.Fault != "" {
				t.Fatalf("the fault fired twice: %+v", entry)
			}
			wantOK(t, placeMarket(t, e, k, c.path, "after-1"))
		})
	}
}

func TestFaultDropAfterPlacing(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	if _, err := e.srv.AddFault(Fault{Kind: FaultDrop, Path: "/api/v3/order", Method: "POST"}); err != nil {
		t.Fatal(err)
	}
	a := placeMarket(t, e, k, "/api/v3/order", "dropped-1")
	if a.Err == nil {
		t.Fatalf("got HTTP %d %s; want the connection dropped", a.Status, a.Body)
	}
	wantOK(t, findOrder(t, e, k, "/api/v3/order", "dropped-1"))
	var seen bool
	for _, en := range e.srv.Recent() {
		if en.Fault == string(FaultDrop) && en.Verdict == VerdictFault {
			seen = true
		}
	}
	if !seen {
		t.Fatal("the dropped request is not in Recent")
	}
}

func TestFault5xx(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	wantOK(t, e.admin("POST", "/faults", `{"kind":"5xx","count":2,"path":"/api/v3/order","method":"POST","status":502}`))
	for _, id := range []string{"five-1", "five-2"} {
		wantCode(t, placeMarket(t, e, k, "/api/v3/order", id), 502, -1001, "Internal error; unable to process your request. Please try again.")
		wantCode(t, findOrder(t, e, k, "/api/v3/order", id), 400, -2013, "")
	}
	wantOK(t, placeMarket(t, e, k, "/api/v3/order", "five-3"))

	// With process, the request runs and the answer is still a 5xx.
	wantOK(t, e.admin("POST", "/faults", `{"kind":"5xx","path":"/api/v3/order","method":"POST","process":true}`))
	wantCode(t, placeMarket(t, e, k, "/api/v3/order", "five-4"), 503, -1001, "")
	wantOK(t, findOrder(t, e, k, "/api/v3/order", "five-4"))

	a := e.admin("GET", "/faults", "")
	wantOK(t, a)
	if strings.TrimSpace(string(a.Body)) != "[]" {
		t.Fatalf("faults left: %s", a.Body)
	}
	wantOK(t, e.admin("POST", "/faults", `{"kind":"drop","count":5}`))
	wantOK(t, e.admin("DELETE", "/faults", ""))
	wantOK(t, e.get("/api/v3/ping", params.List{}))
}

func TestFaultLatency(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	wantOK(t, e.admin("POST", "/latency", `{"latency":"150ms"}`))
	start := time.Now()
	wantOK(t, e.get("/api/v3/ping", params.List{}))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("request took %v with 150ms latency", d)
	}
	wantOK(t, e.admin("POST", "/latency", `{"latency":"0s"}`))
}

func TestAdminAPI(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/state", "", 200, `"clockSkew": "0s"`},
		{"POST", "/clock", `{"skew":"1.5s"}`, 200, `"clockSkewMs": 1500`},
		{"POST", "/clock", `{"skew":"soon"}`, 400, `skew \"soon\" is not a duration`},
		{"POST", "/clock", `{"skw":"1s"}`, 400, `unknown field`},
		{"POST", "/latency", `{"latency":"2m"}`, 400, "between 0s and 1m"},
		{"POST", "/faults", `{"kind":"boom"}`, 400, `kind \"boom\"`},
		{"POST", "/faults", `{"kind":"5xx","status":404}`, 400, "500 to 599"},
		{"POST", "/faults", `{"kind":"drop","path":"api/v3/order"}`, 400, "must start with /"},
		{"POST", "/price", `{"symbol":"BTCUSDT","price":"abc"}`, 400, "not a decimal"},
		{"GET", "/counters", "", 200, `"weights"`},
		{"GET", "/recent?limit=1", "", 200, `"endpoint": "GET /mbx/admin`},
		{"GET", "/nope", "", 404, "no admin endpoint"},
	} {
		t.Run(c.method+c.path, func(t *testing.T) {
			a := e.admin(c.method, c.path, c.body)
			if c.want == `"endpoint": "GET /mbx/admin` {
				// Admin calls are not API requests: Recent holds none of them.
				if a.Status != 200 || strings.Contains(string(a.Body), "/mbx/admin") {
					t.Fatalf("recent = %d %s", a.Status, a.Body)
				}
				return
			}
			if a.Status != c.status || !strings.Contains(string(a.Body), c.want) {
				t.Fatalf("got %d %s; want %d containing %s", a.Status, a.Body, c.status, c.want)
			}
		})
	}
	if got := e.srv.ServerTime().Sub(e.clock.Now()); got != 1500*time.Millisecond {
		t.Fatalf("skew = %v", got)
	}

	// Only loopback clients may use it.
	req := httptest.NewRequest("POST", "/mbx/admin/reset", nil)
	req.RemoteAddr = "192.0.2.7:4242"
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "loopback") {
		t.Fatalf("non-loopback admin: %d %s", rec.Code, rec.Body)
	}
}

func TestRecentLookupByID(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	wantCode(t, e.get("/api/v3/ticker/price", kv(t, "symbol", "NOPE")), 400, -1121, "")
	a := e.admin("GET", "/recent?limit=5", "")
	wantOK(t, a)
	var entries []Entry
	a.json(t, &entries)
	if len(entries) != 1 || entries[0].Code != -1121 || entries[0].Explanation == nil || entries[0].RawQuery != "symbol=NOPE" {
		t.Fatalf("recent = %s", a.Body)
	}
	a = e.admin("GET", "/recent?id=1", "")
	wantOK(t, a)
	a = e.admin("GET", "/recent?id=99", "")
	if a.Status != 404 {
		t.Fatalf("unknown id: %d", a.Status)
	}
	for i := 0; i < RecentSize+10; i++ {
		e.srv.recent.Add(Entry{ID: uint64(100 + i)})
	}
	all := e.srv.Recent()
	if len(all) != RecentSize || all[0].ID != 110 || all[len(all)-1].ID != uint64(100+RecentSize+9) {
		t.Fatalf("ring: %d entries, first %d last %d", len(all), all[0].ID, all[len(all)-1].ID)
	}
}

func TestOversizeRequests(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	a := e.raw("GET", "/api/v3/ticker/price", "symbol=BTCUSDT&x="+strings.Repeat("a", 70_000), "", "", "")
	wantCode(t, a, http.StatusRequestURITooLong, -1000, "")
	if !strings.Contains(a.Msg, "65536") {
		t.Errorf("msg = %q, want the limit", a.Msg)
	}
	a = e.raw("POST", "/api/v3/order", "", "symbol="+strings.Repeat("A", 2<<20), "", DocsAPIKey)
	wantCode(t, a, http.StatusRequestEntityTooLarge, -1000, "")
	if !strings.Contains(a.Msg, "1048576") {
		t.Errorf("msg = %q, want the limit", a.Msg)
	}
}

// One log line per request with what an operator needs, and nothing secret.
func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	mu := &syncWriter{w: &buf}
	e := startExchange(t, tradingConfig(), Options{Logger: slog.New(slog.NewJSONHandler(mu, nil))})
	k := docsKey(t)
	wantOK(t, e.signed(k, "GET", "/api/v3/account", params.List{}, params.List{}))
	bad := rawSigned(t, e, k, "GET", "/api/v3/account", "timestamp="+e.ms()+"0", "")
	wantCode(t, bad, 400, -1021, "")
	var sigValue string
	for _, en := range e.srv.Recent() {
		if _, v, ok := strings.Cut(en.RawQuery, "signature="); ok {
			sigValue = v
		}
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines = %d:\n%s", len(lines), out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{"method": "GET", "path": "/api/v3/account", "key": DocsAPIKey,
		"verdict": VerdictRejected, "code": float64(-1021), "weight": float64(20), "status": float64(400)} {
		if rec[field] != want {
			t.Errorf("log %s = %v, want %v", field, rec[field], want)
		}
	}
	if sigValue == "" || strings.Contains(out, sigValue) || strings.Contains(out, docsSecret) || strings.Contains(out, "timestamp=") {
		t.Fatalf("the log holds request data:\n%s", out)
	}
}

type syncWriter struct {
	sync.Mutex
	w io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.Lock()
	defer s.Unlock()
	return s.w.Write(p)
}

func TestMetrics(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	k := docsKey(t)
	wantOK(t, e.signed(k, "GET", "/api/v3/account", params.List{}, params.List{}))
	wantCode(t, rawSigned(t, e, k, "GET", "/api/v3/account", "timestamp=1", ""), 400, -1021, "")
	a := e.raw("GET", "/metrics", "", "", "", "")
	if a.Status != 200 {
		t.Fatalf("metrics: %d", a.Status)
	}
	body := string(a.Body)
	for _, want := range []string{
		`mbx_exchange_requests_total{code="0",endpoint="GET /api/v3/account",status="200"} 1`,
		`mbx_exchange_requests_total{code="-1021",endpoint="GET /api/v3/account",status="400"} 1`,
		`mbx_exchange_rejections_total{code="-1021"} 1`,
		`mbx_exchange_weight_used_total{group="api"} 40`,
		`mbx_exchange_request_duration_seconds_bucket{endpoint="GET /api/v3/account"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

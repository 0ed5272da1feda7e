package okx

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
	"github.com/mbxkit/mbx/secret"
)

type client struct {
	t    *testing.T
	base string
	c    exchange.Credentials
	now  func() time.Time
}

type envelope struct {
	Code string            `json:"code"`
	Msg  string            `json:"msg"`
	Data []json.RawMessage `json:"data"`
}

func (cl client) do(method, path string, params ...string) (envelope, *http.Response) {
	cl.t.Helper()
	resp, body := venuetest.Call(cl.t, New(), cl.base, cl.c, cl.now(), method, path, venuetest.Pairs(params...)...)
	return venuetest.Decode[envelope](cl.t, body), resp
}

func startEmulator(t *testing.T, path string, now func() time.Time) (*Emulator, string) {
	t.Helper()
	return venuetest.Start(t, NewEmulator, exchange.EmulatorConfig{DataPath: path, Now: now, Keys: []exchange.EmulatorKey{
		{APIKey: "KEY123", Secret: secret.FromString(testSecret), Passphrase: secret.FromString(testPass), Balances: map[string]string{"USDT": "10000", "BTC": "1"}},
	}})
}

func field(t *testing.T, raw json.RawMessage, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[name].(string)
	return s
}

func TestEmulatorOrders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "okx.sqlite")
	em, base := startEmulator(t, path, nil)
	cl := client{t: t, base: base, c: exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret), Passphrase: secret.FromString(testPass)}, now: time.Now}

	env, _ := cl.do("POST", "/api/v5/trade/order", "instId", "BTC-USDT", "tdMode", "cash", "clOrdId", "my1", "side", "buy", "ordType", "limit", "px", "30000", "sz", "0.01")
	if env.Code != "0" || len(env.Data) != 1 || field(t, env.Data[0], "sCode") != "0" {
		t.Fatalf("place: %+v", env)
	}
	ordID := field(t, env.Data[0], "ordId")
	env, _ = cl.do("GET", "/api/v5/account/balance", "ccy", "USDT")
	if b, _ := json.Marshal(env.Data); !strings.Contains(string(b), `"frozenBal":"300"`) || !strings.Contains(string(b), `"availBal":"9700"`) {
		t.Errorf("a resting buy of 0.01 at 30000 freezes 300 USDT: %s", b)
	}
	env, _ = cl.do("GET", "/api/v5/trade/orders-pending", "instType", "SPOT")
	if len(env.Data) != 1 || field(t, env.Data[0], "state") != "live" || field(t, env.Data[0], "ordId") != ordID {
		t.Errorf("pending: %+v", env)
	}
	if err := em.Close(); err != nil {
		t.Fatal(err)
	}
	em, base = startEmulator(t, path, nil)
	defer em.Close()
	cl.base = base
	env, _ = cl.do("POST", "/api/v5/trade/cancel-order", "instId", "BTC-USDT", "ordId", ordID)
	if env.Code != "0" || field(t, env.Data[0], "sCode") != "0" {
		t.Fatalf("cancel after restart: %+v", env)
	}
	env, _ = cl.do("GET", "/api/v5/trade/order", "instId", "BTC-USDT", "clOrdId", "my1")
	if len(env.Data) != 1 || field(t, env.Data[0], "state") != "canceled" {
		t.Errorf("after cancel: %+v", env)
	}
	env, _ = cl.do("POST", "/api/v5/trade/cancel-order", "instId", "BTC-USDT", "ordId", ordID)
	if env.Code != "1" || field(t, env.Data[0], "sCode") != "51400" {
		t.Errorf("cancelling twice: %+v", env)
	}
	env, _ = cl.do("GET", "/api/v5/trade/order", "instId", "BTC-USDT", "ordId", "424242")
	if env.Code != "51603" {
		t.Errorf("unknown order: %+v", env)
	}

	for _, r := range []struct {
		name, sCode, explain string
		params               []string
	}{
		{"too big", "51008", "free balance", []string{"instId", "BTC-USDT", "tdMode", "cash", "side", "buy", "ordType", "limit", "px", "30000", "sz", "10"}},
		{"no tdMode", "51000", "tdMode=cash", []string{"instId", "BTC-USDT", "side", "buy", "ordType", "limit", "px", "30000", "sz", "1"}},
		{"bad side", "51000", "buy or sell", []string{"instId", "BTC-USDT", "tdMode", "cash", "side", "BUY", "ordType", "limit", "px", "30000", "sz", "1"}},
		{"no px", "51000", "needs px", []string{"instId", "BTC-USDT", "tdMode", "cash", "side", "buy", "ordType", "limit", "sz", "1"}},
	} {
		env, resp := cl.do("POST", "/api/v5/trade/order", r.params...)
		if env.Code != "1" || len(env.Data) != 1 || field(t, env.Data[0], "sCode") != r.sCode || !strings.Contains(resp.Header.Get("X-MBX-EXPLAIN"), r.explain) {
			t.Errorf("%s: %+v, explain %q; want sCode %s, %q", r.name, env, resp.Header.Get("X-MBX-EXPLAIN"), r.sCode, r.explain)
		}
	}
	if env, _ := cl.do("POST", "/api/v5/trade/order", "instId", "DOGE-USDT", "tdMode", "cash", "side", "buy", "ordType", "limit", "px", "1", "sz", "1"); env.Code != "51001" {
		t.Errorf("unknown instrument: %+v", env)
	}

	// Batch: one good, one bad → code 2 with one item each.
	batch := `[{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"20000","sz":"0.001"},{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"20000","sz":"100"}]`
	ts := time.Now().UTC().Format(TimestampLayout)
	_, body := venuetest.Send(t, base, exchange.Signed{Method: "POST", Path: batchPath, Body: []byte(batch), Headers: []exchange.Header{
		{Name: HeaderKey, Value: "KEY123"}, {Name: HeaderPassphrase, Value: testPass}, {Name: HeaderTimestamp, Value: ts},
		{Name: HeaderSign, Value: b64(testSecret, Prehash(ts, "POST", batchPath, "", []byte(batch)))}}})
	env = venuetest.Decode[envelope](t, body)
	if env.Code != "2" || len(env.Data) != 2 || field(t, env.Data[0], "sCode") != "0" || field(t, env.Data[1], "sCode") != "51008" {
		t.Errorf("batch: %+v", env)
	}

	// Authentication failures: OKX's codes with HTTP 401, explained.
	bad := cl
	bad.c.Passphrase = secret.FromString("wrong")
	env, resp := bad.do("GET", "/api/v5/account/balance")
	if env.Code != CodePassphrase || resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-MBX-EXPLAIN") == "" {
		t.Errorf("wrong passphrase: %+v %d", env, resp.StatusCode)
	}
	bad = cl
	bad.c.Secret = secret.FromString(testSecret + "\r\n")
	env, resp = bad.do("GET", "/api/v5/account/balance", "ccy", "BTC")
	if env.Code != CodeSign || !strings.Contains(resp.Header.Get("X-MBX-EXPLAIN"), "CRLF") {
		t.Errorf("secret with CRLF: %+v %q", env, resp.Header.Get("X-MBX-EXPLAIN"))
	}
	late := cl
	late.now = func() time.Time { return time.Now().Add(-time.Minute) }
	if env, _ := late.do("GET", "/api/v5/account/balance"); env.Code != CodeTimestampExpired {
		t.Errorf("a minute late: %+v", env)
	}
	r, err := http.Get(base + "/mbx/recent")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !strings.Contains(string(b), `"code":"50113"`) || !strings.Contains(string(b), "CRLF") || strings.Contains(string(b), `"apiKey":"KEY123"`) || strings.Contains(string(b), testPass) {
		t.Errorf("/mbx/recent: %.400s", b)
	}
}

func TestEmulatorConfig(t *testing.T) {
	_, err := NewEmulator(context.Background(), exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}})
	if err == nil || !strings.Contains(err.Error(), "no passphrase") {
		t.Fatalf("a key without passphrase: %v", err)
	}
}

func TestTimeSource(t *testing.T) {
	fixed := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	em, base := startEmulator(t, "", func() time.Time { return fixed })
	defer em.Close()
	got, err := New().TimeSource(base, nil).ServerTime(context.Background())
	if err != nil || !got.Equal(fixed) {
		t.Fatalf("ServerTime = %v, %v; want %v", got, err, fixed)
	}
	for _, body := range []string{`{"code":"0","data":[]}`, `{"code":"50001","msg":"x"}`, `[`, `{"code":"0","data":[{"ts":"1700000000"}]}`} {
		if _, err := parseTime([]byte(body)); err == nil {
			t.Errorf("parseTime(%s) accepted", body)
		}
	}
}

func TestContractEmulator(t *testing.T) {
	var ex exchange.Exchange = New()
	if em, err := ex.NewEmulator(context.Background(), exchange.EmulatorConfig{}); err == nil || em != nil {
		t.Fatalf("NewEmulator without keys = %v, %v; want nil and an error", em, err)
	}
	em, err := ex.NewEmulator(context.Background(), exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s"), Passphrase: secret.FromString("p")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	if ex.Name() != "okx" || em.Handler() == nil {
		t.Error("contract")
	}
}

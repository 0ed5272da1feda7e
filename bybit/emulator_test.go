package bybit

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

// client signs with Sign and sends over loopback to a started local exchange.
type client struct {
	t    *testing.T
	base string
	c    exchange.Credentials
	now  func() time.Time
}

type envelope struct {
	RetCode int             `json:"retCode"`
	RetMsg  string          `json:"retMsg"`
	Result  json.RawMessage `json:"result"`
	Time    int64           `json:"time"`
}

func (cl client) do(method, path string, params ...string) (envelope, http.Header) {
	cl.t.Helper()
	resp, body := venuetest.Call(cl.t, New(), cl.base, cl.c, cl.now(), method, path, venuetest.Pairs(params...)...)
	return venuetest.Decode[envelope](cl.t, body), resp.Header
}

func startEmulator(t *testing.T, path string, now func() time.Time) (*Emulator, string) {
	t.Helper()
	return venuetest.Start(t, NewEmulator, exchange.EmulatorConfig{DataPath: path, Now: now, Keys: []exchange.EmulatorKey{
		{APIKey: "KEY123", Secret: secret.FromString(testSecret), Balances: map[string]string{"USDT": "10000", "BTC": "1"}},
	}})
}

func TestEmulatorOrders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bybit.sqlite")
	em, base := startEmulator(t, path, nil)
	cl := client{t: t, base: base, c: exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret)}, now: time.Now}

	env, _ := cl.do("POST", "/v5/order/create", "category", "spot", "symbol", "BTCUSDT", "side", "Buy", "orderType", "Limit", "qty", "0.01", "price", "30000", "orderLinkId", "my-1")
	var placed struct{ OrderID, OrderLinkID string }
	if env.RetCode != 0 || json.Unmarshal(env.Result, &placed) != nil || placed.OrderID == "" || placed.OrderLinkID != "my-1" {
		t.Fatalf("create: %+v", env)
	}
	env, _ = cl.do("GET", "/v5/account/wallet-balance", "accountType", "UNIFIED", "coin", "USDT")
	if !strings.Contains(string(env.Result), `"locked":"300"`) || !strings.Contains(string(env.Result), `"availableToWithdraw":"9700"`) {
		t.Errorf("a resting buy of 0.01 at 30000 locks 300 USDT: %s", env.Result)
	}
	env, _ = cl.do("GET", "/v5/order/realtime", "category", "spot")
	if !strings.Contains(string(env.Result), `"orderStatus":"New"`) || !strings.Contains(string(env.Result), placed.OrderID) {
		t.Errorf("open orders: %s", env.Result)
	}
	// Restart on the same ledger: the order is still there.
	if err := em.Close(); err != nil {
		t.Fatal(err)
	}
	em, base = startEmulator(t, path, nil)
	defer em.Close()
	cl.base = base
	env, _ = cl.do("POST", "/v5/order/cancel", "category", "spot", "symbol", "BTCUSDT", "orderId", placed.OrderID)
	if env.RetCode != 0 {
		t.Fatalf("cancel after restart: %+v", env)
	}
	env, _ = cl.do("GET", "/v5/order/realtime", "category", "spot", "symbol", "BTCUSDT", "orderId", placed.OrderID)
	if !strings.Contains(string(env.Result), `"orderStatus":"Cancelled"`) {
		t.Errorf("after cancel: %s", env.Result)
	}
	// A limit above the market fills at once.
	env, _ = cl.do("POST", "/v5/order/create", "category", "spot", "symbol", "BTCUSDT", "side", "Buy", "orderType", "Limit", "qty", "0.01", "price", "70000")
	json.Unmarshal(env.Result, &placed)
	env, _ = cl.do("GET", "/v5/order/realtime", "category", "spot", "symbol", "BTCUSDT", "orderId", placed.OrderID)
	if !strings.Contains(string(env.Result), `"orderStatus":"Filled"`) || !strings.Contains(string(env.Result), `"avgPrice":"60000"`) {
		t.Errorf("marketable limit: %s", env.Result)
	}

	rejections := []struct {
		name    string
		params  []string
		code    int
		explain string
	}{
		{"too big", []string{"category", "spot", "symbol", "BTCUSDT", "side", "Buy", "orderType", "Limit", "qty", "10", "price", "30000"}, 170131, "free balance"},
		{"linear", []string{"category", "linear", "symbol", "BTCUSDT", "side", "Buy", "orderType", "Limit", "qty", "1", "price", "1"}, 10001, "category=spot only"},
		{"bad symbol", []string{"category", "spot", "symbol", "DOGEUSDT", "side", "Buy", "orderType", "Limit", "qty", "1", "price", "1"}, 10001, "lists BTCUSDT"},
		{"bad side", []string{"category", "spot", "symbol", "BTCUSDT", "side", "BUY", "orderType", "Limit", "qty", "1", "price", "1"}, 10001, "Buy or Sell"},
		{"no price", []string{"category", "spot", "symbol", "BTCUSDT", "side", "Buy", "orderType", "Limit", "qty", "1"}, 10001, "needs price"},
	}
	for _, r := range rejections {
		env, h := cl.do("POST", "/v5/order/create", r.params...)
		if env.RetCode != r.code || !strings.Contains(h.Get("X-MBX-EXPLAIN"), r.explain) {
			t.Errorf("%s: retCode %d (%s), explain %q; want %d, %q", r.name, env.RetCode, env.RetMsg, h.Get("X-MBX-EXPLAIN"), r.code, r.explain)
		}
	}
	env, _ = cl.do("POST", "/v5/order/cancel", "category", "spot", "symbol", "BTCUSDT", "orderId", "999999")
	if env.RetCode == 0 {
		t.Error("cancelling an unknown order succeeded")
	}

	// Authentication failures are Bybit's, explained in the header and in /mbx/recent.
	bad := cl
	bad.c.Secret = secret.FromString(testSecret + "\n")
	env, h := bad.do("GET", "/v5/account/wallet-balance", "accountType", "UNIFIED")
	if env.RetCode != 10004 || !strings.Contains(h.Get("X-MBX-EXPLAIN"), "trailing newline") {
		t.Errorf("secret with newline: %+v %q", env, h.Get("X-MBX-EXPLAIN"))
	}
	late := cl
	late.now = func() time.Time { return time.Now().Add(-time.Minute) }
	if env, _ := late.do("GET", "/v5/account/wallet-balance", "accountType", "UNIFIED"); env.RetCode != 10002 {
		t.Errorf("a minute late: %+v", env)
	}
	resp, err := http.Get(base + "/mbx/recent")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"code":"10004"`) || !strings.Contains(string(b), "trailing newline") || strings.Contains(string(b), `"apiKey":"KEY123"`) {
		t.Errorf("/mbx/recent lacks the explained 10004 or shows the unmasked key: %.400s", b)
	}
}

func TestEmulatorConfig(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		keys []exchange.EmulatorKey
		want string
	}{
		{"no keys", nil, "no API keys"},
		{"passphrase", []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s"), Passphrase: secret.FromString("p")}}, "Bybit keys have none"},
		{"no secret", []exchange.EmulatorKey{{APIKey: "k"}}, "secret is empty"},
		{"bad balance", []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s"), Balances: map[string]string{"USDT": "lots"}}}, "not a decimal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewEmulator(ctx, exchange.EmulatorConfig{Keys: tt.keys})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTimeSource(t *testing.T) {
	fixed := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	em, base := startEmulator(t, "", func() time.Time { return fixed })
	defer em.Close()
	got, err := New().TimeSource(base, nil).ServerTime(context.Background())
	if err != nil || !got.Equal(fixed) {
		t.Fatalf("ServerTime = %v, %v; want %v", got, err, fixed)
	}
	for _, body := range []string{`{"retCode":0,"result":{}}`, `{"retCode":10016,"retMsg":"x"}`, `[`, `{"retCode":0,"result":{"timeSecond":"1"}}`} {
		if _, err := parseTime([]byte(body)); err == nil {
			t.Errorf("parseTime(%s) accepted", body)
		}
	}
	if got, err := parseTime([]byte(`{"retCode":0,"result":{"timeSecond":"1700000000"}}`)); err != nil || got.Unix() != 1700000000 {
		t.Errorf("timeSecond only: %v %v", got, err)
	}
}

func TestContractEmulator(t *testing.T) {
	var ex exchange.Exchange = New()
	if em, err := ex.NewEmulator(context.Background(), exchange.EmulatorConfig{}); err == nil || em != nil {
		t.Fatalf("NewEmulator without keys = %v, %v; want nil and an error", em, err)
	}
	em, err := ex.NewEmulator(context.Background(), exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	if ex.Name() != "bybit" || em.Handler() == nil {
		t.Error("contract")
	}
}

func TestEmulatorUnknownRoute(t *testing.T) {
	em, base := startEmulator(t, "", nil)
	defer em.Close()
	resp, err := http.Post(base+"/v5/market/time", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusNotFound || env.RetCode != 10017 || resp.Header.Get("X-MBX-EXPLAIN") == "" {
		t.Fatalf("POST /v5/market/time: %d %+v %v", resp.StatusCode, env, err)
	}
	if got := em.Recent(); len(got) != 1 || got[0].Code != "10017" || got[0].Method != "POST" {
		t.Errorf("Recent = %+v", got)
	}
}

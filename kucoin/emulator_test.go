package kucoin

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/exsim"
)

// startLocal starts KuCoin's local exchange on 127.0.0.1 with testCreds'
// key and returns its base URL.
func startLocal(t *testing.T, path string) (string, exchange.Emulator) {
	t.Helper()
	em, base := venuetest.Start(t, New().NewEmulator, exchange.EmulatorConfig{DataPath: path, Keys: []exchange.EmulatorKey{{
		APIKey: testCreds.APIKey, Secret: testCreds.Secret, Passphrase: testCreds.Passphrase, Balances: map[string]string{"USDT": "1000", "BTC": "0.5"}}}})
	return base, em
}

type envelope struct {
	Code string          `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// call signs with mbx at the current time and sends the exact bytes.
func call(t *testing.T, base string, c exchange.Credentials, method, path string, params ...exchange.Param) (*http.Response, envelope) {
	t.Helper()
	resp, body := venuetest.Call(t, New(), base, c, time.Now(), method, path, params...)
	return resp, venuetest.Decode[envelope](t, body)
}

func TestEmulatorOrderLifecycle(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "kucoin.db")
	base, em := startLocal(t, dbPath)
	p := func(n, v string) exchange.Param { return exchange.Param{Name: n, Value: v} }

	_, env := call(t, base, testCreds, "POST", "/api/v1/orders", p("clientOid", "c-1"), p("side", "buy"), p("symbol", "BTC-USDT"),
		p("type", "limit"), p("price", "50000"), p("size", "0.01"))
	var placed struct{ OrderID string }
	if err := json.Unmarshal(env.Data, &placed); env.Code != CodeOK || err != nil || len(placed.OrderID) != 24 {
		t.Fatalf("place: %+v", env)
	}
	_, env = call(t, base, testCreds, "GET", "/api/v1/accounts", p("currency", "USDT"))
	var accts []map[string]string
	_ = json.Unmarshal(env.Data, &accts)
	if len(accts) != 1 || accts[0]["available"] != "500" || accts[0]["holds"] != "500" || accts[0]["balance"] != "1000" {
		t.Errorf("USDT account after a resting 500 USDT buy: %v", accts)
	}
	_, env = call(t, base, testCreds, "GET", "/api/v1/orders", p("status", "active"), p("symbol", "BTC-USDT"))
	var page struct{ Items []map[string]any }
	_ = json.Unmarshal(env.Data, &page)
	if len(page.Items) != 1 || page.Items[0]["id"] != placed.OrderID || page.Items[0]["isActive"] != true {
		t.Errorf("active orders: %s", env.Data)
	}
	_, env = call(t, base, testCreds, "DELETE", "/api/v1/orders/"+placed.OrderID)
	if env.Code != CodeOK || !strings.Contains(string(env.Data), placed.OrderID) {
		t.Errorf("cancel: %+v", env)
	}
	// Canceling again: the order is no longer active.
	resp, env := call(t, base, testCreds, "DELETE", "/api/v1/orders/"+placed.OrderID)
	if env.Code != CodeParameterError || resp.Header.Get(exsim.ExplainHeader) == "" {
		t.Errorf("second cancel: %d %+v", resp.StatusCode, env)
	}
	// Too big an order: KuCoin's balance error.
	_, env = call(t, base, testCreds, "POST", "/api/v1/orders", p("clientOid", "c-2"), p("side", "buy"), p("symbol", "BTC-USDT"),
		p("type", "limit"), p("price", "50000"), p("size", "1"))
	if env.Code != CodeBalance {
		t.Errorf("oversized order: %+v", env)
	}
	// A wrong passphrase: 400004, explained in the header and at /mbx/recent.
	bad := testCreds
	bad.Passphrase = secret.FromString("wrong")
	resp, env = call(t, base, bad, "GET", "/api/v1/accounts")
	if resp.StatusCode != http.StatusUnauthorized || env.Code != CodeInvalidPassphrase || resp.Header.Get(exsim.ExplainHeader) == "" {
		t.Errorf("wrong passphrase: %d %+v %q", resp.StatusCode, env, resp.Header.Get(exsim.ExplainHeader))
	}
	r, err := http.Get(base + "/mbx/recent")
	if err != nil {
		t.Fatal(err)
	}
	var recent []exsim.Entry
	_ = json.NewDecoder(r.Body).Decode(&recent)
	r.Body.Close()
	if len(recent) == 0 || recent[0].Code != CodeInvalidPassphrase || recent[0].Explanation == "" {
		t.Errorf("/mbx/recent newest entry: %+v", recent[:min(1, len(recent))])
	}

	// State is on disk: a new exchange on the same file sees the order.
	if err := em.Close(); err != nil {
		t.Fatal(err)
	}
	base2, _ := startLocal(t, dbPath)
	_, env = call(t, base2, testCreds, "GET", "/api/v1/orders/"+placed.OrderID)
	var o map[string]any
	_ = json.Unmarshal(env.Data, &o)
	if o["cancelExist"] != true || o["isActive"] != false || o["clientOid"] != "c-1" {
		t.Errorf("order after restart: %s", env.Data)
	}
}

func TestTimeSource(t *testing.T) {
	base, _ := startLocal(t, "")
	c := clock.New(New().TimeSource(base, nil), clock.Options{})
	est, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := est.Offset; d > time.Second || d < -time.Second {
		t.Errorf("offset to a local exchange on this host is %v", d)
	}
	if _, err := New().TimeSource("http://127.0.0.1:1", nil).ServerTime(context.Background()); err == nil {
		t.Error("no error from a closed port")
	}
}

func TestParseTime(t *testing.T) {
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"code":"200000","msg":"success","data":1546837113087}`, true},
		{`{"code":"200000","data":1546837113}`, false},
		{`{"code":"400001","msg":"x"}`, false},
		{`{"code":"200000","data":"1546837113087"}`, false},
		{`<html>`, false},
	} {
		_, err := parseTime([]byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("parseTime(%s): %v", tt.body, err)
		}
	}
}

func TestNewEmulatorBadConfig(t *testing.T) {
	_, err := New().NewEmulator(context.Background(), exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}})
	if err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("a key without a passphrase: %v", err)
	}
}

package compat

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/sign"
)

// docsSecret is the secret of the Binance docs' public example key
// (emulator.DocsAPIKey), which the exchange accepts by default.
const docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

// stepLine is one line spot.mjs prints.
type stepLine struct {
	Step       string          `json:"step"`
	OK         bool            `json:"ok"`
	Status     int             `json:"status"`
	Error      string          `json:"error"`
	Name       string          `json:"name"` // the connector's error class
	Code       *int            `json:"code"`
	Data       json.RawMessage `json:"data"`
	RateLimits []struct {
		RateLimitType string `json:"rateLimitType"`
		Interval      string `json:"interval"`
		Count         int    `json:"count"`
	} `json:"rateLimits"`
}

type orderData struct {
	Symbol      string `json:"symbol"`
	OrderID     int64  `json:"orderId"`
	Side        string `json:"side"`
	Type        string `json:"type"`
	Status      string `json:"status"`
	Price       string `json:"price"`
	OrigQty     string `json:"origQty"`
	ExecutedQty string `json:"executedQty"`
}

var wantSteps = []string{"time", "account", "newOrder LIMIT", "newOrder MARKET", "getOrder", "deleteOrder"}

// connectorDir is compat/js with the connector installed, or the test
// skips (developer machine) or fails (CI).
func connectorDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	requirePackage(t, dir, "@binance/spot")
	return dir
}

// apiKey makes a 64-character key of letters and digits, as Binance's.
func apiKey(t *testing.T) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// writeKeyPair writes s's private key for node and returns its public key.
func writeKeyPair(t *testing.T, s sign.Signer, path string) []byte {
	t.Helper()
	priv, err := sign.MarshalPrivateKeyPEM(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := sign.MarshalPublicKeyPEM(s)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// nodeEnv is the environment of the node process: no proxy, so every
// connection goes straight to the exchange on 127.0.0.1 (spot.mjs also
// refuses any other address).
func nodeEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "NODE_OPTIONS", "BINANCE_CONNECTOR_JS_USER_AGENT":
			continue
		}
		if strings.HasPrefix(name, "MBX_") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"), extra...)
}

func TestOfficialJSConnector(t *testing.T) {
	node := testenv.LookPath(t, "node", "apt-get install -y nodejs")
	dir := connectorDir(t)

	keys := t.TempDir()
	rsaKey, err := sign.GenerateRSA(2048)
	if err != nil {
		t.Fatal(err)
	}
	edKey, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv, edPriv := filepath.Join(keys, "rsa.pem"), filepath.Join(keys, "ed25519.pem")
	rsaPubFile := filepath.Join(keys, "rsa.pub.pem")
	if err := os.WriteFile(rsaPubFile, writeKeyPair(t, rsaKey, rsaPriv), 0o644); err != nil {
		t.Fatal(err)
	}
	edPub := writeKeyPair(t, edKey, edPriv)

	rsaAPIKey, edAPIKey := apiKey(t), apiKey(t)
	balances := map[string]string{"USDT": "10000", "BTC": "1"}
	perms := []string{emulator.PermUserData, emulator.PermTrade}
	cfg := emulator.DefaultConfig() // the docs' HMAC key with USER_DATA and TRADE
	cfg.Keys = append(cfg.Keys,
		emulator.KeyConfig{APIKey: rsaAPIKey, Type: "rsa", PublicKeyFile: rsaPubFile, Permissions: perms, Balances: balances},
		emulator.KeyConfig{APIKey: edAPIKey, Type: "ed25519", PublicKey: string(edPub), Permissions: perms, Balances: balances},
	)
	srv, base := startExchange(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // bounds the node runs
	defer cancel()

	tests := []struct {
		name, key string
		env       []string
	}{
		{"hmac", emulator.DocsAPIKey, []string{"MBX_API_SECRET=" + docsSecret}},
		{"rsa", rsaAPIKey, []string{"MBX_PRIVATE_KEY_FILE=" + rsaPriv}},
		{"ed25519", edAPIKey, []string{"MBX_PRIVATE_KEY_FILE=" + edPriv}},
	}
	runNode := func(t *testing.T, env ...string) (stdout, stderr []byte, err error) {
		t.Helper()
		cmd := exec.CommandContext(ctx, node, "spot.mjs")
		cmd.Dir = dir
		cmd.Env = nodeEnv(append([]string{"MBX_BASE_URL=" + base}, env...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		t.Logf("node spot.mjs:\n%s%s", out.Bytes(), errOut.Bytes())
		return out.Bytes(), errOut.Bytes(), err
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			since := lastID(srv)
			stdout, stderr, err := runNode(t, append([]string{"MBX_API_KEY=" + tt.key}, tt.env...)...)
			if err != nil || len(stderr) > 0 {
				t.Errorf("node spot.mjs: %v", err)
			}
			steps := parseSteps(t, stdout, true)
			checkSteps(t, steps)
			checkExchangeSaw(t, srv, tt.key, since, steps)
		})
	}

	// The harness sees a failure: the same run with a wrong secret must
	// fail at the first signed step with Binance's -1022.
	t.Run("wrong secret fails", func(t *testing.T) {
		since := lastID(srv)
		wrong := "x" + docsSecret[1:]
		stdout, _, err := runNode(t, "MBX_API_KEY="+emulator.DocsAPIKey, "MBX_API_SECRET="+wrong)
		if err == nil {
			t.Fatal("spot.mjs exited 0 with a wrong secret")
		}
		steps := parseSteps(t, stdout, false)
		if !steps["time"].OK {
			t.Errorf("the unsigned time step failed: %+v", steps["time"])
		}
		acct := steps["account"]
		if acct.OK || acct.Code == nil || *acct.Code != -1022 || acct.Name != "UnauthorizedError" && acct.Name != "BadRequestError" {
			t.Errorf("account with a wrong secret: %+v", acct)
		}
		rejected := 0
		for _, e := range srv.Recent() {
			if e.ID > since && e.Code == -1022 && e.Explanation != nil && e.Explanation.Payload != "" {
				rejected++
			}
		}
		if rejected < 3 {
			t.Errorf("the exchange explained %d -1022 rejections, want one per signed step", rejected)
		}
		if strings.Contains(string(stdout), wrong) || strings.Contains(string(stdout), docsSecret) {
			t.Error("the secret appears in the output")
		}
	})
}

// lastID is the id of the newest request the exchange recorded.
func lastID(srv *emulator.Server) uint64 {
	var id uint64
	for _, e := range srv.Recent() {
		id = max(id, e.ID)
	}
	return id
}

// parseSteps reads spot.mjs's lines; with wantOK every step must have
// succeeded.
func parseSteps(t *testing.T, out []byte, wantOK bool) map[string]stepLine {
	t.Helper()
	steps := map[string]stepLine{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s stepLine
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Errorf("not a JSON line: %q: %v", sc.Text(), err)
			continue
		}
		if wantOK && !s.OK {
			code := "none"
			if s.Code != nil {
				code = strconv.Itoa(*s.Code)
			}
			t.Errorf("step %q failed: %s (code %s)", s.Step, s.Error, code)
		}
		steps[s.Step] = s
		order = append(order, s.Step)
	}
	if strings.Join(order, ",") != strings.Join(wantSteps, ",") {
		t.Errorf("steps %q, want %q", order, wantSteps)
	}
	return steps
}

func decodeData[T any](t *testing.T, s stepLine) T {
	t.Helper()
	var v T
	if len(s.Data) == 0 || string(s.Data) == "null" {
		t.Errorf("step %q returned no data", s.Step)
		return v
	}
	if err := json.Unmarshal(s.Data, &v); err != nil {
		t.Errorf("step %q data %s: %v", s.Step, s.Data, err)
	}
	return v
}

// checkSteps asserts what each answer, as the connector parsed it, says.
func checkSteps(t *testing.T, steps map[string]stepLine) {
	t.Helper()
	for _, name := range wantSteps {
		if s := steps[name]; s.OK && s.Status != 200 {
			t.Errorf("step %q: HTTP %d", name, s.Status)
		}
	}
	tm := decodeData[struct{ ServerTime int64 }](t, steps["time"])
	if d := time.Since(time.UnixMilli(tm.ServerTime)); d < -10*time.Second || d > time.Minute {
		t.Errorf("serverTime %d is %v away from now", tm.ServerTime, d)
	}
	if rl := steps["time"].RateLimits; len(rl) == 0 || rl[0].RateLimitType != "REQUEST_WEIGHT" || rl[0].Interval != "MINUTE" || rl[0].Count < 1 {
		t.Errorf("the connector did not read X-MBX-USED-WEIGHT-1M: %+v", rl)
	}
	acct := decodeData[struct {
		CanTrade bool
		Balances []struct{ Asset, Free, Locked string }
	}](t, steps["account"])
	hasUSDT := false
	for _, b := range acct.Balances {
		hasUSDT = hasUSDT || b.Asset == "USDT"
	}
	if !acct.CanTrade || !hasUSDT {
		t.Errorf("account: %s", steps["account"].Data)
	}
	limit := decodeData[orderData](t, steps["newOrder LIMIT"])
	market := decodeData[orderData](t, steps["newOrder MARKET"])
	got := decodeData[orderData](t, steps["getOrder"])
	canceled := decodeData[orderData](t, steps["deleteOrder"])
	if limit.OrderID == 0 || limit.Type != "LIMIT" || limit.Side != "BUY" || limit.Status != "NEW" || !decEq(limit.Price, "30000") || !decEq(limit.OrigQty, "0.001") {
		t.Errorf("LIMIT order: %+v", limit)
	}
	if market.OrderID == 0 || market.Type != "MARKET" || market.Status != "FILLED" || !decEq(market.ExecutedQty, "0.001") {
		t.Errorf("MARKET order: %+v", market)
	}
	if got.OrderID != limit.OrderID || got.Status != "NEW" || got.Symbol != "BTCUSDT" {
		t.Errorf("getOrder: %+v, want order %d NEW", got, limit.OrderID)
	}
	if canceled.OrderID != limit.OrderID || canceled.Status != "CANCELED" {
		t.Errorf("deleteOrder: %+v, want order %d CANCELED", canceled, limit.OrderID)
	}
}

func decEq(got, want string) bool {
	g, err := decimal.NewFromString(got)
	return err == nil && g.Equal(decimal.RequireFromString(want))
}

// checkExchangeSaw asserts the exchange's side: every request of this key
// since the given id was accepted, the orders are in the ledger, and the requests have the
// layout the connector is known to send.
func checkExchangeSaw(t *testing.T, srv *emulator.Server, key string, since uint64, steps map[string]stepLine) {
	t.Helper()
	var mine []emulator.Entry
	for _, e := range srv.Recent() {
		if e.ID > since && e.APIKey == key {
			mine = append(mine, e)
		}
	}
	if len(mine) != len(wantSteps) {
		t.Errorf("the exchange recorded %d requests with this key, want %d", len(mine), len(wantSteps))
	}
	for _, e := range mine {
		if e.Verdict != emulator.VerdictAccepted {
			t.Errorf("#%d %s %s: %s %d %s; explanation: %s", e.ID, e.Method, e.Path, e.Verdict, e.Code, e.Msg, e.Explanation.Text())
		}
		if e.Security == "NONE" {
			continue
		}
		// Layout of @binance/spot 32: every parameter in the query string,
		// timestamp added last and the signature after it; no body.
		if !strings.Contains(e.RawQuery, "timestamp=") || !strings.Contains(e.RawQuery, "&signature=") || strings.Contains(e.RawQuery[strings.Index(e.RawQuery, "&signature="):][1:], "&") {
			t.Errorf("#%d %s %s: query %q does not end with timestamp and signature", e.ID, e.Method, e.Path, e.RawQuery)
		}
		if e.Body != "" {
			t.Errorf("#%d %s %s: unexpected body %q", e.ID, e.Method, e.Path, e.Body)
		}
	}

	account, ok := srv.AccountOf(key)
	if !ok {
		t.Fatalf("no account for key %s", key)
	}
	ctx := context.Background()
	limit := decodeData[orderData](t, steps["newOrder LIMIT"])
	market := decodeData[orderData](t, steps["newOrder MARKET"])
	for _, want := range []struct {
		id     int64
		status string
	}{{limit.OrderID, "CANCELED"}, {market.OrderID, "FILLED"}} {
		o, err := srv.Store().GetOrder(ctx, account, "BTCUSDT", want.id, "")
		if err != nil {
			t.Errorf("order %d is not in the ledger: %v", want.id, err)
			continue
		}
		if o.Status != want.status {
			t.Errorf("ledger order %d: %s, want %s", want.id, o.Status, want.status)
		}
	}
	trades, err := srv.Store().Trades(ctx, account, "BTCUSDT", 100)
	if err != nil {
		t.Fatal(err)
	}
	filled := false
	for _, tr := range trades {
		filled = filled || tr.OrderID == market.OrderID
	}
	if !filled {
		t.Errorf("no trade recorded for the MARKET order %d", market.OrderID)
	}
	open, err := srv.Store().OpenOrders(ctx, account, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 {
		t.Errorf("%d orders still open after the cancel", len(open))
	}
}

// startExchange runs the local exchange in-process on 127.0.0.1 for one test.
func startExchange(t *testing.T, cfg emulator.Config) (*emulator.Server, string) {
	t.Helper()
	ex := binancetest.NewServer(t, binancetest.WithConfig(cfg))
	return ex.Exchange, ex.URL
}

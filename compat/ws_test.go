package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/sign"
)

// nonASCIISymbol is a listed symbol whose name is not ASCII.
const nonASCIISymbol = "这是测试币456"

// TestOfficialJSConnectorWebSocketAPI runs the official connector's
// WebSocket API client (compat/js/ws.mjs) against the exchange's
// /ws-api/v3 with each key type: connect, time, a LIMIT order placed,
// queried and cancelled, and an order on a non-ASCII symbol.
//
// With an Ed25519 key the connector logs on (session.logon) and then sends
// requests without a signature, so the non-ASCII order goes through. With
// HMAC and RSA keys it signs every request, and @binance/spot 32.0.4
// (@binance/common 2.4.9) builds that payload with encodeURIComponent,
// the REST rule: the non-ASCII order is refused with -1022, as Binance
// refuses percent-encoded WebSocket payloads (spec §6.1), and the exchange
// names the mistake. If a newer pinned connector fixes this, the test says
// so and the expectation should change.
func TestOfficialJSConnectorWebSocketAPI(t *testing.T) {
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
	rsaPub, edPub := writeKeyPair(t, rsaKey, rsaPriv), writeKeyPair(t, edKey, edPriv)

	rsaAPIKey, edAPIKey := apiKey(t), apiKey(t)
	balances := map[string]string{"USDT": "10000", "BTC": "1", "456": "10000"}
	perms := []string{emulator.PermUserData, emulator.PermTrade}
	cfg := emulator.DefaultConfig() // the docs' HMAC key with USER_DATA and TRADE
	cfg.Keys = append(cfg.Keys,
		emulator.KeyConfig{APIKey: rsaAPIKey, Type: "rsa", PublicKey: string(rsaPub), Permissions: perms, Balances: balances},
		emulator.KeyConfig{APIKey: edAPIKey, Type: "ed25519", PublicKey: string(edPub), Permissions: perms, Balances: balances},
	)
	srv, base := startExchange(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // bounds the node runs
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(base, "http") + emulator.WSAPIPath

	signedSteps := []string{"connect", "time", "order.place", "order.status", "order.cancel", "order.place non-ASCII"}
	tests := []struct {
		name, key string
		env       []string
		steps     []string
		refused   string // the step the exchange refuses with -1022
	}{
		{"ed25519", edAPIKey, []string{"MBX_PRIVATE_KEY_FILE=" + edPriv},
			[]string{"connect", "time", "session.logon", "session.status", "order.place", "order.status", "order.cancel", "order.place non-ASCII", "order.cancel non-ASCII"}, ""},
		{"hmac", emulator.DocsAPIKey, []string{"MBX_API_SECRET=" + docsSecret}, signedSteps, "order.place non-ASCII"},
		{"rsa", rsaAPIKey, []string{"MBX_PRIVATE_KEY_FILE=" + rsaPriv}, signedSteps, "order.place non-ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			since := lastID(srv)
			cmd := exec.CommandContext(ctx, node, "ws.mjs")
			cmd.Dir = dir
			cmd.Env = nodeEnv(append([]string{"MBX_WS_URL=" + wsURL, "MBX_API_KEY=" + tt.key, "MBX_NON_ASCII_SYMBOL=" + nonASCIISymbol}, tt.env...)...)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			t.Logf("node ws.mjs:\n%s%s", out.Bytes(), errOut.Bytes())
			var exit *exec.ExitError
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("node ws.mjs: %v", err)
			case tt.refused != "" && (!errors.As(err, &exit) || exit.ExitCode() != 1):
				t.Errorf("node ws.mjs: %v, want exit status 1 for the refused %s", err, tt.refused)
			}
			steps := parseWSSteps(t, out.Bytes(), tt.steps)
			for _, name := range tt.steps {
				s := steps[name]
				switch {
				case name == tt.refused:
					if s.OK || s.Code == nil || *s.Code != -1022 {
						t.Errorf("%s: %+v, want -1022 (the connector percent-encodes the signed WebSocket payload); has the pinned connector fixed it?", name, s)
					}
				case !s.OK:
					t.Errorf("step %s failed: %s", name, s.Error)
				}
			}
			checkWSSteps(t, steps, tt.key, tt.name == "ed25519")
			checkWSExchange(t, srv, tt.key, since, steps, tt.name == "ed25519")
		})
	}
}

func parseWSSteps(t *testing.T, out []byte, want []string) map[string]stepLine {
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
		steps[s.Step] = s
		order = append(order, s.Step)
	}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("steps %q, want %q", order, want)
	}
	return steps
}

type wsOrderData struct {
	orderData
	ClientOrderID     string `json:"clientOrderId"`
	OrigClientOrderID string `json:"origClientOrderId"`
}

// checkWSSteps asserts what the connector parsed from the answers.
func checkWSSteps(t *testing.T, steps map[string]stepLine, key string, session bool) {
	t.Helper()
	tm := decodeData[struct{ ServerTime int64 }](t, steps["time"])
	if d := time.Since(time.UnixMilli(tm.ServerTime)); d < -10*time.Second || d > time.Minute {
		t.Errorf("serverTime %d is %v away from now", tm.ServerTime, d)
	}
	if rl := steps["time"].RateLimits; len(rl) != 1 || rl[0].RateLimitType != "REQUEST_WEIGHT" || rl[0].Interval != "MINUTE" || rl[0].Count < 3 {
		t.Errorf("time rateLimits (connect 2 + time 1): %+v", rl)
	}
	if session {
		for _, name := range []string{"session.logon", "session.status"} {
			st := decodeData[struct {
				APIKey          string `json:"apiKey"`
				AuthorizedSince int64  `json:"authorizedSince"`
			}](t, steps[name])
			if st.APIKey != key || st.AuthorizedSince == 0 {
				t.Errorf("%s: %s", name, steps[name].Data)
			}
		}
	}
	placed := decodeData[wsOrderData](t, steps["order.place"])
	got := decodeData[wsOrderData](t, steps["order.status"])
	canceled := decodeData[wsOrderData](t, steps["order.cancel"])
	if placed.OrderID == 0 || placed.Symbol != "BTCUSDT" || placed.Type != "LIMIT" || placed.Side != "BUY" || placed.Status != "NEW" ||
		!decEq(placed.Price, "30000") || !decEq(placed.OrigQty, "0.001") {
		t.Errorf("order.place: %+v", placed)
	}
	if got.OrderID != placed.OrderID || got.Status != "NEW" || got.ClientOrderID != placed.ClientOrderID {
		t.Errorf("order.status: %+v, want order %d NEW", got, placed.OrderID)
	}
	if canceled.OrderID != placed.OrderID || canceled.Status != "CANCELED" || canceled.OrigClientOrderID != placed.ClientOrderID {
		t.Errorf("order.cancel: %+v, want order %d CANCELED", canceled, placed.OrderID)
	}
	if session {
		na := decodeData[wsOrderData](t, steps["order.place non-ASCII"])
		nc := decodeData[wsOrderData](t, steps["order.cancel non-ASCII"])
		if na.Symbol != nonASCIISymbol || na.Status != "NEW" || nc.OrderID != na.OrderID || nc.Status != "CANCELED" {
			t.Errorf("non-ASCII order: %+v, cancel %+v", na, nc)
		}
	}
}

// checkWSExchange asserts the exchange's side: the connection and every
// request were recorded and accepted (but the refused one, explained), the
// session requests carry no signature, and the ledger holds the orders.
func checkWSExchange(t *testing.T, srv *emulator.Server, key string, since uint64, steps map[string]stepLine, session bool) {
	t.Helper()
	var handshakes int
	var frames []emulator.Entry
	for _, e := range srv.Recent() {
		switch {
		case e.ID <= since:
		case e.Method == "GET" && e.Path == emulator.WSAPIPath:
			handshakes++
			if e.HTTPStatus != 101 || e.Weight != 2 {
				t.Errorf("handshake #%d: %+v", e.ID, e)
			}
		case e.Method == emulator.WSMethod:
			frames = append(frames, e)
		}
	}
	if handshakes != 1 {
		t.Errorf("%d connections recorded, want 1", handshakes)
	}
	loggedOn := false
	for _, e := range frames {
		if e.Path == "session.logon" && e.Verdict == emulator.VerdictAccepted {
			loggedOn = true
		}
		signed := e.Security != "NONE"
		switch {
		case e.Verdict == emulator.VerdictAccepted:
		case e.Code == -1022 && strings.Contains(e.Body, nonASCIISymbol):
			ex := e.Explanation
			if ex == nil || ex.Mistake == nil || ex.Mistake.ID != verify.MistakeWSPercentEncoded {
				t.Errorf("#%d: -1022 without the percent-encoding diagnosis: %+v", e.ID, ex)
			}
		default:
			t.Errorf("#%d %s: %s %d %s; explanation: %s", e.ID, e.Path, e.Verdict, e.Code, e.Msg, e.Explanation.Text())
		}
		if !signed {
			continue
		}
		if e.APIKey != key {
			t.Errorf("#%d %s: key %q, want %q", e.ID, e.Path, e.APIKey, key)
		}
		// After session.logon the connector sends timestamp only; before it
		// (and without a session) apiKey and signature.
		hasSig := strings.Contains(e.Body, `"signature"`) && strings.Contains(e.Body, `"apiKey"`)
		if want := !(session && loggedOn && e.Path != "session.logon"); hasSig != want || !strings.Contains(e.Body, `"timestamp"`) {
			t.Errorf("#%d %s: signature in the request = %v, want %v: %s", e.ID, e.Path, hasSig, want, e.Body)
		}
	}
	if session != loggedOn {
		t.Errorf("session.logon accepted = %v, want %v", loggedOn, session)
	}

	account, ok := srv.AccountOf(key)
	if !ok {
		t.Fatalf("no account for key %s", key)
	}
	placed := decodeData[wsOrderData](t, steps["order.place"])
	o, err := srv.Store().GetOrder(context.Background(), account, "BTCUSDT", placed.OrderID, "")
	if err != nil || o.Status != "CANCELED" {
		t.Errorf("ledger order %d: %+v, %v", placed.OrderID, o, err)
	}
	open, err := srv.Store().OpenOrders(context.Background(), account, "")
	if err != nil || len(open) != 0 {
		t.Errorf("open orders left: %+v, %v", open, err)
	}
	if !session {
		all, err := srv.Store().AllOrders(context.Background(), account, nonASCIISymbol, 10)
		if err != nil || len(all) != 0 {
			t.Errorf("the refused non-ASCII order is in the ledger: %+v, %v", all, err)
		}
	}
}

// ws.mjs refuses a non-loopback URL before it loads the connector.
func TestWSScriptRefusesNonLoopback(t *testing.T) {
	node := testenv.LookPath(t, "node", "apt-get install -y nodejs")
	dir := connectorDir(t)
	cmd := exec.Command(node, "ws.mjs")
	cmd.Dir = dir
	cmd.Env = nodeEnv("MBX_WS_URL=wss://ws-api.binance.com/ws-api/v3", "MBX_API_KEY=k", "MBX_API_SECRET=s")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !bytes.Contains(out, []byte("not a loopback address")) {
		t.Fatalf("node ws.mjs with a Binance URL: %v, %s", err, out)
	}
}

package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/bybit"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/gate"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/kucoin"
	"github.com/mbxkit/mbx/okx"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/exsim"
)

// ccxtDir is compat/js with ccxt installed at the pinned version, or the
// test skips (developer machine) or fails (CI).
func ccxtDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	requirePackage(t, dir, "ccxt")
	return dir
}

// ccxtEmulator is a local exchange the ccxt test drives: every non-Binance
// one embeds *exsim.Base, which lists its recent requests.
type ccxtEmulator interface {
	exchange.Emulator
	Recent() []exsim.Entry
}

type ccxtStep struct {
	Step  string          `json:"step"`
	OK    bool            `json:"ok"`
	Error string          `json:"error"`
	Name  string          `json:"name"`
	Data  json.RawMessage `json:"data"`
}

// ccxtVenueSteps are the steps of compat/js/ccxt-steps.mjs, in order.
var ccxtVenueSteps = []string{"fetchTime", "fetchBalance", "createOrder", "fetchOrder", "cancelOrder", "fetchOrder after cancel"}

// TestCCXTVenues runs ccxt's own exchange classes, unmodified except their
// URLs, against each non-Binance local exchange started in-process on
// 127.0.0.1: fetchTime, fetchBalance, createOrder (limit), fetchOrder,
// cancelOrder. A wrong secret must then fail at the first signed step with
// ccxt's AuthenticationError, and the exchange must list the rejection with
// its own code and an explanation at /mbx/recent; where the table names a
// passphrase code, so must a wrong passphrase.
func TestCCXTVenues(t *testing.T) {
	node := testenv.LookPath(t, "node", "apt-get install -y nodejs")
	dir := ccxtDir(t)
	const (
		apiKey     = "6708a0b5e1f3a20001a2b3c4d5e6f708"
		apiSecret  = "7d2b1f0c-4a6e-4f7b-9c1d-2e3f4a5b6c7d"
		passphrase = "mbx-Passphrase-1"
	)
	tests := []struct {
		script     string
		ex         exchange.Exchange
		passphrase string // empty for exchanges whose keys have none
		signCode   string // the rejection of a wrong secret, as /mbx/recent lists it
		passCode   string // the rejection of a wrong passphrase; "" skips that run
	}{
		{"ccxt-bybit.mjs", bybit.New(), "", bybit.CodeSign, ""},
		{"ccxt-okx.mjs", okx.New(), passphrase, okx.CodeSign, okx.CodePassphrase},
		// KC-API-PASSPHRASE is an HMAC keyed with the secret, so KuCoin
		// rejects a wrong secret at the passphrase, before the signature.
		{"ccxt-kucoin.mjs", kucoin.New(), passphrase, kucoin.CodeInvalidPassphrase, ""},
		{"ccxt-gate.mjs", gate.New(), "", gate.LabelInvalidSignature, ""},
	}
	for _, tt := range tests {
		t.Run(tt.ex.Name(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			e, err := tt.ex.NewEmulator(ctx, exchange.EmulatorConfig{
				DataPath: filepath.Join(t.TempDir(), "ledger.sqlite"),
				Keys: []exchange.EmulatorKey{{APIKey: apiKey, Secret: secret.FromString(apiSecret),
					Passphrase: secret.FromString(tt.passphrase), Balances: map[string]string{"USDT": "10000", "BTC": "1"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			em := e.(ccxtEmulator)
			defer func() {
				if err := em.Close(); err != nil {
					t.Error(err)
				}
			}()
			base, err := em.Start(ctx, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			runNode := func(secretValue, pass string) ([]ccxtStep, error) {
				cmd := exec.CommandContext(ctx, node, tt.script)
				cmd.Dir = dir
				cmd.Env = nodeEnv("MBX_BASE_URL="+base, "MBX_API_KEY="+apiKey, "MBX_API_SECRET="+secretValue, "MBX_API_PASSPHRASE="+pass)
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				err := cmd.Run()
				t.Logf("node %s:\n%s%s", tt.script, out.Bytes(), errOut.Bytes())
				if strings.Contains(out.String()+errOut.String(), secretValue) {
					t.Error("the secret appears in the output")
				}
				if pass != "" && strings.Contains(out.String()+errOut.String(), pass) {
					t.Error("the passphrase appears in the output")
				}
				var steps []ccxtStep
				sc := bufio.NewScanner(&out)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					var s ccxtStep
					if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
						t.Errorf("not a JSON line: %q", sc.Text())
						continue
					}
					steps = append(steps, s)
				}
				return steps, err
			}
			logRejected := func() {
				for _, e := range em.Recent() {
					if e.Status >= 400 || (e.Code != "0" && e.Code != "") {
						t.Logf("rejected: %s %s?%s: %s %s (%s) %q", e.Method, e.Path, e.RawQuery, e.Code, e.Message, e.Explanation, e.Mistakes)
					}
				}
			}

			steps, err := runNode(apiSecret, tt.passphrase)
			if err != nil {
				t.Errorf("node %s: %v", tt.script, err)
			}
			var names []string
			byName := map[string]ccxtStep{}
			for _, s := range steps {
				names = append(names, s.Step)
				byName[s.Step] = s
				if !s.OK {
					t.Errorf("step %s failed: %s (%s)", s.Step, s.Error, s.Name)
				}
			}
			if strings.Join(names, ",") != strings.Join(ccxtVenueSteps, ",") {
				logRejected()
				t.Fatalf("steps %q, want %q", names, ccxtVenueSteps)
			}
			var placed, fetched, after ccxtOrder
			_ = json.Unmarshal(byName["createOrder"].Data, &placed)
			_ = json.Unmarshal(byName["fetchOrder"].Data, &fetched)
			_ = json.Unmarshal(byName["fetchOrder after cancel"].Data, &after)
			if placed.ID == "" || fetched.ID != placed.ID || fetched.Status != "open" || fetched.Price != 30000 || fetched.Amount != 0.001 || fetched.Side != "buy" {
				t.Errorf("fetchOrder = %+v, want the resting buy %s at 30000 for 0.001", fetched, placed.ID)
			}
			if after.Status != "canceled" {
				t.Errorf("fetchOrder after cancelOrder: status %q, want canceled", after.Status)
			}
			var bal struct{ Free map[string]float64 }
			if err := json.Unmarshal(byName["fetchBalance"].Data, &bal); err != nil || bal.Free["USDT"] != 10000 || bal.Free["BTC"] != 1 {
				t.Errorf("fetchBalance = %s, want USDT 10000 and BTC 1 free", byName["fetchBalance"].Data)
			}
			for _, e := range em.Recent() {
				if e.Status >= 400 || (e.Code != "0" && e.Code != "") {
					t.Errorf("the exchange rejected %s %s: %s %s (%s)", e.Method, e.Path, e.Code, e.Message, e.Explanation)
				}
			}

			// A wrong secret: ccxt fails at the first signed step, and the
			// exchange lists the rejection with its code and explanation.
			steps, err = runNode("x"+apiSecret[1:], tt.passphrase)
			if err == nil {
				t.Error("the run with a wrong secret exited 0")
			}
			if len(steps) < 2 || !steps[0].OK || steps[1].OK {
				t.Errorf("with a wrong secret: %+v; want fetchTime ok and fetchBalance failing", steps)
			} else if steps[1].Name != "AuthenticationError" {
				t.Errorf("fetchBalance with a wrong secret raised %s, want ccxt's AuthenticationError", steps[1].Name)
			}
			explainedAt(t, base, tt.signCode)
			if tt.passCode == "" {
				return
			}
			steps, err = runNode(apiSecret, tt.passphrase+"x")
			if err == nil || len(steps) < 2 || steps[1].Name != "AuthenticationError" {
				t.Errorf("with a wrong passphrase: %v, %+v; want ccxt's AuthenticationError at fetchBalance", err, steps)
			}
			explainedAt(t, base, tt.passCode)
		})
	}
}

// explainedAt checks that base's /mbx/recent, read over HTTP as a user
// would, lists a rejection with code and an explanation.
func explainedAt(t *testing.T, base, code string) {
	t.Helper()
	resp, err := http.Get(base + "/mbx/recent")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var recent []exsim.Entry
	if err := json.NewDecoder(resp.Body).Decode(&recent); err != nil {
		t.Fatalf("/mbx/recent: %v", err)
	}
	for _, e := range recent {
		if e.Code == code && e.Explanation != "" {
			return
		}
	}
	t.Errorf("/mbx/recent lists no %s rejection with an explanation", code)
}

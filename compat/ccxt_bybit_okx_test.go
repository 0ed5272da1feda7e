package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/bybit"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/testenv"
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

// ccxtEmulator is a local exchange the ccxt test drives.
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

// TestCCXTBybitOKX runs ccxt's own exchange classes, unmodified except their URLs,
// against each local exchange: fetchTime, fetchBalance, createOrder (limit),
// fetchOrder, cancelOrder; then the same with a wrong secret, which must be
// rejected with the exchange's signature code and explained.
func TestCCXTBybitOKX(t *testing.T) {
	node := testenv.LookPath(t, "node", "apt-get install -y nodejs")
	dir := ccxtDir(t)
	secretText := "mbx-ccxt-test-secret-" + apiKey(t)[:16]
	tests := []struct {
		name, script, signCode string
		passphrase             string
		start                  func(context.Context, exchange.EmulatorConfig) (ccxtEmulator, error)
	}{
		{"bybit", "ccxt-bybit.mjs", bybit.CodeSign, "", func(ctx context.Context, c exchange.EmulatorConfig) (ccxtEmulator, error) {
			return bybit.NewEmulator(ctx, c)
		}},
		{"okx", "ccxt-okx.mjs", okx.CodeSign, "mbx-Passphrase-1", func(ctx context.Context, c exchange.EmulatorConfig) (ccxtEmulator, error) {
			return okx.NewEmulator(ctx, c)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			key := apiKey(t)[:32]
			em, err := tt.start(ctx, exchange.EmulatorConfig{DataPath: filepath.Join(t.TempDir(), "ledger.sqlite"), Keys: []exchange.EmulatorKey{{
				APIKey: key, Secret: secret.FromString(secretText), Passphrase: secret.FromString(tt.passphrase),
				Balances: map[string]string{"USDT": "10000", "BTC": "1"},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			defer em.Close()
			base, err := em.Start(ctx, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			runNode := func(secretEnv string, passphrase ...string) ([]byte, error) {
				pass := tt.passphrase
				if len(passphrase) > 0 {
					pass = passphrase[0]
				}
				cmd := exec.CommandContext(ctx, node, tt.script)
				cmd.Dir = dir
				cmd.Env = nodeEnv("MBX_BASE_URL="+base, "MBX_API_KEY="+key, "MBX_API_SECRET="+secretEnv, "MBX_API_PASSPHRASE="+pass)
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				err := cmd.Run()
				t.Logf("node %s:\n%s%s", tt.script, out.Bytes(), errOut.Bytes())
				return out.Bytes(), err
			}

			out, err := runNode(secretText)
			if err != nil {
				t.Errorf("node %s: %v", tt.script, err)
			}
			steps := map[string]ccxtStep{}
			for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
				var s ccxtStep
				if err := json.Unmarshal(line, &s); err != nil {
					t.Fatalf("not a JSON line: %q", line)
				}
				steps[s.Step] = s
				if !s.OK {
					t.Errorf("step %s failed: %s (%s)", s.Step, s.Error, s.Name)
				}
			}
			var placed, fetched, canceled, after ccxtOrder
			for name, dst := range map[string]*ccxtOrder{"createOrder": &placed, "fetchOrder": &fetched, "cancelOrder": &canceled, "fetchOrder after cancel": &after} {
				if s, ok := steps[name]; !ok || json.Unmarshal(s.Data, dst) != nil {
					t.Fatalf("step %s missing or unreadable: %+v", name, s)
				}
			}
			if placed.ID == "" || fetched.ID != placed.ID || fetched.Status != "open" || fetched.Price != 30000 || fetched.Amount != 0.001 || fetched.Side != "buy" {
				t.Errorf("fetchOrder = %+v, want the resting buy %s at 30000 for 0.001", fetched, placed.ID)
			}
			if after.Status != "canceled" {
				t.Errorf("fetchOrder after cancelOrder: status %q, want canceled", after.Status)
			}
			var bal struct{ Free, Used, Total map[string]float64 }
			if err := json.Unmarshal(steps["fetchBalance"].Data, &bal); err != nil || bal.Total["USDT"] != 10000 || bal.Total["BTC"] != 1 {
				t.Errorf("fetchBalance = %s, want USDT 10000 and BTC 1", steps["fetchBalance"].Data)
			}
			for _, e := range em.Recent() {
				if e.Status >= 400 || (e.Code != "0" && e.Code != "") {
					t.Errorf("the exchange rejected %s %s: %s %s (%s)", e.Method, e.Path, e.Code, e.Message, e.Explanation)
				}
			}

			// A wrong secret: the first signed call fails with the signature code, explained.
			out, err = runNode("x" + secretText[1:])
			if err == nil {
				t.Errorf("node %s exited 0 with a wrong secret", tt.script)
			}
			if strings.Contains(string(out), secretText[1:]) {
				t.Error("the secret appears in the output")
			}
			explained := false
			for _, e := range em.Recent() {
				if e.Code == tt.signCode && e.Explanation != "" {
					explained = true
				}
			}
			if !explained {
				t.Errorf("no %s rejection with an explanation in the exchange's recent requests", tt.signCode)
			}
			if tt.passphrase == "" {
				return
			}
			// A wrong passphrase: OKX's 50105, explained, and ccxt reports an authentication error.
			out, err = runNode(secretText, tt.passphrase+"x")
			if err == nil || !strings.Contains(string(out), `"name":"AuthenticationError"`) {
				t.Errorf("node %s with a wrong passphrase: %v", tt.script, err)
			}
			if strings.Contains(string(out), tt.passphrase) {
				t.Error("the passphrase appears in the output")
			}
			explained = false
			for _, e := range em.Recent() {
				if e.Code == okx.CodePassphrase && e.Explanation != "" {
					explained = true
				}
			}
			if !explained {
				t.Errorf("no %s rejection with an explanation", okx.CodePassphrase)
			}
		})
	}
}

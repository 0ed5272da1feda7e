package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/gate"
	"github.com/mbxkit/mbx/internal/localex"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/kucoin"
	"github.com/mbxkit/mbx/secret"
)

var kgSteps = []string{"fetchTime", "fetchBalance", "createOrder", "fetchOrder", "cancelOrder", "fetchOrder after cancel"}

// TestCCXTKuCoinGate runs ccxt's kucoin and gate classes, unmodified except their
// URLs, against each local exchange started in-process on 127.0.0.1:
// fetchTime, fetchBalance, createOrder (limit), fetchOrder, cancelOrder.
// A wrong secret must then fail at the first signed step, with the
// exchange's own error and an explanation at /mbx/recent.
func TestCCXTKuCoinGate(t *testing.T) {
	node := testenv.LookPath(t, "node", "apt-get install -y nodejs")
	dir := ccxtDir(t)
	const (
		apiKey     = "6708a0b5e1f3a20001a2b3c4"
		apiSecret  = "7d2b1f0c-4a6e-4f7b-9c1d-2e3f4a5b6c7d"
		passphrase = "mbx-compat-passphrase"
	)
	tests := []struct {
		script   string
		ex       exchange.Exchange
		wantCode string // the exchange's code for a bad signature, as /mbx/recent lists it
	}{
		// KC-API-PASSPHRASE is an HMAC keyed with the secret, so KuCoin
		// rejects a wrong secret at the passphrase, before the signature.
		{"ccxt-kucoin.mjs", kucoin.New(), kucoin.CodeInvalidPassphrase},
		{"ccxt-gate.mjs", gate.New(), gate.LabelInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.ex.Name(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			em, err := tt.ex.NewEmulator(ctx, exchange.EmulatorConfig{
				DataPath: filepath.Join(t.TempDir(), "ledger.db"),
				Keys: []exchange.EmulatorKey{{APIKey: apiKey, Secret: secret.FromString(apiSecret),
					Passphrase: secret.FromString(passphrase), Balances: map[string]string{"USDT": "10000", "BTC": "1"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := em.Close(); err != nil {
					t.Error(err)
				}
			}()
			base, err := em.Start(ctx, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			runNode := func(secretValue string) ([]ccxtStep, error) {
				cmd := exec.CommandContext(ctx, node, tt.script)
				cmd.Dir = dir
				cmd.Env = nodeEnv("MBX_BASE_URL="+base, "MBX_API_KEY="+apiKey, "MBX_API_SECRET="+secretValue, "MBX_API_PASSPHRASE="+passphrase)
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				err := cmd.Run()
				t.Logf("node %s:\n%s%s", tt.script, out.Bytes(), errOut.Bytes())
				if strings.Contains(out.String()+errOut.String(), secretValue) {
					t.Error("the secret appears in the output")
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

			steps, err := runNode(apiSecret)
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
			if strings.Join(names, ",") != strings.Join(kgSteps, ",") {
				for _, e := range em.(interface{ RecentEntries() []localex.Entry }).RecentEntries() {
					if e.Status != http.StatusOK {
						t.Logf("rejected: %s %s?%s: %s %s (%s) %q", e.Method, e.Path, e.RawQuery, e.Code, e.Message, e.Explanation, e.Mistakes)
					}
				}
				t.Fatalf("steps %q, want %q", names, kgSteps)
			}
			var placed struct{ ID, Symbol string }
			var open, canceled struct {
				ID, Status string
				Amount     float64
			}
			_ = json.Unmarshal(byName["createOrder"].Data, &placed)
			_ = json.Unmarshal(byName["fetchOrder"].Data, &open)
			_ = json.Unmarshal(byName["fetchOrder after cancel"].Data, &canceled)
			if placed.ID == "" || open.ID != placed.ID || open.Status != "open" || open.Amount != 0.001 {
				t.Errorf("order placed %+v, fetched %+v: want the same id, open, amount 0.001", placed, open)
			}
			if canceled.Status != "canceled" {
				t.Errorf("after cancelOrder the order is %q, want canceled", canceled.Status)
			}
			var bal struct{ Free map[string]float64 }
			_ = json.Unmarshal(byName["fetchBalance"].Data, &bal)
			if bal.Free["USDT"] != 10000 || bal.Free["BTC"] != 1 {
				t.Errorf("fetchBalance free %v, want USDT 10000 and BTC 1", bal.Free)
			}

			// A wrong secret: ccxt fails at the first signed step, and the
			// exchange lists the rejection with its code and explanation.
			steps, err = runNode("x" + apiSecret[1:])
			if err == nil {
				t.Error("the run with a wrong secret exited 0")
			}
			if len(steps) < 2 || !steps[0].OK || steps[1].OK {
				t.Errorf("with a wrong secret: %+v; want fetchTime ok and fetchBalance failing", steps)
			} else if steps[1].Name != "AuthenticationError" {
				t.Errorf("fetchBalance with a wrong secret raised %s, want ccxt's AuthenticationError", steps[1].Name)
			}
			resp, err := http.Get(base + "/mbx/recent")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var recent []localex.Entry
			if err := json.Unmarshal(raw, &recent); err != nil {
				t.Fatalf("/mbx/recent: %v", err)
			}
			explained := 0
			for _, e := range recent {
				if e.Status != http.StatusOK {
					t.Logf("rejected: %s %s?%s: %s %s (%s) %q", e.Method, e.Path, e.RawQuery, e.Code, e.Message, e.Explanation, e.Mistakes)
				}
				if e.Code == tt.wantCode && e.Explanation != "" {
					explained++
				}
			}
			if explained == 0 {
				t.Errorf("/mbx/recent lists no %s rejection with an explanation", tt.wantCode)
			}
		})
	}
}

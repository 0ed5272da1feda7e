package proxy_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/internal/testenv"
)

// TestProxyLinksNoExchangeNorLedger: the proxy shares the request record
// with the local exchange through sim/inspector, so it must not link the
// exchange, nor (through it) the SQLite ledger.
func TestProxyLinksNoExchangeNorLedger(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goBin); err != nil {
		goBin = testenv.LookPath(t, "go", "install Go from https://go.dev/dl/")
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/mbxkit/mbx/binance/proxy").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/mbxkit/mbx/sim/inspector") {
		t.Fatalf("go list -deps gave an implausible list (%d packages): %q", len(deps), out)
	}
	forbidden := []string{
		"github.com/mbxkit/mbx/binance/emulator", // and everything under it
		"github.com/mbxkit/mbx/sim/store",
		"modernc.org/sqlite",
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("binance/proxy links %s", d)
			}
		}
	}
}

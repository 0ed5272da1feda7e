package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mbxkit/mbx/internal/testenv"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/shopspring/decimal"
)

// buildMBX compiles the mbx binary once for tests that need a real process.
func buildMBX(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mbx")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe runs `mbx serve` on a free port and returns its base URL.
func startServe(t *testing.T, bin string, args ...string) (*exec.Cmd, string, *testenv.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	seen := &testenv.SyncBuffer{}
	sc := bufio.NewScanner(stdout)
	base := make(chan string, 1)
	go func() {
		var u string
		for sc.Scan() {
			line := sc.Text()
			seen.Write([]byte(line + "\n"))
			if v, ok := strings.CutPrefix(line, "mbx local exchange listening on "); ok {
				u = v
			}
			if strings.HasPrefix(line, "Press Ctrl-C") { // the whole banner is out
				base <- u
			}
		}
	}()
	select {
	case u := <-base:
		return cmd, u, seen
	case <-time.After(20 * time.Second):
		t.Fatalf("mbx serve did not start:\n%s", seen.String())
	}
	return nil, "", nil
}

// State is never lost: every acknowledged order survives kill -9 and a
// restart on the same --data; --reset starts clean; SIGTERM stops cleanly.
func TestServeDurableAcrossKill9(t *testing.T) {
	bin := buildMBX(t)
	data := t.TempDir()
	cmd, base, out := startServe(t, bin, "--data", data)
	for _, want := range []string{emulator.DocsAPIKey, "inspector", "accepted keys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start banner lacks %q:\n%s", want, out.String())
		}
	}
	h, _ := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	client := func(base string) *binance.Client {
		c, err := binance.New(binance.Options{BaseURL: base, APIKey: emulator.DocsAPIKey, Signer: h})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	c := client(base)
	var acked []string
	for i := 0; i < 20; i++ {
		o, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
			Quantity: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("10000")})
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, o.ClientOrderID)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	cmd2, base2, _ := startServe(t, bin, "--data", data)
	open, err := client(base2).OpenOrders(ctx, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, o := range open {
		have[o.ClientOrderID] = true
	}
	for _, id := range acked {
		if !have[id] {
			t.Fatalf("acknowledged order %s lost after kill -9", id)
		}
	}
	// SIGTERM stops cleanly.
	if err := cmd2.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd2.Wait(); err != nil {
		t.Fatalf("mbx serve after SIGTERM: %v", err)
	}

	_, base3, _ := startServe(t, bin, "--data", data, "--reset")
	open, err = client(base3).OpenOrders(ctx, "BTCUSDT")
	if err != nil || len(open) != 0 {
		t.Fatalf("--reset kept %d orders (%v)", len(open), err)
	}
}

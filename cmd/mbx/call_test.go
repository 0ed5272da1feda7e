package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
)

func localExchange(t *testing.T) string {
	t.Helper()
	return binancetest.NewServer(t).URL
}

func TestCallAndTime(t *testing.T) {
	base := localExchange(t)
	key := writeFile(t, "secret.txt", "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j", 0o600)
	target := []string{"--base-url", base, "--api-key", emulator.DocsAPIKey, "--key-file", key}

	// A public endpoint with a JSON array parameter, sent unsigned.
	out, stderr, err := run(t, append([]string{"call", "GET", "/api/v3/ticker/price", `symbols=["BTCUSDT","这是测试币456"]`}, target...)...)
	if err != nil || !strings.Contains(out, `"symbol": "BTCUSDT"`) || !strings.Contains(out, "这是测试币456") {
		t.Fatalf("ticker/price: %v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(stderr, "X-Mbx-Used-Weight-1m") {
		t.Fatalf("rate-limit headers not printed: %q", stderr)
	}
	// A signed endpoint, and a signed order placed from the command line.
	out, _, err = run(t, append([]string{"call", "GET", "/api/v3/account"}, target...)...)
	if err != nil || !strings.Contains(out, `"balances"`) {
		t.Fatalf("account: %v\n%s", err, out)
	}
	out, _, err = run(t, append([]string{"call", "POST", "/api/v3/order", "symbol=BTCUSDT", "side=BUY", "type=MARKET", "quantity=0.001", "--json"}, target...)...)
	var co callOutput
	if err != nil || json.Unmarshal([]byte(out), &co) != nil || co.Status != 200 || !strings.Contains(string(co.Response), `"FILLED"`) {
		t.Fatalf("order: %v\n%s", err, out)
	}
	// An error: the code, the message and the fix; exit status 1.
	_, stderr, err = run(t, append([]string{"call", "GET", "/api/v3/order", "symbol=BTCUSDT", "orderId=999999"}, target...)...)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(stderr, "-2013") {
		t.Fatalf("error path: %v\n%s", err, stderr)
	}
	// Refused before sending: a value Binance would reject.
	if _, _, err := run(t, append([]string{"call", "POST", "/api/v3/order", "symbol=BTCUSDT", "side=BUY", "type=MARKET", "quantity=1e-3"}, target...)...); err == nil || !strings.Contains(err.Error(), "quantity") {
		t.Fatalf("illegal value not refused: %v", err)
	}

	// mbx time: offset ± bound and headroom, readable and JSON.
	out, _, err = run(t, append([]string{"time"}, target...)...)
	if err != nil || !strings.Contains(out, "offset") || !strings.Contains(out, "headroom") {
		t.Fatalf("time: %v\n%s", err, out)
	}
	out, _, err = run(t, append([]string{"time", "--json", "--watch", "--interval", "10ms", "--count", "3"}, target...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 3 {
		t.Fatalf("time --watch: %v\n%s", err, out)
	}
	var tr timeReport
	if err := json.Unmarshal([]byte(lines[0]), &tr); err != nil || tr.AheadHeadroomMs < 999 || tr.BoundMs <= 0 || tr.Samples == 0 {
		t.Fatalf("time report: %+v %v", tr, err)
	}
	// No target at all is an error that says how to name one.
	t.Setenv("MBX_CREDS", writeFile(t, "none.yml", "", 0o600)+".missing")
	if _, _, err := run(t, "time"); err == nil || !strings.Contains(err.Error(), "--base-url") {
		t.Fatalf("no target: %v", err)
	}
}

package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite" // the test reads the exchange's database directly
)

// crashAccount is one account of the crash test's exchange.
type crashAccount struct{ key, secret, email string }

var crashInitial = map[string]string{"USDT": "1000000", "BTC": "100"}

const crashConfig = `
keys:
%s
limits:
  request_weight_per_minute: 100000000
  raw_requests_per_5m: 100000000
  orders_per_10s: 100000000
  orders_per_day: 100000000
  fapi_request_weight_per_minute: 100000000
  fapi_orders_per_10s: 100000000
  fapi_orders_per_minute: 100000000
  sapi_ip_weight_per_minute: 100000000
  sapi_uid_weight_per_minute: 100000000
`

const crashKey = `  - api_key: %s
    type: hmac
    secret: %s
    email: %s
    permissions: [USER_DATA, TRADE, FUTURES, WITHDRAW, UNIVERSAL_TRANSFER]
    balances: {USDT: "1000000", BTC: "100"}
`

// acks is what the exchange acknowledged, by kind: order ids (spot and
// futures share one id sequence), transfer ids and withdrawal ledger ids.
type acks struct {
	mu        sync.Mutex
	orders    map[int64]string // order id -> account
	transfers []int64
	withdraws []int64
}

// TestCrashConservesMoney runs mixed load (spot orders, transfers between
// accounts, withdrawals, futures orders) against the real `mbx serve`, kills
// it with SIGKILL several times and checks after every restart that every
// acknowledged order and transfer exists and that no asset was created or
// lost: over all accounts, balances plus withdrawals equal the initial
// balances plus what trades moved.
func TestCrashConservesMoney(t *testing.T) {
	bin := buildMBX(t)
	dir := t.TempDir()
	accts := []crashAccount{
		{"crashKeyAlpha0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP", "crashSecretAlpha0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK", "alpha@example.com"},
		{"crashKeyBravo0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP", "crashSecretBravo0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK", "bravo@example.com"},
	}
	var keys strings.Builder
	for _, a := range accts {
		fmt.Fprintf(&keys, crashKey, a.key, a.secret, a.email)
	}
	cfg := filepath.Join(dir, "mbx.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(crashConfig, keys.String())), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	got := &acks{orders: map[int64]string{}}
	const rounds = 4
	for round := 1; round <= rounds; round++ {
		cmd, base, _ := startServe(t, bin, "--config", cfg, "--data", data)
		if round > 1 {
			checkCrashInvariants(t, round, filepath.Join(data, "mbx.db"), accts, got)
		}
		// The kill lands while requests are in flight; the load stops
		// shortly after, when every request fails.
		start := time.Now()
		kill := time.AfterFunc(1500*time.Millisecond, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		n := crashLoad(t, base, accts, got, 2*time.Second)
		kill.Stop()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if n == 0 {
			t.Fatalf("round %d: no request was acknowledged", round)
		}
		t.Logf("round %d: %d acknowledged requests in %v, kill -9 during the load", round, n, time.Since(start).Round(time.Millisecond))
	}
	startServe(t, bin, "--config", cfg, "--data", data)
	checkCrashInvariants(t, rounds+1, filepath.Join(data, "mbx.db"), accts, got)
}

// crashLoad sends requests from several goroutines for d and keeps sending
// while the process is killed; it returns how many were acknowledged.
func crashLoad(t *testing.T, base string, accts []crashAccount, got *acks, d time.Duration) int {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				a, b := accts[(w+i)%2], accts[(w+i+1)%2]
				var ok bool
				switch (w + i) % 5 {
				case 0: // resting spot order: locks USDT
					ok = crashOrder(ctx, hc, base, a, "/api/v3/order", got, "symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT",
						"timeInForce", "GTC", "quantity", "0.001", "price", "30000")
				case 1: // spot trade: moves USDT and BTC
					side := []string{"BUY", "SELL"}[i%2]
					ok = crashOrder(ctx, hc, base, a, "/api/v3/order", got, "symbol", "BTCUSDT", "side", side, "type", "MARKET", "quantity", "0.001")
				case 2:
					var r struct {
						TranID int64 `json:"tranId"`
					}
					if ok = crashCall(ctx, hc, base, a, "/sapi/v1/sub-account/universalTransfer", &r, "fromEmail", a.email, "toEmail", b.email,
						"fromAccountType", "SPOT", "toAccountType", "SPOT", "asset", "USDT", "amount", "1.25"); ok {
						got.mu.Lock()
						got.transfers = append(got.transfers, r.TranID)
						got.mu.Unlock()
					}
				case 3:
					var r struct {
						ID string `json:"id"`
					}
					if ok = crashCall(ctx, hc, base, a, "/sapi/v1/capital/withdraw/apply", &r, "coin", "USDT", "amount", "0.75", "address", "addr"+strconv.Itoa(w)); ok {
						id, err := strconv.ParseInt(r.ID, 16, 64)
						if err != nil {
							t.Errorf("withdraw id %q: %v", r.ID, err)
							return
						}
						got.mu.Lock()
						got.withdraws = append(got.withdraws, id)
						got.mu.Unlock()
					}
				case 4:
					ok = crashOrder(ctx, hc, base, a, "/fapi/v1/order", got, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001")
				}
				if ok {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	return n
}

func crashOrder(ctx context.Context, hc *http.Client, base string, a crashAccount, path string, got *acks, kv ...string) bool {
	var r struct {
		OrderID int64 `json:"orderId"`
	}
	if !crashCall(ctx, hc, base, a, path, &r, kv...) {
		return false
	}
	got.mu.Lock()
	got.orders[r.OrderID] = a.key
	got.mu.Unlock()
	return true
}

// crashCall sends a signed POST; true only for an acknowledged (200) answer.
func crashCall(ctx context.Context, hc *http.Client, base string, a crashAccount, path string, out any, kv ...string) bool {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	q.Set("timestamp", strconv.FormatInt(time.Now().UnixMilli(), 10))
	payload := q.Encode()
	m := hmac.New(sha256.New, []byte(a.secret))
	m.Write([]byte(payload))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path+"?"+payload+"&signature="+hex.EncodeToString(m.Sum(nil)), nil)
	if err != nil {
		return false
	}
	req.Header.Set("X-MBX-APIKEY", a.key)
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	return json.Unmarshal(body, out) == nil
}

// checkCrashInvariants reads the database of the restarted exchange.
func checkCrashInvariants(t *testing.T, round int, dbPath string, accts []crashAccount, got *acks) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := func(query string) map[int64]string {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("round %d: %s: %v", round, query, err)
		}
		defer rows.Close()
		out := map[int64]string{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			out[id] = v
		}
		return out
	}
	orders := ids(`SELECT id, account FROM orders`)
	for id, acct := range got.orders {
		if orders[id] != acct {
			t.Errorf("round %d: acknowledged order %d of %.12s… lost", round, id, acct)
		}
	}
	ledger := ids(`SELECT id, kind FROM ledger`)
	for _, id := range got.transfers {
		if ledger[id] != "transfer_out" || ledger[id+1] != "transfer_in" {
			t.Errorf("round %d: acknowledged transfer %d lost (%q, %q)", round, id, ledger[id], ledger[id+1])
		}
	}
	for _, id := range got.withdraws {
		if ledger[id] != "withdraw" {
			t.Errorf("round %d: acknowledged withdrawal %d lost (%q)", round, id, ledger[id])
		}
	}

	// Conservation, per asset, exact: balances + withdrawals = initial + trades.
	sum := func(query string) map[string]decimal.Decimal {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("round %d: %s: %v", round, query, err)
		}
		defer rows.Close()
		out := map[string]decimal.Decimal{}
		for rows.Next() {
			var asset, v string
			if err := rows.Scan(&asset, &v); err != nil {
				t.Fatal(err)
			}
			out[asset] = out[asset].Add(decimal.RequireFromString(v))
		}
		return out
	}
	have := map[string]decimal.Decimal{}
	for asset, v := range sum(`SELECT asset, free FROM balances`) {
		have[asset] = have[asset].Add(v)
	}
	for asset, v := range sum(`SELECT asset, locked FROM balances`) {
		have[asset] = have[asset].Add(v)
	}
	for asset, v := range sum(`SELECT asset, amount FROM ledger WHERE kind = 'withdraw'`) {
		have[asset] = have[asset].Sub(v) // withdraw rows are negative
	}
	want := map[string]decimal.Decimal{}
	for asset, v := range crashInitial {
		want[asset] = decimal.RequireFromString(v).Mul(decimal.NewFromInt(int64(len(accts))))
	}
	// What spot trades moved against the house; futures move no balance.
	for asset, v := range sum(`SELECT 'BTC', CASE WHEN is_buyer THEN qty ELSE '-' || qty END FROM trades WHERE product = 'spot'`) {
		want[asset] = want[asset].Add(v)
	}
	for asset, v := range sum(`SELECT 'USDT', CASE WHEN is_buyer THEN '-' || quote_qty ELSE quote_qty END FROM trades WHERE product = 'spot'`) {
		want[asset] = want[asset].Add(v)
	}
	for asset, v := range sum(`SELECT commission_asset, commission FROM trades`) {
		want[asset] = want[asset].Sub(v)
	}
	for asset, w := range want {
		if !have[asset].Equal(w) {
			t.Errorf("round %d: %s over all accounts plus withdrawals = %s, want %s (diff %s)", round, asset, have[asset], w, have[asset].Sub(w))
		}
	}
	var out, in int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM ledger WHERE kind = 'transfer_out'), (SELECT count(*) FROM ledger WHERE kind = 'transfer_in')`).Scan(&out, &in); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("round %d: %d transfer_out rows against %d transfer_in", round, out, in)
	}
	if t.Failed() {
		return
	}
	t.Logf("round %d: %d orders, %d transfers, %d withdrawals acknowledged so far; all present, totals conserved", round, len(got.orders), len(got.transfers), len(got.withdraws))
}

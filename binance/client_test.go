package binance_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/mbxkit/mbx/internal/testenv"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/shopspring/decimal"
)

const (
	docsKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// exchange starts the real local exchange on 127.0.0.1 for one test.
func exchange(t *testing.T, mutate func(*emulator.Config)) (*emulator.Server, string) {
	t.Helper()
	cfg := emulator.DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	ex := binancetest.NewServer(t, binancetest.WithConfig(cfg))
	return ex.Exchange, ex.URL
}

func newClient(t *testing.T, base string, logs *testenv.SyncBuffer, mutate func(*binance.Options)) *binance.Client {
	t.Helper()
	h, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		t.Fatal(err)
	}
	var w = &testenv.SyncBuffer{}
	if logs != nil {
		w = logs
	}
	opt := binance.Options{
		BaseURL: base, APIKey: docsKey, Signer: h,
		Logger: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Retry:  binance.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, QueryDelay: time.Millisecond},
	}
	if mutate != nil {
		mutate(&opt)
	}
	c, err := binance.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientAgainstLocalExchange(t *testing.T) {
	srv, base := exchange(t, func(c *emulator.Config) {
		c.Keys[0].Permissions = append(c.Keys[0].Permissions, "FUTURES")
	})
	logs := &testenv.SyncBuffer{}
	c := newClient(t, base, logs, nil)
	ctx := context.Background()

	st, err := c.Time(ctx)
	if err != nil || time.Since(st).Abs() > 5*time.Second {
		t.Fatalf("time: %v %v", st, err)
	}
	info, err := c.ExchangeInfo(ctx)
	if err != nil || len(info.Symbols) == 0 || len(info.RateLimits) == 0 {
		t.Fatalf("exchangeInfo: %+v %v", info, err)
	}
	acct, err := c.Account(ctx)
	if err != nil || len(acct.Balances) == 0 {
		t.Fatalf("account: %+v %v", acct, err)
	}
	// A resting LIMIT order, looked up and cancelled.
	o, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
		Quantity: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("10000")})
	if err != nil || o.Status != "NEW" || !strings.HasPrefix(o.ClientOrderID, "mbx-") {
		t.Fatalf("place: %+v %v", o, err)
	}
	q, err := c.QueryOrder(ctx, "BTCUSDT", 0, o.ClientOrderID)
	if err != nil || q.OrderID != o.OrderID {
		t.Fatalf("query: %+v %v", q, err)
	}
	open, err := c.OpenOrders(ctx, "BTCUSDT")
	if err != nil || len(open) != 1 {
		t.Fatalf("openOrders: %v %v", open, err)
	}
	cx, err := c.CancelOrder(ctx, "BTCUSDT", o.OrderID, "")
	if err != nil || cx.Status != "CANCELED" {
		t.Fatalf("cancel: %+v %v", cx, err)
	}
	// A MARKET order fills and shows in myTrades; a non-ASCII symbol works.
	for _, sym := range []string{"BTCUSDT", "这是测试币456"} {
		m, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: sym, Side: "BUY", Type: "MARKET", Quantity: decimal.RequireFromString("1")})
		if sym == "BTCUSDT" {
			m, err = c.PlaceOrder(ctx, binance.NewOrder{Symbol: sym, Side: "BUY", Type: "MARKET", Quantity: decimal.RequireFromString("0.001")})
		}
		if err != nil || m.Status != "FILLED" {
			t.Fatalf("market %s: %+v %v", sym, m, err)
		}
	}
	trades, err := c.MyTrades(ctx, "BTCUSDT", 10)
	if err != nil || len(trades) == 0 {
		t.Fatalf("myTrades: %v %v", trades, err)
	}
	if err := c.TestOrder(ctx, binance.NewOrder{Symbol: "BTCUSDT", Side: "SELL", Type: "MARKET", Quantity: decimal.RequireFromString("0.001")}); err != nil {
		t.Fatalf("order/test: %v", err)
	}
	lev, err := c.FuturesLeverage(ctx, "币安人生USDT", 10)
	if err != nil || lev.Leverage != 10 {
		t.Fatalf("leverage: %+v %v", lev, err)
	}
	// The default key has no WITHDRAW permission: -2015 with a hint naming the base URL.
	_, err = c.FiatWithdraw(ctx, binance.FiatWithdraw{Currency: "BRL", APIPaymentMethod: "bank_transfer",
		Amount: decimal.RequireFromString("20"), AccountInfo: map[string]any{"accountNumber": "1056894222"}})
	var apiErr *binance.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, binance.ErrKeyPermission) || !strings.Contains(apiErr.Hint, base) {
		t.Fatalf("fiat withdraw without permission: %v", err)
	}
	_ = srv
	if strings.Contains(logs.String(), docsSecret) {
		t.Fatal("secret in logs")
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "signature=") {
			t.Fatalf("a signature was logged: %s", line)
		}
	}
}

// The exchange's clock is skewed by ±3s: after sync, signed calls succeed,
// and the measured offset is within its stated bound of the truth.
func TestClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{3 * time.Second, -3 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			srv, base := exchange(t, nil)
			srv.SetClockSkew(skew)
			c := newClient(t, base, nil, nil)
			if _, err := c.Account(context.Background()); err != nil {
				t.Fatalf("signed call with skew %v: %v", skew, err)
			}
			ck, _ := c.Clock(binance.Spot)
			est := ck.Estimate()
			if diff := (est.Offset - skew).Abs(); diff > est.Bound+2*time.Millisecond {
				t.Fatalf("offset %v, truth %v, bound %v", est.Offset, skew, est.Bound)
			}
		})
	}
}

// A -1021 (the exchange's clock jumped after the client synced) resyncs the
// clock and retries once.
func TestTimestampErrorResyncs(t *testing.T) {
	srv, base := exchange(t, nil)
	c := newClient(t, base, nil, nil)
	ctx := context.Background()
	if _, err := c.Account(ctx); err != nil {
		t.Fatal(err)
	}
	srv.SetClockSkew(-30 * time.Second) // the client's timestamps are now 30s ahead
	resp, err := c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/account", Security: binance.Signed})
	if err != nil {
		t.Fatalf("after resync: %v", err)
	}
	if resp.Attempts != 2 {
		t.Fatalf("attempts = %d, want 2 (one -1021, one after resync)", resp.Attempts)
	}
}

func countOrders(t *testing.T, srv *emulator.Server, clientID string) int {
	t.Helper()
	acct, _ := srv.AccountOf(docsKey)
	all, err := srv.Store().AllOrders(context.Background(), acct, "BTCUSDT", 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range all {
		if o.ClientOrderID == clientID {
			n++
		}
	}
	return n
}

func TestOrderNeverDuplicatedUnderFaults(t *testing.T) {
	for _, f := range []emulator.Fault{
		{Kind: emulator.FaultTimeout, Path: "/api/v3/order", Method: "POST"},
		{Kind: emulator.FaultDrop, Path: "/api/v3/order", Method: "POST"},
		{Kind: emulator.Fault5xx, Path: "/api/v3/order", Method: "POST", Process: true},
		{Kind: emulator.Fault5xx, Path: "/api/v3/order", Method: "POST"}, // not placed: must be sent again, once
	} {
		t.Run(string(f.Kind)+fmt.Sprint(f.Process), func(t *testing.T) {
			srv, base := exchange(t, nil)
			c := newClient(t, base, nil, nil)
			if _, err := srv.AddFault(f); err != nil {
				t.Fatal(err)
			}
			o, err := c.PlaceOrder(context.Background(), binance.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT",
				TimeInForce: "GTC", Quantity: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("10000")})
			if err != nil {
				t.Fatal(err)
			}
			if n := countOrders(t, srv, o.ClientOrderID); n != 1 {
				t.Fatalf("%d orders with client id %s, want exactly 1", n, o.ClientOrderID)
			}
			placedByFault := f.Kind != emulator.Fault5xx || f.Process
			if o.Recovered != placedByFault {
				t.Fatalf("recovered = %v, want %v (attempts %d)", o.Recovered, placedByFault, o.Attempts)
			}
		})
	}
}

// At least 1000 randomized placements under injected faults: zero duplicate
// and zero lost orders.
func TestThousandOrdersUnderFaults(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	srv, base := exchange(t, func(c *emulator.Config) {
		c.Limits.OrdersPer10s = 1_000_000
		c.Limits.OrdersPerDay = 10_000_000
		c.Limits.RequestWeightPerMinute = 1_000_000
	})
	c := newClient(t, base, nil, nil)
	ctx := context.Background()
	// The governor reads the exchange's (raised) order limits from exchangeInfo.
	if _, err := c.ExchangeInfo(ctx); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []emulator.Fault{
		{Kind: emulator.FaultTimeout}, {Kind: emulator.FaultDrop},
		{Kind: emulator.Fault5xx, Process: true}, {Kind: emulator.Fault5xx},
	}
	faulted, recovered, resent := 0, 0, 0
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if rng.IntN(3) == 0 {
			f := kinds[rng.IntN(len(kinds))]
			f.Path, f.Method = "/api/v3/order", "POST"
			if _, err := srv.AddFault(f); err != nil {
				t.Fatal(err)
			}
			faulted++
		}
		if rng.IntN(10) == 0 {
			srv.SetLatency(time.Duration(rng.IntN(3)) * time.Millisecond)
		}
		o, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
			Quantity: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("5000")})
		if err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
		if o.Recovered {
			recovered++
		} else if o.Attempts > 1 {
			resent++
		}
		ids = append(ids, o.ClientOrderID)
		srv.ClearFaults()
	}
	acct, _ := srv.AccountOf(docsKey)
	all, err := srv.Store().AllOrders(ctx, acct, "BTCUSDT", 1000)
	if err != nil {
		t.Fatal(err)
	}
	_ = all
	seen := map[string]int{}
	open, err := srv.Store().OpenOrders(ctx, acct, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range open {
		seen[o.ClientOrderID]++
	}
	dups, lost := 0, 0
	for _, id := range ids {
		switch seen[id] {
		case 0:
			lost++
		case 1:
		default:
			dups++
		}
	}
	if len(open) != n {
		dups += len(open) - n
	}
	t.Logf("%d orders, %d with an injected fault, %d recovered by lookup, %d resent after proof of absence: %d duplicates, %d lost",
		n, faulted, recovered, resent, dups, lost)
	if dups != 0 || lost != 0 || len(open) != n {
		t.Fatalf("%d duplicates, %d lost, %d open orders for %d intents", dups, lost, len(open), n)
	}
}

func TestSecretNeverLeaks(t *testing.T) {
	_, base := exchange(t, nil)
	logs := &testenv.SyncBuffer{}
	c := newClient(t, base, logs, nil)
	ctx := context.Background()
	var errs []string
	_, err := c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/order", Security: binance.Signed})
	errs = append(errs, fmt.Sprint(err))
	bad := newClient(t, base, logs, func(o *binance.Options) {
		h, _ := sign.NewHMAC(secret.FromString(docsSecret + "x"))
		o.Signer = h
	})
	_, err = bad.Account(ctx)
	errs = append(errs, fmt.Sprint(err), fmt.Sprintf("%+v %#v", err, err))
	if !errors.Is(err, binance.ErrInvalidSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	all := logs.String() + strings.Join(errs, "\n") + fmt.Sprintf("%v %+v", c, bad)
	if strings.Contains(all, docsSecret) {
		t.Fatal("the secret leaked into logs, errors or formatting")
	}
}

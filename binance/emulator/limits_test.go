package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/params"
)

func headerInt(t *testing.T, a answer, name string) int {
	t.Helper()
	n, err := strconv.Atoi(a.Header.Get(name))
	if err != nil {
		t.Fatalf("header %s = %q", name, a.Header.Get(name))
	}
	return n
}

// 429 with Retry-After to the end of the minute, then a 418 ban for a
// request during Retry-After, doubling for a repeat offence.
func TestWeightLimitThen418(t *testing.T) {
	cfg := tradingConfig()
	cfg.Limits.RequestWeightPerMinute = 50
	e := startExchange(t, cfg, Options{})
	k := docsKey(t)
	account := func() answer { return e.signed(k, "GET", "/api/v3/account", params.List{}, params.List{}) }

	for i, want := range []int{20, 40} {
		a := account()
		wantOK(t, a)
		if got := headerInt(t, a, headerWeight); got != want {
			t.Fatalf("request %d: %s = %d, want %d", i, headerWeight, got, want)
		}
	}
	a := account()
	wantCode(t, a, 429, -1003, fmt.Sprintf(codes.MsgTooMuchWeightFmt, 50, "1 MINUTE"))
	if got := headerInt(t, a, "Retry-After"); got != 30 { // the test clock is at :30
		t.Fatalf("Retry-After = %d, want 30", got)
	}
	if got := headerInt(t, a, headerWeight); got != 60 {
		t.Fatalf("weight after 429 = %d, want 60 (rejected requests keep their weight)", got)
	}

	e.clock.Advance(10 * time.Second)
	until := e.clock.Now().Add(2 * time.Minute)
	a = e.get("/api/v3/ping", params.List{})
	wantCode(t, a, 418, -1003, fmt.Sprintf(codes.MsgBannedFmt, until.UnixMilli()))
	if got := headerInt(t, a, "Retry-After"); got != 120 {
		t.Fatalf("ban Retry-After = %d, want 120", got)
	}
	e.clock.Advance(60 * time.Second)
	a = e.get("/api/v3/ping", params.List{})
	wantCode(t, a, 418, -1003, fmt.Sprintf(codes.MsgBannedFmt, until.UnixMilli()))
	if got := headerInt(t, a, "Retry-After"); got != 60 {
		t.Fatalf("Retry-After during the ban = %d, want 60", got)
	}
	// Futures are a separate system: not banned.
	wantOK(t, e.get("/fapi/v1/time", params.List{}))

	e.clock.Advance(61 * time.Second)
	wantOK(t, e.get("/api/v3/ping", params.List{}))

	// Second offence: the ban doubles.
	for i := 0; i < 3; i++ {
		account()
	}
	a = e.get("/api/v3/ping", params.List{})
	wantCode(t, a, 418, -1003, "")
	if got := headerInt(t, a, "Retry-After"); got != 240 {
		t.Fatalf("second ban Retry-After = %d, want 240", got)
	}
	var c Counters
	a = e.admin("GET", "/counters", "")
	wantOK(t, a)
	a.json(t, &c)
	if len(c.Bans) != 1 || c.Bans[0].IP != "127.0.0.1" || c.Bans[0].Offences != 2 || c.Bans[0].Group != "api" {
		t.Fatalf("counters = %s", a.Body)
	}
	wantOK(t, e.admin("POST", "/limits/reset", ""))
	wantOK(t, e.get("/api/v3/ping", params.List{}))
}

func TestBanIsCappedAt72h(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 1
	cfg.Limits.BanBase = 48 * time.Hour
	e := startExchange(t, cfg, Options{})
	for offence, want := range []time.Duration{48 * time.Hour, MaxBan, MaxBan} {
		wantOK(t, e.get("/api/v3/ping", params.List{}))
		wantCode(t, e.get("/api/v3/ping", params.List{}), 429, -1003, "")
		a := e.get("/api/v3/ping", params.List{})
		wantCode(t, a, 418, -1003, "")
		if got := headerInt(t, a, "Retry-After"); got != int(want/time.Second) {
			t.Fatalf("offence %d: Retry-After = %ds, want %v", offence+1, got, want)
		}
		e.clock.Advance(want + time.Minute)
	}
}

func TestFuturesWeightLimit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Limits.FAPIRequestWeightPerMinute = 3
	e := startExchange(t, cfg, Options{})
	for i := 1; i <= 3; i++ {
		a := e.get("/fapi/v1/time", params.List{})
		wantOK(t, a)
		if got := headerInt(t, a, headerWeight); got != i {
			t.Fatalf("fapi weight = %d, want %d", got, i)
		}
	}
	a := e.get("/fapi/v1/time", params.List{})
	wantCode(t, a, 429, -1003, fmt.Sprintf(codes.MsgFuturesTooManyFmt, 3))
	a = e.get("/fapi/v1/ping", params.List{})
	wantCode(t, a, 418, -1003, fmt.Sprintf(codes.MsgFuturesBannedFmt, e.clock.Now().Add(2*time.Minute).UnixMilli()))
	wantOK(t, e.get("/api/v3/time", params.List{})) // spot is not affected
}

// Order placement and cancellation cost no weight when they succeed and 1
// when they fail; order counts per account give -1015.
func TestOrderRateLimits(t *testing.T) {
	cfg := tradingConfig()
	cfg.Limits.OrdersPer10s = 2
	cfg.Limits.OrdersPerDay = 3
	e := startExchange(t, cfg, Options{})
	k := docsKey(t)
	order := func() answer {
		return e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001"))
	}
	for i := 1; i <= 2; i++ {
		a := order()
		wantOK(t, a)
		if headerInt(t, a, "X-MBX-ORDER-COUNT-10S") != i || headerInt(t, a, "X-MBX-ORDER-COUNT-1D") != i || headerInt(t, a, headerWeight) != 0 {
			t.Fatalf("order %d headers: %v", i, a.Header)
		}
	}
	a := order()
	wantCode(t, a, 429, -1015, "Too many new orders; current limit is 2 orders per 10 SECOND.")
	if headerInt(t, a, "Retry-After") != 10 || headerInt(t, a, headerWeight) != 1 {
		t.Fatalf("-1015 headers: %v", a.Header)
	}
	e.clock.Advance(10 * time.Second)
	wantOK(t, order())
	a = order()
	wantCode(t, a, 429, -1015, "Too many new orders; current limit is 3 orders per 1 DAY.")
	if got := headerInt(t, a, "Retry-After"); got != int((11*time.Hour+59*time.Minute+20*time.Second)/time.Second) {
		t.Fatalf("day Retry-After = %d", got)
	}
	var c Counters
	e.admin("GET", "/counters", "").json(t, &c)
	if len(c.Orders) != 1 || c.Orders[0].Account != DocsAPIKey || c.Orders[0].Long != 3 {
		t.Fatalf("order counters = %+v", c.Orders)
	}
	if got := c.Weight("api", "127.0.0.1"); got != 2 {
		t.Fatalf("weight used = %d, want 2 (two refused orders)", got)
	}
}

// /sapi endpoints have their own budgets: fiat withdraw costs 45000 of the
// 180000 UID weight per minute.
func TestSAPIBudget(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Keys[0].Permissions = []string{PermUserData, PermWithdraw}
	cfg.Keys[0].Balances["BRL"] = "1000"
	e := startExchange(t, cfg, Options{})
	k := docsKey(t)
	withdraw := func() answer {
		return e.signed(k, "POST", "/sapi/v2/fiat/withdraw", params.List{}, kv(t,
			"currency", "BRL", "apiPaymentMethod", "bank_transfer", "amount", "1", "accountInfo", json.RawMessage(`{"accountNumber":"1"}`)))
	}
	for i := 1; i <= 4; i++ {
		a := withdraw()
		wantOK(t, a)
		if got := headerInt(t, a, headerSAPIUID); got != 45000*i {
			t.Fatalf("%s = %d, want %d", headerSAPIUID, got, 45000*i)
		}
	}
	a := withdraw()
	wantCode(t, a, 429, -1003, fmt.Sprintf(codes.MsgTooMuchWeightFmt, 180000, "1 MINUTE"))
	if headerInt(t, a, headerSAPIUID) != 225000 || a.Header.Get("Retry-After") != "30" {
		t.Fatalf("429 headers: %v", a.Header)
	}
	// Another endpoint's budget is separate, but the address now has a 429
	// to honour: asking again before Retry-After earns a ban.
	wantCode(t, e.signed(k, "GET", "/sapi/v1/account/apiRestrictions", params.List{}, params.List{}), 418, -1003, "")
	bals, err := e.srv.Store().Balances(context.Background(), DocsAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Asset == "BRL" && b.Free.String() != "996" {
			t.Fatalf("BRL = %s, want 996 (four withdrawals of 1)", b.Free)
		}
	}
}

// The raw-request limit counts requests whatever their weight.
func TestRawRequestLimit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Limits.RawRequestsPer5m = 2
	e := startExchange(t, cfg, Options{})
	wantOK(t, e.get("/api/v3/ping", params.List{}))
	wantOK(t, e.get("/api/v3/ping", params.List{}))
	a := e.get("/api/v3/ping", params.List{})
	wantCode(t, a, 429, -1003, "Too many requests; current limit is 2 requests per 5 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.")
	if a.Header.Get("Retry-After") != "270" {
		t.Fatalf("Retry-After = %q", a.Header.Get("Retry-After"))
	}
}

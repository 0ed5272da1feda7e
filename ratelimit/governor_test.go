package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injected Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(d time.Duration) {
	c.mu.Lock()
	c.t = at(d)
	c.mu.Unlock()
}

func newTestGovernor(b Backend, limits map[string][]Limit) (*Governor, *fakeClock) {
	clk := &fakeClock{t: at(33 * time.Second)} // mid-window for 10s, 1m and longer windows
	limits = maps.Clone(limits)
	if limits == nil {
		limits = map[string][]Limit{}
	}
	for f, ls := range testFamilyLimits() {
		if _, ok := limits[f]; !ok {
			limits[f] = ls
		}
	}
	return NewGovernor(b, Options{Headers: testHeaders, Limits: limits, Now: clk.Now, Logger: quiet()}), clk
}

func TestGovernorWaitSleepsUntilTheWindowHasRoom(t *testing.T) {
	// Real clock, short window: the second Wait must sleep into the next
	// window. Only a lower bound on time is asserted, which cannot flake.
	const iv = 200 * time.Millisecond
	windowEnd := func(t time.Time) time.Time {
		ms := iv.Milliseconds()
		return time.UnixMilli((t.UnixMilli()/ms + 1) * ms)
	}
	for attempt := 0; ; attempt++ {
		g := NewGovernor(NewMemory(), Options{Headers: testHeaders, Logger: quiet(), Margin: -1, Limits: map[string][]Limit{
			"api": {{Kind: KindRequestWeight, Interval: iv, Max: 10}},
		}})
		ctx := context.Background()
		start := time.Now()
		if err := g.Wait(ctx, weight(10)); err != nil {
			t.Fatal(err)
		}
		end := windowEnd(start)
		if !time.Now().Before(end) && attempt < 5 {
			continue // the window turned during the first Wait: try again
		}
		if err := g.Wait(ctx, weight(1)); err != nil {
			t.Fatal(err)
		}
		if now := time.Now(); now.Before(end) {
			t.Errorf("Wait returned at %v, before the window ended at %v", now, end)
		}
		return
	}
}

func TestGovernorWaitErrors(t *testing.T) {
	limits := map[string][]Limit{"api": {{Kind: KindRequestWeight, Interval: time.Hour, Max: 10}}}
	ctx := context.Background()

	t.Run("longer than MaxWait", func(t *testing.T) {
		g, _ := newTestGovernor(NewMemory(), limits)
		if err := g.Wait(ctx, weight(10)); err != nil {
			t.Fatal(err)
		}
		err := g.Wait(ctx, weight(1))
		if !errors.Is(err, ErrWaitTooLong) {
			t.Fatalf("err = %v; want ErrWaitTooLong", err)
		}
		if !strings.Contains(err.Error(), "REQUEST_WEIGHT 1h") {
			t.Errorf("error does not name the budget: %v", err)
		}
	})
	t.Run("past the context deadline", func(t *testing.T) {
		g := NewGovernor(NewMemory(), Options{Headers: testHeaders, Limits: limits, Logger: quiet(), MaxWait: 2 * time.Hour,
			Now: func() time.Time { return at(30 * time.Second) }})
		_ = g.Wait(ctx, weight(10))
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		err := g.Wait(dctx, weight(1))
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrWaitTooLong) {
			t.Fatalf("err = %v; want DeadlineExceeded and ErrWaitTooLong at once", err)
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		g := NewGovernor(NewMemory(), Options{Headers: testHeaders, Limits: limits, Logger: quiet(), MaxWait: 2 * time.Hour,
			Now: func() time.Time { return at(30 * time.Second) }})
		_ = g.Wait(ctx, weight(10))
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- g.Wait(cctx, weight(1)) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	})
	t.Run("cost above the limit", func(t *testing.T) {
		g, _ := newTestGovernor(NewMemory(), limits)
		if err := g.Wait(ctx, weight(11)); !errors.Is(err, ErrOverLimit) {
			t.Fatalf("err = %v; want ErrOverLimit", err)
		}
	})
	t.Run("no family", func(t *testing.T) {
		g, _ := newTestGovernor(NewMemory(), limits)
		err := g.Wait(ctx, Cost{Host: host, Weight: 1})
		if err == nil || !strings.Contains(err.Error(), "Family") {
			t.Fatalf("err = %v; want one naming Family", err)
		}
	})
}

func TestGovernorWaitLogsTheBudget(t *testing.T) {
	var buf bytes.Buffer
	g := NewGovernor(NewMemory(), Options{Headers: testHeaders,
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Margin: -1,
		Limits: map[string][]Limit{"api": {{Kind: KindRequestWeight, Interval: 100 * time.Millisecond, Max: 1}}},
	})
	_ = g.Wait(context.Background(), weight(1))
	_ = g.Wait(context.Background(), weight(1))
	if !strings.Contains(buf.String(), "for REQUEST_WEIGHT 100ms budget on "+host) {
		t.Errorf("no debug line naming the budget; log:\n%s", buf.String())
	}
}

func TestObserveUsageHeaders(t *testing.T) {
	cases := []struct {
		name   string
		cost   Cost
		header http.Header
		kind   string
		iv     time.Duration
		want   int // used after Observe; -1: budget untouched (0)
		errHas string
	}{
		{"spot weight", weight(1), http.Header{"X-Ex-Used-Weight-1m": {"1234"}}, KindRequestWeight, time.Minute, 1234, ""},
		{"any case", weight(1), http.Header{"x-ex-used-weight-1m": {"77"}}, KindRequestWeight, time.Minute, 77, ""},
		{"spaces and repeats take the largest", weight(1), http.Header{"X-Ex-Used-Weight-1m": {" 5 ", "9"}}, KindRequestWeight, time.Minute, 9, ""},
		{"orders 10s", order("A"), http.Header{"X-Ex-Order-Count-10s": {"7"}}, KindOrders, 10 * time.Second, 7, ""},
		{"orders 1d", order("A"), http.Header{"X-Ex-Order-Count-1d": {"1500"}}, KindOrders, 24 * time.Hour, 1500, ""},
		{"sapi ip", sapi("/sapi/v1/account/apiRestrictions", 1, KindSAPIIP, ""), http.Header{"X-Ex-Ip-Weight-1m": {"300"}}, KindSAPIIP, time.Minute, 300, ""},
		{"sapi uid", sapi("/sapi/v2/fiat/withdraw", 45000, KindSAPIUID, "A"), http.Header{"X-Ex-Uid-Weight-1m": {"90000"}}, KindSAPIUID, time.Minute, 90000, ""},
		{"fapi weight", Cost{Host: "https://fapi.example.com", Family: "fapi", Path: "/fapi/v1/time", Weight: 1}, http.Header{"X-Ex-Used-Weight-1m": {"2000"}}, KindRequestWeight, time.Minute, 2000, ""},
		{"interval we do not enforce is ignored", weight(1), http.Header{"X-Ex-Used-Weight-1s": {"50"}}, KindRequestWeight, time.Minute, 0, ""},
		{"legacy header without interval is ignored", weight(1), http.Header{"X-Ex-Used-Weight": {"50"}}, KindRequestWeight, time.Minute, 0, ""},
		{"not a number", weight(1), http.Header{"X-Ex-Used-Weight-1m": {"lots"}}, KindRequestWeight, time.Minute, 0, "X-Ex-Used-Weight-1m"},
		{"negative", weight(1), http.Header{"X-Ex-Used-Weight-1m": {"-3"}}, KindRequestWeight, time.Minute, 0, "non-negative"},
		{"good header applied next to a bad one", weight(1), http.Header{"X-Ex-Used-Weight-1m": {"40"}, "X-Ex-Order-Count-10s": {"x"}}, KindRequestWeight, time.Minute, 40, "X-Ex-Order-Count-10s"},
		{"lower than our count is ignored", weight(1), http.Header{"X-Ex-Used-Weight-1m": {"0"}}, KindRequestWeight, time.Minute, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := newTestGovernor(NewMemory(), nil)
			ctx := context.Background()
			err := g.Observe(ctx, tc.cost, http.StatusOK, tc.header)
			if tc.errHas == "" && err != nil {
				t.Fatalf("Observe: %v", err)
			}
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
				t.Fatalf("Observe err = %v; want one containing %q", err, tc.errHas)
			}
			got := budgetUsed(t, g, tc.cost, tc.kind, tc.iv)
			if got != tc.want {
				t.Errorf("used = %d; want %d", got, tc.want)
			}
		})
	}
}

// budgetUsed reads one budget through State, as `mbx doctor` would.
func budgetUsed(t *testing.T, g *Governor, c Cost, kind string, iv time.Duration) int {
	t.Helper()
	st := g.State(context.Background(), c.Host)
	if st.Err != nil {
		t.Fatalf("State: %v", st.Err)
	}
	for _, b := range st.Budgets {
		if b.Family == c.Family && b.Limit.Kind == kind && b.Limit.Interval == iv {
			return b.Used
		}
	}
	t.Fatalf("State has no %s %v budget for %s: %+v", kind, iv, c.Family, st.Budgets)
	return 0
}

func TestObserveBlocks(t *testing.T) {
	const now = 30 * time.Second
	banMs := at(now + 10*time.Minute).UnixMilli()
	banBody := []byte(`{"code":-1003,"msg":"Way too much request weight used; IP banned until ` +
		strconv.FormatInt(banMs, 10) + `. Please use WebSocket Streams for live updates to avoid bans."}`)
	cases := []struct {
		name   string
		status int
		header http.Header
		body   []byte
		until  time.Duration // from t0
		banned bool
	}{
		{"429 with Retry-After", 429, http.Header{"Retry-After": {"30"}}, nil, now + 30*time.Second, false},
		{"429 without Retry-After", 429, nil, nil, now + DefaultRetryAfter, false},
		{"429 with garbage Retry-After", 429, http.Header{"Retry-After": {"soon"}}, nil, now + DefaultRetryAfter, false},
		{"429 with Retry-After 0 still pauses", 429, http.Header{"Retry-After": {"0"}}, nil, now + time.Second, false},
		{"429 with an HTTP date", 429, http.Header{"Retry-After": {at(now + 45*time.Second).Format(http.TimeFormat)}}, nil, now + 45*time.Second, false},
		{"418 with Retry-After", 418, http.Header{"Retry-After": {"120"}}, nil, now + 2*time.Minute, true},
		{"418 with the ban time in the body", 418, nil, banBody, now + 10*time.Minute, true},
		{"418 body later than Retry-After wins", 418, http.Header{"Retry-After": {"60"}}, banBody, now + 10*time.Minute, true},
		{"418 Retry-After later than body wins", 418, http.Header{"Retry-After": {"3600"}}, banBody, now + time.Hour, true},
		{"418 with neither", 418, nil, nil, now + DefaultBan, true},
		{"429 whose body says banned is a ban", 429, http.Header{"Retry-After": {"5"}}, banBody, now + 10*time.Minute, true},
		{"absurd Retry-After is capped", 429, http.Header{"Retry-After": {"99999999999999"}}, nil, now + maxBlock, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, clk := newTestGovernor(NewMemory(), nil)
			clk.Set(now)
			ctx := context.Background()
			if err := g.ObserveBody(ctx, weight(1), tc.status, tc.header, tc.body); err != nil {
				t.Fatal(err)
			}
			err := g.Wait(ctx, weight(1))
			want := at(tc.until)
			var be *BlockedError
			var ban *BannedError
			switch {
			case tc.banned && errors.As(err, &ban):
				if !ban.Until.Equal(want) || ban.Host != host {
					t.Errorf("BannedError = %+v; want until %v", ban, want)
				}
				if !errors.Is(err, ErrBanned) || errors.Is(err, ErrRateLimited) {
					t.Errorf("errors.Is wrong for %v", err)
				}
			case !tc.banned && errors.As(err, &be):
				if !be.Until.Equal(want) || be.Host != host {
					t.Errorf("BlockedError = %+v; want until %v", be, want)
				}
				if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrBanned) {
					t.Errorf("errors.Is wrong for %v", err)
				}
			default:
				t.Fatalf("Wait err = %v; want a %s error", err, map[bool]string{true: "ban", false: "429 block"}[tc.banned])
			}
			msg := err.Error()
			if !strings.Contains(msg, want.UTC().Format(timeFormat)) || !strings.Contains(msg, "wait") {
				t.Errorf("message does not say until when and what to do: %s", msg)
			}
			// Other hosts are not blocked.
			other := weight(1)
			other.Host = "https://api1.example.com"
			if err := g.Wait(ctx, other); err != nil {
				t.Errorf("other host: %v", err)
			}
			// The block lifts exactly at its end.
			clk.Set(tc.until - time.Millisecond)
			if err := g.Wait(ctx, weight(1)); err == nil {
				t.Errorf("Wait passed a millisecond before the block ended")
			}
			clk.Set(tc.until)
			if err := g.Wait(ctx, weight(1)); err != nil {
				t.Errorf("Wait after the block: %v", err)
			}
		})
	}
}

func TestBanIsNeverShortened(t *testing.T) {
	g, clk := newTestGovernor(NewMemory(), nil)
	ctx := context.Background()
	obs := func(status int, ra string) {
		t.Helper()
		if err := g.Observe(ctx, weight(1), status, http.Header{"Retry-After": {ra}}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(0)
	obs(418, "600")
	clk.Set(time.Minute)
	obs(418, "60")  // ends at 2m: earlier
	obs(429, "30")  // a 429 during a ban
	obs(200, "999") // statuses other than 429/418 never block
	st := g.State(ctx, host)
	if !st.Banned || !st.BlockedUntil.Equal(at(10*time.Minute)) {
		t.Fatalf("State = banned %v until %v; want banned until %v", st.Banned, st.BlockedUntil, at(10*time.Minute))
	}
	clk.Set(10*time.Minute - time.Millisecond)
	if err := g.Wait(ctx, weight(1)); !errors.Is(err, ErrBanned) {
		t.Fatalf("err = %v; want ErrBanned", err)
	}
	clk.Set(10 * time.Minute)
	if err := g.Wait(ctx, weight(1)); err != nil {
		t.Fatalf("after the ban: %v", err)
	}
}

func TestObserveWindowAttribution(t *testing.T) {
	limits := map[string][]Limit{"api": {{Kind: KindRequestWeight, Interval: time.Minute, Max: 6000}}}
	hdr := func(used string, date time.Duration, withDate bool) http.Header {
		h := http.Header{"X-Ex-Used-Weight-1m": {used}}
		if withDate {
			h.Set("Date", at(date).Format(http.TimeFormat))
		}
		return h
	}
	cases := []struct {
		name        string
		now         time.Duration
		h           http.Header
		old, newWin int // used in [0,60s) and [60s,120s) afterwards
	}{
		{"mid-window", 30 * time.Second, hdr("100", 30*time.Second, true), 100, 0},
		{"just after the boundary, no Date: old window", 60*time.Second + 200*time.Millisecond, hdr("5000", 0, false), 5000, 0},
		{"just after the boundary, Date in old window", 60*time.Second + 200*time.Millisecond, hdr("5000", 59*time.Second, true), 5000, 0},
		{"just after the boundary, Date in new window", 60*time.Second + 200*time.Millisecond, hdr("7", 60*time.Second, true), 0, 7},
		{"late answer from a finished window is dropped", 61 * time.Second, hdr("5900", 59*time.Second, true), 0, 0},
		{"late answer without Date goes to the new window", 61 * time.Second, hdr("5900", 0, false), 0, 5900},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, clk := newTestGovernor(NewMemory(), limits)
			clk.Set(tc.now)
			if err := g.Observe(context.Background(), weight(1), 200, tc.h); err != nil {
				t.Fatal(err)
			}
			for _, w := range []struct {
				at   time.Duration
				want int
			}{{30 * time.Second, tc.old}, {90 * time.Second, tc.newWin}} {
				clk.Set(w.at)
				if got := budgetUsed(t, g, weight(1), KindRequestWeight, time.Minute); got != w.want {
					t.Errorf("used at %v = %d; want %d", w.at, got, w.want)
				}
			}
		})
	}
}

func TestStateHidesTheScope(t *testing.T) {
	g, _ := newTestGovernor(NewMemory(), nil)
	ctx := context.Background()
	const key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	c := g.Cost(host, "POST", "/api/v3/order", nil)
	c.Scope = key
	if err := g.Wait(ctx, c); err != nil {
		t.Fatal(err)
	}
	st := g.State(ctx, host)
	var kinds []string
	for _, b := range st.Budgets {
		kinds = append(kinds, b.Limit.Kind+" "+intervalText(b.Limit.Interval))
		if strings.Contains(b.Account, key[:8]) {
			t.Errorf("State shows the scope: %+v", b)
		}
		if b.Limit.Kind == KindOrders && (b.Account == "" || b.Used != 1) {
			t.Errorf("orders budget = %+v; want an account hash and 1 used", b)
		}
	}
	want := "[ORDERS 10s ORDERS 1d RAW_REQUESTS 5m REQUEST_WEIGHT 1m]"
	if got := strings.Join(kinds, " "); "["+got+"]" != want {
		t.Errorf("budgets = [%s]; want %s", got, want)
	}
}

func TestSetLimits(t *testing.T) {
	g, _ := newTestGovernor(NewMemory(), nil)
	if got := g.Limits("api"); len(got) != 4 || got[0].Max != 6000 || got[0].Margin != DefaultMargin {
		t.Fatalf("default api limits = %+v", got)
	}
	g.SetLimits("api", []Limit{
		{Kind: KindRequestWeight, Interval: time.Minute, Max: 5},
		{Kind: KindRequestWeight, Interval: time.Minute, Max: 3}, // duplicate: the stricter wins
	})
	ctx := context.Background()
	if err := g.Wait(ctx, weight(3)); err != nil {
		t.Fatal(err)
	}
	// The fake clock never moves, so use a deadline to get the refusal
	// without sleeping.
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := g.Wait(dctx, weight(1)); !errors.Is(err, ErrWaitTooLong) {
		t.Fatalf("err = %v; want ErrWaitTooLong (budget of 3 used up)", err)
	}
	if got := g.Limits("api"); len(got) != 1 || got[0].Max != 3 {
		t.Errorf("limits = %+v; want one of Max 3", got)
	}
}

// testFamilyLimits are the limits of the families the tests use, shaped
// like Binance's (binance.DefaultLimits): spot, per-endpoint wallet budgets
// by IP and by account, and futures.
func testFamilyLimits() map[string][]Limit {
	return map[string][]Limit{
		"api": spotLimits(),
		"sapi": {
			{Kind: KindSAPIIP, Interval: time.Minute, Max: 12000},
			{Kind: KindSAPIUID, Interval: time.Minute, Max: 180000},
		},
		"fapi": {
			{Kind: KindRequestWeight, Interval: time.Minute, Max: 2400},
			{Kind: KindOrders, Interval: 10 * time.Second, Max: 300},
			{Kind: KindOrders, Interval: time.Minute, Max: 1200},
		},
	}
}

// spotLimits are limits of a spot family for the governor's tests: a weight
// per minute, raw requests per 5 minutes, and orders per 10 s and per day
// (the shape of Binance's, binance.DefaultLimits("api")).
func spotLimits() []Limit {
	return []Limit{
		{Kind: KindRequestWeight, Interval: time.Minute, Max: 6000},
		{Kind: KindRawRequests, Interval: 5 * time.Minute, Max: 300000},
		{Kind: KindOrders, Interval: 10 * time.Second, Max: 50},
		{Kind: KindOrders, Interval: 24 * time.Hour, Max: 160000},
	}
}

package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// FuzzLimitsFromExchangeInfo: any body either fails with an error or yields
// limits a Backend accepts, whose headers parse back to the same limit.
func FuzzLimitsFromExchangeInfo(f *testing.F) {
	f.Add([]byte(`{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ls, err := LimitsFromExchangeInfo(body, "api")
		if err != nil {
			if ls != nil {
				t.Fatalf("limits %v returned with error %v", ls, err)
			}
			return
		}
		if len(ls) == 0 {
			t.Fatalf("no limits and no error for %q", body)
		}
		seen := map[string]bool{}
		for _, l := range ls {
			if err := checkLimit(l); err != nil {
				t.Fatalf("parsed limit unusable: %v", err)
			}
			k := l.Kind + l.Interval.String()
			if seen[k] {
				t.Fatalf("duplicate %s in %v", k, ls)
			}
			seen[k] = true
			if h := testHeaders.Name(l); h != "" {
				kind, iv, ok := testHeaders.Usage(h)
				if !ok || kind != l.Kind || iv != l.Interval {
					t.Fatalf("header %q of %v parses to %q %v %v", h, l, kind, iv, ok)
				}
			}
		}
		// And the Memory backend takes them.
		if _, _, err := NewMemory().Reserve(context.Background(), weight(1), ls, t0); err != nil && !errors.Is(err, ErrOverLimit) {
			t.Fatalf("Reserve with parsed limits: %v", err)
		}
	})
}

// FuzzObserve: whatever a server answers, Observe does not panic, and after
// a 429 or 418 no request gets through until the block ends.
func FuzzObserve(f *testing.F) {
	f.Add(200, "X-Ex-Used-Weight-1m", "120", "", "")
	f.Add(429, "X-Ex-Order-Count-10s", "51", "30", "")
	f.Add(418, "X-Ex-Ip-Weight-1m", "1", "", `{"code":-1003,"msg":"IP banned until 1785542460000."}`)
	f.Fuzz(func(t *testing.T, status int, name, value, retryAfter, body string) {
		clk := &fakeClock{}
		clk.Set(33 * time.Second)
		g := NewGovernor(NewMemory(), Options{Headers: testHeaders, Now: clk.Now, Logger: quiet()})
		h := http.Header{}
		h.Add(name, value)
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		ctx := context.Background()
		_ = g.ObserveBody(ctx, weight(1), status, h, []byte(body))
		st := g.State(ctx, host)
		for _, b := range st.Budgets {
			if b.Used < 0 {
				t.Fatalf("negative usage %+v", b)
			}
		}
		if status != 429 && status != 418 {
			return
		}
		if !st.BlockedUntil.After(clk.Now()) {
			t.Fatalf("status %d did not block: %+v", status, st)
		}
		if st.BlockedUntil.After(clk.Now().Add(maxBlock)) {
			t.Fatalf("block beyond the cap: %v", st.BlockedUntil)
		}
		err := g.Wait(ctx, weight(1))
		if !errors.Is(err, ErrRateLimited) && !errors.Is(err, ErrBanned) {
			t.Fatalf("Wait after %d = %v; want a block", status, err)
		}
	})
}

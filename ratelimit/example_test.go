package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/ratelimit"
	"github.com/redis/go-redis/v9"
)

// A client prices each request, waits for budget, sends, and feeds the
// response back. Here the responses are made up and the clock is fixed.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 8, 1, 12, 0, 30, 0, time.UTC)
	g := ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Headers: exampleHeaders(),
		Now: func() time.Time { return now }, // in production: a clock.Clock's Now
		// The exchange's limits (Binance's client supplies binance.DefaultLimits).
		Limits: map[string][]ratelimit.Limit{"api": {{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 6000}}},
	})

	c := g.Cost("https://api.example.com", "GET", "/api/v3/account", nil)
	fmt.Println("cost:", c.Weight)
	if err := g.Wait(ctx, c); err != nil {
		fmt.Println(err)
		return
	}
	// ... send the request; the server says how much this IP has used:
	h := http.Header{}
	h.Set("X-EX-USED-WEIGHT-1M", "5620") // other programs on this IP count too
	_ = g.Observe(ctx, c, http.StatusOK, h)
	for _, b := range g.State(ctx, c.Host).Budgets {
		if b.Limit.Kind == ratelimit.KindRequestWeight {
			fmt.Printf("%s: %d used\n", b.Limit, b.Used)
		}
	}

	// 380 weight left: 19 more /account calls fit. The 20th would have to
	// wait for the next minute, longer than this caller's deadline, so Wait
	// says so at once instead of sleeping.
	for range 19 {
		_ = g.Wait(ctx, c)
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	fmt.Println(errors.Is(g.Wait(short, c), ratelimit.ErrWaitTooLong))

	// A 429 anyway (another program on the IP): nothing is sent until
	// Retry-After has passed.
	_ = g.Observe(ctx, c, http.StatusTooManyRequests, http.Header{"Retry-After": {"20"}})
	err := g.Wait(ctx, c)
	fmt.Println(errors.Is(err, ratelimit.ErrRateLimited))
	var be *ratelimit.BlockedError
	if errors.As(err, &be) {
		fmt.Println("blocked until", be.Until.Format(time.TimeOnly))
	}
	// Output:
	// cost: 20
	// REQUEST_WEIGHT 6000/1m: 5620 used
	// true
	// true
	// blocked until 12:00:50
}

// A fleet shares one budget through Redis; if Redis goes away, each process
// falls back to a quarter of each limit until it is back.
func ExampleNewRedis() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	b := ratelimit.NewRedis(client, ratelimit.RedisOptions{Prefix: "mbx:prod", LocalShare: 0.25})
	g := ratelimit.NewGovernor(b, ratelimit.Options{Headers: exampleHeaders()})
	_ = g
}

// Limits come from exchangeInfo when it is at hand.
func ExampleLimitsFromExchangeInfo() {
	body := []byte(`{"rateLimits":[
		{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400},
		{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300}]}`)
	ls, err := ratelimit.LimitsFromExchangeInfo(body, "fapi")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range ls {
		fmt.Println(l, exampleHeaders().Name(l))
	}
	// Output:
	// REQUEST_WEIGHT 2400/1m X-EX-USED-WEIGHT-1M
	// ORDERS 300/10s X-EX-ORDER-COUNT-10S
}

// exampleHeaders is how an example exchange reports usage: a prefix per
// budget followed by the window ("X-EX-USED-WEIGHT-1M").
func exampleHeaders() ratelimit.PrefixHeaders {
	return ratelimit.PrefixHeaders{Prefixes: []ratelimit.UsagePrefix{
		{Prefix: "X-EX-USED-WEIGHT-", Kind: ratelimit.KindRequestWeight},
		{Prefix: "X-EX-ORDER-COUNT-", Kind: ratelimit.KindOrders},
	}}
}

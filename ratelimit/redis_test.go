package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisOneRoundTripPerReservation(t *testing.T) {
	srv := startRedis(t)
	client := srv.Client(t)
	hook := &countHook{}
	client.AddHook(hook)
	admin := srv.Client(t)
	b := NewRedis(client, RedisOptions{Prefix: "rt", Logger: quiet()})
	ctx := context.Background()
	limits := spotLimits()
	for i := range limits {
		limits[i].Margin = time.Second
	}
	// The first call may load the script (EVALSHA, NOSCRIPT, EVAL).
	if _, _, err := b.Reserve(ctx, order("A"), limits, at(time.Second)); err != nil {
		t.Fatal(err)
	}
	hook.reset()
	before := evalshaCalls(t, admin)
	const n = 25
	for i := range n {
		// Mid-window, in the margin (two windows per limit) and short
		// (refused): always one command.
		now := at(time.Duration(i) * 2400 * time.Millisecond)
		c := order("A")
		if i%5 == 0 {
			c.Weight = 6000
		}
		if _, _, err := b.Reserve(ctx, c, limits, now); err != nil {
			t.Fatal(err)
		}
	}
	if cmds := hook.reset(); len(cmds) != n {
		t.Fatalf("%d reservations sent %d commands: %v", n, len(cmds), cmds)
	}
	if got := evalshaCalls(t, admin) - before; got != n {
		t.Errorf("server counted %d EVALSHA calls for %d reservations", got, n)
	}
}

// evalshaCalls reads calls=N of cmdstat_evalsha from INFO commandstats.
func evalshaCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_evalsha:calls=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return 0
}

// TestRedisFleet drives two Governors on two separate clients through one
// Redis, as two processes would.
func TestRedisFleet(t *testing.T) {
	srv := startRedis(t)
	limits := map[string][]Limit{"api": {{Kind: KindRequestWeight, Interval: time.Minute, Max: 10}}}
	clk := &fakeClock{}
	clk.Set(33 * time.Second)
	newGov := func() *Governor {
		b := NewRedis(srv.Client(t), RedisOptions{Prefix: "fleet", Logger: quiet()})
		return NewGovernor(b, Options{Headers: testHeaders, Limits: limits, Now: clk.Now, Logger: quiet()})
	}
	g1, g2 := newGov(), newGov()
	ctx := context.Background()
	short := func(g *Governor) error {
		// A deadline makes a needed wait fail at once instead of sleeping.
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return g.Wait(dctx, weight(1))
	}

	t.Run("one budget", func(t *testing.T) {
		for i := range 10 {
			g := []*Governor{g1, g2}[i%2]
			if err := g.Wait(ctx, weight(1)); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		for _, g := range []*Governor{g1, g2} {
			if err := short(g); !errors.Is(err, ErrWaitTooLong) {
				t.Fatalf("11th request: err = %v; want ErrWaitTooLong", err)
			}
		}
		clk.Set(93 * time.Second)
	})
	t.Run("reconcile propagates", func(t *testing.T) {
		h := http.Header{"X-Ex-Used-Weight-1m": {"8"}}
		if err := g1.Observe(ctx, weight(1), 200, h); err != nil {
			t.Fatal(err)
		}
		_ = g2.Wait(ctx, weight(1))
		if got := budgetUsed(t, g2, weight(1), KindRequestWeight, time.Minute); got != 9 {
			t.Errorf("g2 sees %d used; want 8 from g1's header + 1", got)
		}
	})
	t.Run("429 propagates", func(t *testing.T) {
		clk.Set(153 * time.Second)
		if err := g1.Observe(ctx, weight(1), 429, http.Header{"Retry-After": {"7"}}); err != nil {
			t.Fatal(err)
		}
		var be *BlockedError
		if err := g2.Wait(ctx, weight(1)); !errors.As(err, &be) || !be.Until.Equal(at(160*time.Second)) {
			t.Fatalf("g2: err = %v; want a 429 block until %v", err, at(160*time.Second))
		}
		clk.Set(160 * time.Second)
		if err := g2.Wait(ctx, weight(1)); err != nil {
			t.Fatalf("g2 after the block: %v", err)
		}
	})
	t.Run("418 propagates and is not shortened", func(t *testing.T) {
		clk.Set(213 * time.Second)
		banUntil := at(213*time.Second + 3*time.Hour)
		body := []byte(`{"code":-1003,"msg":"Way too much request weight used; IP banned until ` +
			strconv.FormatInt(banUntil.UnixMilli(), 10) + `. Please use WebSocket Streams."}`)
		if err := g2.ObserveBody(ctx, weight(1), 418, nil, body); err != nil {
			t.Fatal(err)
		}
		if err := g1.Observe(ctx, weight(1), 418, http.Header{"Retry-After": {"120"}}); err != nil {
			t.Fatal(err)
		}
		var ban *BannedError
		if err := g1.Wait(ctx, weight(1)); !errors.As(err, &ban) || !ban.Until.Equal(banUntil) {
			t.Fatalf("g1: err = %v; want a ban until %v", err, banUntil)
		}
		if st := g1.State(ctx, host); !st.Banned || !st.BlockedUntil.Equal(banUntil) {
			t.Errorf("g1 State = banned %v until %v", st.Banned, st.BlockedUntil)
		}
	})
}

func TestRedisOutageFallsBackToALocalShare(t *testing.T) {
	srv := startRedis(t)
	var logs bytes.Buffer
	b := NewRedis(srv.Client(t), RedisOptions{
		Prefix: "outage", LocalShare: 0.25,
		RetryInterval: time.Nanosecond, // try Redis on every call: still one warning
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	limits := []Limit{{Kind: KindRequestWeight, Interval: time.Minute, Max: 100}}
	ctx := context.Background()
	now := at(33 * time.Second)
	if _, _, err := b.Reserve(ctx, weight(10), limits, now); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	admitted := 0
	for range 40 {
		wait, until, err := b.Reserve(ctx, weight(1), limits, now)
		if err != nil {
			t.Fatalf("Reserve with Redis down: %v", err)
		}
		if !until.IsZero() {
			t.Fatalf("unexpected block until %v", until)
		}
		if wait == 0 {
			admitted++
		} else if wait != 27*time.Second {
			t.Fatalf("wait = %v; want the window's end, 27s", wait)
		}
	}
	if admitted != 25 {
		t.Errorf("admitted %d weight with Redis down; want 25 (a 0.25 share of 100)", admitted)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings during one outage; want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "Redis unreachable") {
		t.Errorf("warning does not say what happened:\n%s", logs.String())
	}

	// Blocks still hold while Redis is down.
	if err := b.Block(ctx, host, now.Add(time.Minute), false); err != nil {
		t.Fatalf("Block with Redis down: %v", err)
	}
	if _, until, err := b.Reserve(ctx, weight(1), limits, now.Add(40*time.Second)); err != nil || !until.Equal(now.Add(time.Minute)) {
		t.Errorf("Reserve during a local block = %v, %v; want blocked until %v", until, err, now.Add(time.Minute))
	}
	if until, _, err := b.Blocked(ctx, host, now); err != nil || !until.Equal(now.Add(time.Minute)) {
		t.Errorf("Blocked = %v, %v", until, err)
	}
	if _, err := b.Used(ctx, weight(1), limits, now); err != nil {
		t.Errorf("Used with Redis down: %v", err)
	}
	if err := b.Reconcile(ctx, weight(1), limits[0], 50, now); err != nil {
		t.Errorf("Reconcile with Redis down: %v", err)
	}
}

func TestRedisCancelledCallerIsNotAnOutage(t *testing.T) {
	srv := startRedis(t)
	var logs bytes.Buffer
	b := NewRedis(srv.Client(t), RedisOptions{Prefix: "cancel", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := b.Reserve(ctx, weight(1), spotLimits(), at(time.Second))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
	if logs.Len() != 0 {
		t.Errorf("a cancelled caller was logged as an outage:\n%s", logs.String())
	}
}

package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"
)

// t0 is a day boundary, so offsets from it are offsets within windows.
var t0 = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const host = "https://api.example.com"

func weight(w int) Cost { return Cost{Host: host, Family: "api", Path: "/api/v3/x", Weight: w} }

func order(scope string) Cost {
	return Cost{Host: host, Family: "api", Path: "/api/v3/order", Weight: 1, Orders: 1, Scope: scope}
}

func sapi(path string, w int, kind, scope string) Cost {
	return Cost{Host: host, Family: "sapi", Path: path, Weight: w, Kind: kind, Scope: scope}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// step is one operation on a backend and what it must answer.
type step struct {
	op    string // reserve, reconcile, block, ban, blocked, used
	at    time.Duration
	cost  Cost
	limit Limit // reconcile
	n     int   // reconcile: server count
	until time.Duration

	wait      time.Duration // reserve: expected wait
	blocked   time.Duration // reserve/blocked: expected block end offset (0: none)
	banned    bool          // blocked
	used      []int         // used: per limit of the case
	errIs     error         // reserve: expected error
	errAnyway bool          // reserve: any error
}

type backendCase struct {
	name   string
	limits []Limit
	steps  []step
}

func backendCases() []backendCase {
	w10 := []Limit{{Kind: KindRequestWeight, Interval: time.Minute, Max: 10}}
	w10m := []Limit{{Kind: KindRequestWeight, Interval: time.Minute, Max: 10, Margin: time.Second}}
	wo := []Limit{
		{Kind: KindRequestWeight, Interval: time.Minute, Max: 100},
		{Kind: KindOrders, Interval: 10 * time.Second, Max: 2},
	}
	w100 := []Limit{{Kind: KindRequestWeight, Interval: time.Minute, Max: 100}}
	return []backendCase{
		{"fixed windows", w10, []step{
			{op: "reserve", at: 10 * time.Second, cost: weight(6)},
			{op: "reserve", at: 20 * time.Second, cost: weight(4)},
			{op: "reserve", at: 30 * time.Second, cost: weight(1), wait: 30 * time.Second},
			{op: "reserve", at: 59*time.Second + 999*time.Millisecond, cost: weight(1), wait: time.Millisecond},
			{op: "used", at: 59 * time.Second, used: []int{10}},
			{op: "reserve", at: time.Minute, cost: weight(10)},
			{op: "used", at: 61 * time.Second, used: []int{10}},
			{op: "reserve", at: 61 * time.Second, cost: weight(1), wait: 59 * time.Second},
		}},
		{"weight and orders all or nothing", wo, []step{
			{op: "reserve", at: time.Second, cost: order("acct")},
			{op: "reserve", at: time.Second, cost: order("acct")},
			{op: "reserve", at: 2 * time.Second, cost: order("acct"), wait: 8 * time.Second},
			// The refused order was charged nowhere: weight is still 2.
			{op: "used", at: 3 * time.Second, cost: order("acct"), used: []int{2, 2}},
			// A request without orders is not held up by the orders budget.
			{op: "reserve", at: 3 * time.Second, cost: weight(5)},
			{op: "used", at: 3 * time.Second, cost: order("acct"), used: []int{7, 2}},
			{op: "reserve", at: 10 * time.Second, cost: order("acct")},
			{op: "used", at: 10 * time.Second, cost: order("acct"), used: []int{8, 1}},
		}},
		{"weight short, orders fine: wait for the minute", wo, []step{
			{op: "reserve", at: 5 * time.Second, cost: weight(100)},
			{op: "reserve", at: 6 * time.Second, cost: order("acct"), wait: 54 * time.Second},
			{op: "used", at: 6 * time.Second, cost: order("acct"), used: []int{100, 0}},
		}},
		{"margin charges both windows near a boundary", w10m, []step{
			{op: "reserve", at: 59*time.Second + 500*time.Millisecond, cost: weight(4)},
			{op: "used", at: 59 * time.Second, used: []int{4}},
			{op: "used", at: 60 * time.Second, used: []int{4}},
			{op: "reserve", at: 61*time.Second + 500*time.Millisecond, cost: weight(6)},
			{op: "reserve", at: 62 * time.Second, cost: weight(1), wait: 59 * time.Second}, // 120s+1s-62s
		}},
		{"margin: full window holds until boundary plus margin", w10m, []step{
			{op: "reserve", at: 30 * time.Second, cost: weight(10)},
			{op: "reserve", at: 59*time.Second + 800*time.Millisecond, cost: weight(1), wait: 1200 * time.Millisecond},
			{op: "reserve", at: 60*time.Second + 500*time.Millisecond, cost: weight(1), wait: 500 * time.Millisecond},
			{op: "reserve", at: 61 * time.Second, cost: weight(10)},
		}},
		{"reconcile raises and never lowers", w100, []step{
			{op: "reserve", at: time.Second, cost: weight(5)},
			{op: "reconcile", at: 2 * time.Second, cost: weight(1), limit: w100[0], n: 30},
			{op: "used", at: 2 * time.Second, used: []int{30}},
			{op: "reconcile", at: 3 * time.Second, cost: weight(1), limit: w100[0], n: 10},
			{op: "used", at: 3 * time.Second, used: []int{30}},
			{op: "reserve", at: 4 * time.Second, cost: weight(70)},
			{op: "reserve", at: 4 * time.Second, cost: weight(1), wait: 56 * time.Second},
			{op: "reconcile", at: 61 * time.Second, cost: weight(1), limit: w100[0], n: 99},
			{op: "reserve", at: 62 * time.Second, cost: weight(2), wait: 58 * time.Second},
			{op: "reserve", at: 62 * time.Second, cost: weight(1)},
		}},
		{"429 block extends only", w100, []step{
			{op: "block", at: 0, until: 30 * time.Second},
			{op: "reserve", at: time.Second, cost: weight(1), blocked: 30 * time.Second},
			{op: "block", at: time.Second, until: 10 * time.Second},
			{op: "blocked", at: time.Second, blocked: 30 * time.Second},
			{op: "reserve", at: 29 * time.Second, cost: weight(1), blocked: 30 * time.Second},
			{op: "used", at: 29 * time.Second, used: []int{0}},
			{op: "reserve", at: 30 * time.Second, cost: weight(1)},
			{op: "blocked", at: 30 * time.Second},
		}},
		{"418 ban extends only and outranks a 429", w100, []step{
			{op: "block", at: 0, until: 30 * time.Second},
			{op: "ban", at: 0, until: 20 * time.Second},
			{op: "blocked", at: time.Second, blocked: 30 * time.Second, banned: true},
			{op: "blocked", at: 25 * time.Second, blocked: 30 * time.Second},
			{op: "ban", at: 31 * time.Second, until: 100 * time.Second},
			{op: "ban", at: 31 * time.Second, until: 50 * time.Second},
			{op: "blocked", at: 60 * time.Second, blocked: 100 * time.Second, banned: true},
			{op: "reserve", at: 99 * time.Second, cost: weight(1), blocked: 100 * time.Second},
			{op: "reserve", at: 100 * time.Second, cost: weight(1)},
		}},
		{"a block holds with no limits at all", nil, []step{
			{op: "reserve", at: 0, cost: weight(1)},
			{op: "ban", at: 0, until: time.Minute},
			{op: "reserve", at: time.Second, cost: weight(1), blocked: time.Minute},
		}},
		{"orders are per account", []Limit{{Kind: KindOrders, Interval: 10 * time.Second, Max: 1}}, []step{
			{op: "reserve", at: 0, cost: order("A")},
			{op: "reserve", at: 0, cost: order("A"), wait: 10 * time.Second},
			{op: "reserve", at: 0, cost: order("B")},
			{op: "reserve", at: 0, cost: func() Cost { c := order("A"); c.Host = "https://api1.example.com"; return c }()},
		}},
		{"sapi budgets are per endpoint, UID ones per account", []Limit{
			{Kind: KindSAPIIP, Interval: time.Minute, Max: 10},
			{Kind: KindSAPIUID, Interval: time.Minute, Max: 100},
		}, []step{
			{op: "reserve", at: 0, cost: sapi("/sapi/x", 10, KindSAPIIP, "")},
			{op: "reserve", at: 0, cost: sapi("/sapi/x", 1, KindSAPIIP, ""), wait: time.Minute},
			{op: "reserve", at: 0, cost: sapi("/sapi/y", 10, KindSAPIIP, "")},
			{op: "reserve", at: 0, cost: sapi("/sapi/w", 100, KindSAPIUID, "A")},
			{op: "reserve", at: 0, cost: sapi("/sapi/w", 1, KindSAPIUID, "A"), wait: time.Minute},
			{op: "reserve", at: 0, cost: sapi("/sapi/w", 100, KindSAPIUID, "B")},
			{op: "used", at: 0, cost: sapi("/sapi/w", 1, KindSAPIUID, "A"), used: []int{0, 100}},
		}},
		{"raw requests count requests, not weight", []Limit{{Kind: KindRawRequests, Interval: 5 * time.Minute, Max: 2}}, []step{
			{op: "reserve", at: 0, cost: weight(50)},
			{op: "reserve", at: time.Minute, cost: weight(0)},
			{op: "reserve", at: 2 * time.Minute, cost: weight(1), wait: 3 * time.Minute},
		}},
		{"bad input", w10, []step{
			{op: "reserve", cost: weight(11), errIs: ErrOverLimit},
			{op: "reserve", cost: Cost{Family: "api", Weight: 1}, errIs: errBadCost},
			{op: "reserve", cost: Cost{Host: host, Family: "api", Weight: -1}, errIs: errBadCost},
			{op: "used", used: []int{0}}, // nothing was charged
		}},
		{"bad limit", []Limit{{Kind: KindRequestWeight, Max: 10}}, []step{
			{op: "reserve", cost: weight(1), errIs: errBadLimit},
		}},
	}
}

// runBackendCases runs every case against a fresh backend from newBackend.
func runBackendCases(t *testing.T, newBackend func(t *testing.T) Backend) {
	for _, tc := range backendCases() {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t)
			ctx := context.Background()
			for i, s := range tc.steps {
				where := fmt.Sprintf("step %d (%s at %v)", i, s.op, s.at)
				now := at(s.at)
				cost := s.cost
				if cost.Host == "" && s.op == "used" {
					cost = weight(1)
				}
				switch s.op {
				case "reserve":
					wait, until, err := b.Reserve(ctx, cost, tc.limits, now)
					if s.errIs != nil {
						if !errors.Is(err, s.errIs) {
							t.Fatalf("%s: err = %v; want %v", where, err, s.errIs)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: %v", where, err)
					}
					if wait != s.wait {
						t.Errorf("%s: wait = %v; want %v", where, wait, s.wait)
					}
					if want := blockEnd(s.blocked); !until.Equal(want) {
						t.Errorf("%s: blockedUntil = %v; want %v", where, until, want)
					}
				case "reconcile":
					if err := b.Reconcile(ctx, cost, s.limit, s.n, now); err != nil {
						t.Fatalf("%s: %v", where, err)
					}
				case "block", "ban":
					if err := b.Block(ctx, host, at(s.until), s.op == "ban"); err != nil {
						t.Fatalf("%s: %v", where, err)
					}
				case "blocked":
					until, banned, err := b.Blocked(ctx, host, now)
					if err != nil {
						t.Fatalf("%s: %v", where, err)
					}
					if want := blockEnd(s.blocked); !until.Equal(want) || banned != s.banned {
						t.Errorf("%s: Blocked = %v, %v; want %v, %v", where, until, banned, want, s.banned)
					}
				case "used":
					used, err := b.Used(ctx, cost, tc.limits, now)
					if err != nil {
						t.Fatalf("%s: %v", where, err)
					}
					if fmt.Sprint(used) != fmt.Sprint(s.used) {
						t.Errorf("%s: Used = %v; want %v", where, used, s.used)
					}
				default:
					t.Fatalf("%s: unknown op", where)
				}
			}
		})
	}
}

func blockEnd(d time.Duration) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return at(d)
}

func TestBackends(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		runBackendCases(t, func(*testing.T) Backend { return NewMemory() })
	})
	t.Run("Redis", func(t *testing.T) {
		srv := startRedis(t)
		client := srv.Client(t)
		n := 0
		runBackendCases(t, func(t *testing.T) Backend {
			n++ // a fresh key space per case
			return NewRedis(client, RedisOptions{Prefix: fmt.Sprintf("test%d", n), Logger: quiet()})
		})
	})
}

package ratelimit

import (
	"context"
	"testing"
	"time"
)

// benchLimits are the spot limits with room for any benchmark length, so
// that every reservation is admitted and the cost measured is the governor's.
func benchLimits() []Limit {
	ls := spotLimits()
	for i := range ls {
		ls[i].Max = 1 << 40
		ls[i].Margin = DefaultMargin
	}
	return ls
}

func BenchmarkReserveMemory(b *testing.B) {
	m := NewMemory()
	ls := benchLimits()
	c := order("acct")
	ctx := context.Background()
	now := at(33 * time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.Reserve(ctx, c, ls, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReserveRedis(b *testing.B) {
	srv := startRedis(b)
	r := NewRedis(srv.Client(b), RedisOptions{Prefix: "bench", Logger: quiet()})
	ls := benchLimits()
	c := order("acct")
	ctx := context.Background()
	now := at(33 * time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := r.Reserve(ctx, c, ls, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGovernorWaitMemory is the whole per-request cost a client pays
// before sending (no waiting).
func BenchmarkGovernorWaitMemory(b *testing.B) {
	g := NewGovernor(NewMemory(), Options{Headers: testHeaders, Logger: quiet(), Limits: map[string][]Limit{"api": benchLimits()}})
	c := g.Cost(host, "POST", "/api/v3/order", nil)
	c.Scope = "acct"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := g.Wait(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

package emulator

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiterForgetsIdleAddresses: addresses that come and go leave no
// state behind: the per-IP maps stay bounded over time, while an address
// under a ban is remembered.
func TestLimiterForgetsIdleAddresses(t *testing.T) {
	lim := DefaultLimits()
	lim.RequestWeightPerMinute = 10
	l := newLimiter(lim)
	t0 := time.Date(2026, 3, 4, 12, 0, 30, 0, time.UTC)
	// One address earns a ban: a 429, then a request during Retry-After.
	l.admit(groupSpot, "192.0.2.1", 11, t0)
	if a := l.admit(groupSpot, "192.0.2.1", 1, t0); a.kind != limit418 {
		t.Fatalf("no ban: %+v", a)
	}
	const perMinute = 2000
	for minute := 0; minute < 10; minute++ {
		now := t0.Add(time.Duration(minute) * time.Minute)
		for i := 0; i < perMinute; i++ {
			ip := fmt.Sprintf("10.%d.%d.%d", minute, i/256, i%256)
			l.admit(groupSpot, ip, 1, now)
			l.admit(groupFutures, ip, 1, now)
			l.admitSAPI(ip, "acct", "GET /sapi/v1/x", 1, 1, now)
		}
		// Spot remembers an address for its 5-minute raw-request window,
		// futures for its minute.
		for g, minutes := range map[group]int{groupSpot: 6, groupFutures: 2} {
			if n := len(l.ips[g]); n > minutes*perMinute+1 {
				t.Fatalf("minute %d: %s tracks %d addresses, want at most %d", minute, g, n, minutes*perMinute+1)
			}
		}
		if n := len(l.sapi); n > 2*perMinute+2 {
			t.Fatalf("minute %d: %d /sapi windows, want at most %d", minute, n, 2*perMinute+2)
		}
	}
	if st := l.ips[groupSpot]["192.0.2.1"]; st == nil || st.offences != 1 {
		t.Fatalf("the banned address was forgotten: %+v", st)
	}
}

// TestLimiterCapsAFlood: more addresses within one minute than the cap
// still leave the map bounded.
func TestLimiterCapsAFlood(t *testing.T) {
	l := newLimiter(DefaultLimits())
	now := time.Date(2026, 3, 4, 12, 0, 30, 0, time.UTC)
	for i := 0; i < maxTrackedIPs+5000; i++ {
		l.admit(groupSpot, fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255), 1, now)
	}
	if n := len(l.ips[groupSpot]); n > maxTrackedIPs {
		t.Fatalf("%d addresses tracked, want at most %d", n, maxTrackedIPs)
	}
}

// TestLimiterSweepKeepsLaterWindows: a sweep run with a clock reading older
// than a request's (the two raced for the lock) keeps that request's count.
func TestLimiterSweepKeepsLaterWindows(t *testing.T) {
	l := newLimiter(DefaultLimits())
	later := time.Date(2026, 3, 4, 12, 1, 0, 200e6, time.UTC)
	l.admit(groupSpot, "192.0.2.1", 5, later)
	l.admit(groupSpot, "192.0.2.2", 1, later.Add(-time.Second)) // sweeps: its clock is behind the last sweep
	if got := l.usedWeight(groupSpot, "192.0.2.1", later); got != 5 {
		t.Fatalf("weight after the sweep = %d, want 5", got)
	}
}

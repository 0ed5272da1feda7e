package clock

import (
	"context"
	"errors"
	"fmt"
	"github.com/mbxkit/mbx/internal/testenv"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// leg is one scripted round trip: the request takes up to reach the server, which then
// reads its clock, and the answer takes down to come back.
type leg struct{ up, down time.Duration }

func sym(rtt time.Duration) leg { return leg{up: rtt / 2, down: rtt - rtt/2} }

// world is a virtual real time shared by a fake local clock (Now) and a fake exchange
// (ServerTime) whose clock is skew ahead of the local one. Nothing in it sleeps: time moves
// only when a scripted round trip happens or a test calls advance.
type world struct {
	mu    sync.Mutex
	real  time.Time
	skew  time.Duration
	legs  []leg                // cycled, one per ServerTime call
	fail  func(call int) error // optional; call counts from 0
	calls int
}

func newWorld(start time.Time, skew time.Duration, legs ...leg) *world {
	return &world{real: start, skew: skew, legs: legs}
}

func (w *world) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.real
}

func (w *world) ServerTime(ctx context.Context) (time.Time, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	call := w.calls
	w.calls++
	l := w.legs[call%len(w.legs)]
	w.real = w.real.Add(l.up)
	// The server answers whole milliseconds, truncated.
	st := time.UnixMilli(w.real.Add(w.skew).UnixMilli())
	w.real = w.real.Add(l.down)
	if w.fail != nil {
		if err := w.fail(call); err != nil {
			return time.Time{}, err
		}
	}
	return st, nil
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.real = w.real.Add(d)
}

// serverNow is the exchange's true clock, which the Clock under test never sees directly.
func (w *world) serverNow() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.real.Add(w.skew)
}

func (w *world) callCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls
}

// constErr lets test errors be constants, so errors.Is has something fixed to match.
type constErr string

func (e constErr) Error() string { return string(e) }

const errDown = constErr("exchange unreachable")

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// startTime has a sub-millisecond part so that the server's truncation to milliseconds matters.
func startTime() time.Time { return time.Unix(1_700_000_000, 123_456_789) }

func TestSyncChoosesTheFastestSample(t *testing.T) {
	const skew = 3 * time.Second
	// Every leg is all "up": the server reads its clock just before answering, so each
	// sample's midpoint guess is off by rtt/2 in its own way, and the offset reveals which
	// sample was kept.
	up := func(ms ...int) []leg {
		var ls []leg
		for _, m := range ms {
			ls = append(ls, leg{up: time.Duration(m) * time.Millisecond})
		}
		return ls
	}
	tests := []struct {
		name    string
		legs    []leg
		fail    func(int) error
		wantRTT time.Duration
		wantN   int
	}{
		{"fastest in the middle", up(50, 10, 80, 30, 20), nil, 10 * time.Millisecond, 5},
		{"fastest first", up(7, 10, 80, 30, 20), nil, 7 * time.Millisecond, 5},
		{"fastest last", up(50, 10, 80, 30, 2), nil, 2 * time.Millisecond, 5},
		{"ties keep the first", up(40, 9, 9, 40, 40), nil, 9 * time.Millisecond, 5},
		{
			"fastest sample failed", up(50, 1, 80, 30, 20),
			func(call int) error {
				if call == 1 {
					return errDown
				}
				return nil
			},
			20 * time.Millisecond, 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(startTime(), skew, tt.legs...)
			w.fail = tt.fail
			c := New(w, Options{Now: w.Now})
			e, err := c.Sync(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if e.RTT != tt.wantRTT || e.Samples != tt.wantN || !e.Synced {
				t.Fatalf("estimate %+v, want RTT %v from %d samples", e, tt.wantRTT, tt.wantN)
			}
			if want := tt.wantRTT/2 + time.Millisecond; e.Bound != want {
				t.Errorf("Bound = %v, want %v", e.Bound, want)
			}
			if err := abs(e.Offset - skew); err > e.Bound {
				t.Errorf("offset %v is %v from the truth %v, beyond the bound %v", e.Offset, err, skew, e.Bound)
			}
			if got := c.Estimate(); got != e {
				t.Errorf("Estimate() = %+v, want what Sync returned %+v", got, e)
			}
			if w.callCount() != DefaultSamples {
				t.Errorf("%d ServerTime calls, want %d", w.callCount(), DefaultSamples)
			}
		})
	}
}

// TestSyncOffsetIdentifiesSample checks the offset comes from the fastest sample by giving
// each sample a different, exactly predictable error.
func TestSyncOffsetIdentifiesSample(t *testing.T) {
	const skew = -3 * time.Second
	begin := time.UnixMilli(1_700_000_000_000) // whole ms, so no truncation blurs the numbers
	legs := []leg{{up: 40 * time.Millisecond}, {up: 6 * time.Millisecond}, {up: 30 * time.Millisecond}}
	w := newWorld(begin, skew, legs...)
	c := New(w, Options{Now: w.Now, Samples: 3})
	e, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Sample 2 starts at begin+40ms; the server reads at +6ms, the midpoint guess is +3ms,
	// so the estimate is 3ms above the truth. Any other sample would be 15ms or 20ms above.
	if want := skew + 3*time.Millisecond; e.Offset != want {
		t.Fatalf("Offset = %v, want %v (the 6ms sample's)", e.Offset, want)
	}
}

func TestSyncOffsetWithinBound(t *testing.T) {
	for _, skew := range []time.Duration{3 * time.Second, -3 * time.Second, 0, 1234567 * time.Microsecond} {
		for _, l := range []leg{
			sym(0), sym(1 * time.Millisecond), sym(4 * time.Millisecond), sym(250 * time.Millisecond),
			{up: 300 * time.Millisecond}, {down: 300 * time.Millisecond},
			{up: 1, down: 2 * time.Second}, {up: 2 * time.Second, down: 1},
		} {
			for _, frac := range []time.Duration{0, 500 * time.Microsecond, time.Millisecond - 1} {
				name := fmt.Sprintf("skew %v up %v down %v frac %v", skew, l.up, l.down, frac)
				w := newWorld(time.UnixMilli(1_700_000_000_000).Add(frac), skew, l)
				c := New(w, Options{Now: w.Now})
				e, err := c.Sync(context.Background())
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if d := abs(e.Offset - skew); d > e.Bound {
					t.Errorf("%s: offset %v is %v from the truth, beyond its bound %v", name, e.Offset, d, e.Bound)
				}
			}
		}
	}
}

// TestNowIsNeverAheadAndHeadroomHolds is the point of the package: for any round-trip time
// and any position of the server's read within it, a timestamp is accepted by the ahead rule
// with at least Headroom.Ahead to spare, and it lags the server (at arrival, one-way latency
// RTT/2 later) by no more than recvWindow - Headroom.RecvWindow.
func TestNowIsNeverAheadAndHeadroomHolds(t *testing.T) {
	const recvWindow = 5 * time.Second
	rtts := []time.Duration{0, 1, time.Millisecond, 1700 * time.Microsecond, 3 * time.Millisecond,
		99 * time.Millisecond, 999 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second}
	for _, rtt := range rtts {
		t.Run(rtt.String(), func(t *testing.T) {
			// The smallest gap between the lag Headroom allows and the lag seen shows the
			// formula is not just safe but close to the worst case.
			minSlack := time.Duration(1<<63 - 1)
			for _, skew := range []time.Duration{3 * time.Second, -3 * time.Second, 0} {
				for _, upShare := range []float64{0, 0.5, 1} {
					for _, frac := range []time.Duration{0, 500 * time.Microsecond, time.Millisecond - 1} {
						for _, margin := range []time.Duration{0, 100 * time.Millisecond} {
							for _, later := range []time.Duration{0, 1234567} {
								up := time.Duration(float64(rtt) * upShare)
								l := leg{up: up, down: rtt - up}
								name := fmt.Sprintf("skew %v up %v down %v frac %v margin %v later %v",
									skew, l.up, l.down, frac, margin, later)
								w := newWorld(time.UnixMilli(1_700_000_000_000).Add(frac), skew, l)
								c := New(w, Options{Now: w.Now, Margin: margin})
								if _, err := c.Sync(context.Background()); err != nil {
									t.Fatalf("%s: %v", name, err)
								}
								w.advance(later)
								h := c.Headroom(recvWindow)
								ts := c.Timestamp()
								serverAtSigning := w.serverNow().UnixMilli()
								if ts >= serverAtSigning+1000 {
									t.Fatalf("%s: timestamp %d >= server time %d + 1000", name, ts, serverAtSigning)
								}
								if spare := time.Duration(serverAtSigning+1000-ts) * time.Millisecond; spare < h.Ahead {
									t.Errorf("%s: %v to spare against the ahead rule, Headroom claims %v", name, spare, h.Ahead)
								}
								w.advance(rtt / 2) // the request travels to the exchange
								lag := time.Duration(w.serverNow().UnixMilli()-ts) * time.Millisecond
								if lag > recvWindow-h.RecvWindow {
									t.Errorf("%s: timestamp lags the server by %v at arrival, Headroom.RecvWindow %v allows only %v",
										name, lag, h.RecvWindow, recvWindow-h.RecvWindow)
								}
								minSlack = min(minSlack, recvWindow-h.RecvWindow-lag)
								if h.RecvWindow >= 0 && lag > recvWindow {
									t.Errorf("%s: rejected as outside recvWindow (lag %v) although headroom is %v", name, lag, h.RecvWindow)
								}
							}
						}
					}
				}
			}
			if minSlack > 2*time.Millisecond {
				t.Errorf("Headroom.RecvWindow is at least %v more pessimistic than the worst case seen", minSlack)
			}
		})
	}
}

func TestHeadroomFormula(t *testing.T) {
	tests := []struct {
		rtt, margin, recvWindow time.Duration
		want                    Headroom
	}{
		// recvWindow - RTT/2 - 2·(RTT/2 + 1ms) - Margin - 1ms
		{100 * time.Millisecond, 0, 5 * time.Second, Headroom{Ahead: time.Second, RecvWindow: 4847 * time.Millisecond}},
		{100 * time.Millisecond, 200 * time.Millisecond, 5 * time.Second, Headroom{Ahead: 1200 * time.Millisecond, RecvWindow: 4647 * time.Millisecond}},
		{0, 0, 5 * time.Second, Headroom{Ahead: time.Second, RecvWindow: 4997 * time.Millisecond}},
		{4 * time.Second, 0, 5 * time.Second, Headroom{Ahead: time.Second, RecvWindow: -1003 * time.Millisecond}},
		{4 * time.Second, 0, 60 * time.Second, Headroom{Ahead: time.Second, RecvWindow: 53997 * time.Millisecond}},
		{10 * time.Millisecond, -1500 * time.Millisecond, 5 * time.Second, Headroom{Ahead: -500 * time.Millisecond, RecvWindow: 6482 * time.Millisecond}},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("rtt %v margin %v recvWindow %v", tt.rtt, tt.margin, tt.recvWindow)
		w := newWorld(startTime(), time.Second, sym(tt.rtt))
		c := New(w, Options{Now: w.Now, Margin: tt.margin})
		if got := c.Headroom(tt.recvWindow); got != (Headroom{}) {
			t.Errorf("%s: before sync Headroom = %+v, want zero (nothing guaranteed)", name, got)
		}
		if _, err := c.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := c.Headroom(tt.recvWindow); got != tt.want {
			t.Errorf("%s: Headroom = %+v, want %+v", name, got, tt.want)
		}
	}
}

func TestNowBeforeSyncIsLocalTimeMinusMargin(t *testing.T) {
	w := newWorld(startTime(), 3*time.Second, sym(time.Millisecond))
	for _, margin := range []time.Duration{0, 250 * time.Millisecond} {
		c := New(w, Options{Now: w.Now, Margin: margin})
		if got, want := c.Now(), startTime().Add(-margin); !got.Equal(want) {
			t.Errorf("margin %v: Now() = %v, want %v", margin, got, want)
		}
		if got, want := c.Timestamp(), startTime().Add(-margin).UnixMilli(); got != want {
			t.Errorf("margin %v: Timestamp() = %d, want %d", margin, got, want)
		}
		if got, want := c.TimestampMicro(), startTime().Add(-margin).UnixMicro(); got != want {
			t.Errorf("margin %v: TimestampMicro() = %d, want %d", margin, got, want)
		}
		if e := c.Estimate(); e.Synced || e != (Estimate{}) {
			t.Errorf("margin %v: Estimate() before sync = %+v, want the zero Estimate", margin, e)
		}
	}
}

func TestNowAfterSync(t *testing.T) {
	w := newWorld(time.UnixMilli(1_700_000_000_000), 3*time.Second, sym(10*time.Millisecond))
	c := New(w, Options{Now: w.Now, Margin: 50 * time.Millisecond})
	e, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	local := w.Now()
	want := local.Add(e.Offset - e.Bound - 50*time.Millisecond)
	if got := c.Now(); !got.Equal(want) {
		t.Fatalf("Now() = %v, want local + offset - bound - margin = %v", got, want)
	}
	if got := c.TimestampMicro(); got != want.UnixMicro() {
		t.Errorf("TimestampMicro() = %d, want %d", got, want.UnixMicro())
	}
}

func TestSyncFailures(t *testing.T) {
	w := newWorld(startTime(), 3*time.Second, sym(4*time.Millisecond))
	c := New(w, Options{Now: w.Now})
	first, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w.fail = func(int) error { return errDown }
	w.skew = -10 * time.Second
	got, err := c.Sync(context.Background())
	if !errors.Is(err, errDown) {
		t.Fatalf("Sync with every sample failing: err = %v, want it to wrap %v", err, errDown)
	}
	if !strings.Contains(err.Error(), "all 5 samples failed") {
		t.Errorf("error %q does not say how many samples failed", err)
	}
	if got != first || c.Estimate() != first {
		t.Errorf("after a failed Sync the estimate changed: returned %+v, Estimate() %+v, want %+v", got, c.Estimate(), first)
	}

	t.Run("cancelled before the first sample", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New(w, Options{Now: w.Now}).Sync(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled after failures", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		w := newWorld(startTime(), 0, sym(time.Millisecond))
		w.fail = func(call int) error {
			if call == 1 {
				cancel()
			}
			return errDown
		}
		_, err := New(w, Options{Now: w.Now}).Sync(ctx)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errDown) {
			t.Fatalf("err = %v, want it to wrap both context.Canceled and the sample failure", err)
		}
		if w.callCount() != 2 {
			t.Errorf("%d samples taken after cancellation, want 2", w.callCount())
		}
	})
	t.Run("no source", func(t *testing.T) {
		_, err := New(nil, Options{}).Sync(context.Background())
		if err == nil || !strings.Contains(err.Error(), "clock.New") {
			t.Fatalf("err = %v, want one that says to pass a Source to clock.New", err)
		}
	})
	t.Run("zero time from source", func(t *testing.T) {
		src := SourceFunc(func(context.Context) (time.Time, error) { return time.Time{}, nil })
		_, err := New(src, Options{}).Sync(context.Background())
		if err == nil || !strings.Contains(err.Error(), "zero time") {
			t.Fatalf("err = %v, want one about the zero time", err)
		}
	})
	t.Run("local clock going backwards", func(t *testing.T) {
		w := newWorld(startTime(), 0, leg{up: -5 * time.Millisecond})
		_, err := New(w, Options{Now: w.Now}).Sync(context.Background())
		if err == nil || !strings.Contains(err.Error(), "went back") {
			t.Fatalf("err = %v, want one about the local clock going backwards", err)
		}
	})
}

func TestNeedsSync(t *testing.T) {
	tests := []struct {
		name  string
		every time.Duration
		sync  bool
		after time.Duration
		want  bool
		until time.Duration // how long Run waits before its first sync
	}{
		{"never synced", time.Minute, false, 0, true, 0},
		{"never synced, resync disabled", -1, false, 0, true, 0},
		{"fresh", time.Minute, true, 0, false, time.Minute},
		{"just younger than the period", time.Minute, true, time.Minute - 1, false, 1},
		{"as old as the period", time.Minute, true, time.Minute, true, 0},
		{"older than the period", time.Minute, true, time.Hour, true, 0},
		{"default period", 0, true, DefaultResyncEvery, true, 0},
		{"default period, young", 0, true, DefaultResyncEvery - time.Second, false, time.Second},
		{"resync disabled, a year old", -1, true, 365 * 24 * time.Hour, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(startTime(), time.Second, sym(time.Millisecond))
			c := New(w, Options{Now: w.Now, ResyncEvery: tt.every})
			if tt.sync {
				if _, err := c.Sync(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			w.advance(tt.after)
			if got := c.NeedsSync(); got != tt.want {
				t.Errorf("NeedsSync() = %v, want %v", got, tt.want)
			}
			if got := c.untilStale(); got != tt.until {
				t.Errorf("untilStale() = %v, want %v", got, tt.until)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	s := time.Second
	tests := []struct {
		limit time.Duration
		want  []time.Duration
	}{
		{DefaultResyncEvery, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 512 * s, 600 * s, 600 * s}},
		{5 * s, []time.Duration{s, 2 * s, 4 * s, 5 * s, 5 * s}},
		{time.Millisecond, []time.Duration{time.Millisecond, time.Millisecond}},
	}
	for _, tt := range tests {
		b := newBackoff(tt.limit)
		for i, want := range tt.want {
			if got := b.wait(); got != want {
				t.Errorf("limit %v: wait %d = %v, want %v", tt.limit, i, got, want)
			}
		}
		b.reset()
		if got, want := b.wait(), min(s, tt.limit); got != want {
			t.Errorf("limit %v: after reset wait = %v, want %v", tt.limit, got, want)
		}
	}
}

func TestEstimateString(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	tests := []struct {
		e    Estimate
		now  time.Time
		want string
	}{
		{Estimate{}, at, "not synced"},
		{Estimate{Offset: 3004 * time.Millisecond, Bound: 3 * time.Millisecond, RTT: 4 * time.Millisecond, SyncedAt: at, Samples: 5, Synced: true},
			at.Add(2 * time.Second), "offset +3.004s ± 3ms (rtt 4ms, 5 samples, synced 2s ago)"},
		{Estimate{Offset: -2999700 * time.Microsecond, Bound: 1075 * time.Microsecond, RTT: 150 * time.Microsecond, SyncedAt: at, Samples: 1, Synced: true},
			at.Add(-time.Second), "offset -3s ± 2ms (rtt 150µs, 1 sample, synced 0s ago)"},
		{Estimate{Offset: 400 * time.Microsecond, Bound: time.Millisecond, RTT: 1499 * time.Microsecond, SyncedAt: at, Samples: 3, Synced: true},
			at.Add(90 * time.Second), "offset +400µs ± 1ms (rtt 1ms, 3 samples, synced 1m30s ago)"},
	}
	for _, tt := range tests {
		if got := tt.e.StringAt(tt.now); got != tt.want {
			t.Errorf("StringAt = %q, want %q", got, tt.want)
		}
	}
	e := Estimate{Offset: time.Second, Bound: time.Millisecond, SyncedAt: time.Now(), Samples: 5, Synced: true}
	if got := e.String(); !strings.HasSuffix(got, "synced 0s ago)") {
		t.Errorf("String() = %q, want it to measure the age against time.Now", got)
	}
}

// gate is a Source whose first call blocks until released, so a test can gather callers
// around one in-flight resync.
type gate struct {
	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) ServerTime(ctx context.Context) (time.Time, error) {
	if g.calls.Add(1) == 1 {
		close(g.entered)
		select {
		case <-g.release:
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	return time.Now().Add(3 * time.Second), nil
}

// waitForWaiters spins until n callers have joined the resync in flight. It yields rather
// than sleeps: the outcome does not depend on timing, only on the callers getting there.
// gaveUp reports a caller that returned instead of joining, which would otherwise leave
// the test spinning forever.
func waitForWaiters(t *testing.T, c *Clock, n int, gaveUp func() bool) {
	t.Helper()
	for {
		c.flightMu.Lock()
		got := -1
		if c.flight != nil {
			got = c.flight.waiters
		}
		c.flightMu.Unlock()
		if got >= n {
			return
		}
		if gaveUp() {
			t.Fatalf("a caller returned while the first resync was still blocked; %d joined it, want %d", max(got, 0), n)
		}
		runtime.Gosched()
	}
}

func TestOnTimestampErrorSharesOneSync(t *testing.T) {
	const callers = 8
	g := newGate()
	c := New(g, Options{})
	var (
		wg   sync.WaitGroup
		ests [callers]Estimate
		errs [callers]error
	)
	var returned atomic.Int32
	for i := range callers {
		wg.Go(func() {
			ests[i], errs[i] = c.OnTimestampError(context.Background())
			returned.Add(1)
		})
	}
	<-g.entered
	waitForWaiters(t, c, callers-1, func() bool { return returned.Load() > 0 })
	close(g.release)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if ests[i] != ests[0] || !ests[i].Synced {
			t.Errorf("caller %d got %+v, caller 0 got %+v; want one shared estimate", i, ests[i], ests[0])
		}
	}
	if n := g.calls.Load(); n != DefaultSamples {
		t.Fatalf("%d callers made %d ServerTime calls, want one Sync round of %d", callers, n, DefaultSamples)
	}
	// Once it is over, the next -1021 deserves a fresh measurement.
	if _, err := c.OnTimestampError(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := g.calls.Load(); n != 2*DefaultSamples {
		t.Fatalf("after the shared resync, another call made %d calls in total, want %d", n, 2*DefaultSamples)
	}
}

func TestOnTimestampErrorCancellation(t *testing.T) {
	t.Run("leader gives up, follower resyncs", func(t *testing.T) {
		g := newGate()
		c := New(g, Options{})
		leaderCtx, cancelLeader := context.WithCancel(context.Background())
		leaderErr := make(chan error, 1)
		go func() {
			_, err := c.OnTimestampError(leaderCtx)
			leaderErr <- err
		}()
		<-g.entered
		followerDone := make(chan error, 1)
		var followerEst Estimate
		go func() {
			var err error
			followerEst, err = c.OnTimestampError(context.Background())
			followerDone <- err
		}()
		waitForWaiters(t, c, 1, func() bool { return len(followerDone) > 0 })
		cancelLeader()
		if err := <-leaderErr; !errors.Is(err, context.Canceled) {
			t.Fatalf("leader: err = %v, want context.Canceled", err)
		}
		if err := <-followerDone; err != nil {
			t.Fatalf("follower inherited the leader's cancellation: %v", err)
		}
		if !followerEst.Synced || !c.Estimate().Synced {
			t.Fatalf("follower estimate %+v, want a synced one", followerEst)
		}
	})
	t.Run("follower gives up, leader finishes", func(t *testing.T) {
		g := newGate()
		c := New(g, Options{})
		leaderErr := make(chan error, 1)
		go func() {
			_, err := c.OnTimestampError(context.Background())
			leaderErr <- err
		}()
		<-g.entered
		ctx, cancel := context.WithCancel(context.Background())
		followerDone := make(chan error, 1)
		go func() {
			_, err := c.OnTimestampError(ctx)
			followerDone <- err
		}()
		waitForWaiters(t, c, 1, func() bool { return len(followerDone) > 0 })
		cancel()
		if err := <-followerDone; !errors.Is(err, context.Canceled) {
			t.Fatalf("follower: err = %v, want context.Canceled", err)
		}
		close(g.release)
		if err := <-leaderErr; err != nil {
			t.Fatalf("leader: %v", err)
		}
	})
}

// countingSource answers with the real time 3s ahead and calls onCall after each answer.
type countingSource struct {
	calls  atomic.Int32
	onCall func(call int32) error
}

func (s *countingSource) ServerTime(ctx context.Context) (time.Time, error) {
	n := s.calls.Add(1)
	if s.onCall != nil {
		if err := s.onCall(n); err != nil {
			return time.Time{}, err
		}
	}
	return time.Now().Add(3 * time.Second), nil
}

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		every      time.Duration
		failRounds int32 // rounds (of DefaultSamples calls) that fail before success
		stopAfter  int32 // rounds after which the source cancels Run's ctx
		wantWarns  int
	}{
		{"resyncs until cancelled", time.Millisecond, 0, 3, 0},
		{"retries after failures and warns", time.Millisecond, 2, 4, 2},
		{"periodic resync disabled: only the first sync", -1, 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &countingSource{onCall: func(n int32) error {
				if n == tt.stopAfter*DefaultSamples {
					cancel()
				}
				if n <= tt.failRounds*DefaultSamples {
					return errDown
				}
				return nil
			}}
			var logs testenv.SyncBuffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			c := New(src, Options{ResyncEvery: tt.every, Logger: log})
			if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run returned %v, want context.Canceled", err)
			}
			if got, want := src.calls.Load(), tt.stopAfter*DefaultSamples; got != want {
				t.Errorf("%d ServerTime calls, want %d (%d rounds)", got, want, tt.stopAfter)
			}
			if !c.Estimate().Synced {
				t.Error("Run ended without a synced estimate")
			}
			out := logs.String()
			if got := strings.Count(out, "level=WARN"); got != tt.wantWarns {
				t.Errorf("%d warnings, want %d; log:\n%s", got, tt.wantWarns, out)
			}
			if tt.wantWarns > 0 && !strings.Contains(out, errDown.Error()) {
				t.Errorf("warnings do not name the failure %q; log:\n%s", errDown, out)
			}
		})
	}
	t.Run("does not sync at start when the estimate is fresh", func(t *testing.T) {
		src := &countingSource{}
		c := New(src, Options{ResyncEvery: time.Hour})
		if _, err := c.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
		if n := src.calls.Load(); n != DefaultSamples {
			t.Errorf("%d calls, want only the %d of the explicit Sync", n, DefaultSamples)
		}
	})
}

// TestConcurrentUse runs readers against Syncs and resyncs; under -race it proves the
// estimate is published safely, and the Bound check catches a torn read.
func TestConcurrentUse(t *testing.T) {
	src := &countingSource{}
	c := New(src, Options{Samples: 2})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				_ = c.Now()
				_ = c.Timestamp()
				_ = c.TimestampMicro()
				_ = c.Headroom(5 * time.Second)
				_ = c.NeedsSync()
				e := c.Estimate()
				if e.Synced && e.Bound != e.RTT/2+time.Millisecond {
					t.Errorf("inconsistent estimate %+v", e)
					return
				}
				_ = e.String()
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 50 {
				if _, err := c.Sync(context.Background()); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.OnTimestampError(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if e := c.Estimate(); !e.Synced || abs(e.Offset-3*time.Second) > e.Bound+time.Millisecond {
		t.Errorf("final estimate %v, want offset 3s within its bound", e)
	}
}

func TestTimestampDoesNotAllocate(t *testing.T) {
	c := New(&countingSource{}, Options{})
	if _, err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = c.Timestamp() }); n != 0 {
		t.Errorf("Timestamp allocates %v times per call, want 0", n)
	}
}

func BenchmarkTimestamp(b *testing.B) {
	c := New(&countingSource{}, Options{})
	if _, err := c.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Timestamp()
	}
}

func BenchmarkTimestampParallel(b *testing.B) {
	c := New(&countingSource{}, Options{})
	if _, err := c.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = c.Timestamp()
		}
	})
}

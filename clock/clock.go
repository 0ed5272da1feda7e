// Package clock keeps an estimate of an exchange's clock so that signed requests carry
// timestamps the exchange accepts.
//
// Exchanges reject a signed request whose timestamp is 1000ms or more ahead of their clock
// ("timestamp >= server time + 1000ms") or older than recvWindow ("server time - timestamp >
// recvWindow"). A host
// clock that runs a second fast, or that drifted since it was last checked, breaks every
// signed call, and raising recvWindow does not help against the first rule. A Clock measures
// the offset to the server with Cristian's algorithm and hands out timestamps shifted back by
// the measurement's error bound: whatever the true offset is within that bound, a timestamp
// is never ahead of the server's clock, so the first rule holds by construction and
// [Clock.Headroom] says how much of recvWindow the second rule leaves.
package clock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when the corresponding [Options] field is zero.
const (
	DefaultSamples     = 5
	DefaultResyncEvery = 10 * time.Minute
)

// aheadLimit is the exchange's tolerance for timestamps in its future: it rejects
// timestamp >= server time + aheadLimit.
const aheadLimit = time.Second

// resolution is the granularity of the server's answer: the server time is whole milliseconds,
// truncated, so the true server time lies up to one resolution after it.
const resolution = time.Millisecond

// firstRetry is the first wait after a failed resync in Run.
const firstRetry = time.Second

// Options configures a [Clock]. The zero value is usable.
type Options struct {
	// Samples is how many round trips one Sync makes; the one with the smallest round-trip
	// time wins because it bounds the offset most tightly (and the first one often pays for
	// a TCP and TLS handshake). Zero or less means DefaultSamples.
	Samples int

	// ResyncEvery is the period of Run's resync and the age after which NeedsSync reports
	// true; local clocks drift, so an offset measured once goes stale. Zero means
	// DefaultResyncEvery; a negative value disables periodic resync.
	ResyncEvery time.Duration

	// Now reads the local clock; nil means time.Now. Tests inject a fake. Round-trip times
	// are computed with Sub on two of its values, so with time.Now they use the monotonic
	// clock and a wall-clock step during a sample cannot distort them. It must be safe for
	// concurrent use.
	Now func() time.Time

	// Margin is extra safety subtracted from every timestamp, before and after the first
	// sync. It adds to Headroom.Ahead and takes from Headroom.RecvWindow; a negative Margin
	// trades the other way and can void the "never ahead" guarantee, which Headroom.Ahead
	// then shows.
	Margin time.Duration

	// Logger receives resync results and failures; nil means no logging.
	Logger *slog.Logger
}

// Estimate is the result of one successful Sync.
type Estimate struct {
	// Offset is server time minus local time; positive means the server is ahead.
	Offset time.Duration
	// Bound is the error bound of Offset: the true offset lies within Offset ± Bound. It is
	// half the round-trip time of the chosen sample plus the server's 1ms resolution.
	Bound time.Duration
	// RTT is the round-trip time of the chosen (fastest) sample.
	RTT time.Duration
	// SyncedAt is the local time (from Options.Now) when the estimate was made.
	SyncedAt time.Time
	// Samples is the number of successful samples the estimate was chosen from.
	Samples int
	// Synced is false for the zero Estimate, returned before the first successful Sync.
	Synced bool
}

// String formats the estimate for people, e.g.
// "offset +3.004s ± 3ms (rtt 4ms, 5 samples, synced 2s ago)", with the age measured
// against time.Now.
func (e Estimate) String() string { return e.StringAt(time.Now()) }

// StringAt is String with the age measured against now, for clocks other than time.Now.
func (e Estimate) StringAt(now time.Time) string {
	if !e.Synced {
		return "not synced"
	}
	sign, off := "+", e.Offset
	if off < 0 {
		sign, off = "-", -off
	}
	age := max(now.Sub(e.SyncedAt), 0).Round(time.Second)
	noun := "samples"
	if e.Samples == 1 {
		noun = "sample"
	}
	return fmt.Sprintf("offset %s%s ± %s (rtt %s, %d %s, synced %s ago)",
		sign, roundNear(off), roundUp(e.Bound), roundNear(e.RTT), e.Samples, noun, age)
}

// LogValue makes an Estimate log as a group of its fields rather than its String, so log
// processors can read the numbers.
func (e Estimate) LogValue() slog.Value {
	if !e.Synced {
		return slog.GroupValue(slog.Bool("synced", false))
	}
	return slog.GroupValue(
		slog.Duration("offset", e.Offset),
		slog.Duration("bound", e.Bound),
		slog.Duration("rtt", e.RTT),
		slog.Int("samples", e.Samples),
		slog.Time("synced_at", e.SyncedAt),
	)
}

// roundNear keeps sub-millisecond durations readable (a loopback RTT of 150µs would
// otherwise print as 0s) and drops noise below a millisecond from larger ones.
func roundNear(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// roundUp rounds a bound up so that what people read never understates the uncertainty.
func roundUp(d time.Duration) time.Duration {
	unit := time.Millisecond
	if d < unit {
		unit = time.Microsecond
	}
	if r := d % unit; r != 0 {
		d += unit - r
	}
	return d
}

// Headroom is the worst-case margin a timestamp from [Clock.Timestamp] has against each of
// the exchange's two timestamp rules, assuming the true offset is within the estimate's
// bound. A negative value means the rule can be broken.
type Headroom struct {
	// Ahead is the margin against "timestamp >= server time + 1000ms". Because timestamps
	// are shifted back by the bound, it is 1s + Margin.
	Ahead time.Duration
	// RecvWindow is the margin against "server time - timestamp > recvWindow": recvWindow
	// minus the worst lag of a timestamp behind the server (2·Bound + Margin), minus the
	// one-way latency estimated as RTT/2, minus 1ms for Timestamp's truncation.
	RecvWindow time.Duration
}

// Clock is an exchange's clock as seen from here. It is safe for concurrent use; Now and
// Timestamp are lock-free and do not allocate.
type Clock struct {
	src     Source
	samples int
	every   time.Duration // negative: periodic resync disabled
	now     func() time.Time
	margin  time.Duration
	log     *slog.Logger

	// snap is nil until the first successful Sync; readers load it without locking so the
	// signing path never waits for a Sync in progress.
	snap atomic.Pointer[snapshot]

	flightMu sync.Mutex
	flight   *flight // the resync in progress, shared by OnTimestampError and Run
}

// snapshot pairs an estimate with the shift Now applies, so readers see both from one
// Sync, never a mix of two.
type snapshot struct {
	est   Estimate
	shift time.Duration // Offset - Bound
}

// flight is one shared resync; waiters counts callers that joined it after it started.
type flight struct {
	done    chan struct{}
	est     Estimate
	err     error
	waiters int
}

// New returns a Clock that asks src for the server's time. Until the first successful
// Sync, it returns local time (minus Options.Margin).
func New(src Source, opt Options) *Clock {
	c := &Clock{
		src:     src,
		samples: opt.Samples,
		every:   opt.ResyncEvery,
		now:     opt.Now,
		margin:  opt.Margin,
		log:     opt.Logger,
	}
	if c.samples <= 0 {
		c.samples = DefaultSamples
	}
	if c.every == 0 {
		c.every = DefaultResyncEvery
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// sample is one round trip: the local time it started, its duration and the server's answer.
type sample struct {
	t0, server time.Time
	rtt        time.Duration
}

func (c *Clock) sample(ctx context.Context) (sample, error) {
	t0 := c.now()
	st, err := c.src.ServerTime(ctx)
	t1 := c.now()
	if err != nil {
		return sample{}, err
	}
	if st.IsZero() {
		return sample{}, errors.New("clock: the Source returned the zero time")
	}
	rtt := t1.Sub(t0)
	if rtt < 0 {
		return sample{}, fmt.Errorf("clock: the local clock went back %v during a sample; Options.Now must not go backwards", -rtt)
	}
	return sample{t0: t0, server: st, rtt: rtt}, nil
}

// Sync measures the offset to the server with Cristian's algorithm and makes the result
// the current estimate. It takes Options.Samples round trips and keeps the one with the
// smallest round-trip time rtt: the server read its clock somewhere within that round
// trip, so assuming the middle errs by at most rtt/2 (plus 1ms for the server's millisecond
// resolution). Failed samples are skipped; only if none succeeds does Sync return an
// error, and then the previous estimate stays in force.
func (c *Clock) Sync(ctx context.Context) (Estimate, error) {
	if c.src == nil {
		return c.Estimate(), errors.New(`clock: no Source: pass one to clock.New, e.g. an exchange's REST time source`)
	}
	var (
		best             sample
		ok, failed       int
		firstErr, ctxErr error
	)
	for range c.samples {
		if ctxErr = ctx.Err(); ctxErr != nil {
			break
		}
		s, err := c.sample(ctx)
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if ok == 0 || s.rtt < best.rtt {
			best = s
		}
		ok++
	}
	if ok == 0 {
		err := c.syncError(failed, firstErr, ctxErr)
		c.log.Debug("clock: sync failed", slog.Any("err", err))
		return c.Estimate(), err
	}
	half := best.rtt / 2
	e := Estimate{
		Offset:   best.server.Sub(best.t0.Add(half)),
		Bound:    half + resolution,
		RTT:      best.rtt,
		SyncedAt: c.now(),
		Samples:  ok,
		Synced:   true,
	}
	c.snap.Store(&snapshot{est: e, shift: e.Offset - e.Bound})
	c.log.Debug("clock: synced", slog.Any("estimate", e), slog.Int("failed_samples", failed))
	return e, nil
}

func (c *Clock) syncError(failed int, firstErr, ctxErr error) error {
	switch {
	case firstErr == nil:
		return fmt.Errorf("clock: sync: no sample taken: %w", ctxErr)
	case ctxErr != nil && !errors.Is(firstErr, ctxErr):
		return fmt.Errorf("clock: sync: stopped after %d failed samples: %w (first failure: %w)", failed, ctxErr, firstErr)
	default:
		return fmt.Errorf("clock: sync: all %d samples failed, keeping the previous estimate; first failure: %w", failed, firstErr)
	}
}

// Now returns the server's time as local time + offset - bound - Margin. Subtracting the
// bound means it is never later than the true server time when the offset is within its
// bound, which keeps "timestamp < server time + 1000ms" true at the cost of at most
// 2·bound of lag (see Headroom). Before the first successful Sync it is local time - Margin.
func (c *Clock) Now() time.Time {
	t := c.now()
	if s := c.snap.Load(); s != nil {
		t = t.Add(s.shift)
	}
	return t.Add(-c.margin)
}

// Timestamp returns Now in milliseconds since 1970, the value for a signed request's
// timestamp parameter.
func (c *Clock) Timestamp() int64 { return c.Now().UnixMilli() }

// TimestampMicro returns Now in microseconds since 1970, which spot endpoints accept too.
func (c *Clock) TimestampMicro() int64 { return c.Now().UnixMicro() }

// Estimate returns the current estimate; its Synced field is false before the first
// successful Sync.
func (c *Clock) Estimate() Estimate {
	if s := c.snap.Load(); s != nil {
		return s.est
	}
	return Estimate{}
}

// Headroom returns the worst-case margins of a timestamp sent with the given recvWindow
// (5*time.Second is a common default). Before the first successful Sync nothing is known
// about the server's clock, so both margins are zero: nothing is guaranteed.
func (c *Clock) Headroom(recvWindow time.Duration) Headroom {
	s := c.snap.Load()
	if s == nil {
		return Headroom{}
	}
	e := s.est
	return Headroom{
		Ahead:      aheadLimit + c.margin,
		RecvWindow: recvWindow - e.RTT/2 - 2*e.Bound - c.margin - time.Millisecond,
	}
}

// NeedsSync reports whether there has been no successful Sync yet or the last one is older
// than Options.ResyncEvery (never, when periodic resync is disabled).
func (c *Clock) NeedsSync() bool { return c.untilStale() == 0 }

// untilStale is how long the estimate stays fresh: 0 when it needs a sync now, negative
// when it never goes stale (synced, periodic resync disabled).
func (c *Clock) untilStale() time.Duration {
	s := c.snap.Load()
	switch {
	case s == nil:
		return 0
	case c.every < 0:
		return -1
	}
	return max(c.every-c.now().Sub(s.est.SyncedAt), 0)
}

// OnTimestampError resyncs at once; call it after any -1021 answer. A burst of rejected
// requests calls it many times together, so concurrent callers share one Sync instead of
// each sending Options.Samples requests. If the caller that started the shared Sync gives
// up (its ctx ends), the others start a new one rather than inherit its cancellation. The
// request that got -1021 must be signed again with a fresh timestamp, not retried as is.
func (c *Clock) OnTimestampError(ctx context.Context) (Estimate, error) {
	e, err := c.resync(ctx)
	if err == nil {
		c.log.Info("clock: resynced after a timestamp error", slog.Any("estimate", e))
	}
	return e, err
}

// resync runs Sync, or waits for the one already in flight.
func (c *Clock) resync(ctx context.Context) (Estimate, error) {
	for {
		c.flightMu.Lock()
		f := c.flight
		if f == nil {
			f = &flight{done: make(chan struct{})}
			c.flight = f
			c.flightMu.Unlock()
			f.est, f.err = c.Sync(ctx)
			c.flightMu.Lock()
			c.flight = nil
			c.flightMu.Unlock()
			close(f.done)
			return f.est, f.err
		}
		f.waiters++
		c.flightMu.Unlock()

		select {
		case <-f.done:
			if f.err != nil && ctx.Err() == nil && isContextErr(f.err) {
				continue // the leader's ctx ended, not ours
			}
			return f.est, f.err
		case <-ctx.Done():
			return c.Estimate(), fmt.Errorf("clock: waiting for resync: %w", ctx.Err())
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Run keeps the estimate fresh until ctx is done, then returns ctx.Err(). It syncs at once
// if NeedsSync, otherwise when the estimate becomes ResyncEvery old, and then every
// ResyncEvery (only the first sync when that is negative). A failed sync is logged at Warn
// and retried after 1s, 2s, 4s, ... up to the resync period, while the previous estimate
// stays in force.
func (c *Clock) Run(ctx context.Context) error {
	maxRetry := c.every
	if maxRetry <= 0 {
		maxRetry = DefaultResyncEvery
	}
	retry := newBackoff(maxRetry)
	wait := c.untilStale()
	for {
		if wait < 0 {
			<-ctx.Done()
			return ctx.Err()
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		// Both may be ready when the timer fired while ctx was being cancelled; select
		// would pick either, so ask ctx again rather than resync after cancellation.
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.runOnce(ctx) {
			retry.reset()
			wait = c.every
		} else {
			wait = retry.wait()
		}
	}
}

// backoff spaces Run's retries after consecutive failures: 1s, 2s, 4s, ... up to max, so
// an unreachable or banning exchange is not hammered and a short outage is soon over.
type backoff struct{ next, max time.Duration }

func newBackoff(limit time.Duration) backoff {
	return backoff{next: min(firstRetry, limit), max: limit}
}

func (b *backoff) wait() time.Duration {
	d := b.next
	b.next = min(2*b.next, b.max)
	return d
}

func (b *backoff) reset() { b.next = min(firstRetry, b.max) }

// runOnce resyncs and reports success; a failure caused by ctx ending is not worth a
// warning because Run is about to return.
func (c *Clock) runOnce(ctx context.Context) bool {
	_, err := c.resync(ctx)
	if err != nil && ctx.Err() == nil {
		c.log.Warn("clock: resync failed; keeping the previous estimate",
			slog.Any("err", err), slog.Any("estimate", c.Estimate()))
	}
	return err == nil
}

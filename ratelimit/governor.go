package ratelimit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultMaxWait    = 2 * time.Minute
	DefaultMargin     = 500 * time.Millisecond
	DefaultRetryAfter = 60 * time.Second
	// DefaultBan is how long a 418 without Retry-After or ban time blocks:
	// bans last 2 minutes to 3 days, and a request during one lengthens it,
	// so mbx waits well past the shortest.
	DefaultBan = 5 * time.Minute
	// maxBlock caps server-given block times so that a garbled header
	// cannot block a host forever (the longest ban seen is 3 days).
	maxBlock = 30 * 24 * time.Hour
)

// Options configures NewGovernor. The zero value is usable.
type Options struct {
	// Weights prices requests for Governor.Cost (default DefaultWeights(),
	// which knows no endpoint; Binance's table is binance.DefaultWeights()).
	Weights *Weights
	// Limits per family. A family not listed has no budget until SetLimits
	// gives it one: the exchange supplies its limits (Binance's client fills
	// in binance.DefaultLimits for every family a governor lacks).
	Limits map[string][]Limit
	// Now is the clock windows are aligned to (default time.Now). Pass the
	// server-corrected clock (clock.Clock.Now) so windows match the server's.
	// It must advance with real time: Wait sleeps on the real clock and then
	// asks Now again.
	Now func() time.Time
	// Logger gets debug lines for waits and warnings for 429/418 (default
	// slog.Default()).
	Logger *slog.Logger
	// MaxWait: a wait for budget longer than this returns ErrWaitTooLong
	// instead of sleeping (default 2m).
	MaxWait time.Duration
	// Margin is filled into limits whose Margin is 0 (default 500ms; negative
	// for none). See Limit.Margin.
	Margin time.Duration
	// RetryAfter is the block after a 429 without a Retry-After header
	// (default 60s).
	RetryAfter time.Duration
	// Ban is the block after a 418 that says neither Retry-After nor the ban
	// time (default DefaultBan).
	Ban time.Duration
	// Headers reads the exchange's usage headers and ban bodies for
	// Observe and ObserveBody; nil reads none (429/418 and Retry-After still
	// block). See Governor.WithHeaders.
	Headers Headers
}

// Governor keeps a client inside its budgets. It is safe for concurrent use
// and is driven only through Wait and Observe (plus Reconcile and Block for
// the WebSocket API), so any number of clients and processes can share one
// Backend.
type Governor struct {
	*core
	headers Headers
	w       *Weights // nil: Options.Weights was not given (DefaultWeights)
}

// core is a Governor's state, shared by the views WithHeaders and
// WithWeights make.
type core struct {
	b          Backend
	now        func() time.Time
	log        *slog.Logger
	maxWait    time.Duration
	margin     time.Duration
	retryAfter time.Duration
	ban        time.Duration

	// date remembers the last Date header parsed: it changes once a
	// second while every answer near a window boundary needs it.
	date atomic.Pointer[parsedDate]

	mu     sync.RWMutex
	limits map[string][]Limit
	seen   map[seenKey]Cost // budgets touched, for State
}

// maxSeen bounds what State remembers, whatever the callers send.
const maxSeen = 256

// NewGovernor returns a Governor counting in b.
func NewGovernor(b Backend, opt Options) *Governor {
	g := &Governor{headers: opt.Headers, w: opt.Weights, core: &core{
		b: b, now: opt.Now, log: opt.Logger,
		maxWait: opt.MaxWait, margin: opt.Margin, retryAfter: opt.RetryAfter, ban: opt.Ban,
		limits: make(map[string][]Limit), seen: make(map[seenKey]Cost),
	}}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.maxWait <= 0 {
		g.maxWait = DefaultMaxWait
	}
	if g.margin == 0 {
		g.margin = DefaultMargin
	}
	if g.retryAfter <= 0 {
		g.retryAfter = DefaultRetryAfter
	}
	if g.ban <= 0 {
		g.ban = DefaultBan
	}
	for f, ls := range opt.Limits {
		g.limits[f] = g.prepare(ls)
	}
	return g
}

// WithHeaders returns a Governor sharing g's budgets, limits and backend
// that reads usage headers with h: a client of one exchange gives a
// governor made without Options.Headers its own reader.
func (g *Governor) WithHeaders(h Headers) *Governor {
	return &Governor{core: g.core, headers: h, w: g.w}
}

// Headers is the reader Observe and ObserveBody use (nil for none).
func (g *Governor) Headers() Headers { return g.headers }

// WithWeights returns a Governor sharing g's budgets, limits and backend
// that prices requests with w: a client of one exchange gives a governor
// made without Options.Weights its exchange's table.
func (g *Governor) WithWeights(w *Weights) *Governor {
	return &Governor{core: g.core, headers: g.headers, w: w}
}

// Weights is the table Cost prices with; nil when the governor was made
// without Options.Weights (it then prices with DefaultWeights).
func (g *Governor) Weights() *Weights { return g.w }

// prepare copies ls, fills in the margin and merges duplicates. Invalid
// limits are kept: Wait reports them with the field to fix rather than
// silently dropping a budget.
func (g *Governor) prepare(ls []Limit) []Limit {
	out := make([]Limit, 0, len(ls))
	for _, l := range ls {
		if l.Margin == 0 {
			l.Margin = g.margin
		}
		out = mergeLimit(out, l)
	}
	return out
}

// SetLimits replaces the limits of a family, typically with
// LimitsFromExchangeInfo's result.
func (g *Governor) SetLimits(family string, ls []Limit) {
	p := g.prepare(ls)
	g.mu.Lock()
	g.limits[family] = p
	g.mu.Unlock()
}

// Limits returns the limits in force for a family.
func (g *Governor) Limits(family string) []Limit {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return slices.Clone(g.limits[family])
}

func (g *Governor) limitsFor(family string) []Limit {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.limits[family] // never modified in place, only replaced
}

// Cost prices a request with the Governor's weight table; see Weights.Cost.
func (g *Governor) Cost(host, method, path string, query url.Values) Cost {
	w := g.w
	if w == nil {
		w = DefaultWeights()
	}
	c := w.Cost(host, method, path, query)
	// A Cost a client keeps and reuses remembers its budget ids.
	c.ids = new(idMemo)
	return c
}

// seenKey identifies a budget. A comparable struct rather than a joined
// string keeps remember free of allocations and hashing on every request.
type seenKey struct {
	host, family, scope, kind, path string
}

func (g *Governor) remember(c Cost) {
	k := seenKey{host: c.Host, family: c.Family, scope: c.Scope}
	if perPath(c.kind()) {
		k.kind, k.path = c.kind(), c.Path
	}
	g.mu.RLock()
	_, ok := g.seen[k]
	g.mu.RUnlock()
	if ok {
		return
	}
	g.mu.Lock()
	if len(g.seen) < maxSeen {
		g.seen[k] = c
	}
	g.mu.Unlock()
}

// Wait reserves c's cost in every budget it falls in, sleeping until the
// windows have room if they are short. It returns without sending anything:
//   - *BlockedError (errors.Is ErrRateLimited) while the host is blocked by a 429,
//   - *BannedError (errors.Is ErrBanned) while the host has banned this IP,
//   - ErrWaitTooLong if the budget frees up later than MaxWait or ctx's deadline,
//   - ErrOverLimit if c alone exceeds a limit,
//   - ctx's error if it ends while waiting.
//
// On nil the request may be sent: its cost is already counted.
func (g *Governor) Wait(ctx context.Context, c Cost) error {
	if c.Family == "" {
		return fmt.Errorf("ratelimit: Cost for %s has no Family; set it (the path's first segment: api, fapi, ...) or use Governor.Cost: %w", c.Path, errBadCost)
	}
	g.remember(c)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ratelimit: before %s on %s: %w", c.Path, c.Host, err)
		}
		limits := g.limitsFor(c.Family)
		now := g.now()
		wait, until, err := g.b.Reserve(ctx, c, limits, now)
		if err != nil {
			return fmt.Errorf("ratelimit: reserving %s on %s: %w", c.Path, c.Host, err)
		}
		if !until.IsZero() {
			return g.blockedError(ctx, c.Host, until, now)
		}
		if wait <= 0 {
			return nil
		}
		what := describeWait(c, limits, now, wait)
		if wait > g.maxWait {
			return fmt.Errorf("ratelimit: %s on %s needs to wait %v for the %s budget, more than MaxWait %v: %w",
				c.Path, c.Host, wait, what, g.maxWait, ErrWaitTooLong)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("ratelimit: %s on %s needs to wait %v for the %s budget, but the context ends sooner: %w: %w",
				c.Path, c.Host, wait, what, ErrWaitTooLong, context.DeadlineExceeded)
		}
		g.log.DebugContext(ctx, fmt.Sprintf("ratelimit: waiting %v for %s budget on %s", wait, what, c.Host),
			"wait", wait, "budget", what, "host", c.Host, "path", c.Path)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("ratelimit: waiting %v for the %s budget on %s: %w", wait, what, c.Host, ctx.Err())
		case <-t.C:
		}
	}
}

// describeWait names the budget that caused a wait, for messages: the one
// whose window ends exactly when the wait does.
func describeWait(c Cost, limits []Limit, now time.Time, wait time.Duration) string {
	var buf [8]slot
	slots, _ := reservePlan(buf[:0], c, limits, now, nil)
	for _, s := range slots {
		if time.Duration(s.wait)*time.Millisecond == wait {
			return s.limit.Kind + " " + intervalText(s.limit.Interval)
		}
	}
	return "rate-limit"
}

func (g *Governor) blockedError(ctx context.Context, host string, until, now time.Time) error {
	u, banned, err := g.b.Blocked(ctx, host, now)
	if err == nil && !u.IsZero() {
		until = later(until, u)
	}
	if banned {
		return &BannedError{Host: host, Until: until}
	}
	return &BlockedError{Host: host, Until: until}
}

// Observe feeds a response back: every usage header (as Options.Headers
// reads them) raises the matching budget to the server's count, a 429
// blocks the host for Retry-After seconds (Options.RetryAfter if missing),
// and a 418 blocks it as banned. Call it for every response, errors
// included. The error reports unreadable headers and backend failures; the
// rest is applied anyway.
func (g *Governor) Observe(ctx context.Context, c Cost, status int, h http.Header) error {
	return g.ObserveBody(ctx, c, status, h, nil)
}

// ObserveBody is Observe with the response body, in which some exchanges
// write the end of a ban (read by Options.Headers); the later of that and
// Retry-After wins.
func (g *Governor) ObserveBody(ctx context.Context, c Cost, status int, h http.Header, body []byte) error {
	var buf [8]Usage
	usage, rerr := ReadUsage(buf[:0], h, g.headers)
	if rerr != nil {
		rerr = fmt.Errorf("%w (from %s)", rerr, c.Host)
	}
	o := Observation{Status: status, Usage: usage}
	if status == http.StatusTooManyRequests || status == http.StatusTeapot {
		o.RetryAfter = h.Get("Retry-After")
		if g.headers != nil {
			o.BanUntil, _ = g.headers.BanUntil(body)
		}
	}
	if len(usage) > 0 {
		o.Date = h.Get("Date")
	}
	return errors.Join(rerr, g.ObserveResponse(ctx, c, o))
}

// ObserveResponse applies what an exchange's client read from one answer
// (see Observation): counts raise budgets, a 429 or 418 blocks the host.
func (g *Governor) ObserveResponse(ctx context.Context, c Cost, o Observation) error {
	var errs []error
	var now time.Time
	if o.Status == http.StatusTooManyRequests || o.Status == http.StatusTeapot {
		now = g.now()
		until, banned := g.blockFrom(now, o)
		if banned {
			g.log.WarnContext(ctx, "ratelimit: IP banned (HTTP 418); sending nothing to the host until the ban ends",
				"host", c.Host, "until", until.UTC().Format(timeFormat))
		} else {
			g.log.WarnContext(ctx, "ratelimit: HTTP 429; sending nothing to the host until Retry-After has passed",
				"host", c.Host, "until", until.UTC().Format(timeFormat))
		}
		if err := g.b.Block(ctx, c.Host, until, banned); err != nil {
			errs = append(errs, fmt.Errorf("ratelimit: blocking %s: %w", c.Host, err))
		}
	}
	if c.Family != "" {
		g.remember(c)
		if len(o.Usage) > 0 {
			if now.IsZero() {
				now = g.now()
			}
			errs = append(errs, g.reconcileUsage(ctx, c, o, now)...)
		}
	}
	return errors.Join(errs...)
}

// blockFrom works out how long a 429/418 blocks the host.
func (g *Governor) blockFrom(now time.Time, o Observation) (time.Time, bool) {
	banned := o.Status == http.StatusTeapot
	var until time.Time
	if d, ok := parseRetryAfter(o.RetryAfter, now); ok {
		until = now.Add(d)
	}
	if t := o.BanUntil; !t.IsZero() && t.After(now) {
		banned = true // "IP banned until" means a ban, whatever the status
		until = later(until, earlier(t, now.Add(maxBlock)))
	}
	if until.IsZero() {
		if banned {
			until = now.Add(g.ban)
		} else {
			until = now.Add(g.retryAfter)
		}
	}
	return until, banned
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date
// (RFC 9110), at least 1s: a 429 must never be retried at once.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(min(n, int64(maxBlock/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = min(t.Sub(now), maxBlock)
	} else {
		return 0, false
	}
	return max(d, time.Second), true
}

// reconcileUsage applies every count of o to c's budgets.
func (g *Governor) reconcileUsage(ctx context.Context, c Cost, o Observation, now time.Time) []error {
	limits := g.limitsFor(c.Family)
	// The Date header only matters near a window boundary, where the
	// response may belong to the previous window; parse it only then.
	// A response older than that is credited to the current window, which
	// can only over-count (reconciling never lowers a counter).
	var date time.Time
	var dateOK, dateParsed bool
	var errs []error
	for _, u := range o.Usage {
		i := slices.IndexFunc(limits, func(l Limit) bool { return l.Kind == u.Kind && l.Interval == u.Interval })
		if i < 0 {
			continue // a budget we do not enforce: nothing to correct
		}
		l := limits[i]
		var hasDate bool
		if iv := l.Interval.Milliseconds(); iv > 0 && now.UnixMilli()-floorTo(now.UnixMilli(), iv) <= margin(l)+5000 {
			if !dateParsed {
				date, dateOK = g.parseDate(o.Date)
				dateParsed = true
			}
			hasDate = dateOK
		}
		at, ok := reconcileTime(now, date, hasDate, l)
		if !ok {
			continue
		}
		if err := g.b.Reconcile(ctx, c, l, u.Used, at); err != nil {
			errs = append(errs, fmt.Errorf("ratelimit: reconciling %s on %s: %w", l, c.Host, err))
		}
	}
	return errs
}

// parsedDate is one Date header and what it reads as.
type parsedDate struct {
	raw string
	t   time.Time
	ok  bool
}

// parseDate is http.ParseTime with the last answer remembered.
func (g *Governor) parseDate(raw string) (time.Time, bool) {
	if p := g.date.Load(); p != nil && p.raw == raw {
		return p.t, p.ok
	}
	t, err := http.ParseTime(raw)
	g.date.Store(&parsedDate{raw: raw, t: t, ok: err == nil})
	return t, err == nil
}

// reconcileTime picks the window a usage header describes. The server
// counted the request at some moment before now; just after a boundary the
// count most likely belongs to the previous window, so by default it goes
// to the window of now-margin. The Date header (whole seconds, so exact for
// windows of whole seconds) settles it: a count from a window that is over
// is dropped rather than charged to the new one, which would stall it.
func reconcileTime(now, date time.Time, hasDate bool, l Limit) (time.Time, bool) {
	m := time.Duration(margin(l)) * time.Millisecond
	at := now.Add(-m)
	if !hasDate || l.Interval%time.Second != 0 {
		return at, true
	}
	iv := l.Interval.Milliseconds()
	dw := floorTo(date.UnixMilli(), iv)
	switch {
	case dw < floorTo(at.UnixMilli(), iv):
		return time.Time{}, false // stale
	case dw >= floorTo(now.UnixMilli(), iv):
		return now, true
	}
	return at, true
}

// Reconcile sets one budget from a count the server reported outside HTTP
// headers (the WebSocket API's rateLimits[].count).
func (g *Governor) Reconcile(ctx context.Context, c Cost, l Limit, used int) error {
	if l.Margin == 0 {
		l.Margin = g.margin
	}
	if err := g.b.Reconcile(ctx, c, l, used, g.now()); err != nil {
		return fmt.Errorf("ratelimit: reconciling %s on %s: %w", l, c.Host, err)
	}
	return nil
}

// Block blocks a host until until, for a rate-limit answer that did not
// come over HTTP (the WebSocket API's status 429/418 with retryAfter in ms).
func (g *Governor) Block(ctx context.Context, host string, until time.Time, banned bool) error {
	until = earlier(until, g.now().Add(maxBlock))
	if err := g.b.Block(ctx, host, until, banned); err != nil {
		return fmt.Errorf("ratelimit: blocking %s: %w", host, err)
	}
	return nil
}

// State is a snapshot of one host's budgets, for `mbx doctor`.
type State struct {
	// Host is the scheme://host asked about.
	Host string
	// Budgets this Governor has used on the host, in the current window.
	Budgets []Budget
	// BlockedUntil is the end of a 429 block or 418 ban; zero if none.
	BlockedUntil time.Time
	// Banned says the block is a 418 ban.
	Banned bool
	// Err is the first backend error met while reading; the rest is still filled.
	Err error
}

// Budget is one counter in a State.
type Budget struct {
	// Family is the product family (api, sapi, fapi, ...).
	Family string
	// Path is set for per-endpoint budgets (/sapi).
	Path string
	// Account is a short hash of Cost.Scope for per-account budgets.
	Account string
	// Limit is the budget's limit; Used how much of it the current window has used.
	Limit Limit
	Used  int
	// Resets is when the current window ends.
	Resets time.Time
}

// State reports the host's block and the budgets this Governor has used on
// it.
func (g *Governor) State(ctx context.Context, host string) State {
	now := g.now()
	st := State{Host: host}
	until, banned, err := g.b.Blocked(ctx, host, now)
	st.BlockedUntil, st.Banned, st.Err = until, banned, err
	g.mu.RLock()
	var costs []Cost
	for _, c := range g.seen {
		if c.Host == host {
			costs = append(costs, c)
		}
	}
	g.mu.RUnlock()
	done := make(map[string]bool)
	for _, c := range costs {
		limits := g.limitsFor(c.Family)
		used, err := g.b.Used(ctx, c, limits, now)
		if err != nil {
			if st.Err == nil {
				st.Err = err
			}
			continue
		}
		for i, l := range limits {
			if _, ok := amountFor(c, l); !ok {
				continue
			}
			s, err := currentSlot(c, l, now, nil)
			if err != nil || done[s.id] {
				continue
			}
			done[s.id] = true
			b := Budget{Family: c.Family, Limit: l, Used: used[i], Resets: time.UnixMilli(s.end)}
			if l.Kind == KindSAPIIP || l.Kind == KindSAPIUID {
				b.Path = c.Path
			}
			if l.Kind == KindOrders || l.Kind == KindSAPIUID {
				b.Account = account(c.Scope)
			}
			st.Budgets = append(st.Budgets, b)
		}
	}
	slices.SortFunc(st.Budgets, func(a, b Budget) int {
		return cmpChain(strings.Compare(a.Family, b.Family), strings.Compare(a.Limit.Kind, b.Limit.Kind),
			cmp.Compare(a.Limit.Interval, b.Limit.Interval), strings.Compare(a.Path, b.Path), strings.Compare(a.Account, b.Account))
	})
	return st
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func cmpChain(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

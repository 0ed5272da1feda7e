package emulator

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Rate limiting as Binance counts it: fixed windows aligned to the calendar
// (a minute window starts at :00, a day window at 00:00 UTC), weights per
// client IP, order counts per account, independent budgets per /sapi
// endpoint. Spot (/api, /sapi) and USDⓈ-M futures (/fapi) are separate
// systems on Binance, so they keep separate counters and bans here too.

// window is one fixed, aligned counting window.
type window struct {
	start time.Time
	n     int
}

// add charges n at now and returns the window's total.
func (w *window) add(now time.Time, interval time.Duration, n int) int {
	if s := now.Truncate(interval); !s.Equal(w.start) {
		w.start, w.n = s, 0
	}
	w.n += n
	return w.n
}

// used is the window's total at now without charging.
func (w *window) used(now time.Time, interval time.Duration) int {
	if !now.Truncate(interval).Equal(w.start) {
		return 0
	}
	return w.n
}

// over reports that the window ended before now's window began. A window
// later than now (a request that read the clock after the sweeper did)
// is not over.
func (w *window) over(now time.Time, interval time.Duration) bool {
	return w.start.Before(now.Truncate(interval))
}

func windowEnd(now time.Time, interval time.Duration) time.Time {
	return now.Truncate(interval).Add(interval)
}

// ipState is what the exchange remembers of one client address in one
// group (spot or futures).
type ipState struct {
	weight     window // per minute
	raw        window // per 5 minutes (spot only)
	retryUntil time.Time
	banUntil   time.Time
	offences   int
}

type orderState struct {
	short, long window // spot: 10s and 1d; futures: 10s and 1m
}

// group is a rate-limit domain: "api" (spot /api and /sapi), "fapi" or
// "dapi" (each futures host has its own budgets, with the same limits).
type group string

const (
	groupSpot    group = "api"
	groupFutures group = "fapi"
	groupCoin    group = "dapi"
)

// futures reports whether g is a futures host (USDⓈ-M or COIN-M).
func (g group) futures() bool { return g == groupFutures || g == groupCoin }

type limitKind uint8

const (
	limitOK limitKind = iota
	limit429
	limit418
)

// admission is the outcome of charging a request.
type admission struct {
	kind       limitKind
	used       int       // weight used in the current minute after this request
	retryAfter int       // seconds, for 429 and 418
	banUntil   time.Time // for 418
	raw        bool      // the 429 came from the raw-request limit
}

type limiter struct {
	mu     sync.Mutex
	lim    Limits
	ips    map[group]map[string]*ipState
	sapi   map[string]*window // "ip|<ip>|<endpoint>" or "uid|<account>|<endpoint>"
	orders map[group]map[string]*orderState
	// lastSweep is when prune last dropped idle per-IP state.
	lastSweep time.Time
}

// Bounds of the per-IP state. An address is forgotten once nothing about
// it matters any more (see idle); sweeps run at most once per sweepEvery,
// and at once when a group tracks maxTrackedIPs addresses.
const (
	sweepEvery    = time.Minute
	maxTrackedIPs = 1 << 16
	// offenceMemory is how long an address's bans are remembered after the
	// last one ends, so that a repeat offender's next ban is longer.
	offenceMemory = 24 * time.Hour
)

// idle reports that forgetting st changes no answer: its windows are over,
// it has no Retry-After or ban in force and no recent offence.
func (st *ipState) idle(now time.Time) bool {
	return st.weight.over(now, time.Minute) && st.raw.over(now, 5*time.Minute) &&
		!now.Before(st.retryUntil) && !now.Before(st.banUntil) &&
		(st.offences == 0 || !now.Before(st.banUntil.Add(offenceMemory)))
}

// prune drops idle per-IP and per-/sapi-endpoint state, so that the maps
// stay bounded however many addresses come and go. Past maxTrackedIPs
// after a sweep (a flood of addresses within one minute), it also drops
// addresses that are not banned, then any: a bound on memory matters more
// than one address's count. l.mu is held.
func (l *limiter) prune(now time.Time) {
	full := len(l.ips[groupSpot]) >= maxTrackedIPs || len(l.ips[groupFutures]) >= maxTrackedIPs || len(l.sapi) >= 2*maxTrackedIPs
	// A clock set back (admin clock skew) must not stop the sweeps.
	if !full && now.Before(l.lastSweep.Add(sweepEvery)) && !now.Before(l.lastSweep) {
		return
	}
	l.lastSweep = now
	for _, m := range l.ips {
		for ip, st := range m {
			if st.idle(now) {
				delete(m, ip)
			}
		}
		for _, keepBanned := range []bool{true, false} {
			for ip, st := range m {
				if len(m) < maxTrackedIPs*3/4 {
					break
				}
				if !keepBanned || !now.Before(st.banUntil) {
					delete(m, ip)
				}
			}
		}
	}
	for k, w := range l.sapi {
		if w.over(now, time.Minute) || len(l.sapi) >= 2*maxTrackedIPs {
			delete(l.sapi, k)
		}
	}
}

func newLimiter(l Limits) *limiter {
	lm := &limiter{lim: l}
	lm.reset()
	return lm
}

func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ips = map[group]map[string]*ipState{groupSpot: {}, groupFutures: {}, groupCoin: {}}
	l.sapi = map[string]*window{}
	l.orders = map[group]map[string]*orderState{groupSpot: {}, groupFutures: {}, groupCoin: {}}
}

func (l *limiter) ipState(g group, ip string) *ipState {
	st := l.ips[g][ip]
	if st == nil {
		st = &ipState{}
		l.ips[g][ip] = st
	}
	return st
}

func (l *limiter) weightLimit(g group) int {
	if g.futures() {
		return l.lim.FAPIRequestWeightPerMinute
	}
	return l.lim.RequestWeightPerMinute
}

func retrySeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// banCheck answers 418 while a ban is in force, and turns a request made
// during a 429's Retry-After into a new ban: ban_base, doubled for every
// earlier offence, capped at 72h.
func (l *limiter) banCheck(st *ipState, now time.Time) (admission, bool) {
	if now.Before(st.banUntil) {
		return admission{kind: limit418, banUntil: st.banUntil, retryAfter: retrySeconds(st.banUntil.Sub(now))}, true
	}
	if now.Before(st.retryUntil) {
		st.offences++
		ban := l.lim.BanBase
		for i := 1; i < st.offences && ban < MaxBan; i++ {
			ban *= 2
		}
		ban = min(ban, MaxBan)
		st.banUntil = now.Add(ban)
		st.retryUntil = time.Time{}
		return admission{kind: limit418, banUntil: st.banUntil, retryAfter: retrySeconds(ban)}, true
	}
	return admission{}, false
}

// admit charges weight to ip in group g.
func (l *limiter) admit(g group, ip string, weight int, now time.Time) admission {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	st := l.ipState(g, ip)
	if a, banned := l.banCheck(st, now); banned {
		a.used = st.weight.used(now, time.Minute)
		return a
	}
	used := st.weight.add(now, time.Minute, weight)
	if used > l.weightLimit(g) {
		end := windowEnd(now, time.Minute)
		st.retryUntil = end
		return admission{kind: limit429, used: used, retryAfter: retrySeconds(end.Sub(now))}
	}
	if g == groupSpot {
		if raw := st.raw.add(now, 5*time.Minute, 1); raw > l.lim.RawRequestsPer5m {
			end := windowEnd(now, 5*time.Minute)
			st.retryUntil = end
			return admission{kind: limit429, used: used, retryAfter: retrySeconds(end.Sub(now)), raw: true}
		}
	}
	return admission{used: used}
}

// admitSAPI charges a /sapi endpoint's own budget: per IP or per account.
// A request during a 429's Retry-After earns the IP a spot ban.
func (l *limiter) admitSAPI(ip, account, endpoint string, ipWeight, uidWeight int, now time.Time) (a admission, ipUsed, uidUsed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	st := l.ipState(groupSpot, ip)
	if a, banned := l.banCheck(st, now); banned {
		return a, l.sapiUsed("ip|"+ip+"|"+endpoint, now), l.sapiUsed("uid|"+account+"|"+endpoint, now)
	}
	if ipWeight > 0 {
		ipUsed = l.sapiWindow("ip|"+ip+"|"+endpoint).add(now, time.Minute, ipWeight)
	} else {
		ipUsed = l.sapiUsed("ip|"+ip+"|"+endpoint, now)
	}
	if uidWeight > 0 && account != "" {
		uidUsed = l.sapiWindow("uid|"+account+"|"+endpoint).add(now, time.Minute, uidWeight)
	}
	if ipUsed > l.lim.SAPIIPWeightPerMinute || uidUsed > l.lim.SAPIUIDWeightPerMinute {
		end := windowEnd(now, time.Minute)
		st.retryUntil = end
		return admission{kind: limit429, used: max(ipUsed, uidUsed), retryAfter: retrySeconds(end.Sub(now))}, ipUsed, uidUsed
	}
	return admission{used: max(ipUsed, uidUsed)}, ipUsed, uidUsed
}

func (l *limiter) sapiWindow(k string) *window {
	w := l.sapi[k]
	if w == nil {
		w = &window{}
		l.sapi[k] = w
	}
	return w
}

func (l *limiter) sapiUsed(k string, now time.Time) int {
	if w := l.sapi[k]; w != nil {
		return w.used(now, time.Minute)
	}
	return 0
}

// refund takes back weight charged for a request that turned out free
// (successful order placement and cancellation since 2026-04-02).
func (l *limiter) refund(g group, ip string, weight int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.ipState(g, ip)
	if st.weight.used(now, time.Minute) >= weight {
		st.weight.n -= weight
	}
}

func (l *limiter) usedWeight(g group, ip string, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.ips[g][ip]; st != nil {
		return st.weight.used(now, time.Minute)
	}
	return 0
}

// orderIntervals are the two order-count windows of a group and their limits.
func (l *limiter) orderIntervals(g group) (shortIv time.Duration, shortMax int, longIv time.Duration, longMax int) {
	if g.futures() {
		return 10 * time.Second, l.lim.FAPIOrdersPer10s, time.Minute, l.lim.FAPIOrdersPerMinute
	}
	return 10 * time.Second, l.lim.OrdersPer10s, 24 * time.Hour, l.lim.OrdersPerDay
}

// orderRefusal says which order limit n more orders would break, if any.
type orderRefusal struct {
	limit      int
	interval   string // as Binance words it: "10 SECOND", "1 DAY", "1 MINUTE"
	retryAfter int
}

func (l *limiter) orderState(g group, account string) *orderState {
	st := l.orders[g][account]
	if st == nil {
		st = &orderState{}
		l.orders[g][account] = st
	}
	return st
}

// checkOrders reports whether account may place n more orders now.
func (l *limiter) checkOrders(g group, account string, n int, now time.Time) *orderRefusal {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.orderState(g, account)
	si, sm, li, lm := l.orderIntervals(g)
	if st.short.used(now, si)+n > sm {
		return &orderRefusal{limit: sm, interval: intervalWords(si), retryAfter: retrySeconds(windowEnd(now, si).Sub(now))}
	}
	if st.long.used(now, li)+n > lm {
		return &orderRefusal{limit: lm, interval: intervalWords(li), retryAfter: retrySeconds(windowEnd(now, li).Sub(now))}
	}
	return nil
}

// countOrders records n placed orders and returns the counts.
func (l *limiter) countOrders(g group, account string, n int, now time.Time) (short, long int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.orderState(g, account)
	si, _, li, _ := l.orderIntervals(g)
	return st.short.add(now, si, n), st.long.add(now, li, n)
}

func (l *limiter) orderCounts(g group, account string, now time.Time) (short, long int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.orders[g][account]
	if st == nil {
		return 0, 0
	}
	si, _, li, _ := l.orderIntervals(g)
	return st.short.used(now, si), st.long.used(now, li)
}

// orderHeaders are the X-MBX-ORDER-COUNT-* header names of a group.
func orderHeaders(g group) (short, long string) {
	if g.futures() {
		return "X-MBX-ORDER-COUNT-10S", "X-MBX-ORDER-COUNT-1M"
	}
	return "X-MBX-ORDER-COUNT-10S", "X-MBX-ORDER-COUNT-1D"
}

func intervalWords(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d DAY", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d HOUR", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d MINUTE", d/time.Minute)
	}
	return fmt.Sprintf("%d SECOND", d/time.Second)
}

// Counters is a snapshot of the rate-limit state, for tests and the admin
// API (GET /mbx/admin/counters).
type Counters struct {
	Weights []WeightCounter `json:"weights"`
	SAPI    []SAPICounter   `json:"sapi"`
	Bans    []Ban           `json:"bans"`
	Orders  []OrderCounter  `json:"orders"`
}

// WeightCounter is the request weight an IP used in the current minute.
type WeightCounter struct {
	Group         string `json:"group"` // "api" (spot) or "fapi"
	IP            string `json:"ip"`
	Used          int    `json:"used"`
	Limit         int    `json:"limit"`
	Raw5m         int    `json:"raw5m"`         // requests in the current 5-minute window (spot)
	WindowStartMs int64  `json:"windowStartMs"` // start of the current minute
	RetryUntilMs  int64  `json:"retryUntilMs"`  // a 429 was answered: a request before this earns a ban
	BannedUntilMs int64  `json:"bannedUntilMs"` // 0 when not banned
	Offences      int    `json:"offences"`      // bans so far
	OverLimit     bool   `json:"overLimit"`     // Used > Limit
}

// SAPICounter is one /sapi endpoint budget.
type SAPICounter struct {
	Key  string `json:"key"` // "ip|<ip>|<endpoint>" or "uid|<account>|<endpoint>"
	Used int    `json:"used"`
}

// Ban is an IP ban in force.
type Ban struct {
	Group    string `json:"group"`
	IP       string `json:"ip"`
	UntilMs  int64  `json:"untilMs"`
	Offences int    `json:"offences"`
}

// OrderCounter is an account's order counts in the current windows.
type OrderCounter struct {
	Group   string `json:"group"`
	Account string `json:"account"`
	Short   int    `json:"count10s"`
	Long    int    `json:"countLong"` // per day (spot) or per minute (fapi)
}

func (l *limiter) snapshot(now time.Time) Counters {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := Counters{Weights: []WeightCounter{}, SAPI: []SAPICounter{}, Bans: []Ban{}, Orders: []OrderCounter{}}
	for _, g := range []group{groupSpot, groupFutures, groupCoin} {
		for ip, st := range l.ips[g] {
			used := st.weight.used(now, time.Minute)
			wc := WeightCounter{Group: string(g), IP: ip, Used: used, Limit: l.weightLimit(g),
				Raw5m: st.raw.used(now, 5*time.Minute), WindowStartMs: now.Truncate(time.Minute).UnixMilli(),
				Offences: st.offences, OverLimit: used > l.weightLimit(g)}
			if now.Before(st.retryUntil) {
				wc.RetryUntilMs = st.retryUntil.UnixMilli()
			}
			if now.Before(st.banUntil) {
				wc.BannedUntilMs = st.banUntil.UnixMilli()
				c.Bans = append(c.Bans, Ban{Group: string(g), IP: ip, UntilMs: st.banUntil.UnixMilli(), Offences: st.offences})
			}
			c.Weights = append(c.Weights, wc)
		}
		si, _, li, _ := l.orderIntervals(g)
		for acct, st := range l.orders[g] {
			c.Orders = append(c.Orders, OrderCounter{Group: string(g), Account: acct, Short: st.short.used(now, si), Long: st.long.used(now, li)})
		}
	}
	for k, w := range l.sapi {
		c.SAPI = append(c.SAPI, SAPICounter{Key: k, Used: w.used(now, time.Minute)})
	}
	sort.Slice(c.Weights, func(i, j int) bool {
		return c.Weights[i].Group+c.Weights[i].IP < c.Weights[j].Group+c.Weights[j].IP
	})
	sort.Slice(c.SAPI, func(i, j int) bool { return c.SAPI[i].Key < c.SAPI[j].Key })
	sort.Slice(c.Bans, func(i, j int) bool { return c.Bans[i].Group+c.Bans[i].IP < c.Bans[j].Group+c.Bans[j].IP })
	sort.Slice(c.Orders, func(i, j int) bool {
		return c.Orders[i].Group+c.Orders[i].Account < c.Orders[j].Group+c.Orders[j].Account
	})
	return c
}

// Weight looks up the weight an IP used this minute in a snapshot.
func (c Counters) Weight(grp, ip string) int {
	for _, w := range c.Weights {
		if w.Group == grp && w.IP == ip {
			return w.Used
		}
	}
	return 0
}

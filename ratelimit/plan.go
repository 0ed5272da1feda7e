package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// slot is one window a reservation is charged to. Both backends work from
// the same slots, so they key, align and size windows identically.
type slot struct {
	id     string // budget identity: {host}:family:kind:intervalMs[:a=account][:p=path]
	limit  Limit
	amount int
	start  int64 // window start, ms since the epoch
	end    int64 // window end (exclusive), ms
	wait   int64 // ms from now until this window stops counting for new requests
	ttl    int64 // ms the counter must live (Redis PEXPIRE)
}

// amountFor says how much of l one request of cost c uses, and whether l
// concerns c at all.
func amountFor(c Cost, l Limit) (amount int, applies bool) {
	switch l.Kind {
	case KindRequestWeight, KindSAPIIP, KindSAPIUID:
		if c.kind() != l.Kind {
			return 0, false
		}
		return c.Weight, true
	case KindOrders:
		return c.Orders, true
	case KindRawRequests:
		return 1, true
	}
	return 0, false
}

// keyCache remembers budget ids, so that a request neither builds strings
// nor hashes its account on every call. A nil *keyCache builds every time.
// It is bounded: when full it is emptied and refilled by the next requests.
type keyCache struct {
	mu sync.RWMutex
	m  map[budgetKey]string
}

// maxKeys bounds a keyCache (budgets of distinct hosts, accounts and /sapi
// paths: a client uses a handful).
const maxKeys = 1024

// budgetKey is what a budget id is made of; fields a limit's kind does not
// key by are left empty, so requests sharing a budget share an entry.
type budgetKey struct {
	host, family, kind, scope, path string
	interval                        time.Duration
}

func keyOf(c Cost, l Limit) budgetKey {
	k := budgetKey{host: c.Host, family: c.Family, kind: l.Kind, interval: l.Interval}
	if perAccount(l.Kind) {
		k.scope = c.Scope
	}
	if perPath(l.Kind) {
		k.path = c.Path
	}
	return k
}

// idMemo remembers the budget ids of one Cost that a client reuses for
// every call of a route, so a reservation finds them without hashing. It
// holds an immutable snapshot; the fields it was made for are checked on
// every use, so a copy of the Cost with another host, scope or path never
// gets an id that is not its own.
type idMemo struct{ p atomic.Pointer[idSnapshot] }

type idSnapshot struct {
	host, family, scope, path string
	ids                       []memoID
}

type memoID struct {
	kind     string
	interval time.Duration
	id       string
}

// maxMemoIDs bounds a memo (a cost falls in a handful of budgets).
const maxMemoIDs = 16

func (m *idMemo) lookup(c Cost, l Limit) (string, bool) {
	s := m.p.Load()
	if s == nil || s.host != c.Host || s.family != c.Family || s.scope != c.Scope || s.path != c.Path {
		return "", false
	}
	for i := range s.ids {
		if s.ids[i].interval == l.Interval && s.ids[i].kind == l.Kind {
			return s.ids[i].id, true
		}
	}
	return "", false
}

func (m *idMemo) store(c Cost, l Limit, id string) {
	old := m.p.Load()
	n := &idSnapshot{host: c.Host, family: c.Family, scope: c.Scope, path: c.Path}
	if old != nil && old.host == c.Host && old.family == c.Family && old.scope == c.Scope && old.path == c.Path && len(old.ids) < maxMemoIDs {
		n.ids = append(make([]memoID, 0, len(old.ids)+1), old.ids...)
	}
	n.ids = append(n.ids, memoID{kind: l.Kind, interval: l.Interval, id: id})
	m.p.CompareAndSwap(old, n) // a lost race only costs a later lookup
}

// id returns the budget id of c under l.
func (kc *keyCache) id(c Cost, l Limit) string {
	if c.ids != nil {
		if id, ok := c.ids.lookup(c, l); ok {
			return id
		}
		id := kc.slowID(c, l)
		c.ids.store(c, l, id)
		return id
	}
	return kc.slowID(c, l)
}

// slowID looks the id up in the backend's cache, or builds it.
func (kc *keyCache) slowID(c Cost, l Limit) string {
	if kc == nil {
		return budgetID(c, l)
	}
	k := keyOf(c, l)
	kc.mu.RLock()
	id, ok := kc.m[k]
	kc.mu.RUnlock()
	if ok {
		return id
	}
	id = budgetID(c, l)
	kc.mu.Lock()
	if kc.m == nil || len(kc.m) >= maxKeys {
		kc.m = make(map[budgetKey]string, 16)
	}
	kc.m[k] = id
	kc.mu.Unlock()
	return id
}

func perAccount(kind string) bool { return kind == KindOrders || kind == KindSAPIUID }
func perPath(kind string) bool    { return kind == KindSAPIIP || kind == KindSAPIUID }

// budgetID names the budget of limit l that cost c falls in. The host is a
// Redis Cluster hash tag so every key one script touches is in one slot.
func budgetID(c Cost, l Limit) string {
	var b strings.Builder
	b.Grow(len(c.Host) + len(c.Family) + len(l.Kind) + 48)
	b.WriteByte('{')
	b.WriteString(c.Host)
	b.WriteString("}:")
	b.WriteString(c.Family)
	b.WriteByte(':')
	b.WriteString(l.Kind)
	b.WriteByte(':')
	b.WriteString(strconv.FormatInt(l.Interval.Milliseconds(), 10))
	if perAccount(l.Kind) {
		b.WriteString(":a=")
		b.WriteString(account(c.Scope))
	}
	if perPath(l.Kind) {
		b.WriteString(":p=")
		b.WriteString(c.Path)
	}
	return b.String()
}

// account shortens Cost.Scope to a hash so that an API key passed as scope
// never reaches Redis, logs or `mbx doctor` output.
func account(scope string) string {
	if scope == "" {
		return "-"
	}
	h := sha256.Sum256([]byte(scope))
	return hex.EncodeToString(h[:6])
}

// errBadCost and errBadLimit are wrapped into messages naming the field.
var (
	errBadCost  = errors.New("invalid cost")
	errBadLimit = errors.New("invalid limit")
)

func checkCost(c Cost) error {
	if c.Host == "" {
		return fmt.Errorf("ratelimit: Cost.Host is empty; set it to scheme://host of the base URL: %w", errBadCost)
	}
	if c.Weight < 0 || c.Orders < 0 {
		return fmt.Errorf("ratelimit: Cost for %s has Weight %d, Orders %d; they cannot be negative: %w", c.Path, c.Weight, c.Orders, errBadCost)
	}
	return nil
}

func checkLimit(l Limit) error {
	if l.Interval < time.Millisecond || l.Interval > maxInterval {
		return fmt.Errorf("ratelimit: limit %s has Interval %v; want 1ms to %v: %w", l.Kind, l.Interval, maxInterval, errBadLimit)
	}
	if l.Max <= 0 || l.Max > maxLimit {
		return fmt.Errorf("ratelimit: limit %s per %s has Max %d; want 1 to %d: %w", l.Kind, intervalText(l.Interval), l.Max, int64(maxLimit), errBadLimit)
	}
	return nil
}

// margin is l.Margin in ms, clamped to [0, Interval/4] so that a
// reservation spans at most two windows.
func margin(l Limit) int64 {
	m := min(l.Margin, l.Interval/4)
	if m <= 0 {
		return 0
	}
	return m.Milliseconds()
}

// floorTo is the start of the window of length iv containing t (all ms).
func floorTo(t, iv int64) int64 {
	r := t % iv
	if r < 0 {
		r += iv
	}
	return t - r
}

// reservePlan lists the windows a reservation of c at now is charged to:
// for each applicable limit with a non-zero amount, every window that
// overlaps [now-margin, now+margin). dst is reused to save allocations.
func reservePlan(dst []slot, c Cost, limits []Limit, now time.Time, keys *keyCache) ([]slot, error) {
	if err := checkCost(c); err != nil {
		return nil, err
	}
	nowMs := now.UnixMilli()
	for _, l := range limits {
		amount, ok := amountFor(c, l)
		if !ok || amount == 0 {
			continue
		}
		if err := checkLimit(l); err != nil {
			return nil, err
		}
		if amount > l.Max {
			return nil, fmt.Errorf("ratelimit: %s on %s costs %d but %s allows only %d per window: %w",
				c.Path, c.Host, amount, l, l.Max, ErrOverLimit)
		}
		id := keys.id(c, l)
		iv := l.Interval.Milliseconds()
		m := margin(l)
		// Windows overlapping [now-m, now+m); with no margin, [now, now+1ms)
		// is exactly the window containing now.
		for start, hi := floorTo(nowMs-m, iv), nowMs+max(m, 1); start < hi; start += iv {
			end := start + iv
			dst = addSlot(dst, slot{
				id: id, limit: l, amount: amount, start: start, end: end,
				wait: end + m - nowMs,
				ttl:  end + m - nowMs + 1000, // a second of slack for clock noise between processes
			})
		}
	}
	return dst, nil
}

// addSlot appends s unless its window is already listed (a duplicate limit
// of the same kind and interval): then the stricter Max wins, so that one
// counter is never charged twice for one request.
func addSlot(dst []slot, s slot) []slot {
	for i := range dst {
		if dst[i].id == s.id && dst[i].start == s.start {
			if s.limit.Max < dst[i].limit.Max {
				dst[i].limit.Max = s.limit.Max
			}
			return dst
		}
	}
	return append(dst, s)
}

// currentSlot is the window of l containing now, for reading and reconciling.
func currentSlot(c Cost, l Limit, now time.Time, keys *keyCache) (slot, error) {
	if err := checkCost(c); err != nil {
		return slot{}, err
	}
	if err := checkLimit(l); err != nil {
		return slot{}, err
	}
	iv := l.Interval.Milliseconds()
	nowMs := now.UnixMilli()
	start := floorTo(nowMs, iv)
	m := margin(l)
	return slot{id: keys.id(c, l), limit: l, start: start, end: start + iv,
		wait: start + iv + m - nowMs, ttl: start + iv + m - nowMs + 1000}, nil
}

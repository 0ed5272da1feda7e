package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Backend keeps the counters and host blocks. Memory keeps them in the
// process; Redis shares them across a fleet. All times are passed in, so
// every process of a fleet can use the same (server-corrected) clock.
type Backend interface {
	// Reserve atomically charges c to every window of limits it falls in
	// if all of them have room, and returns zero wait and zero blockedUntil.
	// Otherwise it charges nothing and returns how long until they all would
	// have room (wait), or, while the host is blocked by a 429 or banned by a
	// 418, the end of the block (blockedUntil).
	Reserve(ctx context.Context, c Cost, limits []Limit, now time.Time) (wait time.Duration, blockedUntil time.Time, err error)
	// Reconcile raises the count of c's budget of l in the window containing
	// now to used, the server's count; it never lowers it, because the
	// server's count misses our requests still in flight.
	Reconcile(ctx context.Context, c Cost, l Limit, used int, now time.Time) error
	// Block refuses every reservation for host until until (429 Retry-After,
	// or a 418 ban when banned). A later call only extends a block.
	Block(ctx context.Context, host string, until time.Time, banned bool) error
	// Blocked reports the end of the host's block at now (zero if none) and
	// whether it is a ban.
	Blocked(ctx context.Context, host string, now time.Time) (until time.Time, banned bool, err error)
	// Used reports, for each of limits, how much of c's budget the window
	// containing now has used (0 for limits that do not concern c).
	Used(ctx context.Context, c Cost, limits []Limit, now time.Time) ([]int, error)
}

// Memory is an in-process Backend. The zero value is not usable; call NewMemory.
type Memory struct {
	mu      sync.Mutex
	windows map[string]*windowPair
	blocks  map[string]hostBlock
	keys    keyCache
}

// windowPair holds the two most recent windows of one budget: with the
// margin at most a quarter of the interval, a reservation never spans more
// than two, and keeping only these bounds memory without a sweeper.
type windowPair struct {
	start [2]int64
	used  [2]int
}

// index alternates between the two entries from one window to the next.
func (p *windowPair) index(start, iv int64) int { return int(start/iv) & 1 }

func (p *windowPair) get(s slot) int {
	i := p.index(s.start, s.end-s.start)
	if p.start[i] != s.start {
		return 0
	}
	return p.used[i]
}

func (p *windowPair) set(s slot, used int) {
	i := p.index(s.start, s.end-s.start)
	p.start[i] = s.start
	p.used[i] = used
}

// hostBlock keeps the 429 block and the 418 ban apart so that a ban ending
// before a 429 block still reads as a ban only while it lasts.
type hostBlock struct {
	limited time.Time
	banned  time.Time
}

func (b hostBlock) at(now time.Time) (until time.Time, banned bool) {
	if b.banned.After(now) {
		return later(b.banned, b.limited), true
	}
	if b.limited.After(now) {
		return b.limited, false
	}
	return time.Time{}, false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// NewMemory returns an empty in-process backend.
func NewMemory() *Memory {
	return &Memory{windows: make(map[string]*windowPair), blocks: make(map[string]hostBlock)}
}

// Reserve implements Backend.
func (m *Memory) Reserve(ctx context.Context, c Cost, limits []Limit, now time.Time) (time.Duration, time.Time, error) {
	var buf [8]slot
	slots, err := reservePlan(buf[:0], c, limits, now, &m.keys)
	if err != nil {
		return 0, time.Time{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, _ := m.blocks[c.Host].at(now); !until.IsZero() {
		return 0, until, nil
	}
	var wait int64
	for _, s := range slots {
		if p := m.windows[s.id]; p != nil && p.get(s)+s.amount > s.limit.Max {
			wait = max(wait, s.wait)
		}
	}
	if wait > 0 {
		return time.Duration(wait) * time.Millisecond, time.Time{}, nil
	}
	for _, s := range slots {
		p := m.windows[s.id]
		if p == nil {
			p = &windowPair{}
			m.windows[s.id] = p
		}
		p.set(s, p.get(s)+s.amount)
	}
	return 0, time.Time{}, nil
}

// Reconcile implements Backend.
func (m *Memory) Reconcile(ctx context.Context, c Cost, l Limit, used int, now time.Time) error {
	s, err := currentSlot(c, l, now, &m.keys)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.windows[s.id]
	if p == nil {
		p = &windowPair{}
		m.windows[s.id] = p
	}
	if used > p.get(s) {
		p.set(s, used)
	}
	return nil
}

// Block implements Backend.
func (m *Memory) Block(ctx context.Context, host string, until time.Time, banned bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.blocks[host]
	if banned {
		b.banned = later(b.banned, until)
	} else {
		b.limited = later(b.limited, until)
	}
	m.blocks[host] = b
	return nil
}

// Blocked implements Backend.
func (m *Memory) Blocked(ctx context.Context, host string, now time.Time) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, banned := m.blocks[host].at(now)
	return until, banned, nil
}

// Used implements Backend.
func (m *Memory) Used(ctx context.Context, c Cost, limits []Limit, now time.Time) ([]int, error) {
	out := make([]int, len(limits))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, l := range limits {
		if _, ok := amountFor(c, l); !ok {
			continue
		}
		s, err := currentSlot(c, l, now, &m.keys)
		if err != nil {
			return nil, err
		}
		if p := m.windows[s.id]; p != nil {
			out[i] = p.get(s)
		}
	}
	return out, nil
}

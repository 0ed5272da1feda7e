package proxy

import (
	"sync"

	"github.com/mbxkit/mbx/binance/emulator"
)

// ring remembers the last requests for the inspector, as the local
// exchange does.
type ring struct {
	mu   sync.Mutex
	buf  []emulator.Entry
	next int
	full bool
}

func newRing(n int) *ring { return &ring{buf: make([]emulator.Entry, n)} }

func (r *ring) add(e emulator.Entry) {
	r.mu.Lock()
	r.buf[r.next] = e
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// all returns the entries oldest first.
func (r *ring) all() []emulator.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]emulator.Entry(nil), r.buf[:r.next]...)
	}
	out := make([]emulator.Entry, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

func (r *ring) find(id uint64) (emulator.Entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	for i := range n {
		if r.buf[i].ID == id {
			return r.buf[i], true
		}
	}
	return emulator.Entry{}, false
}

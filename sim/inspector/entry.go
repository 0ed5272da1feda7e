package inspector

import (
	"sync"
	"time"
)

// Response headers a local exchange and the proxy add to every answer.
const (
	// HeaderExplain carries the explanation of a rejection on one line
	// (Explanation.Header).
	HeaderExplain = "X-MBX-EXPLAIN"
	// HeaderInspect carries where the inspector page shows the request:
	// /mbx/#<id>.
	HeaderInspect = "X-MBX-INSPECT"
)

// RecentSize is how many requests a Ring made by NewRecent remembers.
const RecentSize = 500

// MaxRecorded bounds the raw query, body and response kept per entry.
const MaxRecorded = 4096

// MaxKeyRecorded bounds an API key kept per entry: a valid key has at most
// 256 bytes.
const MaxKeyRecorded = 256

// Verdicts of an Entry.
const (
	VerdictAccepted = "accepted" // processed, 2xx
	VerdictRejected = "rejected" // an exchange error answer (4xx)
	VerdictLimited  = "limited"  // 429 or 418
	VerdictFault    = "fault"    // an injected fault answered
	VerdictNotFound = "not found"
)

// Entry is one API request as a local exchange (or the proxy) saw and
// answered it: what the inspector page shows. It never holds a secret;
// RawQuery and Body are the bytes received (so they hold the client's
// signature, which is not a secret but is kept out of the log).
type Entry struct {
	ID         uint64        `json:"id"` // the #id of X-MBX-INSPECT
	Time       time.Time     `json:"time"`
	Duration   time.Duration `json:"durationNs"`
	Method     string        `json:"method"`
	Path       string        `json:"path"`
	Endpoint   string        `json:"endpoint"` // "GET /api/v3/account", or "" when unknown
	Security   string        `json:"security"` // NONE, USER_DATA, TRADE, ...
	APIKey     string        `json:"apiKey,omitempty"`
	Account    string        `json:"account,omitempty"`
	RemoteIP   string        `json:"remoteIp"`
	Verdict    string        `json:"verdict"`
	Code       int           `json:"code"` // the exchange's error code; 0 when accepted
	Msg        string        `json:"msg,omitempty"`
	Weight     int           `json:"weight"` // weight charged (after refunds)
	UsedWeight int           `json:"usedWeight1m"`
	HTTPStatus int           `json:"status"`
	Fault      string        `json:"fault,omitempty"` // kind of the injected fault, if any
	// Emulated is "example" when the answer is a documented example, not
	// modelled state (header X-MBX-EMULATED).
	Emulated    string       `json:"emulated,omitempty"`
	Explanation *Explanation `json:"explanation,omitempty"`
	ContentType string       `json:"contentType,omitempty"`
	RawQuery    string       `json:"rawQuery"`
	Body        string       `json:"body"`
	Response    string       `json:"response"`
	// Truncated says RawQuery, Body or Response was cut at MaxRecorded.
	Truncated bool `json:"truncated,omitempty"`
}

// Ring remembers the most recent entries in a fixed-size ring buffer. It is
// safe for concurrent use.
type Ring struct {
	mu   sync.Mutex
	buf  []Entry
	next int
	full bool
}

// NewRing returns a ring that remembers the last n entries (n < 1: one).
func NewRing(n int) *Ring { return &Ring{buf: make([]Entry, max(n, 1))} }

// NewRecent returns a ring of RecentSize entries, the size the inspector's
// messages name.
func NewRecent() *Ring { return NewRing(RecentSize) }

// Add remembers e, forgetting the oldest entry when the ring is full.
func (r *Ring) Add(e Entry) {
	r.mu.Lock()
	r.buf[r.next] = e
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// All returns the remembered entries, oldest first.
func (r *Ring) All() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Entry(nil), r.buf[:r.next]...)
	}
	out := make([]Entry, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

// Find returns the remembered entry with the given id. Id 0 is never a
// request's id (ids start at 1), so it is never found, not even when an
// entry without an id was added; slots not yet written are never searched.
func (r *Ring) Find(id uint64) (Entry, bool) {
	if id == 0 {
		return Entry{}, false
	}
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
	return Entry{}, false
}

// Clip cuts s to n bytes and says whether it did: entries keep bounded
// copies of what a client sent.
func Clip(s string, n int) (string, bool) {
	if len(s) > n {
		return s[:n], true
	}
	return s, false
}

// ClipBytes is Clip for bytes, at MaxRecorded.
func ClipBytes(b []byte) (string, bool) {
	if len(b) > MaxRecorded {
		return string(b[:MaxRecorded]), true
	}
	return string(b), false
}

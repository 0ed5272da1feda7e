package emulator

import (
	"sync"
	"time"

	"github.com/mbxkit/mbx/binance/verify"
)

// RecentSize is how many requests Recent remembers.
const RecentSize = 500

// maxRecorded bounds the raw query, body and response kept per entry.
const maxRecorded = 4096

// Verdicts of an Entry.
const (
	VerdictAccepted = "accepted" // processed, 2xx
	VerdictRejected = "rejected" // a Binance error answer (4xx)
	VerdictLimited  = "limited"  // 429 or 418
	VerdictFault    = "fault"    // an injected fault answered
	VerdictNotFound = "not found"
)

// Entry is one API request as the exchange saw and answered it: what the
// inspector page (/mbx/) shows. It never holds a secret; RawQuery and Body
// are the bytes received (so they hold the client's signature, which is
// not a secret but is kept out of the log).
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
	Code       int           `json:"code"` // Binance code; 0 when accepted
	Msg        string        `json:"msg,omitempty"`
	Weight     int           `json:"weight"` // weight charged (after refunds)
	UsedWeight int           `json:"usedWeight1m"`
	HTTPStatus int           `json:"status"`
	Fault      string        `json:"fault,omitempty"` // kind of the injected fault, if any
	// Emulated is "example" when the answer is the catalogue's documented
	// example, not modelled state (header X-MBX-EMULATED).
	Emulated    string              `json:"emulated,omitempty"`
	Explanation *verify.Explanation `json:"explanation,omitempty"`
	ContentType string              `json:"contentType,omitempty"`
	RawQuery    string              `json:"rawQuery"`
	Body        string              `json:"body"`
	Response    string              `json:"response"`
	// Truncated says RawQuery, Body or Response was cut at 4 KiB.
	Truncated bool `json:"truncated,omitempty"`
}

// ring is a fixed-size ring buffer of entries.
type ring struct {
	mu   sync.Mutex
	buf  []Entry
	next int
	full bool
}

func newRing(n int) *ring { return &ring{buf: make([]Entry, n)} }

func (r *ring) add(e Entry) {
	r.mu.Lock()
	r.buf[r.next] = e
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// all returns the entries oldest first.
func (r *ring) all() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Entry(nil), r.buf[:r.next]...)
	}
	out := make([]Entry, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

func (r *ring) find(id uint64) (Entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.buf {
		if r.buf[i].ID == id && id != 0 {
			return r.buf[i], true
		}
	}
	return Entry{}, false
}

func clip(b []byte) (string, bool) {
	if len(b) > maxRecorded {
		return string(b[:maxRecorded]), true
	}
	return string(b), false
}

func clipString(s string) (string, bool) {
	if len(s) > maxRecorded {
		return s[:maxRecorded], true
	}
	return s, false
}

// clipKey bounds a header value kept in an entry and the log: a valid key
// has at most 256 bytes.
func clipKey(s string) (string, bool) {
	if len(s) > 256 {
		return s[:256], true
	}
	return s, false
}

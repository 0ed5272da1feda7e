// Package localex is the plumbing shared by the local exchanges of the
// exchanges other than Binance (kucoin, gate, ...): the SQLite ledger opened
// from an exchange.EmulatorConfig, the listener, the bounded list of recent
// requests behind /mbx/recent, the X-MBX-EXPLAIN header, and the variants of
// a secret that a mistake search tries. It holds no exchange's rules.
package localex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sim/store"
)

// HeaderExplain carries the explanation of a rejection, on one line.
const HeaderExplain = "X-MBX-EXPLAIN"

// RecentSize is how many requests a Recent remembers.
const RecentSize = 500

// maxField bounds each recorded string (query, body, explanation).
const maxField = 4096

// MaxBody bounds the request body a local exchange reads.
const MaxBody = 1 << 20

// Entry is one request as a local exchange saw and answered it. It never
// holds a secret.
type Entry struct {
	ID          uint64    `json:"id"`
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	RawQuery    string    `json:"rawQuery"`
	Body        string    `json:"body"`
	APIKey      string    `json:"apiKey,omitempty"`
	Status      int       `json:"status"`
	Code        string    `json:"code,omitempty"`
	Message     string    `json:"message,omitempty"`
	Explanation string    `json:"explanation,omitempty"`
	Mistakes    []string  `json:"mistakes,omitempty"`
}

// Recent is a bounded ring of the newest entries, safe for concurrent use.
type Recent struct {
	mu   sync.Mutex
	buf  []Entry
	next int
	full bool
	id   uint64
}

// NewRecent returns a ring of n entries (RecentSize when n <= 0).
func NewRecent(n int) *Recent {
	if n <= 0 {
		n = RecentSize
	}
	return &Recent{buf: make([]Entry, n)}
}

// Add records e, assigns its id and returns it.
func (r *Recent) Add(e Entry) uint64 {
	e.RawQuery, e.Body, e.Explanation = clip(e.RawQuery), clip(e.Body), clip(e.Explanation)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.id++
	e.ID = r.id
	r.buf[r.next] = e
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	return e.ID
}

// List returns the entries, oldest first.
func (r *Recent) List() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Entry
	if r.full {
		out = append(out, r.buf[r.next:]...)
	}
	return append(out, r.buf[:r.next]...)
}

// ServeHTTP answers the entries as JSON, newest first.
func (r *Recent) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	list := r.List()
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

func clip(s string) string {
	if len(s) > maxField {
		return s[:maxField]
	}
	return s
}

// SetExplain puts v's explanation (and the first mistake found) on one
// header line; nothing when there is none.
func SetExplain(h http.Header, v exchange.Verdict) {
	text := v.Explanation
	if len(v.Mistakes) > 0 {
		text += " Found: " + v.Mistakes[0]
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	// Header values must not carry line breaks or other control bytes.
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, text)
	h.Set(HeaderExplain, clip(text))
}

// Base is what every local exchange holds: its ledger, clock, recent list
// and listener.
type Base struct {
	Store  *store.Store
	Now    func() time.Time
	Recent *Recent
	Keys   map[string]exchange.EmulatorKey

	tmpDir string
	mu     sync.Mutex
	srv    *http.Server
}

// Open opens the ledger named by cfg.DataPath (a temporary file removed on
// Close when empty), checks the keys and creates one account per key with
// its balances.
func Open(ctx context.Context, cfg exchange.EmulatorConfig, needPassphrase bool) (*Base, error) {
	b := &Base{Now: cfg.Now, Recent: NewRecent(0), Keys: map[string]exchange.EmulatorKey{}}
	if b.Now == nil {
		b.Now = time.Now
	}
	if len(cfg.Keys) == 0 {
		return nil, errors.New("local exchange: no API keys configured; add at least one key with its secret")
	}
	for i, k := range cfg.Keys {
		switch {
		case k.APIKey == "":
			return nil, fmt.Errorf("local exchange: keys[%d].apiKey is empty; give every key its API key", i)
		case k.Secret.IsZero():
			return nil, fmt.Errorf("local exchange: key %q has no secret; set its secret", k.APIKey)
		case needPassphrase && k.Passphrase.IsZero():
			return nil, fmt.Errorf("local exchange: key %q has no passphrase; this exchange signs with one, set keys[%d].passphrase", k.APIKey, i)
		}
		if _, dup := b.Keys[k.APIKey]; dup {
			return nil, fmt.Errorf("local exchange: key %q is configured twice; keep one", k.APIKey)
		}
		b.Keys[k.APIKey] = k
	}
	path := cfg.DataPath
	if path == "" {
		dir, err := os.MkdirTemp("", "mbx-localex-")
		if err != nil {
			return nil, fmt.Errorf("local exchange: temporary ledger: %w", err)
		}
		b.tmpDir, path = dir, filepath.Join(dir, "ledger.db")
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		b.removeTmp()
		return nil, fmt.Errorf("local exchange: %w", err)
	}
	b.Store = st
	for _, k := range cfg.Keys {
		bal := map[string]decimal.Decimal{}
		for asset, amount := range k.Balances {
			d, err := decimal.NewFromString(amount)
			if err != nil {
				_ = b.Close()
				return nil, fmt.Errorf("local exchange: key %q: balance of %s %q is not a decimal number: %w", k.APIKey, asset, amount, err)
			}
			bal[asset] = d
		}
		if err := st.EnsureAccount(ctx, k.APIKey, bal); err != nil {
			_ = b.Close()
			return nil, fmt.Errorf("local exchange: %w", err)
		}
	}
	return b, nil
}

// Lookup finds a configured key's credentials (KeyVersion "2" for
// exchanges that have versions).
func (b *Base) Lookup(apiKey string) (exchange.Credentials, bool) {
	k, ok := b.Keys[apiKey]
	if !ok {
		return exchange.Credentials{}, false
	}
	return exchange.Credentials{APIKey: k.APIKey, Secret: k.Secret, Passphrase: k.Passphrase, KeyVersion: "2"}, true
}

// Start listens on addr and serves h; it returns the base URL. The server
// stops when ctx ends or on Close.
func (b *Base) Start(ctx context.Context, addr string, h http.Handler) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("local exchange: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	b.mu.Lock()
	if b.srv != nil {
		b.mu.Unlock()
		_ = ln.Close()
		return "", errors.New("local exchange: already started")
	}
	b.srv = srv
	b.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server and closes the ledger (and removes a temporary
// one).
func (b *Base) Close() error {
	b.mu.Lock()
	srv := b.srv
	b.mu.Unlock()
	var errs []error
	if srv != nil {
		errs = append(errs, srv.Close())
	}
	if b.Store != nil {
		errs = append(errs, b.Store.Close())
	}
	b.removeTmp()
	return errors.Join(errs...)
}

func (b *Base) removeTmp() {
	if b.tmpDir != "" {
		_ = os.RemoveAll(b.tmpDir)
	}
}

// ReadBody reads at most MaxBody bytes of r's body.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, fmt.Errorf("request body is larger than %d KiB", MaxBody>>10)
	}
	return b, nil
}

// WriteJSON answers v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// RecentEntries returns the recorded requests, oldest first.
func (b *Base) RecentEntries() []Entry { return b.Recent.List() }

// Package exsim is the one frame of every non-Binance local exchange (Bybit,
// OKX, KuCoin, Gate.io): the SQLite ledger opened from an
// exchange.EmulatorConfig, the known keys and their permissions, a bounded
// list of recent requests served as JSON under /mbx/recent, the request
// pipeline (body limit, verification, parameters, X-MBX-EXPLAIN, recording),
// the mapping of ledger errors to answers, a fixed-price spot market list,
// and a listener. The exchange's envelope, codes and endpoints stay in its
// own package.
package exsim

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
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sim/store"
)

// MaxBody bounds a request body; a real order is a few hundred bytes.
const MaxBody = 64 << 10

// RecentSize is how many requests /mbx/recent remembers.
const RecentSize = 200

// maxField bounds each recorded query or body.
const maxField = 2048

// ExplainHeader carries mbx's explanation of a rejection on every rejected
// response, as Binance's local exchange does.
const ExplainHeader = "X-MBX-EXPLAIN"

// Base is the shared part of a local exchange. Build it with Open; an
// exchange's emulator embeds it (so Handler, Start, Close and Recent are
// Base's) and registers its endpoints on Mux.
type Base struct {
	Store  *store.Store
	Now    func() time.Time
	Mux    *http.ServeMux
	keys   map[string]exchange.EmulatorKey
	recent *Recent
	tmpDir string

	mu  sync.Mutex
	srv *http.Server
}

// Passphrases is what an exchange's keys must say about a passphrase.
type Passphrases int

const (
	// PassphraseOptional accepts keys with or without one (it is unused).
	PassphraseOptional Passphrases = iota
	// PassphraseRequired refuses a key without one: the exchange signs
	// with it (OKX, KuCoin).
	PassphraseRequired
	// PassphraseForbidden refuses a key with one: the exchange's keys have
	// none, so a configured one is a mix-up of keys (Bybit).
	PassphraseForbidden
)

// Open validates cfg (every key's passphrase as pass says), opens the ledger
// (a temporary file when DataPath is empty) and creates an account, named
// after its API key, for every key. exchangeName is the exchange as people
// write it ("OKX"), for error messages.
func Open(ctx context.Context, exchangeName string, cfg exchange.EmulatorConfig, pass Passphrases) (*Base, error) {
	if len(cfg.Keys) == 0 {
		return nil, fmt.Errorf("%s local exchange: no API keys configured; add at least one key", exchangeName)
	}
	b := &Base{Now: cfg.Now, Mux: http.NewServeMux(), keys: make(map[string]exchange.EmulatorKey, len(cfg.Keys)), recent: NewRecent(RecentSize)}
	b.Mux.Handle("GET /mbx/recent", b.recent)
	if b.Now == nil {
		b.Now = time.Now
	}
	for i, k := range cfg.Keys {
		switch {
		case k.APIKey == "" || strings.ContainsAny(k.APIKey, " \t\r\n"):
			return nil, fmt.Errorf("%s local exchange: key #%d: apiKey must be non-empty without spaces", exchangeName, i+1)
		case k.Secret.IsZero():
			return nil, fmt.Errorf("%s local exchange: key %s: secret is empty; set the key's secret", exchangeName, MaskKey(k.APIKey))
		case pass == PassphraseRequired && k.Passphrase.IsZero():
			return nil, fmt.Errorf("%s local exchange: key %s has no passphrase; every %s API key has one: set the key's passphrase", exchangeName, MaskKey(k.APIKey), exchangeName)
		case pass == PassphraseForbidden && !k.Passphrase.IsZero():
			return nil, fmt.Errorf("%s local exchange: key %s has a passphrase, but %s keys have none; remove it", exchangeName, MaskKey(k.APIKey), exchangeName)
		}
		if _, dup := b.keys[k.APIKey]; dup {
			return nil, fmt.Errorf("%s local exchange: key %s is configured twice", exchangeName, MaskKey(k.APIKey))
		}
		b.keys[k.APIKey] = k
	}
	path := cfg.DataPath
	if path == "" {
		dir, err := os.MkdirTemp("", "mbx-"+strings.ToLower(exchangeName)+"-")
		if err != nil {
			return nil, fmt.Errorf("%s local exchange: temporary ledger: %w", exchangeName, err)
		}
		b.tmpDir, path = dir, filepath.Join(dir, "ledger.sqlite")
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		b.removeTmp()
		return nil, fmt.Errorf("%s local exchange: %w", exchangeName, err)
	}
	b.Store = st
	for _, k := range cfg.Keys {
		bal := make(map[string]decimal.Decimal, len(k.Balances))
		for asset, amount := range k.Balances {
			d, err := decimal.NewFromString(amount)
			if err != nil || d.IsNegative() {
				_ = b.Close()
				return nil, fmt.Errorf("%s local exchange: key %s: balance %s=%q is not a decimal amount >= 0", exchangeName, MaskKey(k.APIKey), asset, amount)
			}
			bal[asset] = d
		}
		if err := st.EnsureAccount(ctx, k.APIKey, bal); err != nil {
			_ = b.Close()
			return nil, fmt.Errorf("%s local exchange: %w", exchangeName, err)
		}
	}
	return b, nil
}

func (b *Base) removeTmp() {
	if b.tmpDir != "" {
		_ = os.RemoveAll(b.tmpDir)
	}
}

// Lookup finds a configured key's credentials (HMAC secret and passphrase).
func (b *Base) Lookup(apiKey string) (exchange.Credentials, bool) {
	k, ok := b.keys[apiKey]
	if !ok {
		return exchange.Credentials{}, false
	}
	return exchange.Credentials{APIKey: k.APIKey, Secret: k.Secret, Passphrase: k.Passphrase}, true
}

// Can reports whether account's key has permission perm, compared without
// case (every permission when the key lists none, as a key made for a test
// usually does).
func (b *Base) Can(account, perm string) bool {
	k := b.keys[account]
	if len(k.Permissions) == 0 {
		return true
	}
	for _, p := range k.Permissions {
		if strings.EqualFold(p, perm) {
			return true
		}
	}
	return false
}

// Recent returns the requests the exchange answered, newest first.
func (b *Base) Recent() []Entry { return b.recent.All() }

// Handler serves Mux: the exchange's API and /mbx/recent.
func (b *Base) Handler() http.Handler { return b.Mux }

// Start listens on addr (e.g. "127.0.0.1:0"), serves Mux until Close and
// returns the base URL.
func (b *Base) Start(ctx context.Context, addr string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		return "", errors.New("local exchange: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("local exchange: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: b.Mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10}
	b.srv = srv
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the listener (if started), closes the ledger and removes a
// temporary one.
func (b *Base) Close() error {
	b.mu.Lock()
	srv := b.srv
	b.srv = nil
	b.mu.Unlock()
	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, srv.Shutdown(ctx))
		cancel()
	}
	if b.Store != nil {
		errs = append(errs, b.Store.Close())
	}
	b.removeTmp()
	return errors.Join(errs...)
}

// ReadBody reads at most MaxBody bytes of r's body.
func ReadBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("the body is larger than %d KiB", MaxBody>>10)
	}
	return body, nil
}

// Incoming is r with body as the exchange verifies it: the raw query and body,
// never re-encoded.
func Incoming(r *http.Request, body []byte) exchange.Incoming {
	return exchange.Incoming{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header, Body: body}
}

// QueryParams decodes a raw query in order. Both %20 and '+' read as a space,
// as the exchanges' servers do.
func QueryParams(raw string) (map[string]string, error) {
	out := make(map[string]string)
	if raw == "" {
		return out, nil
	}
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		name, err := pct.FormUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("query parameter %q: %w", k, err)
		}
		val, err := pct.FormUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("query parameter %s: %w", name, err)
		}
		out[name] = val
	}
	return out, nil
}

// BodyParams decodes a JSON object body; string values as they are, numbers
// and booleans as their JSON text (clients differ in which they send). An
// empty body is no parameters.
func BodyParams(body []byte) (map[string]string, error) {
	out := make(map[string]string)
	if len(strings.TrimSpace(string(body))) == 0 {
		return out, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %w", err)
	}
	for k, v := range raw {
		t := strings.TrimSpace(string(v))
		if t == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		out[k] = t // a number, boolean, object or array as its JSON text
	}
	return out, nil
}

// MaskKey shows the first and last four characters of an API key.
func MaskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:4] + "…" + k[len(k)-4:]
}

// Entry is one request as the local exchange saw and answered it. It never
// holds a secret; the API key is masked.
type Entry struct {
	ID          uint64    `json:"id"`
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	RawQuery    string    `json:"rawQuery,omitempty"`
	Body        string    `json:"body,omitempty"`
	APIKey      string    `json:"apiKey,omitempty"`
	Status      int       `json:"status"`
	Code        string    `json:"code"`
	Message     string    `json:"msg,omitempty"`
	Explanation string    `json:"explanation,omitempty"`
	Mistakes    []string  `json:"mistakes,omitempty"`
}

// Recent is a bounded, concurrency-safe list of the latest entries.
type Recent struct {
	mu   sync.Mutex
	buf  []Entry
	next uint64
	size int
}

// NewRecent remembers the last n entries (n >= 1).
func NewRecent(n int) *Recent {
	if n < 1 {
		n = 1
	}
	return &Recent{size: n}
}

// Add records e, clipping its query and body, and returns its id.
func (r *Recent) Add(e Entry) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	e.ID = r.next
	e.RawQuery, e.Body = clip(e.RawQuery), clip(e.Body)
	if e.APIKey != "" {
		e.APIKey = MaskKey(e.APIKey)
	}
	if len(r.buf) == r.size {
		copy(r.buf, r.buf[1:])
		r.buf = r.buf[:len(r.buf)-1]
	}
	r.buf = append(r.buf, e)
	return e.ID
}

// All returns the entries, newest first.
func (r *Recent) All() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Entry, len(r.buf))
	copy(out, r.buf)
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// ServeHTTP answers GET /mbx/recent with the entries as JSON.
func (r *Recent) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r.All())
}

func clip(s string) string {
	if len(s) <= maxField {
		return s
	}
	return s[:maxField] + "…"
}

// Authenticate reads r's body and verifies r with ex at b.Now. On a
// rejection it records it, sets ExplainHeader and calls reject, which writes
// the exchange's envelope, and returns ok false. A body over MaxBody is
// answered 413 without verification.
func (b *Base) Authenticate(w http.ResponseWriter, r *http.Request, ex exchange.Exchange, reject func(exchange.Verdict)) (apiKey string, body []byte, ok bool) {
	body, err := ReadBody(r)
	if err != nil {
		// No envelope: a real exchange's front proxy, not its API, refuses
		// such a body.
		b.Record(r, nil, "", http.StatusRequestEntityTooLarge, "", "", err.Error(), nil)
		Explain(w.Header(), err.Error())
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return "", nil, false
	}
	v := ex.Verify(Incoming(r, body), b.Lookup, b.Now())
	if !v.OK {
		b.Record(r, body, v.APIKey, v.Status, v.Code, v.Message, v.Explanation, v.Mistakes)
		Explain(w.Header(), v.Explanation, v.Mistakes...)
		reject(v)
		return v.APIKey, body, false
	}
	return v.APIKey, body, true
}

// Params are r's parameters: the query for GET, the JSON body otherwise.
func Params(r *http.Request, body []byte) (map[string]string, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodDelete {
		return QueryParams(r.URL.RawQuery)
	}
	return BodyParams(body)
}

// Record adds r, answered with status and code, to the recent list.
func (b *Base) Record(r *http.Request, body []byte, apiKey string, status int, code, msg, explanation string, mistakes []string) {
	b.recent.Add(Entry{Time: b.Now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: string(body),
		APIKey: apiKey, Status: status, Code: code, Message: msg, Explanation: explanation, Mistakes: mistakes})
}

// Explain sets ExplainHeader to explanation followed by the first mistake
// found (unless the explanation already names it), kept to one printable
// line of at most 1 KiB: a header cannot carry line breaks, and a client
// logs it whole. Nothing is set when there is nothing to say.
func Explain(h http.Header, explanation string, mistakes ...string) {
	if len(mistakes) > 0 && !strings.Contains(explanation, mistakes[0]) {
		explanation = strings.TrimRight(explanation, " .;:") + "; found: " + mistakes[0]
	}
	s := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, explanation))
	if s == "" {
		return
	}
	if len(s) > 1024 {
		s = s[:1024]
	}
	h.Set(ExplainHeader, s)
}

// Reply is one answer before the exchange's envelope is written. A
// rejection has an Explanation, sent in ExplainHeader.
type Reply struct {
	Status      int
	Code, Msg   string
	Explanation string
	Data        any
}

// API is how an exchange's local exchange answers: who verifies its private
// requests, how a reply is written in its envelope, and its reply to
// parameters that cannot be read.
type API struct {
	Exchange  exchange.Exchange
	Write     func(w http.ResponseWriter, r Reply)
	BadParams func(err error) Reply
}

// EndpointFunc answers one request; account is the verified API key ("" on
// a public endpoint), p its parameters (query for GET, JSON object body
// otherwise; none for a JSON array body, which is a batch read from body).
type EndpointFunc func(r *http.Request, account string, p map[string]string, body []byte) Reply

// Handle registers h on Mux at pattern. A private endpoint's request is
// verified first (a rejection is answered by Authenticate); every answer is
// recorded in Recent and a rejection's explanation set in ExplainHeader.
func (b *Base) Handle(a API, pattern string, private bool, h EndpointFunc) {
	b.Mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var key string
		var body []byte
		if private {
			var ok bool
			key, body, ok = b.Authenticate(w, r, a.Exchange, func(v exchange.Verdict) {
				a.Write(w, Reply{Status: v.Status, Code: v.Code, Msg: v.Message, Explanation: v.Explanation})
			})
			if !ok {
				return
			}
		}
		var rep Reply
		p := map[string]string{}
		var err error
		if t := strings.TrimSpace(string(body)); !strings.HasPrefix(t, "[") {
			p, err = Params(r, body)
		}
		if err != nil {
			rep = a.BadParams(err)
		} else {
			rep = h(r, key, p, body)
		}
		b.Record(r, body, key, rep.Status, rep.Code, rep.Msg, rep.Explanation, nil)
		Explain(w.Header(), rep.Explanation)
		a.Write(w, rep)
	})
}

// HandleRoutes serves an exchange that routes by itself: public maps
// "METHOD /path" to the data of an unauthenticated answer, and private
// answers every other request once verified (an unknown path included, as
// the real exchanges check the key before the route).
func (b *Base) HandleRoutes(a API, public map[string]func() any, private EndpointFunc) {
	for pattern, data := range public {
		b.Handle(a, pattern, false, func(*http.Request, string, map[string]string, []byte) Reply {
			return Reply{Status: http.StatusOK, Data: data()}
		})
	}
	b.Handle(a, "/", true, private)
}

// Result is the Reply of an endpoint that answered data (200) or failed
// with fail.
func Result(data any, fail *Reply) Reply {
	if fail != nil {
		return *fail
	}
	return Reply{Status: http.StatusOK, Data: data}
}

// JSONEnvelope is an API.Write for an exchange whose answer is one JSON body:
// ok(data) for a success (a Reply without a Code), fail(reply) for a
// rejection.
func JSONEnvelope(ok func(data any) any, fail func(r Reply) any) func(http.ResponseWriter, Reply) {
	return func(w http.ResponseWriter, r Reply) {
		if r.Code == "" {
			WriteJSON(w, r.Status, ok(r.Data))
			return
		}
		WriteJSON(w, r.Status, fail(r))
	}
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// StoreAnswers are an exchange's answers to the ledger's errors. Each answer
// gets the ledger's error as its explanation; BadInput's message is followed
// by the field and its problem.
type StoreAnswers struct {
	Balance, UnknownOrder, Duplicate, BadInput, Internal Reply
}

// StoreError turns an error of sim/store into the exchange's answer a.
func StoreError(err error, a StoreAnswers) *Reply {
	var out Reply
	switch {
	case errors.Is(err, store.ErrInsufficientBalance):
		out = a.Balance
	case errors.Is(err, store.ErrUnknownOrder):
		out = a.UnknownOrder
	case errors.Is(err, store.ErrDuplicateOrder):
		out = a.Duplicate
	case errors.Is(err, store.ErrBadInput):
		out = a.BadInput
		var fe *store.FieldError
		if errors.As(err, &fe) {
			out.Msg = fmt.Sprintf("%s%s: %s", out.Msg, fe.Field, fe.Problem)
		}
	default:
		out = a.Internal
	}
	if out.Status == 0 {
		out.Status = http.StatusInternalServerError
	}
	out.Explanation = err.Error()
	return &out
}

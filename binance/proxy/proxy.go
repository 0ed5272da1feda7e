// Package proxy is the engine of `mbx proxy`: a debugging reverse proxy that
// sits between bots that cannot be changed and a Binance REST host (or the
// local exchange).
//
//   - For the API keys it knows, it verifies every signed request with the
//     same engine as the local exchange (package verify) against the
//     upstream's clock. A request Binance would reject with -1022 (bad
//     signature), -1021 (timestamp), or -1100/-1102 on signature, timestamp
//     or recvWindow is answered at once with Binance's error shape, an
//     X-MBX-EXPLAIN header saying which client mistake produced it, and
//     X-MBX-INSPECT pointing at the proxy's inspector page. It never reaches
//     the exchange, so it costs no weight and cannot add to a ban.
//   - Every request, whoever sends it, draws on one weight budget (a
//     ratelimit.Governor, in-process or shared through Redis): the
//     endpoint's cost is reserved before forwarding and the upstream's usage
//     headers correct it. After the upstream answers 429 or 418, the proxy
//     answers 429/418 itself (-1003, Retry-After) until the block ends,
//     forwarding nothing, so no bot behind it can turn a 429 into a ban.
//   - Everything else is forwarded byte for byte: method, raw path, raw query
//     (r.URL.RawQuery, never re-encoded), body bytes and headers (minus
//     hop-by-hop headers), and the answer comes back unchanged.
//   - /mbx/ serves the inspector page (package sim/inspector) over the proxy's own
//     record of recent requests.
//
// Requests with an unknown API key, or without a signature, are forwarded
// unverified (only the exchange knows keys it was not given); the record
// says when Binance's catalogue (package binance/catalog) lists the
// endpoint as SIGNED. Weights come from the same catalogue, through the
// governor.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/inspector"
	"github.com/mbxkit/mbx/sim/serve"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes = verify.DefaultMaxBodyBytes
	DefaultClockWait    = 3 * time.Second
	DefaultClockSlack   = 100 * time.Millisecond
	// DefaultBodyTimeout bounds how long a client may take to send a
	// request body, so that slow-body clients cannot hold connections.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultUpstreamTimeout bounds the wait for the upstream's response
	// headers. Binance's own processing timeout is 10 s (it then answers
	// -1007 itself); the margin lets that answer through.
	DefaultUpstreamTimeout = 15 * time.Second
)

// Options configure New. Upstream is required.
type Options struct {
	// Upstream is the exchange's base URL (scheme://host[:port]), e.g.
	// https://api.binance.com or http://127.0.0.1:8765 (mbx serve).
	Upstream string
	// Keys are the API keys verified locally: Verifier is the HMAC signer
	// itself, or the public key of an RSA or Ed25519 key (sign.Public).
	Keys []verify.Key
	// Backend keeps the shared weight budget: nil means in-process
	// (ratelimit.NewMemory); a ratelimit.Redis shares it with every proxy
	// and mbx client on the same Redis.
	Backend ratelimit.Backend
	// Limits override the documented limits of families (see
	// ratelimit.Options.Limits); nil keeps them.
	Limits map[string][]ratelimit.Limit
	// Transport sends requests upstream. Nil means a transport without
	// transparent compression, so that response bodies pass unchanged; a
	// Transport given here should set DisableCompression too.
	Transport http.RoundTripper
	// Logger gets one line per request (never a secret, signature or
	// payload); nil discards.
	Logger *slog.Logger
	// Now is the local clock (tests inject one); nil means time.Now.
	Now func() time.Time
	// ClockSamples per sync of the upstream's clock (default 5) and
	// ClockResync, how often it is resynced (default 10m).
	ClockSamples int
	ClockResync  time.Duration
	// ClockWait is how long a signed request waits for the first sync of
	// its family's clock (default 3s). Until a sync succeeds, timing is not
	// judged locally: such requests are forwarded.
	ClockWait time.Duration
	// ClockSlack widens the window in which a timestamp is given the
	// benefit of the doubt, on top of the measurement's error bound and the
	// forwarding delay (default 100ms): the proxy answers -1021 only for a
	// timestamp the upstream would certainly reject.
	ClockSlack time.Duration
	// SignatureMustBeLast is verify.Options.SignatureMustBeLast (default
	// lenient, as the local exchange).
	SignatureMustBeLast bool
	// MaxBodyBytes bounds a request body (default 1 MiB); a larger one is
	// answered 413 without forwarding (verify.BodyTooLarge).
	MaxBodyBytes int64
	// MaxQueryBytes bounds the raw query (default 64 KiB); a longer one is
	// answered 414 without forwarding (verify.QueryTooLong), as the local
	// exchange and mbx explain answer it.
	MaxQueryBytes int
	// BodyTimeout bounds the time a client may take to send its request
	// body (default DefaultBodyTimeout); a slower client gets 400 and is
	// disconnected.
	BodyTimeout time.Duration
	// UpstreamTimeout bounds the wait for the upstream's response headers
	// (default DefaultUpstreamTimeout). When it passes, the client gets
	// HTTP 503 with Binance's -1007 "Timeout waiting for response from
	// backend server. Send status unknown; execution status unknown.": the
	// request may have been executed.
	UpstreamTimeout time.Duration
	// InspectorAllowRemote serves /mbx/ to clients that are not on loopback
	// (inspector.Options.AllowRemote).
	InspectorAllowRemote bool
}

// Stats count what the proxy did.
type Stats struct {
	Forwarded       uint64 // sent upstream
	RejectedLocally uint64 // answered -1022/-1021/-1100/-1102 by the proxy
	LimitedLocally  uint64 // answered 429/418 by the proxy
	Failed          uint64 // upstream unreachable or request unreadable
}

// Proxy is the reverse proxy. It is an http.Handler; Start serves it on an
// address. It is safe for concurrent use.
type Proxy struct {
	up        *url.URL
	upBase    string // scheme://host, the budget's host
	keys      map[string]verify.Key
	gov       *ratelimit.Governor
	rt        http.RoundTripper
	log       *slog.Logger
	now       func() time.Time
	maxBody   int64
	maxQuery  int
	bodyWait  time.Duration
	upWait    time.Duration
	clockWait time.Duration
	slack     time.Duration
	strict    bool
	samples   int
	resync    time.Duration
	insp      http.Handler
	recent    *inspector.Ring
	nextID    atomic.Uint64

	forwarded, rejected, limited, failed atomic.Uint64
	// lastLimit is the upstream's last 429/418 message, replayed while its
	// block lasts so that bots read the exchange's own words.
	lastLimit atomic.Pointer[limitBody]

	ctx    context.Context // ends at Close; clock goroutines run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	cmu     sync.Mutex
	clocks  map[binance.Family]*famClock
	govTime atomic.Pointer[clock.Clock] // the clock the governor's windows follow

	mu      sync.Mutex
	httpSrv *serve.Server
	closed  bool

	closeOnce sync.Once
	closeErr  error
}

// New builds a proxy. It sends nothing until the first request.
func New(opt Options) (*Proxy, error) {
	up, err := url.Parse(strings.TrimRight(opt.Upstream, "/"))
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" || up.RawQuery != "" || up.Fragment != "" {
		return nil, fmt.Errorf("proxy: upstream %q: want the exchange's base URL, http(s)://host[:port], e.g. https://api.binance.com or http://127.0.0.1:8765", opt.Upstream)
	}
	p := &Proxy{
		up: up, upBase: up.Scheme + "://" + up.Host, keys: make(map[string]verify.Key, len(opt.Keys)),
		rt: opt.Transport, log: opt.Logger, now: opt.Now, maxBody: opt.MaxBodyBytes, maxQuery: opt.MaxQueryBytes,
		bodyWait: opt.BodyTimeout, upWait: opt.UpstreamTimeout,
		clockWait: opt.ClockWait, slack: opt.ClockSlack, strict: opt.SignatureMustBeLast,
		samples: opt.ClockSamples, resync: opt.ClockResync,
		recent: inspector.NewRecent(), clocks: map[binance.Family]*famClock{},
	}
	for i, k := range opt.Keys {
		switch {
		case k.APIKey == "":
			return nil, fmt.Errorf("proxy: Keys[%d] has no APIKey; every verified key needs the API key its requests carry", i)
		case k.Verifier == nil:
			return nil, fmt.Errorf("proxy: key %s has no Verifier; give the HMAC signer or the public key (sign.Public)", secret.MaskKey(k.APIKey))
		}
		if _, dup := p.keys[k.APIKey]; dup {
			return nil, fmt.Errorf("proxy: key %s is given twice; keep one", secret.MaskKey(k.APIKey))
		}
		p.keys[k.APIKey] = k
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.maxBody <= 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	if p.maxQuery <= 0 {
		p.maxQuery = verify.DefaultMaxQueryBytes
	}
	if p.bodyWait <= 0 {
		p.bodyWait = DefaultBodyTimeout
	}
	if p.upWait <= 0 {
		p.upWait = DefaultUpstreamTimeout
	}
	if p.clockWait <= 0 {
		p.clockWait = DefaultClockWait
	}
	if p.slack <= 0 {
		p.slack = DefaultClockSlack
	}
	if p.rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		t.MaxIdleConnsPerHost = 64
		p.rt = t
	}
	backend := opt.Backend
	if backend == nil {
		backend = ratelimit.NewMemory()
	}
	p.gov = binance.PrepareGovernor(ratelimit.NewGovernor(backend, ratelimit.Options{Limits: opt.Limits, Now: p.serverNow, Logger: p.log}))
	p.insp = inspector.New(p, inspector.Options{AllowRemote: opt.InspectorAllowRemote})
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Governor is the proxy's weight governor.
func (p *Proxy) Governor() *ratelimit.Governor { return p.gov }

// Upstream is the upstream's base URL.
func (p *Proxy) Upstream() string { return p.upBase + strings.TrimRight(p.up.Path, "/") }

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	return Stats{Forwarded: p.forwarded.Load(), RejectedLocally: p.rejected.Load(), LimitedLocally: p.limited.Load(), Failed: p.failed.Load()}
}

// Recent returns the remembered requests, oldest first (inspector.Source).
func (p *Proxy) Recent() []inspector.Entry { return p.recent.All() }

// Lookup returns a remembered request by id (inspector.Source).
func (p *Proxy) Lookup(id uint64) (inspector.Entry, bool) { return p.recent.Find(id) }

// serverNow is the upstream's clock as far as it is known: the governor's
// windows follow it, as Binance's do.
func (p *Proxy) serverNow() time.Time {
	t := p.now()
	if ck := p.govTime.Load(); ck != nil {
		t = t.Add(ck.Estimate().Offset)
	}
	return t
}

// ServeHTTP serves the inspector under /mbx/ and proxies everything else.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/mbx" || strings.HasPrefix(r.URL.Path, "/mbx/") {
		p.insp.ServeHTTP(w, r)
		return
	}
	p.serveAPI(w, r)
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves until
// ctx ends or Close is called. It returns the proxy's base URL.
func (p *Proxy) Start(ctx context.Context, addr string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return "", errors.New("proxy: Start after Close")
	case p.httpSrv != nil:
		return "", errors.New("proxy: already started")
	}
	srv, err := serve.Start(ctx, addr, p, serve.Options{
		Name: "proxy", Hint: "use --listen 127.0.0.1:0 for a free port",
		Logger: p.log, OnContextDone: func() { _ = p.Close() },
	})
	if err != nil {
		return "", err
	}
	p.httpSrv = srv
	return srv.URL(), nil
}

// Close stops serving (waiting up to 5s for requests in flight) and the
// clock syncs. It is safe to call more than once and from several
// goroutines: every call returns once the proxy has stopped.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() { p.closeErr = p.close() })
	return p.closeErr
}

func (p *Proxy) close() error {
	p.mu.Lock()
	p.closed = true
	srv := p.httpSrv
	p.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown()
	}
	p.cancel()
	p.wg.Wait()
	if t, ok := p.rt.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	return err
}

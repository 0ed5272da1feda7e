package binance

import (
	"context"
	"errors"
	"fmt"
	"github.com/mbxkit/mbx/retry"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
	"github.com/prometheus/client_golang/prometheus"
)

// Security is an endpoint's security type.
type Security uint8

// Security types (binance-auth.md §1.5).
const (
	None   Security = iota // public: no key
	APIKey                 // key header only (MARKET_DATA, USER_STREAM)
	Signed                 // key header, timestamp and signature (TRADE, USER_DATA, ...)
	// Catalogued takes the security type from Binance's catalogue
	// (SecurityOf); endpoints it does not list are Signed.
	Catalogued
)

// Request is one REST call. Fill Query (and Body for POST/PUT form
// parameters) with the caller's values in the caller's order.
type Request struct {
	Method   string
	Path     string // e.g. /api/v3/order; the family is taken from it
	Security Security
	Query    params.List
	Body     params.List
	// TimestampIn moves timestamp and signature to a part (default: the
	// body when there is one, else the query).
	TimestampIn payload.Part
	// Idempotent marks a request that may be sent again after an error whose
	// outcome is unknown. Nil means: GET is, everything else is not.
	Idempotent *bool
}

func (r *Request) idempotent() bool {
	if r.Idempotent != nil {
		return *r.Idempotent
	}
	return r.Method == http.MethodGet
}

// Response is a successful answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Attempts   int // how many times the request was sent
	// RateLimit is the rate-limit state the answer reported (used weight
	// per window, order counts), as the client's governor applied it.
	RateLimit RateLimitState

	usage [6]ratelimit.Usage // RateLimit.Usage's storage: no allocation for the usual few
}

// RetryPolicy bounds resending.
type RetryPolicy struct {
	MaxAttempts int           // per call, first try included (default 4)
	BaseDelay   time.Duration // first backoff (default 200ms), doubled each time, with full jitter
	MaxDelay    time.Duration // backoff cap (default 5s)
	// QueryDelay is the pause before asking whether an order whose outcome
	// is unknown exists (default 500ms): the matching engine may still be
	// working on it.
	QueryDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.QueryDelay < 0 {
		p.QueryDelay = 0
	} else if p.QueryDelay == 0 {
		p.QueryDelay = 500 * time.Millisecond
	}
	return p
}

// Options configure a Client.
type Options struct {
	// Env picks documented endpoints; BaseURL (e.g. the local exchange)
	// overrides it for every family.
	Env       Env
	BaseURL   string
	Endpoints Endpoints // overrides both when set

	APIKey string
	Signer sign.Signer // nil: only public endpoints work

	// RecvWindow sent with signed requests (default 5s; at most 60s).
	RecvWindow time.Duration
	// Microseconds sends timestamps in µs (spot only).
	Microseconds bool

	HTTPClient *http.Client // default: a client with a 30s timeout
	Logger     *slog.Logger // default: slog.Default(); signatures and secrets never logged
	// Governor shares a weight budget (in-process or Redis) between clients;
	// default: a private in-memory one.
	Governor *ratelimit.Governor
	// ClockResync is how often each host's clock is resynced (default 10m).
	ClockResync time.Duration
	// ClockSamples per sync (default 5).
	ClockSamples int
	Retry        RetryPolicy
	// Metrics, when set, registers the client's Prometheus metrics on it.
	Metrics prometheus.Registerer
	// MaxBody bounds a response body (default 16 MiB).
	MaxBody int64
}

// Client calls Binance REST APIs. It is safe for concurrent use.
type Client struct {
	ep         Endpoints
	env        Env
	apiKey     string
	scope      string // per-account budget key, derived once from the API key
	signer     sign.Signer
	recvWindow time.Duration
	micro      bool
	hc         *http.Client
	log        *slog.Logger
	gov        *ratelimit.Governor
	retry      RetryPolicy
	resync     time.Duration
	samples    int
	maxBody    int64
	metrics    *metrics

	mu     sync.Mutex
	clocks map[string]*clock.Clock // per base URL
	// famClocks is the clock of each family once known, read without the
	// lock or building a key.
	famClocks [numFamilies]atomic.Pointer[clock.Clock]

	// costs caches the governor's price of a route (it depends only on the
	// method, the path and whether a symbol is given), so that a call
	// builds no url.Values and no route key.
	costMu sync.RWMutex
	costs  map[costKey]ratelimit.Cost

	bases     [numFamilies]*url.URL // each family's base URL, parsed once
	keyHeader []string              // X-MBX-APIKEY's value, shared read-only by every request
	formCT    []string              // the form Content-Type, likewise
	// bodies keeps response buffers (*[]byte) for the calls that decode
	// and drop the body at once.
	bodies    sync.Pool
	headers   ratelimit.Headers // Binance's reader, converted once
	backoffFn func(int) time.Duration

	// builders keeps payload builders (their buffers and keyed HMAC state)
	// for reuse, so a call does not rebuild them.
	builders sync.Pool
}

// New returns a Client.
func New(opt Options) (*Client, error) {
	c := &Client{
		env: opt.Env, apiKey: opt.APIKey, signer: opt.Signer, recvWindow: opt.RecvWindow,
		micro: opt.Microseconds, hc: opt.HTTPClient, log: opt.Logger, gov: opt.Governor,
		retry: opt.Retry.withDefaults(), resync: opt.ClockResync, samples: opt.ClockSamples,
		maxBody: opt.MaxBody, clocks: map[string]*clock.Clock{},
	}
	var err error
	switch {
	case opt.Endpoints != nil:
		c.ep, c.env = opt.Endpoints, Custom
	case opt.BaseURL != "":
		c.ep, err = SingleBase(opt.BaseURL)
		c.env = Custom
	default:
		if c.env == "" {
			c.env = Prod
		}
		c.ep, err = EndpointsFor(c.env)
	}
	if err != nil {
		return nil, err
	}
	if c.recvWindow, err = ValidateAuth(c.apiKey, c.recvWindow); err != nil {
		return nil, err
	}
	c.scope = BudgetScope(c.apiKey)
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.gov == nil {
		c.gov = ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Logger: c.log, Headers: RateLimitHeaders(), Weights: DefaultWeights()})
	}
	c.gov = PrepareGovernor(c.gov)
	c.headers = RateLimitHeaders()
	c.backoffFn = c.backoff
	for _, f := range Families() {
		if b, err := c.ep.Base(f); err == nil {
			if u, err := url.Parse(b); err == nil && u.RawQuery == "" && u.Fragment == "" && u.User == nil {
				c.bases[familyIndex(f)] = u
			}
		}
	}
	c.keyHeader = []string{c.apiKey}
	c.formCT = []string{"application/x-www-form-urlencoded"}
	c.costs = make(map[costKey]ratelimit.Cost)
	if c.maxBody <= 0 {
		c.maxBody = 16 << 20
	}
	if opt.Metrics != nil {
		if c.metrics, err = newMetrics(opt.Metrics); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ValidateAuth checks the API key and recvWindow a client (REST or
// WebSocket API) is configured with and returns the recvWindow to use (5s
// when zero).
func ValidateAuth(apiKey string, recvWindow time.Duration) (time.Duration, error) {
	if recvWindow == 0 {
		recvWindow = 5 * time.Second
	}
	if _, err := payload.FormatRecvWindow(recvWindow); err != nil {
		return 0, fmt.Errorf("Options.RecvWindow: %w", err)
	}
	if strings.TrimSpace(apiKey) != apiKey || strings.ContainsAny(apiKey, "\r\n\t ") {
		return 0, fmt.Errorf("Options.APIKey has whitespace or a newline in it (a classic -2014 cause): trim it")
	}
	return recvWindow, nil
}

// BudgetScope is the per-account rate-limit scope of an API key, so the
// REST and WebSocket clients of one key count its orders together.
func BudgetScope(apiKey string) string {
	if apiKey == "" {
		return ""
	}
	return "key:" + apiKey
}

// Env is the client's environment (Custom for a base URL).
func (c *Client) Env() Env { return c.env }

// BaseURL returns the base URL serving a family.
func (c *Client) BaseURL(f Family) (string, error) { return c.ep.Base(f) }

// Governor is the client's weight governor.
func (c *Client) Governor() *ratelimit.Governor { return c.gov }

// numFamilies is len(Families()).
const numFamilies = 6

// familyIndex is f's position in Families().
func familyIndex(f Family) int {
	switch f {
	case Spot:
		return 0
	case Wallet:
		return 1
	case USDMFutures:
		return 2
	case COINFutures:
		return 3
	case Portfolio:
		return 4
	case OptionsTrading:
		return 5
	}
	return -1
}

// Clock returns the server clock of the host serving family f, creating it
// on first use.
func (c *Client) Clock(f Family) (*clock.Clock, error) {
	i := familyIndex(f)
	if i >= 0 {
		if ck := c.famClocks[i].Load(); ck != nil {
			return ck, nil
		}
	}
	base, err := c.ep.Base(f)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := base + f.TimePath()
	ck, ok := c.clocks[key]
	if !ok {
		ck = clock.New(&TimeSource{Client: c.hc, BaseURL: base, Path: f.TimePath()},
			clock.Options{Samples: c.samples, ResyncEvery: c.resync, Logger: c.log})
		c.clocks[key] = ck
	}
	if i >= 0 {
		c.famClocks[i].Store(ck)
	}
	return ck, nil
}

// ensureClock syncs a host's clock when it never was or is stale.
func (c *Client) ensureClock(ctx context.Context, f Family) (*clock.Clock, error) {
	ck, err := c.Clock(f)
	if err != nil {
		return nil, err
	}
	if ck.NeedsSync() {
		if _, err := ck.Sync(ctx); err != nil && !ck.Estimate().Synced {
			return nil, fmt.Errorf("syncing with %s server time: %w", f, err)
		}
	}
	return ck, nil
}

// costKey is what the governor's price of a request depends on.
type costKey struct {
	method, path string
	symbol       bool
}

// maxCosts bounds the route price cache.
const maxCosts = 512

// cost prices req for the governor. Only symbol and limit change an
// endpoint's weight; requests with a limit are priced afresh.
func (c *Client) cost(base string, req *Request) ratelimit.Cost {
	sym, hasSym := req.Query.Get("symbol")
	if !hasSym {
		sym, hasSym = req.Body.Get("symbol")
	}
	if req.Query.Has("limit") || req.Body.Has("limit") {
		return c.gov.Cost(base, req.Method, req.Path, queryValues(req))
	}
	k := costKey{method: req.Method, path: req.Path, symbol: hasSym && sym != ""}
	c.costMu.RLock()
	cost, ok := c.costs[k]
	c.costMu.RUnlock()
	if ok {
		return cost
	}
	cost = c.gov.Cost(base, req.Method, req.Path, queryValues(req))
	cost.Scope = c.scope
	c.costMu.Lock()
	if len(c.costs) >= maxCosts {
		clear(c.costs)
	}
	c.costs[k] = cost
	c.costMu.Unlock()
	return cost
}

// transportError is a failure to get an answer. Unknown says whether the
// request may have reached the server.
type transportError struct {
	op      string
	err     error
	unknown bool
}

func (e *transportError) Error() string {
	s := "binance: " + e.op + ": " + e.err.Error()
	if e.unknown {
		s += " (the request may have been executed: its status is unknown)"
	}
	return s
}

func (e *transportError) Unwrap() error { return e.err }

func (e *transportError) Is(target error) bool { return target == ErrUnknownStatus && e.unknown }

// Do sends a request, signing it when its security type says so. Signed
// requests get a fresh timestamp and signature on every try. Idempotent
// requests are retried on network errors and 5xx with jittered backoff; a
// -1021 resyncs the clock and retries once.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	resp := new(Response)
	if err := c.do(ctx, req, resp, false); err != nil {
		return nil, err
	}
	return resp, nil
}

// do is Do into resp. With pooled, resp.Body may be a pooled buffer that
// the caller gives back with releaseBody once decoded.
func (c *Client) do(ctx context.Context, req *Request, resp *Response, pooled bool) error {
	req = resolveSecurity(req)
	fam, err := FamilyOf(req.Path)
	if err != nil {
		return err
	}
	base, err := c.ep.Base(fam)
	if err != nil {
		return err
	}
	if req.Security != None && c.apiKey == "" {
		return fmt.Errorf("%s %s needs an API key: set Options.APIKey (or --api-key / a creds profile)", req.Method, req.Path)
	}
	if req.Security == Signed && c.signer == nil {
		return fmt.Errorf("%s %s is SIGNED: set Options.Signer (or --key-file / a creds profile)", req.Method, req.Path)
	}
	var ck *clock.Clock
	if req.Security == Signed {
		if ck, err = c.ensureClock(ctx, fam); err != nil {
			return err
		}
	}
	cost := c.cost(base, req)
	cost.Scope = c.scope
	resynced := false
	for attempt := 1; ; attempt++ {
		err := c.once(ctx, req, base, fam, ck, cost, resp, pooled)
		if err == nil {
			resp.Attempts = attempt
			return nil
		}
		var apiErr *APIError
		switch {
		case errors.As(err, &apiErr) && errors.Is(apiErr, ErrTimestamp) && ck != nil && !resynced:
			resynced = true
			est, serr := ck.OnTimestampError(ctx)
			c.log.LogAttrs(ctx, slog.LevelWarn, "binance: -1021, resynced the clock and retrying once",
				slog.String("path", req.Path), slog.Any("clock", est), slog.Any("sync_error", serr))
			c.metrics.retry("timestamp")
			continue
		case errors.Is(err, ErrRateLimited), errors.Is(err, ErrBanned), ctx.Err() != nil:
			return err
		case errors.Is(err, ErrUnknownStatus) && req.idempotent() && attempt < c.retry.MaxAttempts:
			d := c.backoff(attempt)
			if c.log.Enabled(ctx, slog.LevelDebug) {
				c.log.LogAttrs(ctx, slog.LevelDebug, "binance: retrying", slog.String("path", req.Path),
					slog.Int("attempt", attempt), slog.Duration("after", d), slog.String("error", err.Error()))
			}
			c.metrics.retry("unknown")
			if err := retry.Sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// backoff is the shared full-jitter exponential backoff.
func (c *Client) backoff(attempt int) time.Duration {
	return retry.Backoff{Base: c.retry.BaseDelay, Max: c.retry.MaxDelay}.Delay(attempt)
}

func sleep(ctx context.Context, d time.Duration) error { return retry.Sleep(ctx, d) }

// once sends the request one time and fills resp.
func (c *Client) once(ctx context.Context, req *Request, base string, fam Family, ck *clock.Clock, cost ratelimit.Cost, resp *Response, pooled bool) error {
	b, _ := c.builders.Get().(*payload.REST)
	if b == nil {
		b = new(payload.REST)
	}
	// The builder only reads the request's lists; they are dropped before
	// it goes back to the pool, so no later Add can touch them.
	b.Method, b.Query, b.Body, b.TimestampIn = req.Method, req.Query, req.Body, req.TimestampIn
	var signed payload.Signed
	var err error
	if req.Security == Signed {
		signed, err = b.Sign(c.signer, payload.Options{Now: ck.Now, RecvWindow: c.recvWindow, Microseconds: c.micro})
	} else {
		signed, err = b.Encode()
	}
	b.Query, b.Body = params.List{}, params.List{}
	c.builders.Put(b)
	if err != nil {
		return fmt.Errorf("binance: %s %s: %w", req.Method, req.Path, err)
	}
	if err := c.gov.Wait(ctx, cost); err != nil {
		return err
	}
	hreq, err := c.newRequest(ctx, &signed, fam, base, req.Path)
	if err != nil {
		return err
	}
	if req.Security != None {
		hreq.Header["X-Mbx-Apikey"] = c.keyHeader
	}
	// Read the clock only for the metrics: on some hosts it costs as much
	// as a quarter of the call.
	var start time.Time
	if c.metrics != nil {
		start = time.Now()
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		c.metrics.request(fam, req.Path, 0, 0, start)
		if ctx.Err() != nil {
			// The request may have left before the context ended.
			return &transportError{op: req.Method + " " + req.Path, err: ctx.Err(), unknown: true}
		}
		return &transportError{op: req.Method + " " + req.Path, err: err, unknown: true}
	}
	defer hresp.Body.Close()
	body, err := c.readBody(hresp, c.maxBody, pooled)
	if err != nil {
		c.metrics.request(fam, req.Path, hresp.StatusCode, 0, start)
		return &transportError{op: "reading the response to " + req.Method + " " + req.Path, err: err, unknown: true}
	}
	c.observe(ctx, cost, hresp, body, resp)
	if hresp.StatusCode/100 == 2 {
		c.metrics.request(fam, req.Path, hresp.StatusCode, 0, start)
		if c.log.Enabled(ctx, slog.LevelDebug) {
			used, _ := resp.RateLimit.UsedWeight(time.Minute)
			c.log.LogAttrs(ctx, slog.LevelDebug, "binance: ok", slog.String("method", req.Method), slog.String("path", req.Path),
				slog.Int("status", hresp.StatusCode), slog.Int("used_weight", used))
		}
		resp.StatusCode, resp.Header, resp.Body = hresp.StatusCode, hresp.Header, body
		return nil
	}
	apiErr := parseAPIError(hresp, body, req.Method, req.Path, base, c.env)
	apiErr.RateLimit = RateLimitState{Usage: slices.Clone(resp.RateLimit.Usage), RetryAfter: resp.RateLimit.RetryAfter}
	c.releaseBody(body, pooled)
	c.metrics.request(fam, req.Path, hresp.StatusCode, int(apiErr.Code), start)
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "binance: error", slog.String("method", req.Method), slog.String("path", req.Path),
			slog.Int("status", hresp.StatusCode), slog.Int("code", int(apiErr.Code)), slog.String("msg", apiErr.Msg))
	}
	return apiErr
}

// observe reads the answer's rate-limit state into resp.RateLimit and
// feeds it to the governor.
func (c *Client) observe(ctx context.Context, cost ratelimit.Cost, hresp *http.Response, body []byte, resp *Response) {
	usage, rerr := ratelimit.ReadUsage(resp.usage[:0], hresp.Header, c.headers)
	resp.RateLimit = RateLimitState{Usage: usage}
	o := ratelimit.Observation{Status: hresp.StatusCode, Usage: usage}
	if st := hresp.StatusCode; st == http.StatusTooManyRequests || st == http.StatusTeapot {
		o.RetryAfter = headerValue(hresp.Header, "Retry-After")
		o.BanUntil, _ = BanUntil(body)
		resp.RateLimit.RetryAfter = retryAfter(hresp.Header)
	}
	if len(usage) > 0 {
		o.Date = headerValue(hresp.Header, "Date")
	}
	oerr := errors.Join(rerr, c.gov.ObserveResponse(ctx, cost, o))
	if oerr != nil && c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "binance: rate-limit headers", slog.String("error", oerr.Error()))
	}
}

// newRequest makes the HTTP request for the signed bytes. The URL is
// parsed without the query, then RawQuery is set to the signed bytes:
// nothing parses, normalises or re-encodes them.
func (c *Client) newRequest(ctx context.Context, s *payload.Signed, fam Family, base, path string) (*http.Request, error) {
	var body io.Reader
	if s.Body != "" {
		body = strings.NewReader(s.Body)
	}
	if strings.ContainsAny(path, "?#") || !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %q must start with / and carry no query or fragment: put parameters in the builder", path)
	}
	if i := familyIndex(fam); i >= 0 && c.bases[i] != nil {
		// The base was parsed once: copy it into the request's URL
		// rather than parsing it again.
		hreq, err := http.NewRequestWithContext(ctx, s.Method, "", body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.Method, path, err)
		}
		*hreq.URL = *c.bases[i]
		hreq.Host = hreq.URL.Host
		c.setPath(hreq, path, s)
		return hreq, nil
	}
	// Parsing the base alone and setting the path saves joining the two.
	hreq, err := http.NewRequestWithContext(ctx, s.Method, base, body)
	if err != nil {
		return nil, fmt.Errorf("base URL %q and path %q: %w", base, path, err)
	}
	if hreq.URL.RawQuery != "" || hreq.URL.Fragment != "" {
		return nil, fmt.Errorf("base URL %q must not carry a query or fragment", base)
	}
	c.setPath(hreq, path, s)
	return hreq, nil
}

// setPath puts path after the base's own path, and the signed query.
func (c *Client) setPath(hreq *http.Request, path string, s *payload.Signed) {
	if p := hreq.URL.Path; p != "" && p != "/" {
		hreq.URL.Path = strings.TrimRight(p, "/") + path
	} else {
		hreq.URL.Path = path
	}
	hreq.URL.RawPath = ""
	hreq.URL.RawQuery = s.Query
	if s.Body != "" {
		hreq.Header["Content-Type"] = c.formCT
	}
}

// queryValues gives the governor the parameters that change an endpoint's
// weight (symbol, limit) without re-encoding anything that is sent.
func queryValues(req *Request) url.Values {
	v := url.Values{}
	for _, l := range []*params.List{&req.Query, &req.Body} {
		for _, p := range l.All() {
			if p.Name == "symbol" || p.Name == "symbols" || p.Name == "limit" {
				v.Set(p.Name, p.Value)
			}
		}
	}
	return v
}

// maxPooledBody: larger bodies are not kept.
const maxPooledBody = 64 << 10

// releaseBody gives a pooled body back.
func (c *Client) releaseBody(b []byte, pooled bool) {
	if pooled && cap(b) <= maxPooledBody {
		p, _ := c.bodies.Get().(*[]byte)
		if p == nil {
			p = new([]byte)
		}
		*p = b[:0]
		c.bodies.Put(p)
	}
}

// readBody reads a response body, sized by Content-Length when the server
// gives one, so a typical answer costs one allocation instead of a series
// of growing ones (none when pooled).
func (c *Client) readBody(resp *http.Response, limit int64, pooled bool) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(resp.Body, limit))
	}
	var buf []byte
	if pooled && n <= maxPooledBody {
		if p, _ := c.bodies.Get().(*[]byte); p != nil {
			if int64(cap(*p)) >= n {
				buf = (*p)[:n]
			}
			*p = nil
			c.bodies.Put(p)
		}
	}
	if buf == nil {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

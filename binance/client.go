package binance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
		c.gov = ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Logger: c.log})
	}
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

// Clock returns the server clock of the host serving family f, creating it
// on first use.
func (c *Client) Clock(f Family) (*clock.Clock, error) {
	base, err := c.ep.Base(f)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := base + f.TimePath()
	if ck, ok := c.clocks[key]; ok {
		return ck, nil
	}
	ck := clock.New(&clock.HTTPSource{Client: c.hc, BaseURL: base, Path: f.TimePath()},
		clock.Options{Samples: c.samples, ResyncEvery: c.resync, Logger: c.log})
	c.clocks[key] = ck
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
	req = resolveSecurity(req)
	fam, err := FamilyOf(req.Path)
	if err != nil {
		return nil, err
	}
	base, err := c.ep.Base(fam)
	if err != nil {
		return nil, err
	}
	if req.Security != None && c.apiKey == "" {
		return nil, fmt.Errorf("%s %s needs an API key: set Options.APIKey (or --api-key / a creds profile)", req.Method, req.Path)
	}
	if req.Security == Signed && c.signer == nil {
		return nil, fmt.Errorf("%s %s is SIGNED: set Options.Signer (or --key-file / a creds profile)", req.Method, req.Path)
	}
	var ck *clock.Clock
	if req.Security == Signed {
		if ck, err = c.ensureClock(ctx, fam); err != nil {
			return nil, err
		}
	}
	cost := c.gov.Cost(base, req.Method, req.Path, queryValues(&req.Query))
	cost.Scope = c.scope
	resynced := false
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, req, base, fam, ck, cost)
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
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
			return nil, err
		case errors.Is(err, ErrUnknownStatus) && req.idempotent() && attempt < c.retry.MaxAttempts:
			d := c.backoff(attempt)
			c.log.LogAttrs(ctx, slog.LevelDebug, "binance: retrying", slog.String("path", req.Path),
				slog.Int("attempt", attempt), slog.Duration("after", d), slog.String("error", err.Error()))
			c.metrics.retry("unknown")
			if err := sleep(ctx, d); err != nil {
				return nil, err
			}
			continue
		}
		return nil, err
	}
}

// backoff is full-jitter exponential backoff.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay << (attempt - 1)
	if d > c.retry.MaxDelay || d <= 0 {
		d = c.retry.MaxDelay
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once sends the request one time.
func (c *Client) once(ctx context.Context, req *Request, base string, fam Family, ck *clock.Clock, cost ratelimit.Cost) (*Response, error) {
	b, _ := c.builders.Get().(*payload.REST)
	if b == nil {
		b = new(payload.REST)
	}
	// The builder only reads the request's lists; they are dropped before
	// it goes back to the pool, so no later Add can touch them.
	b.Method, b.Query, b.Body, b.TimestampIn = req.Method, req.Query, req.Body, req.TimestampIn
	defer func() {
		b.Query, b.Body = params.List{}, params.List{}
		c.builders.Put(b)
	}()
	var signed payload.Signed
	var err error
	if req.Security == Signed {
		signed, err = b.Sign(c.signer, payload.Options{Now: ck.Now, RecvWindow: c.recvWindow, Microseconds: c.micro})
	} else {
		signed, err = b.Encode()
	}
	if err != nil {
		return nil, fmt.Errorf("binance: %s %s: %w", req.Method, req.Path, err)
	}
	if err := c.gov.Wait(ctx, cost); err != nil {
		return nil, err
	}
	hreq, err := signed.NewRequest(ctx, base, req.Path)
	if err != nil {
		return nil, err
	}
	if req.Security != None {
		hreq.Header.Set("X-MBX-APIKEY", c.apiKey)
	}
	start := time.Now()
	resp, err := c.hc.Do(hreq)
	if err != nil {
		c.metrics.request(fam, req.Path, 0, 0, time.Since(start))
		if ctx.Err() != nil {
			// The request may have left before the context ended.
			return nil, &transportError{op: req.Method + " " + req.Path, err: ctx.Err(), unknown: true}
		}
		return nil, &transportError{op: req.Method + " " + req.Path, err: err, unknown: true}
	}
	defer resp.Body.Close()
	body, err := readBody(resp, c.maxBody)
	if err != nil {
		c.metrics.request(fam, req.Path, resp.StatusCode, 0, time.Since(start))
		return nil, &transportError{op: "reading the response to " + req.Method + " " + req.Path, err: err, unknown: true}
	}
	if oerr := c.gov.ObserveBody(ctx, cost, resp.StatusCode, resp.Header, body); oerr != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "binance: rate-limit headers", slog.String("error", oerr.Error()))
	}
	if resp.StatusCode/100 == 2 {
		c.metrics.request(fam, req.Path, resp.StatusCode, 0, time.Since(start))
		c.log.LogAttrs(ctx, slog.LevelDebug, "binance: ok", slog.String("method", req.Method), slog.String("path", req.Path),
			slog.Int("status", resp.StatusCode), slog.String("used_weight", resp.Header.Get("X-MBX-USED-WEIGHT-1M")))
		return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
	}
	apiErr := parseAPIError(resp, body, req.Method, req.Path, base, c.env)
	c.metrics.request(fam, req.Path, resp.StatusCode, int(apiErr.Code), time.Since(start))
	c.log.LogAttrs(ctx, slog.LevelDebug, "binance: error", slog.String("method", req.Method), slog.String("path", req.Path),
		slog.Int("status", resp.StatusCode), slog.Int("code", int(apiErr.Code)), slog.String("msg", apiErr.Msg))
	return nil, apiErr
}

// queryValues gives the governor the parameters that change an endpoint's
// weight (symbol, limit) without re-encoding anything that is sent.
func queryValues(l *params.List) url.Values {
	v := url.Values{}
	for _, p := range l.All() {
		if p.Name == "symbol" || p.Name == "symbols" || p.Name == "limit" {
			v.Set(p.Name, p.Value)
		}
	}
	return v
}

// readBody reads a response body, sized by Content-Length when the server
// gives one, so a typical answer costs one allocation instead of a series
// of growing ones.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(resp.Body, limit))
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

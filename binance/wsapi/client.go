package wsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mbxkit/mbx/retry"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
)

// Client is a Binance WebSocket API client. It is safe for concurrent use:
// calls on one connection are pipelined and matched to their answers by id.
type Client struct {
	url        string
	env        binance.Env
	apiKey     string
	signer     sign.Signer
	ck         *clock.Clock
	gov        *ratelimit.Governor
	host       string // REST base URL whose budget is used
	family     string
	scope      string // per-account budget key, as the REST client's
	recvWindow time.Duration
	useLogon   bool // Options.Logon with an Ed25519 key
	reconnect  ReconnectPolicy
	orders     OrderPolicy
	pingEvery  time.Duration
	pingWait   time.Duration
	maxMsg     int64
	hc         *http.Client
	log        *slog.Logger

	nextID atomic.Uint64
	gens   atomic.Uint64

	wantLogon atomic.Bool // log on each new connection (Logon, or Client.Logon called)

	// limitsSeen remembers the server's limits last adopted, so that the
	// governor's limits are replaced only when the server's change.
	limitsMu   sync.Mutex
	limitsSeen []ratelimit.Limit

	mu       sync.Mutex
	cur      *conn         // nil while reconnecting
	changed  chan struct{} // closed and replaced whenever cur or closed changes
	closed   bool
	closeErr error
	lastErr  error // why the last connection attempt failed
	// blockUntil is the end of the last 429/418 this client saw.
	blockUntil  time.Time
	blockBanned bool
	stop        context.CancelFunc
	stopped     chan struct{} // closed when the supervisor returns
	closeOnce   sync.Once
}

// Dial connects to the WebSocket API and, with Options.Logon, logs on. The
// connection is kept: when it drops, it is replaced in the background with
// backoff and logged on again; calls made meanwhile wait for it.
func Dial(ctx context.Context, opt Options) (*Client, error) {
	c := &Client{url: opt.URL, apiKey: opt.APIKey, signer: opt.Signer, ck: opt.Clock, gov: opt.Governor,
		host: opt.BudgetHost, recvWindow: opt.RecvWindow, reconnect: opt.Reconnect.withDefaults(),
		orders: opt.Orders.withDefaults(), pingEvery: opt.PingInterval, pingWait: opt.PingTimeout,
		maxMsg: opt.MaxMessage, hc: opt.HTTPClient, log: opt.Logger, changed: make(chan struct{})}
	if c.url == "" {
		c.url = ProdURL
	}
	u, err := url.Parse(c.url)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("Options.URL %q: want ws(s)://host[:port]/path, e.g. %s or ws://127.0.0.1:PORT%s for the local exchange", c.url, ProdURL, Path)
	}
	switch c.url {
	case ProdURL:
		c.env = binance.Prod
	case TestnetURL:
		c.env = binance.Testnet
	case DemoURL:
		c.env = binance.Demo
	default:
		c.env = binance.Custom
	}
	if c.host == "" {
		c.host = restBaseFor(u)
	}
	c.family = familyFor(u.Path)
	if c.recvWindow, err = binance.ValidateAuth(c.apiKey, c.recvWindow); err != nil {
		return nil, err
	}
	c.scope = binance.BudgetScope(c.apiKey)
	if c.log == nil {
		c.log = slog.Default()
	}
	if opt.Logon {
		switch {
		case c.signer == nil || c.apiKey == "":
			return nil, fmt.Errorf("Options.Logon: %w: set Options.APIKey and an Ed25519 Options.Signer", ErrNoKey)
		case c.signer.Algorithm() == sign.Ed25519:
			c.useLogon = true
		case opt.LogonFallback:
			c.log.Info("wsapi: session.logon needs an Ed25519 key; signing every request instead",
				slog.String("key_type", c.signer.Algorithm().String()))
		default:
			return nil, logonKeyError(c.signer.Algorithm())
		}
	}
	c.wantLogon.Store(c.useLogon)
	if c.pingEvery == 0 {
		c.pingEvery = 30 * time.Second
	}
	if c.pingWait <= 0 {
		c.pingWait = 10 * time.Second
	}
	if c.maxMsg <= 0 {
		c.maxMsg = 16 << 20
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if c.gov == nil {
		c.gov = ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Logger: c.log})
	}
	c.gov = binance.PrepareGovernor(c.gov)
	if c.ck == nil {
		c.ck = clock.New(clock.SourceFunc(c.Time), clock.Options{Logger: c.log})
	}
	first, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(context.Background())
	c.stop, c.stopped = stop, make(chan struct{})
	c.setConn(first, nil)
	go c.supervise(sctx, first)
	if c.useLogon {
		if err := c.ensureSession(ctx, first); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}

func logonKeyError(alg sign.Algorithm) error {
	return fmt.Errorf("%w (Binance accepts session.logon only with Ed25519 keys) and this is an %s key: "+
		"sign each request instead (Options.Logon false, or Options.LogonFallback true), or create an Ed25519 key (`mbx keys gen --type ed25519`) and register its public key with Binance",
		ErrLogonKeyType, alg)
}

// URL is the WebSocket API endpoint.
func (c *Client) URL() string { return c.url }

// Clock is the clock signed requests take their timestamps from.
func (c *Client) Clock() *clock.Clock { return c.ck }

// Governor is the weight governor the client draws on.
func (c *Client) Governor() *ratelimit.Governor { return c.gov }

// LoggedOn reports whether the current connection is authenticated by
// session.logon.
func (c *Client) LoggedOn() bool {
	c.mu.Lock()
	cur := c.cur
	c.mu.Unlock()
	return cur != nil && cur.loggedOn.Load()
}

// Close closes the connection and stops reconnecting. Calls in flight fail
// (with binance.ErrUnknownStatus when they were sent); later calls fail
// with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed, c.closeErr = true, ErrClosed
		c.broadcast()
	}
	c.mu.Unlock()
	c.closeOnce.Do(func() {
		c.stop()
		<-c.stopped // no connection is dialed or published after this
		c.mu.Lock()
		cur := c.cur
		c.mu.Unlock()
		if cur != nil {
			cur.closeGracefully(ErrClosed)
		}
	})
	return nil
}

// broadcast wakes everyone waiting for a state change; c.mu is held.
func (c *Client) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Client) setConn(cn *conn, lastErr error) {
	c.mu.Lock()
	c.cur, c.lastErr = cn, lastErr
	c.broadcast()
	c.mu.Unlock()
}

// current returns the live connection, waiting for a reconnect if needed.
func (c *Client) current(ctx context.Context) (*conn, error) {
	for {
		c.mu.Lock()
		cur, closed, ch, last := c.cur, c.closed, c.changed, c.lastErr
		closeErr, until, banned := c.closeErr, c.blockUntil, c.blockBanned
		c.mu.Unlock()
		if closed {
			return nil, closeErr
		}
		if cur == nil && time.Now().Before(until) {
			// No connection and the host blocked us: waiting would take the
			// whole block; say so now, as the governor does.
			if banned {
				return nil, &ratelimit.BannedError{Host: c.host, Until: until}
			}
			return nil, &ratelimit.BlockedError{Host: c.host, Until: until}
		}
		if cur != nil {
			select {
			case <-cur.dead:
			default:
				return cur, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if last != nil {
				return nil, fmt.Errorf("wsapi: waiting for a connection to %s (last attempt: %v): %w", c.url, last, ctx.Err())
			}
			return nil, fmt.Errorf("wsapi: waiting for a connection to %s: %w", c.url, ctx.Err())
		}
	}
}

// connect dials once, paying the connection's weight first.
func (c *Client) connect(ctx context.Context) (*conn, error) {
	cost := ratelimit.Cost{Host: c.host, Family: c.family, Path: "connect " + Path, Weight: connectWeight(c.family)}
	if err := c.gov.Wait(ctx, cost); err != nil {
		return nil, err
	}
	ws, resp, err := websocket.Dial(ctx, c.url, &websocket.DialOptions{HTTPClient: c.hc})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, fmt.Errorf("wsapi: connecting to %s: %w", c.url, c.handshakeError(ctx, cost, resp))
		}
		return nil, fmt.Errorf("wsapi: connecting to %s: %w", c.url, err)
	}
	ws.SetReadLimit(c.maxMsg)
	cn := newConn(ws, c.gens.Add(1), c.log)
	go cn.reader(c.dispatch)
	go cn.writer()
	go cn.heartbeat(c.pingEvery, c.pingWait)
	c.log.Debug("wsapi: connected", slog.String("url", c.url), slog.Uint64("conn", cn.gen))
	return cn, nil
}

// handshakeError reads a refused handshake as the REST client reads an
// error answer; a 429/418 blocks the host in the governor.
func (c *Client) handshakeError(ctx context.Context, cost ratelimit.Cost, resp *http.Response) error {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
	}
	e := &binance.APIError{HTTPStatus: resp.StatusCode, Method: http.MethodGet, Path: Path, BaseURL: c.url, Env: c.env,
		Explain: resp.Header.Get("X-MBX-EXPLAIN")}
	var b struct {
		Code json.Number `json:"code"`
		Msg  string      `json:"msg"`
	}
	if json.Unmarshal(body, &b) == nil && b.Code != "" {
		n, _ := strconv.Atoi(b.Code.String())
		e.Code, e.Msg = codes.Code(n), b.Msg
	} else {
		e.Msg = http.StatusText(resp.StatusCode)
	}
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 {
		e.RetryAfter = time.Duration(n) * time.Second
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusTeapot {
		if err := c.gov.ObserveBody(ctx, cost, resp.StatusCode, resp.Header, body); err != nil {
			c.log.Warn("wsapi: recording the block", slog.String("error", err.Error()))
		}
		c.noteBlock(time.Now().Add(max(e.RetryAfter, time.Second)), resp.StatusCode == http.StatusTeapot)
	}
	e.Hint = hintFor(e)
	return e
}

// noteBlock remembers a 429/418 so that calls waiting for a connection
// fail at once instead of waiting out the block.
func (c *Client) noteBlock(until time.Time, banned bool) {
	c.mu.Lock()
	if !time.Now().Before(c.blockUntil) {
		c.blockBanned = false // the last block is over
	}
	if until.After(c.blockUntil) {
		c.blockUntil = until
	}
	c.blockBanned = c.blockBanned || banned
	c.broadcast()
	c.mu.Unlock()
}

// supervise replaces the connection each time it dies, until Close.
func (c *Client) supervise(ctx context.Context, cur *conn) {
	defer close(c.stopped)
	for {
		select {
		case <-ctx.Done():
			return
		case <-cur.dead:
		}
		why := cur.why()
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("wsapi: connection dropped", slog.Uint64("conn", cur.gen), slog.String("error", errString(why)))
		c.setConn(nil, why)
		if c.reconnect.Disabled {
			c.fail(fmt.Errorf("%w: the connection dropped (%v) and reconnecting is disabled", ErrClosed, why))
			return
		}
		next, err := c.redial(ctx)
		if ctx.Err() != nil { // Close: not a failure
			if next != nil {
				next.shutdown(ErrClosed)
			}
			return
		}
		if err != nil {
			c.fail(err)
			return
		}
		cur = next
		c.setConn(cur, nil)
		if c.wantLogon.Load() {
			// Log on now rather than on the next signed call; if it fails, that
			// call tries again and reports why.
			lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			if err := c.ensureSession(lctx, cur); err != nil {
				c.log.Warn("wsapi: logging on again after a reconnect failed; the next signed call retries",
					slog.Uint64("conn", cur.gen), slog.String("error", err.Error()))
			}
			cancel()
		}
	}
}

// redial tries until a connection is up, ctx ends or MaxAttempts fail.
func (c *Client) redial(ctx context.Context) (*conn, error) {
	for attempt := 1; ; attempt++ {
		if err := sleep(ctx, c.backoff(attempt)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrClosed, err)
		}
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		cn, err := c.connect(actx)
		cancel()
		if err == nil {
			c.log.Info("wsapi: reconnected", slog.String("url", c.url), slog.Uint64("conn", cn.gen), slog.Int("attempt", attempt))
			return cn, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %v", ErrClosed, ctx.Err())
		}
		c.mu.Lock()
		c.lastErr = err
		c.mu.Unlock()
		c.log.Warn("wsapi: reconnect failed", slog.Int("attempt", attempt), slog.Duration("next_in", c.backoff(attempt+1)), slog.String("error", err.Error()))
		if c.reconnect.MaxAttempts > 0 && attempt >= c.reconnect.MaxAttempts {
			return nil, fmt.Errorf("%w: %d reconnect attempts failed, the last: %w", ErrClosed, attempt, err)
		}
		// A 429 or ban: sending anything (a handshake included) before it
		// ends would lengthen it.
		var be *ratelimit.BlockedError
		var bn *ratelimit.BannedError
		c.mu.Lock()
		until := c.blockUntil
		c.mu.Unlock()
		switch {
		case errors.As(err, &be):
			until = later(until, be.Until)
		case errors.As(err, &bn):
			until = later(until, bn.Until)
		}
		if err := sleep(ctx, time.Until(until)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrClosed, err)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// fail closes the client for good after reconnecting gave up.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if !c.closed {
		c.closed, c.closeErr = true, err
		c.broadcast()
	}
	c.mu.Unlock()
	c.log.Error("wsapi: giving up on the connection", slog.String("error", err.Error()))
}

// backoff is the shared full-jitter exponential backoff.
func (c *Client) backoff(attempt int) time.Duration {
	return retry.Backoff{Base: c.reconnect.BaseDelay, Max: c.reconnect.MaxDelay}.Delay(attempt)
}

func sleep(ctx context.Context, d time.Duration) error { return retry.Sleep(ctx, d) }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// dispatch hands an answer to its caller. It records a 429/418 block
// before anything else: the server may close the connection right after
// (it does after a 418), and the reconnect must already respect the block.
func (c *Client) dispatch(cn *conn, r *response, raw []byte) {
	if r.Status == http.StatusTooManyRequests || r.Status == http.StatusTeapot {
		c.recordBlock(r)
	}
	id, ok := parseID(r.ID)
	if !ok {
		if r.Error != nil && r.Status == http.StatusUnauthorized {
			// {"id":null,"status":401,"error":{"code":-2015,...}}: the session
			// is revoked, and this answers the request that found out, which
			// the server did not process. Which request that was is not in
			// the frame: the oldest one sent, if the server answers in order.
			// Its outcome is reported unknown (wrapping the -2015), which is
			// safe whichever request it was.
			cn.loggedOn.Store(false)
			c.log.Warn("wsapi: the server revoked the session", slog.Uint64("conn", cn.gen),
				slog.Int("code", r.errorCode()), slog.String("msg", r.Error.Msg))
			if cl := cn.takeOldestSent(); cl != nil {
				cl.done <- result{err: c.apiError(cl.method, r, time.Now())}
			}
			return
		}
		c.log.Debug("wsapi: message without a request id, ignored", slog.Uint64("conn", cn.gen), slog.Int("bytes", len(raw)))
		return
	}
	cl := cn.take(id)
	if cl == nil {
		c.log.Debug("wsapi: answer to a call nobody waits for any more", slog.Uint64("conn", cn.gen), slog.Uint64("id", id))
		return
	}
	cl.done <- result{resp: r}
}

// recordBlock blocks the host in the governor until the answer's
// retryAfter (or the governor's defaults when it has none).
func (c *Client) recordBlock(r *response) {
	ctx := context.Background()
	banned := r.Status == http.StatusTeapot
	until := retryAfter(r)
	if !until.IsZero() {
		if err := c.gov.Block(ctx, c.host, until, banned); err != nil {
			c.log.Warn("wsapi: recording the block", slog.String("error", err.Error()))
		}
	} else {
		// No retryAfter: the governor's defaults (60s for 429, the ban time
		// in the message or 5 minutes for 418).
		var msg []byte
		if r.Error != nil {
			msg = []byte(r.Error.Msg)
		}
		if err := c.gov.ObserveBody(ctx, ratelimit.Cost{Host: c.host}, r.Status, http.Header{}, msg); err != nil {
			c.log.Warn("wsapi: recording the block", slog.String("error", err.Error()))
		}
		until = time.Now().Add(time.Minute)
	}
	c.noteBlock(until, banned)
	c.log.Warn("wsapi: rate limited; sending nothing to the host until the block ends",
		slog.Int("status", r.Status), slog.Time("until", until))
}

func (r *response) errorCode() int {
	if r.Error == nil {
		return 0
	}
	n, _ := strconv.Atoi(r.Error.Code.String())
	return n
}

// auth is how a request is authenticated.
type auth uint8

const (
	authNone      auth = iota
	authSignature      // apiKey, timestamp, signature
	authSession        // timestamp only, after session.logon
)

// Call sends any method and returns its "result". signed adds apiKey,
// timestamp and signature (the sorted raw payload rule), or only timestamp
// once the connection is logged on. An error answer is a
// *binance.APIError; a -1021 resyncs the clock and retries once. If ctx ends
// after the request was sent, the error matches binance.ErrUnknownStatus:
// the request may still execute. While the client reconnects, calls wait
// for the new connection: give ctx a deadline.
func (c *Client) Call(ctx context.Context, method string, p params.List, signed bool) (json.RawMessage, error) {
	r, err := c.call(ctx, method, &p, signed)
	if err != nil {
		return nil, err
	}
	return r.Result, nil
}

// call runs a method, choosing the authentication and retrying what is
// safe to retry: requests that never left, a -1021, and a session that is
// no longer logged on.
func (c *Client) call(ctx context.Context, method string, p *params.List, signed bool) (*response, error) {
	if err := p.Err(); err != nil {
		return nil, fmt.Errorf("wsapi: %s: %w", method, err)
	}
	if signed && (c.signer == nil || c.apiKey == "") {
		return nil, fmt.Errorf("wsapi: %s is SIGNED: %w: set Options.APIKey and Options.Signer", method, ErrNoKey)
	}
	cost := c.methodCost(method, p)
	resynced, relogged := false, false
	for {
		cn, err := c.current(ctx)
		if err != nil {
			return nil, err
		}
		a := authNone
		if signed && method == "session.logon" {
			if err := c.ensureClock(ctx); err != nil {
				return nil, err
			}
			a = authSignature
		} else if signed {
			if err := c.ensureClock(ctx); err != nil {
				return nil, err
			}
			a = authSignature
			if c.wantLogon.Load() {
				if err := c.ensureSession(ctx, cn); err != nil {
					var te *TransportError
					if errors.As(err, &te) && ctx.Err() == nil {
						continue // the connection dropped during logon: wait for the next one
					}
					return nil, err
				}
				a = authSession
			}
		}
		r, err := c.roundTrip(ctx, cn, method, p, a, cost)
		var apiErr *binance.APIError
		var te *TransportError
		switch {
		case err == nil:
			return r, nil
		case errors.Is(err, errNotSent):
			continue // it never left: send it on the next connection
		case errors.As(err, &te):
			return nil, err // sent, no answer: the caller decides (PlaceOrder looks it up)
		case errors.As(err, &apiErr) && errors.Is(apiErr, binance.ErrTimestamp) && signed && !resynced:
			resynced = true
			est, serr := c.ck.OnTimestampError(ctx)
			c.log.LogAttrs(ctx, slog.LevelWarn, "wsapi: -1021, resynced the clock and retrying once",
				slog.String("method", method), slog.Any("clock", est), slog.Any("sync_error", serr))
			continue
		case errors.As(err, &apiErr) && a == authSession && !relogged &&
			(apiErr.Code == codes.Unauthorized || apiErr.HTTPStatus == http.StatusUnauthorized):
			// The session is gone (revoked, or the server forgot it): the
			// request was rejected, so log on again and resend once.
			relogged = true
			cn.loggedOn.Store(false)
			continue
		}
		return nil, err
	}
}

// ensureClock syncs the clock when it never was or is stale.
func (c *Client) ensureClock(ctx context.Context) error {
	if !c.ck.NeedsSync() {
		return nil
	}
	if _, err := c.ck.Sync(ctx); err != nil && !c.ck.Estimate().Synced {
		return fmt.Errorf("wsapi: syncing with the server time: %w", err)
	}
	return nil
}

// ensureSession logs the connection on unless it is.
func (c *Client) ensureSession(ctx context.Context, cn *conn) error {
	if cn.loggedOn.Load() {
		return nil
	}
	cn.logonMu.Lock()
	defer cn.logonMu.Unlock()
	if cn.loggedOn.Load() {
		return nil
	}
	if err := c.ensureClock(ctx); err != nil {
		return err
	}
	var p params.List
	cost := c.methodCost("session.logon", &p)
	for resynced := false; ; resynced = true {
		_, err := c.roundTrip(ctx, cn, "session.logon", &p, authSignature, cost)
		if err == nil {
			cn.loggedOn.Store(true)
			c.log.Debug("wsapi: logged on", slog.Uint64("conn", cn.gen))
			return nil
		}
		if !resynced && errors.Is(err, binance.ErrTimestamp) {
			_, _ = c.ck.OnTimestampError(ctx)
			continue
		}
		return fmt.Errorf("wsapi: session.logon: %w", err)
	}
}

// roundTrip sends one request on cn and waits for its answer.
func (c *Client) roundTrip(ctx context.Context, cn *conn, method string, p *params.List, a auth, cost ratelimit.Cost) (*response, error) {
	if err := c.gov.Wait(ctx, cost); err != nil {
		return nil, err
	}
	cl := &call{id: c.nextID.Add(1), method: method, done: make(chan result, 1)}
	frame, err := c.build(cl.id, method, p, a)
	if err != nil {
		return nil, fmt.Errorf("wsapi: %s: %w", method, err)
	}
	cl.frame = frame
	if !cn.register(cl) {
		return nil, &TransportError{Method: method, Err: errNotSent}
	}
	start := time.Now()
	select {
	case cn.sendq <- cl:
	case <-cn.dead:
		// The connection died with the queue full; failAll answered the call.
	case <-ctx.Done():
		if cn.take(cl.id) != nil {
			return nil, &TransportError{Method: method, Err: ctx.Err()}
		}
	}
	var res result
	select {
	case res = <-cl.done:
	case <-ctx.Done():
		if cn.take(cl.id) != nil {
			// Whoever takes the call answers it; here that is us.
			sent := !cl.state.CompareAndSwap(stateQueued, stateAbandoned)
			return nil, &TransportError{Method: method, Sent: sent, Err: ctx.Err()}
		}
		res = <-cl.done // answered at the same moment: use the answer
	}
	if res.err != nil {
		if errors.Is(res.err, errNotSent) {
			return nil, &TransportError{Method: method, Err: errNotSent}
		}
		return nil, &TransportError{Method: method, Sent: true, Err: res.err}
	}
	return c.finish(ctx, cn, method, cost, res.resp, time.Since(start))
}

// build writes the request frame.
func (c *Client) build(id uint64, method string, p *params.List, a auth) ([]byte, error) {
	switch a {
	case authSignature:
		var w payload.WS
		for _, q := range p.All() {
			w.Params.AddString(q.Name, q.Value)
		}
		s, err := w.Sign(c.signer, c.apiKey, payload.Options{Now: c.ck.Now, RecvWindow: c.recvWindow})
		if err != nil {
			return nil, err
		}
		return appendRequest(make([]byte, 0, 128+len(s.Payload)+len(s.Signature)), id, method, s.Params)
	case authSession:
		// The same rules as payload.WS.Sign, without apiKey and signature:
		// a caller's timestamp is kept, else timestamp and recvWindow are added.
		for _, q := range p.All() {
			switch q.Name {
			case "apiKey", "signature":
				return nil, &params.Error{Name: q.Name, Err: params.ErrDuplicate,
					Fix: "the connection is logged on: leave apiKey and signature out (mbx signs explicitly when the client is not logged on)"}
			case "timestamp":
				if err := payload.ValidateTimestamp(q.Value); err != nil {
					return nil, err
				}
			case "recvWindow":
				if err := payload.ValidateRecvWindow(q.Value); err != nil {
					return nil, err
				}
			}
		}
		ps := make([]params.Param, 0, p.Len()+2)
		ps = append(ps, p.All()...)
		if !p.Has("timestamp") {
			if !p.Has("recvWindow") {
				rw, _ := payload.FormatRecvWindow(c.recvWindow) // validated in Dial
				ps = append(ps, params.Param{Name: "recvWindow", Value: rw})
			}
			ps = append(ps, params.Param{Name: "timestamp", Value: strconv.FormatInt(c.ck.Timestamp(), 10)})
		}
		return appendRequest(make([]byte, 0, 256), id, method, ps)
	}
	return appendRequest(make([]byte, 0, 128), id, method, p.All())
}

// finish applies an answer's rate-limit news and turns errors into
// *binance.APIError.
func (c *Client) finish(ctx context.Context, cn *conn, method string, cost ratelimit.Cost, r *response, took time.Duration) (*response, error) {
	c.reconcile(ctx, cost, r.RateLimits)
	if r.Status/100 == 2 && r.Error == nil {
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.LogAttrs(ctx, slog.LevelDebug, "wsapi: ok", slog.String("method", method), slog.Int("status", r.Status),
				slog.Duration("took", took))
		}
		return r, nil
	}
	e := c.apiError(method, r, time.Now())
	if e.Code == codes.RejectedMBXKey && r.Status == http.StatusUnauthorized {
		cn.loggedOn.Store(false) // a revoked session: log on again next time
	}
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "wsapi: error", slog.String("method", method), slog.Int("status", r.Status),
			slog.Int("code", int(e.Code)), slog.String("msg", e.Msg), slog.Duration("took", took))
	}
	return nil, e
}

// reconcile raises the governor's counters to the server's and adopts the
// server's limits when they change (they are exchangeInfo's, per answer).
func (c *Client) reconcile(ctx context.Context, cost ratelimit.Cost, rls []wireRateLimit) {
	var buf [8]ratelimit.Limit
	limits := buf[:0]
	for _, rl := range rls {
		l, ok := toLimit(rl)
		if !ok || len(limits) == len(buf) {
			continue
		}
		limits = append(limits, l)
		if err := c.gov.Reconcile(ctx, cost, l, int(rl.Count)); err != nil {
			c.log.Debug("wsapi: reconciling rate limits", slog.String("error", err.Error()))
		}
	}
	if len(limits) > 0 {
		c.adoptLimits(limits)
	}
}

func toLimit(rl wireRateLimit) (ratelimit.Limit, bool) {
	var unit time.Duration
	switch rl.Interval {
	case "SECOND":
		unit = time.Second
	case "MINUTE":
		unit = time.Minute
	case "HOUR":
		unit = time.Hour
	case "DAY":
		unit = 24 * time.Hour
	default:
		return ratelimit.Limit{}, false
	}
	switch rl.RateLimitType {
	case ratelimit.KindRequestWeight, ratelimit.KindOrders, ratelimit.KindRawRequests:
	default:
		return ratelimit.Limit{}, false // CONNECTIONS and others are not budgets the governor keeps
	}
	if rl.IntervalNum <= 0 || rl.IntervalNum > 1000 || rl.Limit <= 0 || rl.Limit > 1<<40 || rl.Count < 0 {
		return ratelimit.Limit{}, false
	}
	return ratelimit.Limit{Kind: rl.RateLimitType, Interval: time.Duration(rl.IntervalNum) * unit, Max: int(rl.Limit)}, true
}

// adoptLimits replaces the governor's limits of the same kind and interval
// with the server's, keeping the rest. Answers repeat the same limits, so
// the common case is a comparison without allocation.
func (c *Client) adoptLimits(ls []ratelimit.Limit) {
	c.limitsMu.Lock()
	defer c.limitsMu.Unlock()
	news := false
	for _, l := range ls {
		if !slices.Contains(c.limitsSeen, l) {
			news = true
			break
		}
	}
	if !news {
		return
	}
	for _, l := range ls {
		if !slices.Contains(c.limitsSeen, l) {
			c.limitsSeen = append(c.limitsSeen, l)
		}
	}
	cur := c.gov.Limits(c.family)
	changed := false
	for _, l := range ls {
		found := false
		for i := range cur {
			if cur[i].Kind == l.Kind && cur[i].Interval == l.Interval {
				found = true
				if cur[i].Max != l.Max {
					cur[i].Max, changed = l.Max, true
				}
			}
		}
		if !found {
			cur, changed = append(cur, l), true
		}
	}
	if changed {
		c.gov.SetLimits(c.family, cur)
		c.log.Debug("wsapi: adopted the server's rate limits", slog.Any("limits", ls))
	}
}

// String describes the client without its key: fmt's %v and %#v of a
// Client never show key material.
func (c *Client) String() string {
	alg := "no key"
	if c.signer != nil {
		alg = c.signer.Algorithm().String() + " key"
	}
	return fmt.Sprintf("wsapi.Client(%s, %s, logged on: %v)", c.url, alg, c.LoggedOn())
}

// GoString is String.
func (c *Client) GoString() string { return c.String() }

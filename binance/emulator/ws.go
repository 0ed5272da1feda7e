package emulator

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
)

// WSAPIPath is where the exchange serves Binance's spot WebSocket API:
// ws://HOST:PORT/ws-api/v3, as wss://ws-api.binance.com/ws-api/v3.
//
// Frames are Binance's: {"id","method","params"} in, {"id","status",
// "result"|"error","rateLimits"} out. Methods (weight): ping 1, time 1,
// exchangeInfo 20, ticker.price 2/4, session.logon 2 (Ed25519 keys only;
// others get -4056), session.status 2, session.logout 2, account.status
// 20, account.rateLimits.orders 40, order.place 1, order.status 4,
// order.cancel 1, openOrders.status 6/80. Successful order.place and
// order.cancel cost nothing, as on REST since 2026-04-02.
//
// SIGNED methods carry apiKey, timestamp and signature in params; the
// signature covers every param but signature, apiKey included, sorted by
// name, joined as name=value with '&', values raw UTF-8 (hex HMAC in
// either case, plain base64 RSA and Ed25519). A -1022 is explained
// (Entry.Explanation) with the mistake the signature matches, e.g.
// verify.MistakeWSPercentEncoded. After session.logon, requests send timestamp
// only; an explicit apiKey and signature override the session for that
// request. A session whose key loses a permission (SetKeyPermissions) or
// its whitelist match is revoked on the next request with
// {"id":null,"status":401,"error":{"code":-2015,...}}.
//
// The connection costs 2 weight from the address's REST budget (shared
// with /api); over the limit a request gets 429 -1003, during a ban 418
// (then the connection is closed), both with error.data.retryAfter as a
// timestamp. Connection URL parameters: returnRateLimits=false,
// timeUnit=MICROSECOND, and mbxExplain=true (the local exchange's own: each
// error object then carries "explain", the one-line explanation).
//
// Where Binance's behaviour is UNCONFIRMED, mbx chooses: a frame that is
// not one JSON object is -1000 with "id": null; a missing id or method is
// -1102; a malformed method name -1100, an unknown one -1000; a param sent
// twice -1101; session.logon with an RSA key -4056 "RSA API key is not
// supported."
const WSAPIPath = "/ws-api/v3"

// WSMethod is the Entry.Method of a WebSocket API request; its Path is the
// request's method name, e.g. "order.place".
const WSMethod = "WS"

const (
	// wsPingEvery and wsPongWait are Binance's keep-alive: a ping frame
	// every 20 seconds, disconnected without a pong within a minute.
	wsPingEvery = 20 * time.Second
	wsPongWait  = time.Minute
	// wsWriteWait bounds one frame write, so a client that stops reading
	// cannot hold a connection's goroutine for ever.
	wsWriteWait = 10 * time.Second
	// wsCloseWait bounds how long Close waits for connections to end.
	wsCloseWait = 5 * time.Second
)

// wsHub tracks the open WebSocket API connections: http.Server.Shutdown
// does not see hijacked connections, so Server.Close ends them here.
type wsHub struct {
	mu     sync.Mutex
	closed bool
	conns  map[*wsConn]struct{}
	wg     sync.WaitGroup

	methods wsMethodTable
}

// add registers c; false once the server is closing.
func (h *wsHub) add(c *wsConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	if h.conns == nil {
		h.conns = map[*wsConn]struct{}{}
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	return true
}

func (h *wsHub) remove(c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[c]; ok {
		delete(h.conns, c)
		h.wg.Done()
	}
}

// closeAll refuses new connections, closes the open ones and waits (up to
// wsCloseWait) for their goroutines to end.
func (h *wsHub) closeAll() {
	h.mu.Lock()
	h.closed = true
	conns := make([]*wsConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.cancel()
		_ = c.ws.CloseNow()
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wsCloseWait):
	}
}

// wsOptions are a connection's URL parameters.
type wsOptions struct {
	unit       timeUnit // timeUnit=MICROSECOND
	rateLimits bool     // returnRateLimits (default true)
	explain    bool     // mbxExplain=true: error objects carry "explain"
}

// parseWSOptions reads the connection URL's parameters. mbxExplain is the
// local exchange's own: with it, every error object carries a one-line
// "explain" (what X-MBX-EXPLAIN is for REST); without it the frames are
// exactly Binance's.
func parseWSOptions(r *http.Request) (wsOptions, *verify.Rejection) {
	o := wsOptions{rateLimits: true}
	q := r.URL.Query()
	if v, ok := q["timeUnit"]; ok {
		switch strings.Join(v, ",") {
		case "MICROSECOND", "microsecond":
			o.unit = true
		case "MILLISECOND", "millisecond":
		default:
			return o, badRequest(codes.InvalidTimeUnit, codes.MsgInvalidTimeUnit,
				"the URL parameter timeUnit is MICROSECOND or MILLISECOND (either case)")
		}
	}
	if v, ok := q["returnRateLimits"]; ok {
		b, ok := parseBool(strings.Join(v, ","))
		if !ok {
			return o, illegal("returnRateLimits", "true, false")
		}
		o.rateLimits = b
	}
	if v := q.Get("mbxExplain"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return o, illegal("mbxExplain", "true, false")
		}
		o.explain = b
	}
	return o, nil
}

func parseBool(v string) (bool, bool) {
	switch v {
	case "true", "TRUE", "True":
		return true, true
	case "false", "FALSE", "False":
		return false, true
	}
	return false, false
}

// wsHandshakeEndpoint is the connection request as the REST pipeline sees
// it: a spot request of weight 2.
func wsHandshakeEndpoint() *endpoint {
	e, _ := catalog.Default().Lookup(http.MethodGet, WSAPIPath)
	return newEndpoint(e, nil)
}

// serveWSAPI answers GET /ws-api/v3: it charges the connection's weight
// to the caller's address (the same budget as REST), answers 429/418 like
// REST when the address is limited or banned, and upgrades the connection.
func (s *Server) serveWSAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := &reqCtx{s: s, w: w, r: r, ctx: r.Context(), rawQuery: r.URL.RawQuery, group: string(groupSpot)}
	q.ip, q.ipStr = remoteAddr(r)
	q.ep = wsHandshakeEndpoint()
	q.entry = Entry{ID: s.reqID.Add(1), Method: r.Method, Path: r.URL.Path, Endpoint: q.ep.name, Security: secNone, RemoteIP: q.ipStr}
	q.entry.RawQuery, q.entry.Truncated = clipString(q.rawQuery)
	q.now = s.ServerTime()
	if r.Method != http.MethodGet || !headerHasToken(r.Header, "Upgrade", "websocket") {
		q.weight = 0
		q.finish(nil, rejection(http.StatusUpgradeRequired, codes.Unknown,
			"The WebSocket API needs a WebSocket connection: connect a WebSocket client to ws://HOST:PORT"+WSAPIPath+".",
			"not a WebSocket handshake", "send GET with Upgrade: websocket (any WebSocket client does)"), nil, start)
		return
	}
	opt, rej := parseWSOptions(r)
	if rej == nil {
		rej = q.admit()
	}
	if rej != nil {
		q.finish(nil, rej, nil, start)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		// Accept has answered the client already.
		q.entry.Verdict, q.entry.Code, q.entry.Msg = VerdictRejected, int(codes.Unknown), "WebSocket handshake failed: "+err.Error()
		s.recordHandshake(q, http.StatusBadRequest, start)
		return
	}
	q.entry.Verdict = VerdictAccepted
	s.recordHandshake(q, http.StatusSwitchingProtocols, start)

	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &wsConn{s: s, ws: ws, r: r, ip: q.ip, ipStr: q.ipStr, opt: opt, since: q.now, cancel: cancel}
	if !s.ws.add(c) {
		cancel()
		_ = ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.ws.remove(c)
	defer func() { _ = ws.CloseNow() }()
	defer cancel()
	ws.SetReadLimit(int64(s.cfg.Limits.MaxBodyBytes))
	go c.keepAlive(ctx)
	c.serve(ctx)
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// recordHandshake records an upgrade (or a failed one) that q.finish did
// not answer.
func (s *Server) recordHandshake(q *reqCtx, status int, start time.Time) {
	e := &q.entry
	e.Time, e.HTTPStatus, e.Weight = q.now, status, q.weight
	e.UsedWeight = s.limits.usedWeight(groupSpot, q.ipStr, q.now)
	e.Duration = time.Since(start)
	s.recent.Add(*e)
	s.metrics.observe(e, q.group)
	s.logRequest(q)
}

// wsConn is one WebSocket API connection and its session.
type wsConn struct {
	s      *Server
	ws     *websocket.Conn
	r      *http.Request // the upgrade request
	ip     netip.Addr
	ipStr  string
	opt    wsOptions
	since  time.Time // connectedSince
	cancel context.CancelFunc

	// session is the key session.logon authenticated. Only the connection's
	// own goroutine (serve) reads and writes it.
	session *wsSession
}

// wsSession is an authenticated connection: the key and what it was
// allowed when it logged on, so a permission lost later revokes it.
type wsSession struct {
	key   *apiKey
	since time.Time
	perms []string
}

// serve reads requests one at a time and answers each in turn; a request's
// answer is written before the next request is read, so answers come in
// request order.
func (c *wsConn) serve(ctx context.Context) {
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		switch c.handle(ctx, typ, data) {
		case wsKeep:
		case wsDrop:
			_ = c.ws.CloseNow()
			return
		case wsBanned:
			_ = c.ws.Close(websocket.StatusPolicyViolation, "IP banned; see retryAfter")
			return
		}
	}
}

// keepAlive pings every wsPingEvery and closes the connection when a pong
// does not come back within wsPongWait.
func (c *wsConn) keepAlive(ctx context.Context) {
	t := time.NewTicker(wsPingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, wsPongWait)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					_ = c.ws.Close(websocket.StatusPolicyViolation, "no pong within a minute")
				}
				return
			}
		}
	}
}

// write sends one frame.
func (c *wsConn) write(ctx context.Context, frame []byte) {
	wctx, cancel := context.WithTimeout(ctx, wsWriteWait)
	defer cancel()
	if !utf8.Valid(frame) {
		// Never an invalid text frame (RFC 6455 §5.6), whatever a request
		// carried: invalid bytes only occur inside JSON strings, so U+FFFD
		// in their place keeps the JSON valid.
		frame = bytes.ToValidUTF8(frame, []byte("\uFFFD"))
	}
	if err := c.ws.Write(wctx, websocket.MessageText, frame); err != nil && !errors.Is(err, context.Canceled) {
		c.s.log.Debug("ws write", "ip", c.ipStr, "err", err)
	}
}

// wsAfter is what the connection does after a request.
type wsAfter uint8

const (
	wsKeep   wsAfter = iota
	wsDrop           // close without a word (injected drop fault)
	wsBanned         // close after the 418 answer, as Binance disconnects banned addresses
)

// headerSink stands in for the http.ResponseWriter the REST handlers set
// headers on (order counts, Retry-After): a WebSocket answer carries them
// in its frame instead.
type headerSink struct{ h http.Header }

func newHeaderSink() *headerSink                  { return &headerSink{h: http.Header{}} }
func (s *headerSink) Header() http.Header         { return s.h }
func (s *headerSink) Write(b []byte) (int, error) { return len(b), nil }
func (s *headerSink) WriteHeader(int)             {}
func (s *headerSink) retryAfter() (time.Duration, bool) {
	v := s.h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// wsStatus is the session as session.logon, session.status and
// session.logout answer it.
type wsStatus struct {
	APIKey           *string `json:"apiKey"`
	AuthorizedSince  *int64  `json:"authorizedSince"`
	ConnectedSince   int64   `json:"connectedSince"`
	ReturnRateLimits bool    `json:"returnRateLimits"`
	ServerTime       int64   `json:"serverTime"`
	UserDataStream   bool    `json:"userDataStream"`
}

func (c *wsConn) status(now time.Time) wsStatus {
	st := wsStatus{ConnectedSince: c.opt.unit.stamp(c.since), ReturnRateLimits: c.opt.rateLimits, ServerTime: c.opt.unit.stamp(now)}
	if c.session != nil {
		k := c.session.key.cfg.APIKey
		t := c.opt.unit.stamp(c.session.since)
		st.APIKey, st.AuthorizedSince = &k, &t
	}
	return st
}

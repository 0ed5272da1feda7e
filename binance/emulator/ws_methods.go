package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sign"
)

// codeKeyTypeUnsupported is Binance's answer to session.logon with a key
// that is not Ed25519: -4056 "HMAC_SHA256 API key is not supported."
// (observed on spot and USDⓈ-M). The RSA wording is mbx's (UNCONFIRMED).
const codeKeyTypeUnsupported codes.Code = -4056

// wsMethod is one WebSocket API method: its weight, security, permission
// and parameters are an endpoint's, so the REST pipeline's checks and
// handlers serve it unchanged.
type wsMethod struct {
	name   string
	ep     *endpoint
	logon  bool // session.logon: always an explicit signature
	orders bool // counts against the ORDERS limits (rateLimits show them)
	handle func(c *wsConn, q *reqCtx) (any, *verify.Rejection)
}

// wsMethodTable is built once per server, on the first request.
type wsMethodTable struct {
	once    sync.Once
	methods map[string]*wsMethod
}

func (t *wsMethodTable) get() map[string]*wsMethod {
	t.once.Do(func() { t.methods = buildWSMethods() })
	return t.methods
}

func rest(f func(*reqCtx) (any, *verify.Rejection)) func(*wsConn, *reqCtx) (any, *verify.Rejection) {
	return func(_ *wsConn, q *reqCtx) (any, *verify.Rejection) { return f(q) }
}

// wsHandler answers one WebSocket API method that passed every check.
type wsHandler func(c *wsConn, q *reqCtx) (any, *verify.Rejection)

// wsHandlers attaches modelled behaviour to the catalogue's WebSocket API
// methods by name; every other catalogued method answers its documented
// example. Weights, security, permissions and parameters are the
// catalogue's (package binance/catalog).
func wsHandlers() map[string]wsHandler {
	return map[string]wsHandler{
		"ping":          rest((*reqCtx).ping),
		"time":          rest((*reqCtx).serverTime),
		"session.logon": (*wsConn).logon,
		"session.status": func(c *wsConn, q *reqCtx) (any, *verify.Rejection) {
			return c.status(q.now), nil
		},
		"session.logout": func(c *wsConn, q *reqCtx) (any, *verify.Rejection) {
			c.session = nil
			return c.status(q.now), nil
		},
		"exchangeInfo":              rest((*reqCtx).exchangeInfo),
		"ticker.price":              rest((*reqCtx).tickerPrice),
		"account.rateLimits.orders": rest((*reqCtx).rateLimitOrder),
		"account.status":            rest((*reqCtx).account),
		"order.place":               rest((*reqCtx).newOrder),
		"order.status":              rest((*reqCtx).getOrder),
		"order.cancel":              rest((*reqCtx).cancelOrder),
		"openOrders.status":         rest((*reqCtx).openOrders),
	}
}

// buildWSMethods is the method table: every WebSocket API method of the
// catalogue.
func buildWSMethods() map[string]*wsMethod {
	hs := wsHandlers()
	out := map[string]*wsMethod{}
	all := catalog.Default().All()
	for i := range all {
		e := &all[i]
		if e.Method != catalog.WS {
			continue
		}
		m := &wsMethod{name: e.Path, logon: e.Path == "session.logon", orders: e.Orders > 0}
		var h handlerFunc
		if mh := hs[e.Path]; mh != nil {
			m.handle = mh
			h = func(*reqCtx) (any, *verify.Rejection) { return nil, nil } // not used: m.handle answers
		}
		ep := newEndpoint(e, h, "apiKey")
		if mh := hs[e.Path]; mh == nil {
			m.handle = rest(ep.handle)
		}
		ep.method, ep.path, ep.name, ep.group = WSMethod, WSAPIPath, WSMethod+" "+m.name, groupSpot
		ep.allowedList = append(ep.allowedList, "returnRateLimits")
		ep.allowed["returnRateLimits"] = true
		m.ep = ep
		out[m.name] = m
	}
	return out
}

// methodNameRange is the legal range quoted for a malformed method name.
const methodNameRange = `^[a-zA-Z0-9./]{1,64}$`

// wsMethod finds a request's method; a "v3/" prefix is allowed, as on Binance.
func (s *Server) wsMethod(name string) (*wsMethod, *verify.Rejection) {
	if len(name) > 64 || strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '/')
	}) >= 0 {
		return nil, illegal("method", methodNameRange)
	}
	m := s.ws.methods.get()[strings.TrimPrefix(name, "v3/")]
	if m == nil {
		names := make([]string, 0, len(s.ws.methods.get()))
		for n := range s.ws.methods.get() {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, rejection(http.StatusBadRequest, codes.Unknown, fmt.Sprintf("Unknown method '%s'.", name),
			fmt.Sprintf("method %q is not served by the local exchange", name),
			"the local exchange serves "+strings.Join(names, ", "),
			"Binance's code for an unknown method is UNCONFIRMED; mbx answers -1000")
	}
	return m, nil
}

// logon is session.logon: the request's explicit Ed25519 signature has
// been verified; the key becomes the connection's.
func (c *wsConn) logon(q *reqCtx) (any, *verify.Rejection) {
	if alg := q.key.alg; alg != sign.Ed25519 {
		msg := "HMAC_SHA256 API key is not supported."
		if alg == sign.RSASHA256 {
			msg = "RSA API key is not supported."
		}
		return nil, rejection(http.StatusBadRequest, codeKeyTypeUnsupported, msg,
			fmt.Sprintf("session.logon takes Ed25519 keys only; this is an %s key (its signature was valid)", alg),
			"sign each request with apiKey and signature instead (any key type), or create an Ed25519 API key for session.logon")
	}
	c.session = &wsSession{key: q.key, since: q.now, perms: q.key.permList()}
	return c.status(q.now), nil
}

// revoked says why the session's key may no longer be used, or "": the
// connection's address is outside its whitelist, it lost a permission it
// had at logon, or this request relies on the session for a permission
// the key lacks.
func (c *wsConn) revoked(q *reqCtx, m *wsMethod) string {
	se := c.session
	k := se.key
	if !k.allows(c.ip) {
		return fmt.Sprintf("the connection's address %s is outside the key's ip_whitelist %v", c.ipStr, k.cfg.IPWhitelist)
	}
	for _, p := range se.perms {
		if !k.perms.has(p) {
			return fmt.Sprintf("the key lost the %s permission it had at session.logon (it has %s)", p, strings.Join(k.permList(), ", "))
		}
	}
	_, explicitKey := q.get("apiKey")
	_, explicitSig := q.get("signature")
	if m.ep.perm != "" && !m.logon && !explicitKey && !explicitSig && !k.perms.has(m.ep.perm) {
		return fmt.Sprintf("%s needs the %s permission, which the session's key lacks (it has %s)", m.name, m.ep.perm, strings.Join(k.permList(), ", "))
	}
	return ""
}

// handle answers one frame.
func (c *wsConn) handle(ctx context.Context, typ websocket.MessageType, data []byte) wsAfter {
	s := c.s
	start := time.Now()
	q := &reqCtx{s: s, w: newHeaderSink(), r: c.r, ctx: ctx, ip: c.ip, ipStr: c.ipStr, unit: c.opt.unit, group: string(groupSpot)}
	q.entry = Entry{ID: s.reqID.Add(1), Method: WSMethod, RemoteIP: c.ipStr, ContentType: "application/json"}
	q.entry.Body, q.entry.Truncated = clip(data)
	rateLimits := c.opt.rateLimits

	var req *wsRequest
	var rej *verify.Rejection
	if typ != websocket.MessageText {
		req, rej = &wsRequest{id: json.RawMessage(jsonNull)}, frameError(codes.Unknown, msgWSTextOnly, "a binary frame")
	} else {
		req, rej = parseWSFrame(data)
	}
	var m *wsMethod
	if rej == nil {
		q.entry.Path, _ = clipKey(req.method)
		m, rej = s.wsMethod(req.method)
	}
	if rej != nil {
		q.now = s.ServerTime()
		return c.answer(q, req.id, nil, nil, rej, nil, start, rateLimits)
	}
	q.ep, q.params = m.ep, req.params
	q.entry.Endpoint, q.entry.Security = m.ep.name, m.ep.security
	if v, ok := q.get("apiKey"); ok {
		q.entry.APIKey, _ = clipKey(v)
	} else if c.session != nil && m.ep.security != secNone {
		q.entry.APIKey, q.entry.Account = c.session.key.cfg.APIKey, c.session.key.account
	}
	if v, ok := q.get("returnRateLimits"); ok {
		if b, ok := parseBool(v); ok {
			rateLimits = b
		}
	}
	if d := s.faults.delay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	q.now = s.ServerTime()

	rej = q.admit()
	var ft *Fault
	if rej == nil {
		// Faults aim at WebSocket methods as method "WS" and path
		// "/ws-api/v3/<method>"; a fault without method and path hits them too.
		ft = s.faults.take(WSMethod, WSAPIPath+"/"+m.name)
		if ft != nil && ft.Kind == Fault5xx && !ft.Process {
			return c.answer(q, req.id, m, nil, nil, ft, start, rateLimits)
		}
	}
	if rej == nil && c.session != nil {
		if why := c.revoked(q, m); why != "" {
			return c.revoke(q, why, start)
		}
	}
	if rej == nil {
		rej = c.authenticate(q, m)
	}
	if rej == nil {
		rej = q.checkParams()
	}
	if v, ok := q.get("returnRateLimits"); rej == nil && ok {
		if _, ok := parseBool(v); !ok {
			rej = illegal("returnRateLimits", "true, false")
		}
	}
	var result any
	if rej == nil {
		result, rej = m.handle(c, q)
	}
	if rej == nil && m.ep.freeOnSuccess && q.weight > 0 {
		s.limits.refund(groupSpot, q.ipStr, q.weight, q.now)
		q.weight = 0
	}
	return c.answer(q, req.id, m, result, rej, ft, start, rateLimits)
}

// revoke ends the session: {"id": null, "status": 401, "error": -2015},
// as Binance answers the first request after the key became invalid.
func (c *wsConn) revoke(q *reqCtx, why string, start time.Time) wsAfter {
	k := c.session.key
	c.session = nil
	q.entry.APIKey, q.entry.Account = k.cfg.APIKey, k.account
	rej := rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey, "session revoked: "+why,
		"the connection is logged out and this request was not processed; log on again with a valid key, or sign requests explicitly")
	return c.answer(q, json.RawMessage(jsonNull), nil, nil, rej, nil, start, false)
}

// answer writes the frame for a request (none for a drop fault), records
// the request for the inspector and logs it.
func (c *wsConn) answer(q *reqCtx, id json.RawMessage, m *wsMethod, result any, rej *verify.Rejection, ft *Fault, start time.Time, rateLimits bool) wsAfter {
	s, e := c.s, &q.entry
	e.Time, e.Weight = q.now, q.weight
	e.UsedWeight = s.limits.usedWeight(groupSpot, c.ipStr, q.now)
	f := wsFrame{ID: id}
	after := wsKeep
	switch {
	case ft != nil && ft.Kind == FaultDrop:
		after = wsDrop
		e.Verdict, e.Fault, e.Msg = VerdictFault, string(ft.Kind), "connection dropped after processing (injected fault)"
		e.Explanation = &verify.Explanation{Verdict: "injected fault: connection dropped after processing; the request WAS processed" + outcome(rej)}
	case ft != nil && ft.Kind == FaultTimeout:
		f.Status = ft.Status
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		f.Error = &wsError{Code: int(codes.Timeout), Msg: codes.MsgTimeout}
		e.Verdict, e.Fault, e.Code, e.Msg = VerdictFault, string(ft.Kind), int(codes.Timeout), codes.MsgTimeout
		e.Explanation = &verify.Explanation{Verdict: "injected fault: -1007 after processing; the request WAS processed" + outcome(rej), Code: int(codes.Timeout)}
	case ft != nil && ft.Kind == Fault5xx:
		const msg = "Internal error; unable to process your request. Please try again."
		f.Status = ft.Status
		f.Error = &wsError{Code: int(codes.Disconnected), Msg: msg}
		verdict := "injected fault: 5xx before processing; the request was NOT processed"
		if ft.Process {
			verdict = "injected fault: 5xx after processing; the request WAS processed" + outcome(rej)
		}
		e.Verdict, e.Fault, e.Code, e.Msg = VerdictFault, string(ft.Kind), int(codes.Disconnected), msg
		e.Explanation = &verify.Explanation{Verdict: verdict, Code: int(codes.Disconnected)}
	case rej != nil:
		f.Status = rej.HTTPStatus
		if f.Status == 0 {
			f.Status = http.StatusBadRequest
		}
		f.Error = &wsError{Code: int(rej.Code), Msg: rej.Msg}
		e.Code, e.Msg, e.Verdict = int(rej.Code), rej.Msg, VerdictRejected
		if f.Status == http.StatusTooManyRequests || f.Status == http.StatusTeapot {
			e.Verdict = VerdictLimited
			until := c.retryAt(q, rej, f.Status)
			f.Error.Data = &wsErrorData{ServerTime: q.unit.stamp(q.now), RetryAfter: q.unit.stamp(until)}
			if f.Status == http.StatusTeapot {
				after = wsBanned
			}
		}
		ex := rej.Explanation
		if ex == nil {
			ex = &verify.Explanation{Verdict: rej.Msg, Code: int(rej.Code)}
		}
		e.Explanation = ex
		if c.opt.explain {
			f.Error.Explain = ex.Header()
		}
	default:
		raw, err := encodeResult(result)
		if err != nil {
			ir := internalError(err)
			f.Status, f.Error = ir.HTTPStatus, &wsError{Code: int(ir.Code), Msg: ir.Msg}
			e.Verdict, e.Code, e.Msg, e.Explanation = VerdictRejected, int(ir.Code), ir.Msg, ir.Explanation
			break
		}
		f.Status, f.Result = http.StatusOK, raw
		e.Verdict = VerdictAccepted
	}
	if rateLimits {
		f.RateLimits = c.rateLimits(q, m, e.UsedWeight)
	}
	e.HTTPStatus = f.Status
	var frame []byte
	if after != wsDrop {
		var err error
		if frame, err = json.Marshal(f); err != nil {
			frame = []byte(`{"id":null,"status":500,"error":{"code":-1000,"msg":"An unknown error occurred while processing the request."}}`)
		}
		e.Response, _ = clip(frame)
	}
	e.Duration = time.Since(start)
	s.recent.Add(*e)
	s.metrics.observe(e, q.group)
	s.logRequest(q)
	if frame != nil {
		c.write(q.ctx, frame)
	}
	return after
}

// rateLimits is the rateLimits array: the IP's request weight, and for
// order placement the account's order counts.
func (c *wsConn) rateLimits(q *reqCtx, m *wsMethod, used int) []orderLimitJSON {
	l := c.s.cfg.Limits
	out := make([]orderLimitJSON, 0, 3)
	if m != nil && m.orders && q.key != nil {
		short, long := c.s.limits.orderCounts(groupSpot, q.key.account, q.now)
		out = append(out,
			orderLimitJSON{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.OrdersPer10s, Count: short},
			orderLimitJSON{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.OrdersPerDay, Count: long})
	}
	return append(out, orderLimitJSON{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: l.RequestWeightPerMinute, Count: used})
}

// retryAt is when a 429 or 418 ends: the ban's end, the end of the window
// whose limit the address broke, or (order limits) Retry-After from now.
func (c *wsConn) retryAt(q *reqCtx, rej *verify.Rejection, status int) time.Time {
	retryUntil, banUntil := c.s.limits.blockedUntil(groupSpot, c.ipStr)
	switch {
	case status == http.StatusTeapot && banUntil.After(q.now):
		return banUntil
	case rej.Code == codes.TooManyRequests && retryUntil.After(q.now):
		return retryUntil
	}
	if d, ok := q.w.(*headerSink).retryAfter(); ok {
		return q.now.Add(d)
	}
	return windowEnd(q.now, time.Minute)
}

// blockedUntil is an address's 429 window end and ban end (zero when none).
func (l *limiter) blockedUntil(g group, ip string) (retryUntil, banUntil time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.ips[g][ip]; st != nil {
		return st.retryUntil, st.banUntil
	}
	return time.Time{}, time.Time{}
}

package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/httpbody"
	"github.com/mbxkit/mbx/sim/inspector"
)

// Headers the exchange reads and writes.
const (
	headerAPIKey  = "X-Mbx-Apikey" // canonical form of X-MBX-APIKEY
	HeaderExplain = inspector.HeaderExplain
	HeaderInspect = inspector.HeaderInspect
	headerWeight  = "X-MBX-USED-WEIGHT-1M"
	headerSAPIIP  = "X-SAPI-USED-IP-WEIGHT-1M"
	headerSAPIUID = "X-SAPI-USED-UID-WEIGHT-1M"
)

// Codes the emulator answers that package codes does not name.
const (
	codeFilterFailure   codes.Code = -1013
	codeUnsupportedComb codes.Code = -1014
	codeInvalidTIF      codes.Code = -1115
	codeBalanceLow      codes.Code = -2018
	codeMarginLow       codes.Code = -2019
	codeFutDuplicateID  codes.Code = -4116
	codeFutBadLeverage  codes.Code = -4028
	codeFutMinNotional  codes.Code = -4164
	codeFutPostOnly     codes.Code = -5022
	codeFiatOK                     = "000000"
)

// reqCtx is one API request on its way through the pipeline.
type reqCtx struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	ctx      context.Context
	ep       *endpoint
	now      time.Time // the exchange's clock when the request arrived
	ip       netip.Addr
	ipStr    string
	rawQuery string
	body     []byte
	ct       string
	apiKey   string
	hasKey   bool
	key      *apiKey
	res      *verify.Result
	params   []verify.Param
	weight   int      // charged so far
	unit     timeUnit // X-MBX-TIME-UNIT of a spot request
	group    string
	entry    Entry
}

// get returns a parameter's (decoded) value. Query beats body is applied
// by verify.ParseParams, so the first match is the answer.
func (q *reqCtx) get(name string) (string, bool) {
	for i := range q.params {
		if q.params[i].Name == name {
			return q.params[i].Value, true
		}
	}
	return "", false
}

func (q *reqCtx) has(name string) bool {
	_, ok := q.get(name)
	return ok
}

// rejection builds a Binance error answer with its explanation.
func rejection(status int, code codes.Code, msg, verdict string, notes ...string) *verify.Rejection {
	if verdict == "" {
		verdict = msg
	}
	return &verify.Rejection{HTTPStatus: status, Code: code, Msg: msg,
		Explanation: &verify.Explanation{Verdict: verdict, Code: int(code), Notes: notes}}
}

func badRequest(code codes.Code, msg string, notes ...string) *verify.Rejection {
	return rejection(http.StatusBadRequest, code, msg, "", notes...)
}

func illegal(name, legal string) *verify.Rejection {
	return badRequest(codes.IllegalChars, fmt.Sprintf(codes.MsgIllegalCharsFmt, name, legal))
}

func mandatory(name string) *verify.Rejection {
	return badRequest(codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, name))
}

func notRequired(name string) *verify.Rejection {
	return badRequest(codes.ParamNotRequired, fmt.Sprintf(codes.MsgNotRequiredFmt, name))
}

func invalidData(name string) *verify.Rejection {
	return badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, name))
}

func internalError(err error) *verify.Rejection {
	return rejection(http.StatusInternalServerError, codes.Unknown,
		"An unknown error occurred while processing the request.", "internal error: "+err.Error())
}

func remoteAddr(r *http.Request) (netip.Addr, string) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		a := ap.Addr().Unmap()
		return a, a.String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap(), host
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/metrics":
		s.metrics.handler().ServeHTTP(w, r)
	case p == WSAPIPath:
		s.serveWSAPI(w, r)
	case p == "/mbx/admin" || strings.HasPrefix(p, "/mbx/admin/"):
		s.serveAdmin(w, r)
	case p == "/mbx" || strings.HasPrefix(p, "/mbx/"):
		if s.opt.Inspector != nil {
			s.opt.Inspector.ServeHTTP(w, r)
			return
		}
		writeRaw(w, http.StatusNotFound, []byte(`{"code":-1000,"msg":"The inspector page is not built into this server; GET /mbx/admin/recent lists recent requests as JSON."}`))
	default:
		s.serveAPI(w, r)
	}
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serveAPI runs the pipeline: endpoint, size limits, latency, faults, rate
// limits, key and signature (verify), permission, parameter and value
// checks, the endpoint itself, response.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := &reqCtx{s: s, w: w, r: r, ctx: r.Context(), rawQuery: r.URL.RawQuery, ct: r.Header.Get("Content-Type")}
	q.ip, q.ipStr = remoteAddr(r)
	if v, ok := r.Header[headerAPIKey]; ok {
		q.hasKey = true
		if len(v) > 0 {
			q.apiKey = v[0]
		}
	}
	shownKey, _ := clipKey(q.apiKey)
	q.entry = Entry{ID: s.reqID.Add(1), Method: r.Method, Path: r.URL.Path, RemoteIP: q.ipStr, APIKey: shownKey, ContentType: q.ct}
	q.entry.RawQuery, q.entry.Truncated = clipString(q.rawQuery)

	ep, rej := s.route(r.Method, r.URL.Path)
	if rej != nil {
		q.now = s.ServerTime()
		q.finish(nil, rej, nil, start)
		return
	}
	q.ep, q.group = ep, string(ep.group)
	if ep.sapi {
		q.group = "sapi"
	}
	q.entry.Endpoint, q.entry.Security = ep.name, ep.security

	lim := s.cfg.Limits
	if len(q.rawQuery) > lim.MaxQueryBytes {
		q.now = s.ServerTime()
		q.finish(nil, verify.QueryTooLong(len(q.rawQuery), lim.MaxQueryBytes), nil, start)
		return
	}
	if d := s.faults.delay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-q.ctx.Done():
			t.Stop()
		}
	}
	if r.Body != nil && r.Method != http.MethodGet {
		timeout := s.opt.BodyTimeout
		if timeout <= 0 {
			timeout = DefaultBodyTimeout
		}
		body, err := httpbody.Read(w, r, int64(lim.MaxBodyBytes), timeout)
		if err != nil {
			q.now = s.ServerTime()
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				q.finish(nil, verify.BodyTooLarge(lim.MaxBodyBytes), nil, start)
			} else {
				q.finish(nil, rejection(http.StatusBadRequest, codes.Unknown, "Could not read the request body: "+err.Error(), ""), nil, start)
			}
			return
		}
		q.body = body
	}
	q.entry.Body, q.entry.Truncated = clipBody(q.body, q.entry.Truncated)
	q.now = s.ServerTime()

	if rej := q.admit(); rej != nil {
		q.finish(nil, rej, nil, start)
		return
	}
	// Faults hit requests the rate limiter let through.
	ft := s.faults.take(r.Method, r.URL.Path)
	if ft != nil && ft.Kind == Fault5xx && !ft.Process {
		q.finish(nil, nil, ft, start)
		return
	}
	rej = q.timeUnit()
	if rej == nil {
		rej = q.authenticate()
	}
	if rej == nil {
		rej = q.checkParams()
	}
	var result any
	if rej == nil {
		result, rej = ep.handle(q)
	}
	if rej == nil && ep.freeOnSuccess && q.weight > 0 {
		s.limits.refund(ep.group, q.ipStr, q.weight, q.now)
		q.weight = 0
	}
	q.finish(result, rej, ft, start)
}

func clipBody(b []byte, already bool) (string, bool) {
	s, t := clip(b)
	return s, t || already
}

// route finds the endpoint of method and path.
func (s *Server) route(method, path string) (*endpoint, *verify.Rejection) {
	byMethod := s.routes[path]
	if byMethod == nil {
		msg := fmt.Sprintf("Unknown endpoint %s %s.", method, path)
		notes := []string{"the local exchange serves every endpoint of Binance's catalogue (package binance/catalog); GET /mbx/admin/state lists them"}
		if c := catalog.Default().Closest(path); c != "" {
			msg = fmt.Sprintf("Unknown endpoint %s %s; did you mean %s?", method, path, c)
			notes = append([]string{"the closest catalogued path is " + c + " (paths are case-sensitive)"}, notes...)
		}
		return nil, rejection(http.StatusNotFound, codes.Unknown, msg, "no such endpoint on Binance", notes...)
	}
	if ep := byMethod[method]; ep != nil {
		return ep, nil
	}
	var allowed []string
	for m := range byMethod {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	return nil, rejection(http.StatusMethodNotAllowed, codes.Unknown,
		fmt.Sprintf("Method %s is not supported for %s; use %s.", method, path, strings.Join(allowed, " or ")), "")
}

// admit charges the request's weight and answers 429/418 when a limit is
// broken. Rejected requests keep their weight, as on Binance.
func (q *reqCtx) admit() *verify.Rejection {
	ep, s := q.ep, q.s
	var a admission
	if ep.sapi {
		account := ""
		if k := s.comp.byKey[q.apiKey]; k != nil {
			account = k.account
		}
		var ipUsed, uidUsed int
		w := ep.weigh(q)
		ipW, uidW := w, 0
		if ep.uid {
			ipW, uidW = 0, w
		}
		a, ipUsed, uidUsed = s.limits.admitSAPI(q.ipStr, account, ep.path, ipW, uidW, q.now)
		h := q.w.Header()
		h.Set(headerSAPIIP, strconv.Itoa(ipUsed))
		h.Set(headerSAPIUID, strconv.Itoa(uidUsed))
		if a.kind != limit418 {
			q.weight = w
		}
	} else {
		w := ep.weigh(q)
		a = s.limits.admit(ep.group, q.ipStr, w, q.now)
		if a.kind != limit418 {
			q.weight = w
		}
	}
	futures := ep.group.futures()
	switch a.kind {
	case limit429:
		q.w.Header().Set("Retry-After", strconv.Itoa(a.retryAfter))
		limit, per := s.cfg.Limits.RequestWeightPerMinute, "1 MINUTE"
		var msg string
		switch {
		case futures:
			msg = fmt.Sprintf(codes.MsgFuturesTooManyFmt, s.cfg.Limits.FAPIRequestWeightPerMinute)
		case a.raw:
			msg = fmt.Sprintf("Too many requests; current limit is %d requests per 5 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", s.cfg.Limits.RawRequestsPer5m)
		case ep.sapi:
			limit = s.cfg.Limits.SAPIIPWeightPerMinute
			if ep.uid {
				limit = s.cfg.Limits.SAPIUIDWeightPerMinute
			}
			msg = fmt.Sprintf(codes.MsgTooMuchWeightFmt, limit, per)
		default:
			msg = fmt.Sprintf(codes.MsgTooMuchWeightFmt, limit, per)
		}
		return rejection(http.StatusTooManyRequests, codes.TooManyRequests, msg,
			fmt.Sprintf("rate limit: %d weight used this minute by %s; wait %ds (Retry-After)", a.used, q.ipStr, a.retryAfter),
			"a request from this address before Retry-After ends earns an HTTP 418 IP ban")
	case limit418:
		q.w.Header().Set("Retry-After", strconv.Itoa(a.retryAfter))
		f := codes.MsgBannedFmt
		if futures {
			f = codes.MsgFuturesBannedFmt
		}
		return rejection(http.StatusTeapot, codes.TooManyRequests, fmt.Sprintf(f, a.banUntil.UnixMilli()),
			fmt.Sprintf("IP %s is banned for %ds: it kept sending after a 429", q.ipStr, a.retryAfter),
			"bans start at limits.ban_base and double for each repeat offence, up to 72h; honour Retry-After on 429")
	}
	return nil
}

// timeUnit is the time unit of a spot answer: X-MBX-TIME-UNIT MICROSECOND
// (or microsecond) switches every time field to microseconds; MILLISECOND
// is the default; anything else is -1194. /sapi and /fapi ignore the
// header (whether futures honour it is UNCONFIRMED).
type timeUnit bool

func (u timeUnit) stamp(t time.Time) int64 {
	if u {
		return t.UnixMicro()
	}
	return t.UnixMilli()
}

func (q *reqCtx) timeUnit() *verify.Rejection {
	v, ok := q.r.Header["X-Mbx-Time-Unit"]
	if !ok || q.ep.group != groupSpot || q.ep.sapi {
		return nil
	}
	switch strings.Join(v, ",") {
	case "MICROSECOND", "microsecond":
		q.unit = true
	case "MILLISECOND", "millisecond":
	default:
		return badRequest(codes.InvalidTimeUnit, codes.MsgInvalidTimeUnit)
	}
	return nil
}

// rejectKey is -2015; /fapi appends the caller's address as Binance does.
func (q *reqCtx) rejectKey(verdict string, notes ...string) *verify.Rejection {
	msg := codes.MsgRejectedKey
	if q.ep.group.futures() {
		msg = fmt.Sprintf(codes.MsgRejectedKeyIPFmt, q.ipStr)
	}
	return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, msg, verdict, notes...)
}

// authenticate parses the parameters and, for SIGNED endpoints, checks
// the key header, the key, the IP whitelist, the signature and timing
// (package verify) and then the key's permission.
func (q *reqCtx) authenticate() *verify.Rejection {
	ep, s := q.ep, q.s
	sec := catalog.Security(ep.security)
	if !sec.NeedsKey() {
		return q.parseUnsigned()
	}
	if rej := verify.CheckAPIKeyHeader(q.apiKey, q.hasKey); rej != nil {
		return rej
	}
	k := s.comp.byKey[q.apiKey]
	if k == nil {
		return q.rejectKey("no key with this X-MBX-APIKEY is configured on this exchange",
			"check for a key from another environment (testnet, production), a truncated paste, or key and secret swapped")
	}
	q.key, q.entry.Account = k, k.account
	if !k.allows(q.ip) {
		return q.rejectKey(fmt.Sprintf("request from %s, which is outside the key's ip_whitelist %v", q.ipStr, k.cfg.IPWhitelist),
			"add the client's egress address to the key's ip_whitelist")
	}
	if !sec.Signed() {
		// MARKET_DATA and USER_STREAM: the key, no signature.
		return q.parseUnsigned()
	}
	res, rej := verify.Verify(&verify.Request{
		Method: q.r.Method, Path: q.r.URL.Path, RawQuery: q.rawQuery, Body: q.body, ContentType: q.ct,
		APIKey: q.apiKey, HasAPIKey: q.hasKey, RemoteIP: q.ipStr,
	}, verify.Key{APIKey: k.cfg.APIKey, Verifier: k.verifier}, verify.Options{
		ServerTime: q.now, SignatureMustBeLast: s.cfg.StrictSignatureLast,
		MaxQueryBytes: s.cfg.Limits.MaxQueryBytes, MaxBodyBytes: s.cfg.Limits.MaxBodyBytes,
	})
	if rej != nil {
		return rej
	}
	q.res = res
	if res.Params != nil {
		q.params = res.Params.List
	}
	if ep.perm != "" && !k.perms.has(ep.perm) {
		return q.rejectKey(fmt.Sprintf("signature valid, but the key lacks the %s permission this endpoint needs (it has %s)", ep.perm, strings.Join(k.permList(), ", ")),
			fmt.Sprintf("add %s to the key's permissions in the exchange config", ep.perm))
	}
	return nil
}

// checkParams applies the endpoint's parameter list: too many (-1101),
// unknown (-1104), mandatory missing or empty (-1102), optional empty
// (-1105). It runs after the signature is verified, as on Binance.
func (q *reqCtx) checkParams() *verify.Rejection {
	ep := q.ep
	n := len(q.params) // signature, timestamp and recvWindow included, as Binance counts
	if n > len(ep.allowed) {
		return badRequest(codes.TooManyParameters, fmt.Sprintf(codes.MsgTooManyParamsFmt, len(ep.allowed), n),
			fmt.Sprintf("%s takes at most these %d parameters: %s", ep.name, len(ep.allowed), strings.Join(ep.allowedList, ", ")))
	}
	unknown := []string{}
	for _, p := range q.params {
		if !ep.allowed[p.Name] {
			unknown = append(unknown, p.Name)
		}
	}
	if len(unknown) > 0 {
		return badRequest(codes.UnreadParameters, fmt.Sprintf(codes.MsgUnreadFmt, n-len(unknown), n),
			fmt.Sprintf("%s does not read %s (names are case-sensitive); it reads %s", ep.name, strings.Join(quoteAll(unknown), ", "), strings.Join(ep.allowedList, ", ")))
	}
	for _, m := range ep.mandatory {
		if v, ok := q.get(m); !ok || v == "" {
			return mandatory(m)
		}
	}
	for _, p := range q.params {
		if p.Value == "" && p.Name != "signature" {
			return badRequest(codes.ParamEmpty, fmt.Sprintf(codes.MsgParamEmptyFmt, p.Name),
				"leave an optional parameter out instead of sending it empty")
		}
	}
	if ep.checkValues && ep.cat != nil {
		return q.checkLegal(ep.cat.Params)
	}
	return nil
}

// checkLegal applies the catalogue's enums and numeric ranges: -1100 with
// the legal range. Modelled handlers check values themselves, with the
// codes Binance uses for each (-1115, -1116, -1013, ...).
func (q *reqCtx) checkLegal(ps []catalog.Param) *verify.Rejection {
	for i := range ps {
		p := &ps[i]
		if len(p.Enum) == 0 && p.Min == "" && p.Max == "" {
			continue
		}
		v, ok := q.get(p.Name)
		if !ok {
			continue
		}
		if rng, ok := p.Legal(v); !ok {
			return illegal(p.Name, rng)
		}
	}
	return nil
}

// parseUnsigned reads the parameters of a request without a signature.
func (q *reqCtx) parseUnsigned() *verify.Rejection {
	ps, rej := verify.ParseParams(q.rawQuery, q.body, q.ct)
	if rej != nil {
		return rej
	}
	q.params = ps.List
	return nil
}

// weightParam reads a parameter for the weight rules: a WebSocket API
// request's parsed params, a REST request's raw ones.
func (q *reqCtx) weightParam(name string) (string, bool) {
	if q.ep != nil && q.ep.method == WSMethod {
		return q.get(name)
	}
	return q.rawLookup(name)
}

// rawLookup reads a parameter as sent (query first, then a form body),
// before the parameters are parsed: weights are charged before that.
func (q *reqCtx) rawLookup(name string) (string, bool) {
	if !q.rawHas(name) {
		return "", false
	}
	return q.rawValue(name), true
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// preEncoded is an answer a handler encoded itself.
type preEncoded []byte

type errorBody struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

// finish writes the answer (or the injected fault), records the request
// and logs it.
func (q *reqCtx) finish(result any, rej *verify.Rejection, ft *Fault, start time.Time) {
	s, w, e := q.s, q.w, &q.entry
	e.Time = q.now
	h := w.Header()
	if q.ep != nil && !q.ep.sapi {
		e.UsedWeight = s.limits.usedWeight(q.ep.group, q.ipStr, q.now)
		h.Set(headerWeight, strconv.Itoa(e.UsedWeight))
	} else if q.ep != nil {
		e.UsedWeight = s.limits.usedWeight(groupSpot, q.ipStr, q.now)
		h.Set(headerWeight, strconv.Itoa(e.UsedWeight))
	}
	e.Weight = q.weight
	var status int
	var body []byte
	drop := false
	switch {
	case ft != nil && ft.Kind == FaultDrop:
		drop = true
		e.Verdict, e.Fault, e.Msg = VerdictFault, string(ft.Kind), "connection dropped after processing (injected fault)"
		e.Explanation = &verify.Explanation{Verdict: "injected fault: connection dropped after processing; the request WAS processed" + outcome(rej)}
	case ft != nil && ft.Kind == FaultTimeout:
		status = ft.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
			if q.ep != nil && q.ep.group.futures() {
				status = http.StatusRequestTimeout
			}
		}
		e.Verdict, e.Fault, e.Code, e.Msg = VerdictFault, string(ft.Kind), int(codes.Timeout), codes.MsgTimeout
		body = mustJSON(errorBody{Code: int(codes.Timeout), Msg: codes.MsgTimeout})
		e.Explanation = &verify.Explanation{Verdict: "injected fault: -1007 after processing; the request WAS processed" + outcome(rej), Code: int(codes.Timeout)}
	case ft != nil && ft.Kind == Fault5xx:
		status = ft.Status
		const msg = "Internal error; unable to process your request. Please try again."
		e.Verdict, e.Fault, e.Code, e.Msg = VerdictFault, string(ft.Kind), int(codes.Disconnected), msg
		body = mustJSON(errorBody{Code: int(codes.Disconnected), Msg: msg})
		verdict := "injected fault: HTTP 5xx before processing; the request was NOT processed"
		if ft.Process {
			verdict = "injected fault: HTTP 5xx after processing; the request WAS processed" + outcome(rej)
		}
		e.Explanation = &verify.Explanation{Verdict: verdict, Code: int(codes.Disconnected)}
	case rej != nil:
		status = rej.HTTPStatus
		if status == 0 {
			status = http.StatusBadRequest
		}
		e.Code, e.Msg = int(rej.Code), rej.Msg
		switch status {
		case http.StatusTooManyRequests, http.StatusTeapot:
			e.Verdict = VerdictLimited
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			e.Verdict = VerdictNotFound
		default:
			e.Verdict = VerdictRejected
		}
		body = mustJSON(errorBody{Code: int(rej.Code), Msg: rej.Msg})
		ex := rej.Explanation
		if ex == nil {
			ex = &verify.Explanation{Verdict: rej.Msg, Code: int(rej.Code)}
		}
		if ex.Payload == "" && q.res != nil {
			ex.Payload = verify.Visible(q.res.Payload)
			ex.SignatureLocation = "in the " + q.res.SignatureIn
		}
		e.Explanation = ex
		h.Set(HeaderExplain, ex.Header())
		h.Set(HeaderInspect, "/mbx/#"+strconv.FormatUint(e.ID, 10))
	default:
		status = http.StatusOK
		e.Verdict = VerdictAccepted
		var err error
		if pre, ok := result.(preEncoded); ok {
			body = pre
		} else if body, err = json.Marshal(result); err != nil {
			status = http.StatusInternalServerError
			e.Verdict, e.Code, e.Msg = VerdictRejected, int(codes.Unknown), "internal error: "+err.Error()
			body = mustJSON(errorBody{Code: int(codes.Unknown), Msg: "An unknown error occurred while processing the request."})
		}
	}
	e.HTTPStatus = status
	e.Response, _ = clip(body)
	e.Duration = time.Since(start)
	s.recent.Add(*e)
	s.metrics.observe(e, q.group)
	s.logRequest(q)
	if drop {
		dropConnection(w)
		return
	}
	h.Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// outcome says what the exchange would have answered under a fault.
func outcome(rej *verify.Rejection) string {
	if rej == nil {
		return " and accepted"
	}
	return fmt.Sprintf(" and rejected with %d %s", rej.Code, rej.Msg)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"code":-1000,"msg":"An unknown error occurred while processing the request."}`)
	}
	return b
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or a recorder: net/http aborts the stream without answering.
	panic(http.ErrAbortHandler)
}

// logRequest writes the one log line of a request: never the secret, the
// signature or the payload.
func (s *Server) logRequest(q *reqCtx) {
	e := &q.entry
	level := slog.LevelInfo
	if e.HTTPStatus >= 500 && e.Fault == "" {
		level = slog.LevelError
	}
	if !s.log.Enabled(q.ctx, level) {
		return
	}
	s.log.LogAttrs(q.ctx, level, "request",
		slog.Uint64("id", e.ID),
		slog.String("method", e.Method),
		slog.String("path", e.Path),
		slog.String("key", e.APIKey),
		slog.String("ip", e.RemoteIP),
		slog.String("verdict", e.Verdict),
		slog.Int("code", e.Code),
		slog.Int("weight", e.Weight),
		slog.Int("status", e.HTTPStatus),
		slog.Duration("took", e.Duration),
	)
}

package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/internal/httpbody"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/inspector"
)

// Headers the proxy writes on its own answers (the local exchange's names).
const (
	HeaderExplain = inspector.HeaderExplain
	HeaderInspect = inspector.HeaderInspect
)

// maxObservedBody bounds how much of a 429/418 answer is read before it is
// passed on: the ban time sits in its first bytes.
const maxObservedBody = 64 << 10

// call is one request on its way through the proxy.
type call struct {
	p      *Proxy
	w      http.ResponseWriter
	r      *http.Request
	start  time.Time
	body   []byte
	ct     string
	apiKey string
	hasKey bool
	fam    binance.Family
	famOK  bool
	fc     *famClock
	// verified: a known key's signature and timing passed locally.
	verified bool
	entry    inspector.Entry
}

func (p *Proxy) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := &call{p: p, w: w, r: r, start: time.Now(), ct: r.Header.Get("Content-Type")}
	if v, ok := r.Header["X-Mbx-Apikey"]; ok {
		c.hasKey = true
		if len(v) > 0 {
			c.apiKey = v[0]
		}
	}
	c.fam, c.famOK = familyOf(r.URL.Path)
	e := &c.entry
	*e = inspector.Entry{ID: p.nextID.Add(1), Time: p.serverNow(), Method: r.Method, Path: r.URL.Path,
		Endpoint: r.Method + " " + r.URL.Path, RemoteIP: remoteIP(r), ContentType: c.ct}
	e.APIKey, _ = inspector.Clip(c.apiKey, inspector.MaxKeyRecorded)
	e.RawQuery, e.Truncated = inspector.Clip(r.URL.RawQuery, inspector.MaxRecorded)

	if r.Method == http.MethodConnect {
		c.local(http.StatusMethodNotAllowed, codes.Unknown, "mbx proxy is a reverse proxy: point the client's base URL at it instead of using it as an HTTP proxy.", nil, inspector.VerdictNotFound)
		return
	}
	if len(r.URL.RawQuery) > p.maxQuery {
		p.rejected.Add(1)
		rej := verify.QueryTooLong(len(r.URL.RawQuery), p.maxQuery)
		c.local(rej.HTTPStatus, rej.Code, rej.Msg, rej.Explanation, inspector.VerdictRejected)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, err := httpbody.Read(w, r, p.maxBody, p.bodyWait)
		if err != nil {
			p.failed.Add(1)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				rej := verify.BodyTooLarge(int(p.maxBody))
				c.local(rej.HTTPStatus, rej.Code, rej.Msg, rej.Explanation, inspector.VerdictRejected)
			} else {
				c.local(http.StatusBadRequest, codes.Unknown, "Could not read the request body.", nil, inspector.VerdictRejected)
			}
			return
		}
		c.body = body
	}
	var t bool
	e.Body, t = inspector.ClipBytes(c.body)
	e.Truncated = e.Truncated || t
	e.Security = c.security()

	if k, ok := p.keys[c.apiKey]; ok && c.hasKey {
		if rej := c.verify(k); rej != nil {
			p.rejected.Add(1)
			c.local(rej.HTTPStatus, rej.Code, rej.Msg, rej.Explanation, inspector.VerdictRejected)
			return
		}
	}

	cost := p.gov.Cost(p.upBase, r.Method, r.URL.Path, weightParams(r.URL.RawQuery, c.body, c.ct))
	if cost.Family == "" {
		cost.Family = "other" // a path outside Binance's families still obeys the host's block
	}
	if c.apiKey != "" {
		cost.Scope = "key:" + c.apiKey // the same per-account budget key as package binance
	}
	if err := p.gov.Wait(r.Context(), cost); err != nil {
		if c.limitedAnswer(err) {
			return
		}
	}
	c.forward(cost)
}

// familyOf is binance.FamilyOf without the error.
func familyOf(path string) (binance.Family, bool) {
	f, err := binance.FamilyOf(path)
	return f, err == nil
}

// security names what the request carries, for the inspector.
func (c *call) security() string {
	switch {
	case hasPair(c.r.URL.RawQuery, "signature") || (!isJSON(c.ct) && hasPair(string(c.body), "signature")):
		return "SIGNED"
	case c.hasKey:
		return "API_KEY"
	}
	return "NONE"
}

// hasPair reports whether a form-encoded string has a pair named name.
func hasPair(s, name string) bool {
	for s != "" {
		var seg string
		seg, s, _ = strings.Cut(s, "&")
		if n, _, _ := strings.Cut(seg, "="); n == name {
			return true
		}
	}
	return false
}

func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// weightParams gives the governor the parameters that price an endpoint
// (symbol, symbols, limit). Nothing forwarded is built from them.
func weightParams(rawQuery string, body []byte, ct string) url.Values {
	v := url.Values{}
	ps, rej := verify.ParseParams(rawQuery, body, ct)
	if rej != nil {
		return v
	}
	for _, p := range ps.List {
		if p.Name == "symbol" || p.Name == "symbols" || p.Name == "limit" {
			v.Set(p.Name, p.Value)
		}
	}
	return v
}

// verify checks a known key's request and returns the rejection to answer
// locally, or nil to forward.
func (c *call) verify(k verify.Key) *verify.Rejection {
	p, r := c.p, c.r
	req := &verify.Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: c.body,
		ContentType: c.ct, APIKey: c.apiKey, HasAPIKey: c.hasKey, RemoteIP: c.entry.RemoteIP}
	opt := verify.Options{SignatureMustBeLast: p.strict, MaxQueryBytes: p.maxQuery, MaxBodyBytes: int(p.maxBody)}
	var est clock.Estimate
	if c.famOK && hasTimestamp(r.URL.RawQuery, c.body, c.ct) {
		est, c.fc = p.estimate(r.Context(), c.fam)
	}
	now := p.now()
	// The earliest the upstream's clock can read when the request arrives:
	// a timestamp too old for it is too old for the upstream.
	opt.ServerTime = now
	if est.Synced {
		opt.ServerTime = now.Add(est.Offset - est.Bound - p.slack)
	}
	res, rej := verify.Verify(req, k, opt)
	if rej == nil {
		c.verified = true
		c.entry.Explanation = &verify.Explanation{Verdict: "signature and timing verified by mbx proxy; forwarded",
			Payload: verify.Visible(res.Payload), SignatureLocation: "in the " + res.SignatureIn}
		return nil
	}
	if !answerLocally(rej) {
		c.entry.Explanation = rej.Explanation
		c.note("mbx proxy found %d %s but forwarded the request: only signature and timing errors are answered locally; the exchange decides the rest.", rej.Code, rej.Msg)
		return nil
	}
	if rej.Code == codes.InvalidTimestamp {
		if !est.Synced {
			c.entry.Explanation = rej.Explanation
			c.note("mbx proxy has no measurement of the upstream's clock yet, so it judged the timestamp against its own clock only and forwarded the request.")
			return nil
		}
		if rej.Msg == codes.MsgTimestampAhead {
			// The latest the upstream's clock can read on arrival: only a
			// timestamp ahead even of that is certainly rejected.
			opt.ServerTime = now.Add(est.Offset + est.Bound + est.RTT + p.slack)
			_, rej2 := verify.Verify(req, k, opt)
			if rej2 == nil || rej2.Code != codes.InvalidTimestamp {
				c.entry.Explanation = rej.Explanation
				c.note("The timestamp is within the uncertainty of mbx proxy's measurement of the upstream's clock; forwarded.")
				return nil
			}
			rej = rej2
		}
		rej.Explanation.Notes = append(rej.Explanation.Notes, fmt.Sprintf(
			"mbx proxy judged the timestamp against %s's clock: offset %s, measured with an error bound of ±%s; a request is answered -1021 locally only when it is outside the window whatever the true offset.",
			p.upBase, est.Offset.Round(time.Millisecond), (est.Bound+p.slack).Round(time.Millisecond)))
	}
	return rej
}

// hasTimestamp reports whether the request carries a timestamp, so that the
// clock is synced only for signed traffic.
func hasTimestamp(rawQuery string, body []byte, ct string) bool {
	return hasPair(rawQuery, "timestamp") || (!isJSON(ct) && hasPair(string(body), "timestamp")) ||
		(isJSON(ct) && bytes.Contains(body, []byte(`"timestamp"`)))
}

// answerLocally reports whether a rejection is one the proxy is sure of
// and answers itself: signature and timing.
func answerLocally(rej *verify.Rejection) bool {
	mentions := func(names ...string) bool {
		for _, n := range names {
			if strings.Contains(rej.Msg, "'"+n+"'") {
				return true
			}
		}
		return false
	}
	switch rej.Code {
	case codes.InvalidSignature, codes.InvalidTimestamp:
		return true
	case codes.IllegalChars:
		return mentions("signature", "timestamp", "recvWindow")
	case codes.MandatoryParamEmpty:
		// A missing signature is not answered: the proxy cannot tell a
		// SIGNED endpoint from one that takes only the API key.
		return mentions("timestamp", "recvWindow")
	}
	return false
}

func (c *call) note(format string, a ...any) {
	if c.entry.Explanation == nil {
		c.entry.Explanation = &verify.Explanation{}
	}
	c.entry.Explanation.Notes = append(c.entry.Explanation.Notes, fmt.Sprintf(format, a...))
}

// limitedAnswer answers a request the governor refused. It reports false
// when the request should be forwarded anyway (a failing budget backend:
// the proxy must not become the outage).
func (c *call) limitedAnswer(err error) bool {
	p := c.p
	now := p.serverNow()
	futures := c.fam == binance.USDMFutures || c.fam == binance.COINFutures
	var banned *ratelimit.BannedError
	var blocked *ratelimit.BlockedError
	var status int
	var msg, verdict string
	var until time.Time
	switch {
	case errors.As(err, &banned):
		status, until = http.StatusTeapot, banned.Until
		f := codes.MsgBannedFmt
		if futures {
			f = codes.MsgFuturesBannedFmt
		}
		msg = fmt.Sprintf(f, until.UnixMilli())
		if lb := p.lastLimit.Load(); lb != nil && lb.status == status {
			msg = lb.msg
		}
		verdict = fmt.Sprintf("%s banned this IP (HTTP 418) until %s; mbx proxy answers 418 itself until then and forwards nothing, because requests during a ban lengthen it",
			p.upBase, until.UTC().Format(time.RFC3339))
	case errors.As(err, &blocked):
		status, until = http.StatusTooManyRequests, blocked.Until
		msg = c.weightMsg(futures)
		if lb := p.lastLimit.Load(); lb != nil && lb.status == status {
			msg = lb.msg
		}
		verdict = fmt.Sprintf("%s answered HTTP 429; mbx proxy answers 429 itself until %s (Retry-After) and forwards nothing, because a request before then would earn an IP ban (418)",
			p.upBase, until.UTC().Format(time.RFC3339))
	case errors.Is(err, ratelimit.ErrWaitTooLong), errors.Is(err, ratelimit.ErrOverLimit):
		status = http.StatusTooManyRequests
		until = now.Truncate(time.Minute).Add(time.Minute)
		msg = c.weightMsg(futures)
		verdict = "the shared weight budget of every bot behind mbx proxy is spent for this window; answered 429 locally instead of letting the exchange answer it"
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return true // the client went away while waiting for budget
	default:
		p.log.Warn("proxy: weight budget unavailable; forwarding anyway", "err", err)
		return false
	}
	p.limited.Add(1)
	retry := int(math.Ceil(until.Sub(now).Seconds()))
	retry = max(retry, 1)
	c.w.Header().Set("Retry-After", strconv.Itoa(retry))
	c.local(status, codes.TooManyRequests, msg, &verify.Explanation{Verdict: verdict, Code: int(codes.TooManyRequests),
		Notes: []string{"Answered by mbx proxy without forwarding: one weight budget and one ban are shared by every bot behind the proxy."}},
		inspector.VerdictLimited)
	return true
}

// weightMsg is Binance's -1003 message with the family's weight limit.
func (c *call) weightMsg(futures bool) string {
	fam := string(c.fam)
	if !c.famOK {
		fam = "api"
	}
	limit := 0
	for _, l := range c.p.gov.Limits(fam) {
		if l.Kind == ratelimit.KindRequestWeight && l.Interval == time.Minute {
			limit = l.Max
		}
	}
	if futures {
		return fmt.Sprintf(codes.MsgFuturesTooManyFmt, limit)
	}
	return fmt.Sprintf(codes.MsgTooMuchWeightFmt, limit, "1 MINUTE")
}

// limitBody is a 429/418 answer of the upstream.
type limitBody struct {
	status int
	msg    string
}

type errorBody struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

// local answers with Binance's error shape, without forwarding.
func (c *call) local(status int, code codes.Code, msg string, ex *verify.Explanation, verdict string) {
	p, e := c.p, &c.entry
	if status == 0 {
		status = http.StatusBadRequest
	}
	if ex == nil {
		ex = &verify.Explanation{Verdict: msg, Code: int(code)}
	}
	ex.Notes = append(ex.Notes, "Answered by mbx proxy; the request was not forwarded to "+p.upBase+", so it cost no weight there.")
	body, _ := json.Marshal(errorBody{Code: int(code), Msg: msg})
	h := c.w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set(HeaderExplain, ex.Header())
	h.Set(HeaderInspect, "/mbx/#"+strconv.FormatUint(e.ID, 10))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
	e.Verdict, e.Code, e.Msg, e.HTTPStatus, e.Explanation = verdict, int(code), msg, status, ex
	e.Response, _ = inspector.ClipBytes(body)
	c.finish()
}

// finish records and logs the request.
func (c *call) finish() {
	e := &c.entry
	e.Duration = time.Since(c.start)
	c.p.recent.Add(*e)
	c.p.log.LogAttrs(c.r.Context(), slog.LevelInfo, "proxy: request",
		slog.Uint64("id", e.ID), slog.String("method", e.Method), slog.String("path", e.Path),
		slog.String("key", secret.MaskKey(c.apiKey)), slog.String("ip", e.RemoteIP), slog.String("verdict", e.Verdict),
		slog.Int("code", e.Code), slog.Int("status", e.HTTPStatus), slog.Int("weight", e.Weight),
		slog.Duration("took", e.Duration))
}

// hopByHop are the headers that belong to one connection (RFC 9110 §7.6.1),
// never forwarded.
func hopByHop(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// copyHeader copies src minus hop-by-hop headers and those Connection names.
func copyHeader(dst, src http.Header) {
	var named map[string]bool
	for _, v := range src["Connection"] {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				if named == nil {
					named = map[string]bool{}
				}
				named[http.CanonicalHeaderKey(n)] = true
			}
		}
	}
	for k, vv := range src {
		if hopByHop(k) || named[http.CanonicalHeaderKey(k)] {
			continue
		}
		dst[k] = append([]string(nil), vv...)
	}
}

// upstreamRequest builds the request to the upstream: the raw path and raw
// query exactly as the client sent them, the same body bytes and headers.
func (c *call) upstreamRequest() (*http.Request, error) {
	p, r := c.p, c.r
	rawPath := r.URL.EscapedPath()
	if strings.HasPrefix(r.RequestURI, "/") {
		rawPath, _, _ = strings.Cut(r.RequestURI, "?")
	}
	u := &url.URL{Scheme: p.up.Scheme, Host: p.up.Host, RawQuery: r.URL.RawQuery, ForceQuery: r.URL.ForceQuery}
	full := strings.TrimRight(p.up.Path, "/") + rawPath
	if strings.HasPrefix(full, "//") {
		// An opaque "//..." would read as a host; fall back to the parsed path.
		u.Path, u.RawPath = strings.TrimRight(p.up.Path, "/")+r.URL.Path, full
	} else {
		// Opaque is written as the request target verbatim, so no byte of
		// the path is re-escaped.
		u.Opaque = full
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.upBase+"/", bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	out.URL = u
	out.Host = ""
	out.Header = make(http.Header, len(r.Header)+1)
	copyHeader(out.Header, r.Header)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // add no User-Agent of our own
	}
	return out, nil
}

// forward sends the request upstream and passes the answer back unchanged.
func (c *call) forward(cost ratelimit.Cost) {
	p, e := c.p, &c.entry
	e.Weight = cost.Weight
	out, err := c.upstreamRequest()
	if err != nil {
		p.failed.Add(1)
		c.local(http.StatusBadGateway, codes.Disconnected, "Internal error; unable to process your request. Please try again.",
			&verify.Explanation{Verdict: "mbx proxy could not build the upstream request: " + err.Error(), Code: int(codes.Disconnected)}, inspector.VerdictFault)
		return
	}
	// The wait for the response headers is bounded; the body then streams
	// without a deadline (the timer is stopped once headers are in).
	ctx, cancel := context.WithCancelCause(out.Context())
	defer cancel(nil)
	timer := time.AfterFunc(p.upWait, func() { cancel(errUpstreamTimeout) })
	resp, err := p.rt.RoundTrip(out.WithContext(ctx))
	timer.Stop()
	if err != nil {
		if c.r.Context().Err() != nil {
			return // the client went away
		}
		if errors.Is(context.Cause(ctx), errUpstreamTimeout) {
			p.failed.Add(1)
			c.local(http.StatusServiceUnavailable, codes.Timeout, codes.MsgTimeout,
				&verify.Explanation{Verdict: fmt.Sprintf("mbx proxy got no response headers from %s within %v (Options.UpstreamTimeout, mbx proxy --upstream-timeout)", p.upBase, p.upWait),
					Code: int(codes.Timeout), Notes: []string{"The request may or may not have been executed: query an order before sending it again."}},
				inspector.VerdictFault)
			return
		}
		p.failed.Add(1)
		c.local(http.StatusBadGateway, codes.Disconnected, "Internal error; unable to process your request. Please try again.",
			&verify.Explanation{Verdict: "mbx proxy got no answer from " + p.upBase + ": " + err.Error(), Code: int(codes.Disconnected),
				Notes: []string{"The request may or may not have reached the exchange: query an order before sending it again."}},
			inspector.VerdictFault)
		return
	}
	defer resp.Body.Close()
	p.forwarded.Add(1)
	var src io.Reader = resp.Body
	var head []byte
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusTeapot {
		head, _ = io.ReadAll(io.LimitReader(resp.Body, maxObservedBody))
		src = io.MultiReader(bytes.NewReader(head), resp.Body)
		var eb errorBody
		if json.Unmarshal(plain(resp.Header, head), &eb) == nil && codes.Code(eb.Code) == codes.TooManyRequests && eb.Msg != "" {
			p.lastLimit.Store(&limitBody{status: resp.StatusCode, msg: eb.Msg})
		}
	}
	// Observe before answering, so that a bot retrying at once after a 429
	// already finds the host blocked.
	if oerr := p.gov.ObserveBody(c.r.Context(), cost, resp.StatusCode, resp.Header, plain(resp.Header, head)); oerr != nil {
		p.log.Debug("proxy: rate-limit headers", "err", oerr)
	}
	copyHeader(c.w.Header(), resp.Header)
	c.w.WriteHeader(resp.StatusCode)
	rec := &capped{max: inspector.MaxRecorded}
	_, cerr := io.Copy(c.w, io.TeeReader(src, rec))
	if cerr != nil {
		c.note("Copying the answer to the client failed: %v.", cerr)
	}
	c.record(resp, rec)
}

// plain is a response body as text for ObserveBody: gunzipped when the
// upstream compressed it (the client asked for gzip).
func plain(h http.Header, b []byte) []byte {
	if len(b) == 0 || !strings.EqualFold(h.Get("Content-Encoding"), "gzip") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	out, _ := io.ReadAll(io.LimitReader(zr, maxObservedBody))
	return out
}

// record fills the entry from the upstream's answer.
func (c *call) record(resp *http.Response, rec *capped) {
	p, e := c.p, &c.entry
	e.HTTPStatus = resp.StatusCode
	e.Response = string(plain(resp.Header, rec.buf))
	e.Truncated = e.Truncated || rec.cut
	if n, err := strconv.Atoi(resp.Header.Get("X-Mbx-Used-Weight-1m")); err == nil {
		e.UsedWeight = n
	}
	switch s := resp.StatusCode; {
	case s/100 == 2:
		e.Verdict = inspector.VerdictAccepted
	case s == http.StatusTooManyRequests || s == http.StatusTeapot:
		e.Verdict = inspector.VerdictLimited
	case s == http.StatusNotFound || s == http.StatusMethodNotAllowed:
		e.Verdict = inspector.VerdictNotFound
	case s >= 500:
		e.Verdict = inspector.VerdictFault
	default:
		e.Verdict = inspector.VerdictRejected
	}
	if resp.StatusCode >= 400 {
		var eb struct {
			Code *int   `json:"code"`
			Msg  string `json:"msg"`
		}
		if json.Unmarshal([]byte(e.Response), &eb) == nil && eb.Code != nil {
			e.Code, e.Msg = *eb.Code, eb.Msg
		}
	}
	if e.Explanation == nil {
		e.Explanation = &verify.Explanation{Verdict: fmt.Sprintf("forwarded unverified (%s); the upstream answered HTTP %d", c.why(), resp.StatusCode)}
	}
	if e.Explanation.Code == 0 {
		e.Explanation.Code = e.Code
	}
	if x := resp.Header.Get(HeaderExplain); x != "" {
		c.note("The upstream explains: %s", x)
	}
	if c.verified {
		switch codes.Code(e.Code) {
		case codes.InvalidSignature:
			c.note("mbx proxy verified this signature with its copy of the key, yet the upstream answered -1022: the proxy's key differs from the exchange's (a wrong or re-created secret, or a key of another environment).")
		case codes.InvalidTimestamp:
			c.note("mbx proxy judged the timestamp in time, yet the upstream answered -1021: its clock estimate is being resynced.")
			p.onUpstreamTimestampError(c.fc)
		}
	}
	c.note("Forwarded to %s; the answer above is the upstream's, passed on unchanged.", p.upBase)
	c.finish()
}

// why says why a forwarded request was not verified locally.
func (c *call) why() string {
	switch {
	case !c.hasKey:
		return "no X-MBX-APIKEY header"
	case c.entry.Security != "SIGNED":
		if e, ok := catalog.Default().Lookup(c.r.Method, c.r.URL.Path); ok && e.Security.Signed() {
			return fmt.Sprintf("no signature, although Binance's catalogue lists %s %s as %s, a SIGNED type: expect the exchange to reject it", c.r.Method, c.r.URL.Path, e.Security)
		}
		return "no signature"
	}
	return "an API key mbx proxy was not given"
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf []byte
	max int
	cut bool
}

// Write keeps what fits and reports all of b written: it is a recorder,
// and the copy to the client must not stop when it is full.
func (w *capped) Write(b []byte) (int, error) {
	keep := b
	if room := w.max - len(w.buf); room < len(b) {
		w.cut = true
		keep = b[:max(room, 0)]
	}
	w.buf = append(w.buf, keep...)
	return len(b), nil
}

func remoteIP(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errUpstreamTimeout cancels an upstream request whose response headers
// took longer than Options.UpstreamTimeout.
var errUpstreamTimeout = errors.New("upstream response timeout")

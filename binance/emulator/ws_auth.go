package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Mistake ids of WebSocket API signatures, in Explanation.Mistake.ID.
const (
	// MistakeWSPercentEncoded: the values were percent-encoded before
	// signing (the REST rule); the WebSocket API signs raw UTF-8.
	MistakeWSPercentEncoded = "ws-percent-encoded"
	// MistakeWSUnsorted: the params were signed in the order sent.
	MistakeWSUnsorted = "ws-unsorted"
	// MistakeWSRESTPayload: the payload was built the REST way, in the
	// order sent and percent-encoded.
	MistakeWSRESTPayload = "ws-rest-payload"
	// MistakeWSAPIKeyOmitted: apiKey was left out of the signed payload.
	MistakeWSAPIKeyOmitted = "ws-apikey-omitted"
	// MistakeWSSignatureEncoded: a base64 signature was percent-encoded, as
	// REST needs and a JSON string does not.
	MistakeWSSignatureEncoded = "ws-signature-encoded"
)

const (
	wsSignatureLocation = "params.signature"
	wsRule              = "The WebSocket API signs every param but signature, apiKey included, sorted by name, as name=value joined by &, values raw UTF-8 with no percent-encoding."
	fixWSRaw            = "Sign the raw UTF-8 values: no percent-encoding (that is the REST rule). Sort every param but signature by name, apiKey included, and join name=value with &."
	fixWSSort           = "Sort the params by name (byte order) before signing; the order of the JSON object does not matter, the signed payload is always sorted."
	fixWSAPIKey         = "Include apiKey in the signed payload: every param but signature is signed, apiKey included."
	fixWSTimestamp      = "Add timestamp (and recvWindow) to params before signing, then sign every param but signature."
)

// wsPayload is the signed payload of a request: every param but
// signature, sorted by name, name=value joined by '&', values raw.
func wsPayload(ps []verify.Param) []byte {
	return appendWSPayload(nil, ps, true, nil, "")
}

// appendWSPayload builds a payload from ps: sorted or in the order sent,
// values through enc (nil: raw), leaving out signature and the param
// named skip.
func appendWSPayload(dst []byte, ps []verify.Param, sorted bool, enc func(string) string, skip string) []byte {
	list := make([]params.Param, 0, len(ps))
	for _, p := range ps {
		if p.Name == "signature" || (skip != "" && p.Name == skip) {
			continue
		}
		v := p.Value
		if enc != nil {
			v = enc(v)
		}
		list = append(list, params.Param{Name: p.Name, Value: v})
	}
	if sorted {
		payload.SortParams(list)
	}
	return payload.AppendWSPayload(dst, list)
}

// decodeWSSignature reads the signature: hex for HMAC (either case),
// base64 for RSA and Ed25519, taken from the JSON string as it is.
func decodeWSSignature(alg sign.Algorithm, v string) []byte {
	if alg == sign.HMACSHA256 {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != 32 {
			return nil
		}
		return b
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// authenticate checks a SIGNED method as Binance does on the WebSocket
// API: an explicit apiKey and signature over the sorted raw payload, or,
// on a logged-on connection, the session's key with only timestamp. The
// checks and their order are REST's (package verify): apiKey, key, IP,
// signature syntax, timestamp, recvWindow, signature, timing, permission.
func (c *wsConn) authenticate(q *reqCtx, m *wsMethod) *verify.Rejection {
	if m.ep.security == secNone {
		return nil
	}
	apiKey, hasKey := q.get("apiKey")
	sigText, hasSig := q.get("signature")
	if !hasKey && !hasSig && !m.logon && c.session != nil {
		k := c.session.key
		q.key, q.entry.Account = k, k.account
		t, rej := readWSTiming(q)
		if rej != nil {
			return rej
		}
		return t.check(q.now)
	}
	if !hasKey || apiKey == "" {
		rej := mandatory("apiKey")
		rej.Explanation.Verdict = "no apiKey in params"
		if c.session == nil && !m.logon {
			rej.Explanation.Notes = append(rej.Explanation.Notes,
				"this connection is not logged on: put apiKey and signature in params, or log on first with session.logon (Ed25519 keys only)")
		}
		return rej
	}
	if err := validAPIKey(apiKey); err != nil || apiKey != strings.TrimSpace(apiKey) {
		why := "has surrounding whitespace"
		if err != nil {
			why = err.Error()
		}
		return rejection(http.StatusUnauthorized, codes.BadAPIKeyFmt, codes.MsgBadAPIKeyFmt, "apiKey "+why,
			"send the API key (not the secret) exactly as shown on the API Management page")
	}
	k := c.s.comp.byKey[apiKey]
	if k == nil {
		return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey,
			"no key with this apiKey is configured on this exchange",
			"check for a key from another environment (testnet, production), a truncated paste, or key and secret swapped")
	}
	q.key, q.entry.Account = k, k.account
	q.entry.APIKey = k.cfg.APIKey
	if !k.allows(c.ip) {
		return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey,
			fmt.Sprintf("request from %s, which is outside the key's ip_whitelist %v", c.ipStr, k.cfg.IPWhitelist),
			"add the client's egress address to the key's ip_whitelist")
	}
	if !hasSig || sigText == "" {
		return mandatory("signature")
	}
	alg := k.verifier.Algorithm()
	if alg == sign.HMACSHA256 && !isHex64(sigText) {
		rej := illegal("signature", verify.HMACSignatureRange)
		rej.Explanation.Verdict = fmt.Sprintf("HMAC signature is not 64 hex digits: %d characters received", len(sigText))
		if raw := decodeWSSignature(sign.Ed25519, sigText); raw != nil && (len(raw) == 64 || len(raw) >= 128) {
			rej.Explanation.Mistake = &verify.Mistake{ID: verify.MistakeWrongKeyType,
				Title: fmt.Sprintf("a %d-byte base64 signature (RSA or Ed25519) was sent, but this API key is HMAC", len(raw)),
				Fix:   "Sign with the key type registered for this API key: HMAC keys take hex(HMAC-SHA256(secret, payload))."}
		}
		return rej
	}
	t, rej := readWSTiming(q)
	if rej != nil {
		return rej
	}
	pl := wsPayload(q.params)
	sig := decodeWSSignature(alg, sigText)
	if sig == nil || k.verifier.Verify(pl, sig) != nil {
		return &verify.Rejection{HTTPStatus: http.StatusBadRequest, Code: codes.InvalidSignature, Msg: codes.MsgInvalidSignature,
			Explanation: explainWSSignature(k, q.params, pl, sig, sigText)}
	}
	if rej := t.check(q.now); rej != nil {
		rej.Explanation.Payload = visiblePayload(k, pl)
		return rej
	}
	if m.ep.perm != "" && !k.perms.has(m.ep.perm) {
		return rejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey,
			fmt.Sprintf("signature valid, but the key lacks the %s permission %s needs (it has %s)", m.ep.perm, m.name, strings.Join(k.permList(), ", ")),
			fmt.Sprintf("add %s to the key's permissions in the exchange config", m.ep.perm))
	}
	return nil
}

// wsTiming is a request's timestamp and recvWindow, read with REST's
// rules: milliseconds, or microseconds from 1e14 up; recvWindow in
// milliseconds with up to three decimals, at most 60000.
type wsTiming struct {
	ts     int64
	micro  bool
	recvUS int64
	given  bool
}

func readWSTiming(q *reqCtx) (wsTiming, *verify.Rejection) {
	t := wsTiming{recvUS: int64(verify.DefaultRecvWindow / time.Microsecond)}
	v, ok := q.get("timestamp")
	if !ok || v == "" {
		return t, mandatory("timestamp")
	}
	if len(v) > 20 || !allDigits(v) {
		rej := illegal("timestamp", verify.TimestampRange)
		rej.Explanation.Verdict = "'timestamp' is not an integer: send Unix time in milliseconds (13 digits) or microseconds (16 digits) as a JSON number"
		return t, rej
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > 1<<62 {
		n = 1 << 62 // far in the future: answered "ahead"
	}
	t.ts, t.micro = int64(n), n >= verify.MicrosecondThreshold
	rv, ok := q.get("recvWindow")
	if !ok {
		return t, nil
	}
	t.given = true
	if rv == "" {
		return t, badRequest(codes.ParamEmpty, fmt.Sprintf(codes.MsgParamEmptyFmt, "recvWindow"))
	}
	us, ok := verify.ParseRecvWindow(rv)
	if !ok {
		return t, illegal("recvWindow", verify.RecvWindowRange)
	}
	maxUS := int64(verify.DefaultMaxRecvWindow / time.Microsecond)
	if us > maxUS {
		return t, badRequest(codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgGreaterThanFmt, "recvWindow", "60000"),
			"Binance's maximum recvWindow is 60000 and it recommends 5000 or less")
	}
	t.recvUS = us
	return t, nil
}

// check applies Binance's two rules in the timestamp's own unit: reject
// when timestamp >= serverTime + 1000ms or serverTime - timestamp > recvWindow.
func (t wsTiming) check(now time.Time) *verify.Rejection {
	deltaUS, _, ahead, outside := verify.CheckTiming(t.ts, t.micro, t.recvUS, now)
	ms := func(us int64) string { return strconv.FormatFloat(float64(us)/1000, 'f', -1, 64) + "ms" }
	notes := []string{"Sync the host clock (NTP) or apply the server-time offset from the time method, and sign each attempt with a fresh timestamp."}
	if !t.given {
		notes = append(notes, "No recvWindow was sent: the default 5000ms applies.")
	}
	if ahead {
		rej := badRequest(codes.InvalidTimestamp, codes.MsgTimestampAhead, notes...)
		rej.Explanation.Verdict = fmt.Sprintf("timestamp is %s ahead of the server's time (it must be less than 1000ms ahead)", ms(-deltaUS))
		rej.Explanation.Mistake = &verify.Mistake{ID: verify.MistakeClockAhead, Title: "the client's clock (or its server-time offset) runs ahead of the exchange's", Fix: notes[0]}
		return rej
	}
	if outside {
		rej := badRequest(codes.InvalidTimestamp, codes.MsgTimestampOutside, notes...)
		rej.Explanation.Verdict = fmt.Sprintf("timestamp is %s behind the server's time, more than recvWindow %s", ms(deltaUS), ms(t.recvUS))
		rej.Explanation.Mistake = &verify.Mistake{ID: verify.MistakeClockBehind, Title: "the timestamp is older than recvWindow", Fix: notes[0]}
		return rej
	}
	return nil
}

// visiblePayload shows a payload for the explanation, an HMAC secret a
// client put into its params replaced.
func visiblePayload(k *apiKey, pl []byte) string {
	if s, ok := k.verifier.(interface{ Secret() secret.Value }); ok {
		if raw := s.Secret().Expose(); len(raw) > 0 && bytes.Contains(pl, raw) {
			pl = bytes.ReplaceAll(pl, raw, []byte("[REDACTED]"))
		}
	}
	return verify.Visible(pl)
}

// wsEncoder is a percent-encoding clients apply by mistake.
type wsEncoder struct {
	name string
	enc  func(string) string
}

func wsEncoders() []wsEncoder {
	return []wsEncoder{
		{"RFC 3986 percent-encoding", pct.Escape},
		{"JavaScript encodeURIComponent", encodeURIComponent},
		{"form encoding with '+' for spaces (Python urlencode, Go url.QueryEscape)", url.QueryEscape},
	}
}

// encodeURIComponent is JavaScript's: RFC 3986 but ! ' ( ) * stay.
func encodeURIComponent(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if pct.IsUnreserved(c) || strings.IndexByte("!'()*", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// explainWSSignature explains a -1022: it rebuilds the payloads clients
// sign by mistake (percent-encoded values, the order sent, apiKey left
// out, timestamp added after signing) and names the one the signature
// verifies against.
func explainWSSignature(k *apiKey, ps []verify.Param, pl, sig []byte, sigText string) *verify.Explanation {
	ex := &verify.Explanation{Code: int(codes.InvalidSignature), Payload: visiblePayload(k, pl), SignatureLocation: wsSignatureLocation}
	alg := k.verifier.Algorithm()
	found := func(id, title, fix string, signed []byte) {
		ex.Verdict = "signature mismatch: " + title
		ex.Mistake = &verify.Mistake{ID: id, Title: title, Fix: fix, Signed: visiblePayload(k, signed)}
		ex.Diff = verify.Diff(pl, signed)
	}
	if sig == nil {
		ex.Verdict = "signature is not valid base64"
		if strings.Contains(sigText, "%") {
			if u, err := pct.Unescape(sigText); err == nil {
				if raw, err := base64.StdEncoding.DecodeString(u); err == nil && k.verifier.Verify(pl, raw) == nil {
					found(MistakeWSSignatureEncoded, "the base64 signature was percent-encoded (the REST habit); in JSON it goes as plain base64",
						"Put the base64 signature into the JSON string as it is: no percent-encoding ('+', '/' and '=' stay).", pl)
					ex.Diff = ""
					return ex
				}
			}
		}
		ex.Notes = append(ex.Notes, "RSA and Ed25519 signatures are standard base64 (with + / and = padding), written into the JSON string as they are.", wsRule)
		return ex
	}
	tried := map[string]bool{string(pl): true}
	try := func(id, title, fix string, cand []byte) bool {
		if tried[string(cand)] {
			return false
		}
		tried[string(cand)] = true
		if k.verifier.Verify(cand, sig) == nil {
			found(id, title, fix, cand)
			return true
		}
		return false
	}
	for _, e := range wsEncoders() {
		if try(MistakeWSPercentEncoded, "the values were percent-encoded ("+e.name+") before signing: the REST rule; the WebSocket API signs raw UTF-8",
			fixWSRaw, appendWSPayload(nil, ps, true, e.enc, "")) {
			return ex
		}
	}
	if try(MistakeWSUnsorted, "the params were signed in the order sent, not sorted by name", fixWSSort, appendWSPayload(nil, ps, false, nil, "")) {
		return ex
	}
	for _, e := range wsEncoders() {
		if try(MistakeWSRESTPayload, "the payload was built the REST way: params in the order sent, values percent-encoded ("+e.name+")",
			fixWSSort+" "+fixWSRaw, appendWSPayload(nil, ps, false, e.enc, "")) {
			return ex
		}
	}
	if try(MistakeWSAPIKeyOmitted, "apiKey was left out of the signed payload", fixWSAPIKey, appendWSPayload(nil, ps, true, nil, "apiKey")) ||
		try(MistakeWSAPIKeyOmitted, "apiKey was left out of the signed payload, and the params were not sorted", fixWSAPIKey+" "+fixWSSort, appendWSPayload(nil, ps, false, nil, "apiKey")) {
		return ex
	}
	for _, e := range wsEncoders() {
		if try(MistakeWSAPIKeyOmitted, "apiKey was left out of the signed payload, and the values were percent-encoded ("+e.name+")",
			fixWSAPIKey+" "+fixWSRaw, appendWSPayload(nil, ps, true, e.enc, "apiKey")) {
			return ex
		}
	}
	noTS := appendWSPayload(nil, dropParam(ps, "recvWindow"), true, nil, "timestamp")
	if try(verify.MistakeTimestampAfter, "timestamp (and recvWindow) were added after signing", fixWSTimestamp, noTS) {
		return ex
	}
	switch {
	case alg != sign.HMACSHA256 && isHex64(sigText):
		ex.Mistake = &verify.Mistake{ID: verify.MistakeWrongKeyType, Title: "an HMAC-style (64 hex digits) signature was sent, but this API key is " + alg.String(),
			Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
	case alg == sign.Ed25519 && len(sig) >= 128, alg == sign.RSASHA256 && len(sig) == 64:
		ex.Mistake = &verify.Mistake{ID: verify.MistakeWrongKeyType, Title: fmt.Sprintf("a %d-byte signature was sent, but this API key is %s", len(sig), alg),
			Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
	default:
		ex.Verdict = "signature mismatch: no known client mistake reproduces this signature"
		ex.Notes = append(ex.Notes, "Wrong secret or private key for this apiKey, or a payload other than the one shown.")
	}
	ex.Notes = append(ex.Notes, wsRule)
	return ex
}

func dropParam(ps []verify.Param, name string) []verify.Param {
	out := make([]verify.Param, 0, len(ps))
	for _, p := range ps {
		if p.Name != name {
			out = append(out, p)
		}
	}
	return out
}

package verify

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
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

// WSPayload is the signed payload of a WebSocket API request: every param
// but signature, sorted by name, name=value joined by '&', values raw.
func WSPayload(ps []Param) []byte {
	return appendWSPayload(nil, ps, true, nil, "")
}

// appendWSPayload builds a payload from ps: sorted or in the order sent,
// values through enc (nil: raw), leaving out signature and the param
// named skip.
func appendWSPayload(dst []byte, ps []Param, sorted bool, enc *encoder, skip string) []byte {
	list := make([]params.Param, 0, len(ps))
	for _, p := range ps {
		if p.Name == "signature" || (skip != "" && p.Name == skip) {
			continue
		}
		v := p.Value
		if enc != nil {
			v = string(enc.append(nil, v))
		}
		list = append(list, params.Param{Name: p.Name, Value: v})
	}
	if sorted {
		payload.SortParams(list)
	}
	return payload.AppendWSPayload(dst, list)
}

// VerifyWS checks the signature and timing of a signed WebSocket API
// request as Binance does, with REST's check order (see Verify): the caller
// has checked apiKey (present, well-formed, a known key, allowed from the
// client's address), then VerifyWS checks the signature present and not
// empty (-1102), for HMAC keys 64 hex digits (-1100), timestamp (-1102,
// -1100) and recvWindow (-1105, -1100, -1102), the signature over the sorted
// raw payload (WSPayload; -1022 with the mistake it matches), then timing
// (-1021). Permissions are the caller's to check afterwards. ps are the
// request's params as sent; only opt.ServerTime is read (zero: now).
func VerifyWS(ps []Param, key Key, opt Options) *Rejection {
	if key.Verifier == nil {
		return wsRejection(http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey, "no verifier for this API key: the server does not know it")
	}
	now := opt.ServerTime
	if now.IsZero() {
		now = time.Now()
	}
	sigText, hasSig := getParam(ps, "signature")
	if !hasSig || sigText == "" {
		return wsMandatory("signature")
	}
	alg := key.Verifier.Algorithm()
	if alg == sign.HMACSHA256 && !isHex64(sigText) {
		rej := wsIllegal("signature", HMACSignatureRange)
		rej.Explanation.Verdict = fmt.Sprintf("HMAC signature is not 64 hex digits: %d characters received", len(sigText))
		if raw := decodeSignature(sign.Ed25519, sigText); raw != nil && (len(raw) == 64 || len(raw) >= 128) {
			rej.Explanation.Mistake = &Mistake{ID: MistakeWrongKeyType,
				Title: fmt.Sprintf("a %d-byte base64 signature (RSA or Ed25519) was sent, but this API key is HMAC", len(raw)),
				Fix:   "Sign with the key type registered for this API key: HMAC keys take hex(HMAC-SHA256(secret, payload))."}
		}
		return rej
	}
	t, rej := readWSTiming(ps)
	if rej != nil {
		return rej
	}
	pl := WSPayload(ps)
	sig := decodeSignature(alg, sigText)
	if sig == nil || key.Verifier.Verify(pl, sig) != nil {
		return &Rejection{HTTPStatus: http.StatusBadRequest, Code: codes.InvalidSignature, Msg: codes.MsgInvalidSignature,
			Explanation: explainWSSignature(key, ps, pl, sig, sigText)}
	}
	if rej := t.check(now); rej != nil {
		rej.Explanation.Payload = visiblePayload(key, pl)
		return rej
	}
	return nil
}

// CheckWSTiming checks timestamp and recvWindow alone, as Binance does for a
// request on a connection logged on with session.logon (no apiKey, no
// signature in params): the same rules and answers as VerifyWS.
func CheckWSTiming(ps []Param, now time.Time) *Rejection {
	t, rej := readWSTiming(ps)
	if rej != nil {
		return rej
	}
	return t.check(now)
}

func getParam(ps []Param, name string) (string, bool) {
	for i := range ps {
		if ps[i].Name == name {
			return ps[i].Value, true
		}
	}
	return "", false
}

// wsRejection is an answer with its explanation; the verdict defaults to
// the message.
func wsRejection(status int, code codes.Code, msg, verdict string, notes ...string) *Rejection {
	if verdict == "" {
		verdict = msg
	}
	return &Rejection{HTTPStatus: status, Code: code, Msg: msg,
		Explanation: &Explanation{Verdict: verdict, Code: int(code), Notes: notes}}
}

func wsBadRequest(code codes.Code, msg string, notes ...string) *Rejection {
	return wsRejection(http.StatusBadRequest, code, msg, "", notes...)
}

func wsIllegal(name, legal string) *Rejection {
	return wsBadRequest(codes.IllegalChars, fmt.Sprintf(codes.MsgIllegalCharsFmt, name, legal))
}

func wsMandatory(name string) *Rejection {
	return wsBadRequest(codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, name))
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

func readWSTiming(ps []Param) (wsTiming, *Rejection) {
	t := wsTiming{recvUS: int64(DefaultRecvWindow / time.Microsecond)}
	v, ok := getParam(ps, "timestamp")
	if !ok || v == "" {
		return t, wsMandatory("timestamp")
	}
	if len(v) > 20 || !allDigits(v) {
		rej := wsIllegal("timestamp", TimestampRange)
		rej.Explanation.Verdict = "'timestamp' is not an integer: send Unix time in milliseconds (13 digits) or microseconds (16 digits) as a JSON number"
		return t, rej
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > 1<<62 {
		n = 1 << 62 // far in the future: answered "ahead"
	}
	t.ts, t.micro = int64(n), n >= MicrosecondThreshold
	rv, ok := getParam(ps, "recvWindow")
	if !ok {
		return t, nil
	}
	t.given = true
	if rv == "" {
		return t, wsBadRequest(codes.ParamEmpty, fmt.Sprintf(codes.MsgParamEmptyFmt, "recvWindow"))
	}
	us, ok := ParseRecvWindow(rv)
	if !ok {
		return t, wsIllegal("recvWindow", RecvWindowRange)
	}
	maxUS := int64(DefaultMaxRecvWindow / time.Microsecond)
	if us > maxUS {
		return t, wsBadRequest(codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgGreaterThanFmt, "recvWindow", "60000"),
			"Binance's maximum recvWindow is 60000 and it recommends 5000 or less")
	}
	t.recvUS = us
	return t, nil
}

// check applies Binance's two rules in the timestamp's own unit: reject
// when timestamp >= serverTime + 1000ms or serverTime - timestamp > recvWindow.
func (t wsTiming) check(now time.Time) *Rejection {
	deltaUS, _, ahead, outside := CheckTiming(t.ts, t.micro, t.recvUS, now)
	ms := func(us int64) string { return strconv.FormatFloat(float64(us)/1000, 'f', -1, 64) + "ms" }
	notes := []string{"Sync the host clock (NTP) or apply the server-time offset from the time method, and sign each attempt with a fresh timestamp."}
	if !t.given {
		notes = append(notes, "No recvWindow was sent: the default 5000ms applies.")
	}
	if ahead {
		rej := wsBadRequest(codes.InvalidTimestamp, codes.MsgTimestampAhead, notes...)
		rej.Explanation.Verdict = fmt.Sprintf("timestamp is %s ahead of the server's time (it must be less than 1000ms ahead)", ms(-deltaUS))
		rej.Explanation.Mistake = &Mistake{ID: MistakeClockAhead, Title: "the client's clock (or its server-time offset) runs ahead of the exchange's", Fix: notes[0]}
		return rej
	}
	if outside {
		rej := wsBadRequest(codes.InvalidTimestamp, codes.MsgTimestampOutside, notes...)
		rej.Explanation.Verdict = fmt.Sprintf("timestamp is %s behind the server's time, more than recvWindow %s", ms(deltaUS), ms(t.recvUS))
		rej.Explanation.Mistake = &Mistake{ID: MistakeClockBehind, Title: "the timestamp is older than recvWindow", Fix: notes[0]}
		return rej
	}
	return nil
}

// visiblePayload shows a payload for the explanation, an HMAC secret a
// client put into its params replaced (the same redactor as REST's).
func visiblePayload(k Key, pl []byte) string {
	return Visible(newRedactor(k).bytes(pl))
}

// wsEncoders are the percent-encodings clients apply by mistake, built
// from REST's encoders (text.go) with the names the WebSocket explanation
// uses.
func wsEncoders() []encoder {
	return []encoder{
		{name: "RFC 3986 percent-encoding", keep: pct.IsUnreserved},
		{name: "JavaScript encodeURIComponent", keep: jsKeep},
		{name: "form encoding with '+' for spaces (Python urlencode, Go url.QueryEscape)", keep: pct.IsUnreserved, spacePlus: true},
	}
}

// explainWSSignature explains a -1022: it rebuilds the payloads clients
// sign by mistake (percent-encoded values, the order sent, apiKey left
// out, timestamp added after signing) and names the one the signature
// verifies against.
func explainWSSignature(k Key, ps []Param, pl, sig []byte, sigText string) *Explanation {
	ex := &Explanation{Code: int(codes.InvalidSignature), Payload: visiblePayload(k, pl), SignatureLocation: wsSignatureLocation}
	alg := k.Verifier.Algorithm()
	found := func(id, title, fix string, signed []byte) {
		ex.Verdict = "signature mismatch: " + title
		ex.Mistake = &Mistake{ID: id, Title: title, Fix: fix, Signed: visiblePayload(k, signed)}
		ex.Diff = Diff(pl, signed)
	}
	if sig == nil {
		ex.Verdict = "signature is not valid base64"
		if strings.Contains(sigText, "%") {
			if u, err := pct.Unescape(sigText); err == nil {
				if raw, err := base64.StdEncoding.DecodeString(u); err == nil && k.Verifier.Verify(pl, raw) == nil {
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
		if k.Verifier.Verify(cand, sig) == nil {
			found(id, title, fix, cand)
			return true
		}
		return false
	}
	for _, e := range wsEncoders() {
		e := e
		if try(MistakeWSPercentEncoded, "the values were percent-encoded ("+e.name+") before signing: the REST rule; the WebSocket API signs raw UTF-8",
			fixWSRaw, appendWSPayload(nil, ps, true, &e, "")) {
			return ex
		}
	}
	if try(MistakeWSUnsorted, "the params were signed in the order sent, not sorted by name", fixWSSort, appendWSPayload(nil, ps, false, nil, "")) {
		return ex
	}
	for _, e := range wsEncoders() {
		e := e
		if try(MistakeWSRESTPayload, "the payload was built the REST way: params in the order sent, values percent-encoded ("+e.name+")",
			fixWSSort+" "+fixWSRaw, appendWSPayload(nil, ps, false, &e, "")) {
			return ex
		}
	}
	if try(MistakeWSAPIKeyOmitted, "apiKey was left out of the signed payload", fixWSAPIKey, appendWSPayload(nil, ps, true, nil, "apiKey")) ||
		try(MistakeWSAPIKeyOmitted, "apiKey was left out of the signed payload, and the params were not sorted", fixWSAPIKey+" "+fixWSSort, appendWSPayload(nil, ps, false, nil, "apiKey")) {
		return ex
	}
	for _, e := range wsEncoders() {
		e := e
		if try(MistakeWSAPIKeyOmitted, "apiKey was left out of the signed payload, and the values were percent-encoded ("+e.name+")",
			fixWSAPIKey+" "+fixWSRaw, appendWSPayload(nil, ps, true, &e, "apiKey")) {
			return ex
		}
	}
	noTS := appendWSPayload(nil, dropParam(ps, "recvWindow"), true, nil, "timestamp")
	if try(MistakeTimestampAfter, "timestamp (and recvWindow) were added after signing", fixWSTimestamp, noTS) {
		return ex
	}
	switch {
	case alg != sign.HMACSHA256 && isHex64(sigText):
		ex.Mistake = &Mistake{ID: MistakeWrongKeyType, Title: "an HMAC-style (64 hex digits) signature was sent, but this API key is " + alg.String(),
			Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
	case alg == sign.Ed25519 && len(sig) >= 128, alg == sign.RSASHA256 && len(sig) == 64:
		ex.Mistake = &Mistake{ID: MistakeWrongKeyType, Title: fmt.Sprintf("a %d-byte signature was sent, but this API key is %s", len(sig), alg),
			Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
	default:
		ex.Verdict = "signature mismatch: no known client mistake reproduces this signature"
		ex.Notes = append(ex.Notes, "Wrong secret or private key for this apiKey, or a payload other than the one shown.")
	}
	ex.Notes = append(ex.Notes, wsRule)
	return ex
}

func dropParam(ps []Param, name string) []Param {
	out := make([]Param, 0, len(ps))
	for _, p := range ps {
		if p.Name != name {
			out = append(out, p)
		}
	}
	return out
}

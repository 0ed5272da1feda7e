package verify

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/sign"
)

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
			Explanation: ExplainWSSignature(key, ps, sigText, opt)}
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

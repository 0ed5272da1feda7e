package verify

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Mistake ids. They are stable: tools and tests match on them.
const (
	MistakeNonASCII           = "non-ascii-raw"         // raw UTF-8 sent (and signed) without percent-encoding
	MistakeSignedDecoded      = "signed-decoded"        // signed the percent-decoded text, sent the encoded one
	MistakeSorted             = "sorted"                // signed the params sorted by name
	MistakeQueryOnly          = "query-only"            // signed the query, not the body
	MistakeBodyOnly           = "body-only"             // signed the body, not the query
	MistakeAmpJoin            = "amp-join"              // joined query and body with '&'
	MistakeSecretNewline      = "secret-newline"        // HMAC secret with a trailing "\n" or "\r\n"
	MistakeSecretSpace        = "secret-space"          // HMAC secret with surrounding space or tab
	MistakeAPIKeyAsSecret     = "apikey-as-secret"      // HMAC computed with the API key as the secret
	MistakeEncodedDifferently = "encoded-differently"   // another encoding of the same values was signed
	MistakeSigNotLast         = "sig-not-last"          // signature not last; or only what preceded it was signed
	MistakeTimestampAfter     = "timestamp-after"       // timestamp added or moved after signing
	MistakeSignedSubset       = "signed-subset"         // only timestamp (or its bare value) was signed
	MistakePlusSpace          = "plus-space"            // base64 signature not percent-encoded: '+' read as space
	MistakeWrongKeyType       = "wrong-key-type"        // signature of another key type
	MistakeHMACBase64         = "hmac-base64"           // right HMAC, written as base64 instead of hex
	MistakeSecretAsSignature  = "secret-as-signature"   // the secret itself sent as the signature
	MistakeTimestampSeconds   = "timestamp-seconds"     // timestamp in seconds
	MistakeTimestampNanos     = "timestamp-nanoseconds" // timestamp in nanoseconds
	MistakeClockAhead         = "clock-ahead"           // timestamp >= server time + 1s
	MistakeClockBehind        = "clock-behind"          // timestamp older than recvWindow

	MistakeParamMoved            = "param-moved"             // a parameter signed first or last, sent elsewhere
	MistakeBodyFirst             = "body-first"              // signed the body before the query string
	MistakeSentReencoded         = "sent-reencoded"          // signed RFC 3986, an HTTP layer re-encoded the query after signing
	MistakeSentLowerHex          = "sent-lower-hex"          // signed %E5, sent %e5
	MistakeSentPlusSpace         = "sent-plus-space"         // signed %20, sent '+'
	MistakeSentEncodedTwice      = "sent-encoded-twice"      // signed %E5, sent %25E5
	MistakeSignedEncodedTwice    = "signed-encoded-twice"    // signed %25E5, sent %E5
	MistakeSecretBOM             = "secret-bom"              // HMAC secret with a leading UTF-8 byte-order mark
	MistakeSecretQuoted          = "secret-quoted"           // HMAC secret inside its quotes
	MistakeSecretTrimmed         = "secret-trimmed"          // the key holds whitespace the client trimmed
	MistakeSecretBase64          = "secret-base64-decoded"   // HMAC secret base64-decoded before use
	MistakeSignatureEncodedTwice = "signature-encoded-twice" // base64 signature percent-encoded twice
	MistakeSignatureBase64URL    = "signature-base64url"     // URL-safe base64 signature
	// Value formats (step "format"): value-exponent, value-decimal,
	// value-float32, value-bool, json-spaced, json-compact,
	// json-sorted-keys, json-ascii, json-python.
)

const (
	fixEncodeOnce = "Percent-encode each name and value once (RFC 3986: UTF-8, upper-case hex, only A-Z a-z 0-9 - _ . ~ left as they are), sign that exact string, and send the same bytes; set the raw query yourself so no HTTP layer re-encodes it after signing."
	fixNoSort     = "REST is never sorted: sign the parameters in exactly the order you send them (sorting is a WebSocket-API rule only)."
	fixConcat     = "The payload is the query string immediately followed by the body, with no '&' between them (e.g. ...timeInForce=GTCquantity=1...); sign both, exactly as sent."
	fixSecret     = "Trim the secret: strip surrounding whitespace and newlines when reading it (from `echo`, a .env file or a copy-paste), then sign again."
	fixSignLast   = "Add every parameter first (timestamp last), then sign, then append &signature=... as the very last pair of the part that carries timestamp."
	fixTiming     = "Sync the host clock (NTP) or apply the server-time offset from GET /api/v3/time, and sign each attempt (retries included) with a fresh timestamp."
)

// explanation builds the Explanation of a finished run.
func (st *state) explanation(rej *Rejection) *Explanation {
	x := &explainer{st: st, e: &Explanation{}, red: newRedactor(st.key)}
	if rej != nil {
		x.e.Code = int(rej.Code)
	}
	x.build()
	x.red.explanation(x.e)
	return x.e
}

type explainer struct {
	st  *state
	e   *Explanation
	red redactor
}

func (x *explainer) note(format string, a ...any) {
	x.e.Notes = append(x.e.Notes, fmt.Sprintf(format, a...))
}

// show is the visible, redacted, length-bounded form of bytes.
func (x *explainer) show(b []byte) string { return visibleBounded(x.red.bytes(b)) }

func (x *explainer) build() {
	st, e := x.st, x.e
	if st.payload == nil && st.stage > stageParse {
		st.payload = st.buildPayload()
	}
	if st.payload != nil {
		e.Payload = x.show(st.payload)
	}
	e.SignatureLocation = x.location()

	switch st.stage {
	case stageOK:
		e.Verdict = "signature valid"
	case stageSize:
		e.Verdict = fmt.Sprintf("request too large: query %d bytes (limit %d), body %d bytes (limit %d)", len(st.req.RawQuery), st.opt.MaxQueryBytes, len(st.req.Body), st.opt.MaxBodyBytes)
	case stageParse:
		x.parseFailure()
	case stageKey:
		e.Verdict = "no verifier for this API key: the server does not know it"
		x.note("-2015 covers an unknown or deleted key, an IP not on the key's whitelist, and a missing permission; a testnet key on production (or the reverse) is the usual cause.")
	case stageSigMissing:
		x.sigMissing()
	case stageSigTwice:
		e.Verdict = "'signature' is sent more than once"
		x.note("Send signature exactly once, as the last pair of the query string or of the body; a signing helper applied twice, or a signature field serialised into the body, sends it twice.")
	case stageSigEmpty:
		e.Verdict = "'signature' is empty"
		x.note("The signature was computed after the URL was built, or its variable was unset.")
	case stageSigSyntax:
		x.hmacSyntax()
	case stageTsMissing:
		x.timestampMissing()
	case stageTsSyntax:
		e.Verdict = "'timestamp' is not an integer (legal range " + TimestampRange + ")"
		x.note("timestamp as received: %s. Send Unix time in milliseconds (13 digits) or microseconds (16 digits), digits only: no decimals, spaces, dates, NaN or null.", x.show([]byte(st.tsRaw)))
	case stageRecvEmpty:
		e.Verdict = "'recvWindow' is empty"
		x.note("Omit recvWindow to use the default (%s), or send a number of milliseconds.", formatMillis(int64(st.opt.DefaultRecvWindow/time.Microsecond)))
	case stageRecvSyntax:
		v, _ := st.params.Get("recvWindow")
		e.Verdict = "'recvWindow' is not a number of milliseconds with at most three decimals (legal range " + RecvWindowRange + ")"
		x.note("recvWindow as received: %s. Examples of legal values: 5000, 6000.346.", x.show([]byte(v)))
	case stageRecvTooLarge:
		v, _ := st.params.Get("recvWindow")
		e.Verdict = fmt.Sprintf("'recvWindow' %s is over the maximum of %sms", x.show([]byte(v)), formatMillis(int64(st.opt.MaxRecvWindow/time.Microsecond)))
		x.note("Binance's maximum is 60000 and it recommends 5000 or less; a large window hides clock drift instead of fixing it. The code for this case is UNCONFIRMED (formerly -1131); mbx answers -1102 with Binance's 'Cannot be greater than' message.")
	case stageNonASCII:
		x.nonASCII()
	case stageSigNotLast:
		e.Verdict = "signature is not the last pair of the " + st.sigPart().where() + " (strict mode)"
		e.Mistake = &Mistake{ID: MistakeSigNotLast, Title: "the signature is not the last parameter of the " + st.sigPart().where(), Fix: fixSignLast, Signed: e.Payload}
		x.note("Options.SignatureMustBeLast is on. Binance's derivatives docs require the signature last; the spot docs do not. Whether spot rejects it is UNCONFIRMED.")
	case stageSigDecode, stageMismatch:
		x.mismatch()
	case stageTiming:
		x.timing()
	}
	x.commonNotes()
}

func (x *explainer) location() string {
	st := x.st
	if st.q.sig >= 0 && st.b.sig >= 0 {
		return "both the query string and the body"
	}
	p := st.sigPart()
	if p == nil {
		return "not sent"
	}
	if p.sigIsLast() {
		return "last pair of the " + p.where()
	}
	return fmt.Sprintf("pair %d of %d in the %s (not last)", p.sig+1, len(p.pairs), p.where())
}

func (x *explainer) commonNotes() {
	st := x.st
	if st.stage <= stageParse {
		return
	}
	if sp := st.sigPart(); sp != nil && !sp.sigIsLast() && st.stage != stageSigNotLast {
		x.note("The signature is not the last pair of the %s. Accepted here (Options.SignatureMustBeLast is off, matching the spot docs), but Binance's derivatives docs require it last and old spot servers rejected it intermittently: put it last.", sp.where())
	}
	if st.kind == bodyJSON && len(st.req.Body) > 0 {
		x.note("The JSON body is part of the signed payload as raw bytes (query string, then body). Whether Binance signs a JSON body this way is UNCONFIRMED; its official SDKs send such fields as form parameters instead.")
	}
	if st.kind == bodyOther && len(st.req.Body) > 0 {
		x.note("The body's Content-Type %s is neither application/x-www-form-urlencoded nor application/json: no parameters are read from it, though its bytes are part of the payload.", x.show([]byte(st.req.ContentType)))
	}
	if st.tsRaw != "" && st.stage > stageTsSyntax {
		unit := "milliseconds"
		if st.tsMicro {
			unit = "microseconds (16 digits; a timestamp >= 1e14 is read as microseconds)"
		}
		x.note("timestamp %s read as %s.", st.tsRaw, unit)
	}
	if st.req.HasAPIKey || st.req.APIKey != "" {
		if why := apiKeyProblem(st.req.APIKey, st.req.HasAPIKey); why != "" {
			x.note("The X-MBX-APIKEY header %s; Binance rejects that first with -2014.", why)
		}
	}
}

func (x *explainer) parseFailure() {
	f := x.st.pfail
	if f == nil {
		return
	}
	x.e.Verdict = strings.ReplaceAll(f.reason, "{name}", x.show([]byte(f.name)))
	x.note("At byte %d of the %s.", f.offset, partName(f.inBody))
	switch {
	case strings.HasSuffix(f.name, "[]"):
		x.note("Send a list as one parameter holding a JSON array, e.g. symbols=[\"BTCUSDT\",\"BNBUSDT\"] (percent-encoded), never as repeated names.")
	case f.msg == codes.MsgDuplicateParam:
		x.note("Binance rejects a name sent twice in the same part; send each parameter once, and a list as one parameter holding a JSON array.")
	}
}

func (x *explainer) sigMissing() {
	st, e := x.st, x.e
	e.Verdict = "no 'signature' parameter in the query string or the form body"
	switch {
	case st.jsonHas("signature"):
		x.note("The JSON body carries a signature field; Binance reads signature from the query string when the body is JSON.")
	case st.kind == bodyOther && bytes.Contains(st.req.Body, []byte("signature=")):
		x.note("The body holds signature=..., but its Content-Type is not application/x-www-form-urlencoded, so it is not read; set that Content-Type.")
	}
	if n := x.caseVariant("signature"); n != "" {
		x.note("A parameter named %q was sent: names are case-sensitive, it must be 'signature'.", n)
	}
}

func (x *explainer) timestampMissing() {
	st := x.st
	if v, ok := st.params.Get("timestamp"); ok && v == "" {
		x.e.Verdict = "'timestamp' is empty"
		x.note("The timestamp variable was unset when the request was built (e.g. a failed server-time call left the offset undefined).")
		return
	}
	x.e.Verdict = "no 'timestamp' parameter: every SIGNED request needs one"
	if n := x.caseVariant("timestamp"); n != "" {
		x.note("A parameter named %q was sent: names are case-sensitive, it must be 'timestamp'.", n)
	}
}

// caseVariant finds a param whose name equals want but for case or spaces.
func (x *explainer) caseVariant(want string) string {
	visit := func(name string) bool { return name != want && strings.EqualFold(strings.TrimSpace(name), want) }
	for _, p := range [...]*part{&x.st.q, &x.st.b} {
		for i := range p.pairs {
			if visit(p.pairs[i].name) {
				return p.pairs[i].name
			}
		}
	}
	for _, p := range x.st.jsonParams {
		if visit(p.Name) {
			return p.Name
		}
	}
	return ""
}

// hmacSyntax explains a signature that is not 64 hex digits for an HMAC key.
func (x *explainer) hmacSyntax() {
	st, e := x.st, x.e
	if len(st.sigVal) == 64 {
		e.Verdict = "HMAC signature has 64 characters, but not all are hex digits (legal range " + HMACSignatureRange + ")"
	} else {
		e.Verdict = fmt.Sprintf("HMAC signature is not 64 hex digits: %d characters received (legal range %s)", len(st.sigVal), HMACSignatureRange)
	}
	if s, ok := st.key.Verifier.(interface{ Secret() secret.Value }); ok {
		if secret.FromString(st.sigVal).Equal(s.Secret()) || secret.FromString(strings.TrimSpace(st.sigVal)).Equal(s.Secret()) {
			e.Mistake = &Mistake{ID: MistakeSecretAsSignature, Title: "the secret key itself was sent as the signature",
				Fix: "Never send the secret: compute hex(HMAC-SHA256(secret, payload)) and send that. The secret has travelled in a request: delete this API key and create a new one."}
			return
		}
	}
	if t := strings.TrimSpace(st.sigVal); t != st.sigVal && isHex64(t) {
		x.note("The value is 64 hex digits plus surrounding whitespace: trim it.")
		return
	}
	if raw := decodeBase64Loose(st.sigRaw, st.sigVal); raw != nil {
		if len(raw) == 32 && st.payload != nil {
			// The signature step's base64 variant, alone or with another
			// step, is searched like any mismatch.
			if x.findMistake(); e.Mistake != nil {
				return
			}
		}
		if len(raw) == 64 || len(raw) >= 128 {
			e.Mistake = &Mistake{ID: MistakeWrongKeyType, Title: fmt.Sprintf("a %d-byte base64 signature (RSA or Ed25519) was sent, but this API key is HMAC", len(raw)),
				Fix: "Sign with the key type registered for this API key: HMAC keys take hex(HMAC-SHA256(secret, payload)); an RSA or Ed25519 private key needs its own API key."}
			return
		}
	}
	x.note("HMAC-SHA256 in hex is 64 characters 0-9a-f (either case); anything else (base64, a digest of another hash, a truncated value) is refused before verification.")
}

// decodeBase64Loose tries the value as sent and as form-decoded.
func decodeBase64Loose(raw, val string) []byte {
	for _, v := range []string{val, raw} {
		if u, err := pct.Unescape(v); err == nil {
			v = u
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(v); err == nil && len(b) > 0 {
				return b
			}
		}
	}
	return nil
}

func (x *explainer) nonASCII() {
	st, e := x.st, x.e
	at := st.highAt
	e.Verdict = fmt.Sprintf("payload holds raw non-ASCII bytes (first at byte %d): non-ASCII must be percent-encoded before signing, and the encoded bytes sent", at)
	x.note("Since 2026-01-15 Binance rejects such payloads with -1022 whatever the signature. Send instead: %s", x.show(escapeHigh(st.payload)))
	st.sig = decodeSignature(st.key.Verifier.Algorithm(), st.sigVal)
	if st.sig != nil && st.key.Verifier.Verify(st.payload, st.sig) == nil {
		e.Mistake = &Mistake{ID: MistakeNonASCII, Title: "non-ASCII characters were sent and signed without percent-encoding",
			Fix: fixEncodeOnce, Signed: e.Payload}
		return
	}
	x.findMistake()
}

func (x *explainer) mismatch() {
	st, e := x.st, x.e
	x.findMistake()
	switch {
	case e.Mistake != nil:
		e.Verdict = "signature mismatch: " + e.Mistake.Title
	case st.stage == stageSigDecode:
		e.Verdict = "signature is not valid base64 once form-decoded"
		x.note("RSA and Ed25519 signatures are base64, then percent-encoded for the URL or body ('+' as %%2B, '/' as %%2F, '=' as %%3D).")
	default:
		e.Verdict = "signature mismatch: no known client mistake, alone or in pairs, reproduces this signature"
		x.note(noCauseNote)
	}
}

// noCauseNote says what is left when the search finds nothing.
const noCauseNote = "No single step and no pair of steps of the client's pipeline that mbx knows (value format, order, percent-encoding, join, key, signature writing) reproduces the signature. That leaves: another key (a mistyped or rotated secret, another API key's private key, a testnet key on production or the reverse), other bytes signed than those sent (print the exact string your client signs and compare it byte for byte with the payload above), or three or more mistakes at once."

// findMistake searches the client's signing pipeline (single steps, then
// pairs of steps) for the combination that reproduces its signature.
func (x *explainer) findMistake() {
	st := x.st
	if st.key.Verifier == nil || st.payload == nil {
		return
	}
	if st.sig == nil {
		st.sig = decodeSignature(st.key.Verifier.Algorithm(), st.sigVal)
	}
	if len(st.payload) > maxSearchBytes {
		x.note("The payload is over %d bytes: no search for known client mistakes was made.", maxSearchBytes)
		return
	}
	if st.opt.ExplainBudget < 0 {
		return
	}
	if x.searchREST() {
		return
	}
	x.wrongKeyType()
}

// maxSearchBytes bounds the payloads Explain searches for known mistakes:
// every run rebuilds the payload, and real requests are a few hundred bytes.
const maxSearchBytes = 64 << 10

func (x *explainer) wrongKeyType() {
	st := x.st
	alg := st.key.Verifier.Algorithm()
	if alg == sign.HMACSHA256 {
		return
	}
	title := ""
	switch {
	case isHex64(st.sigVal):
		title = "an HMAC-style (64 hex digits) signature was sent, but this API key is " + alg.String()
	case alg == sign.Ed25519 && len(st.sig) >= 128:
		title = fmt.Sprintf("a %d-byte (RSA-sized) signature was sent, but this API key is Ed25519 (64-byte signatures)", len(st.sig))
	case alg == sign.RSASHA256 && len(st.sig) == 64:
		title = "a 64-byte (Ed25519-sized) signature was sent, but this API key is RSA"
	default:
		return
	}
	x.e.Mistake = &Mistake{ID: MistakeWrongKeyType, Title: title,
		Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
}

// timing explains a -1021.
func (x *explainer) timing() {
	st, e := x.st, x.e
	ms := func(us int64) string { return formatMillis(us) + "ms" }
	recv := ms(st.recvUS)
	tsMS := int64(st.tsVal)
	if st.tsMicro {
		tsMS = int64(min(st.tsVal, 1<<62) / 1000)
	}
	nowMS := st.now.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	switch {
	case !st.tsMicro && len(st.tsRaw) <= 10 && abs(nowMS-tsMS*1000) < day:
		e.Verdict = "timestamp is in seconds, not milliseconds"
		e.Mistake = &Mistake{ID: MistakeTimestampSeconds, Title: "the timestamp is Unix time in seconds (10 digits), read as milliseconds from 1970",
			Fix: "Send milliseconds: Date.now(), int(time.time()*1000), time.Now().UnixMilli(); or let the library add the timestamp.", Signed: e.Payload}
	case st.tsMicro && !st.tsHuge && abs(nowMS-tsMS/1000) < day:
		e.Verdict = "timestamp is in nanoseconds, not milliseconds or microseconds"
		e.Mistake = &Mistake{ID: MistakeTimestampNanos, Title: "the timestamp is Unix time in nanoseconds (19 digits)",
			Fix: "Send milliseconds (13 digits) or microseconds (16 digits): time.Now().UnixMilli(), not UnixNano().", Signed: e.Payload}
	case st.ahead:
		e.Verdict = fmt.Sprintf("timestamp is %s ahead of the server's time (it must be less than 1000ms ahead)", ms(-st.deltaUS))
		e.Mistake = &Mistake{ID: MistakeClockAhead, Title: "the client's clock (or its server-time offset) runs ahead of Binance's", Fix: fixTiming, Signed: e.Payload}
		x.note("Raising recvWindow does not help: it only bounds how old a timestamp may be, never how far ahead.")
	default:
		e.Verdict = fmt.Sprintf("timestamp is %s behind the server's time, more than recvWindow %s", ms(st.deltaUS), recv)
		e.Mistake = &Mistake{ID: MistakeClockBehind, Title: "the timestamp is older than recvWindow: a clock behind Binance's, a slow network, or a request re-sent with an old timestamp", Fix: fixTiming, Signed: e.Payload}
		x.note("Raise recvWindow only as a last resort (at most 60000, 5000 or less recommended); a clock running behind is the usual cause.")
	}
	if !st.recvGiven {
		x.note("No recvWindow was sent: the default %s applies.", recv)
	}
	if !st.tsMicro && tsMS%1000 == 0 {
		x.note("The timestamp ends in 000: seconds multiplied by 1000 lose up to 999ms; use a millisecond clock.")
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

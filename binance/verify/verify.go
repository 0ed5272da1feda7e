package verify

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sign"
)

// Defaults of Options (Binance's documented values).
const (
	DefaultRecvWindow    = 5 * time.Second
	DefaultMaxRecvWindow = 60 * time.Second
)

// MicrosecondThreshold is the smallest timestamp read as microseconds. Binance
// does not document how it tells the units apart; by magnitude, 1e14 is the
// year 5138 in milliseconds and 1973 in microseconds, so no plausible value
// of one unit falls on the other side.
const MicrosecondThreshold = 100_000_000_000_000

// Legal ranges named in -1100 answers.
const (
	HMACSignatureRange = "^[A-Fa-f0-9]{64}$"
	TimestampRange     = "^[0-9]{1,20}$"
	// RecvWindowRange is mbx's wording: Binance's own is not documented.
	RecvWindowRange = `^[0-9]{1,20}(\.[0-9]{1,3})?$`
)

// Binance messages codes lacks (errors.md, generic variants).
const (
	msgIllegalCharsGeneric = "Illegal characters found in a parameter."
)

// Error is Binance's answer, code and message; it never holds request data
// or key material.
func (r *Rejection) Error() string {
	if r == nil {
		return "<nil>"
	}
	return strconv.Itoa(int(r.Code)) + " " + r.Msg
}

// stage is where verification stopped.
type stage uint8

const (
	stageNone stage = iota
	stageSize
	stageParse
	stageKey
	stageSigMissing
	stageSigTwice
	stageSigEmpty
	stageSigSyntax
	stageTsMissing
	stageTsSyntax
	stageRecvEmpty
	stageRecvSyntax
	stageRecvTooLarge
	stageNonASCII
	stageSigNotLast
	stageSigDecode
	stageMismatch
	stageTiming
	stageOK
)

// state carries one verification from the raw request to the verdict, so
// the explanation sees exactly what the verifier saw.
type state struct {
	req *Request
	key Key
	opt Options
	now time.Time

	kind       bodyKind
	q, b       part
	jsonParams []Param
	pfail      *parseFailure

	stage  stage
	params *Params
	sigRaw string
	sigVal string // form-decoded once
	sig    []byte // decoded signature bytes, when decodable

	payload []byte

	tsRaw     string
	tsVal     uint64
	tsHuge    bool // more digits than a uint64 holds
	tsMicro   bool
	recvUS    int64 // effective recvWindow in µs
	recvGiven bool
	nowUnit   int64 // server time in the timestamp's unit
	ahead     bool
	deltaUS   int64 // serverTime - timestamp, in µs (negative: timestamp ahead)
	highAt    int   // offset of the first byte >= 0x80 in the payload
}

func normalize(o Options) Options {
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = DefaultMaxQueryBytes
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.DefaultRecvWindow <= 0 {
		o.DefaultRecvWindow = DefaultRecvWindow
	}
	if o.MaxRecvWindow <= 0 {
		o.MaxRecvWindow = DefaultMaxRecvWindow
	}
	return o
}

func statusFor(c codes.Code) int {
	switch c {
	case codes.BadAPIKeyFmt, codes.RejectedMBXKey, codes.Unauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

func (st *state) reject(s stage, status int, code codes.Code, msg string) *Rejection {
	st.stage = s
	return &Rejection{HTTPStatus: status, Code: code, Msg: msg}
}

func (st *state) sizeCheck() *Rejection {
	if rej := CheckSize(len(st.req.RawQuery), len(st.req.Body), st.opt.MaxQueryBytes, st.opt.MaxBodyBytes); rej != nil {
		st.stage = stageSize
		return rej
	}
	return nil
}

// Verify checks a signed REST request as Binance does and returns what it
// verified, or Binance's rejection with mbx's explanation attached.
//
// The caller checks the X-MBX-APIKEY header first (CheckAPIKeyHeader) and
// looks up key. Then, in this order: the size of query and body (414 or
// 413, -1000); the parameters (-1100 malformed %XX, -1101 duplicates); the
// signature: present exactly once across query and form body (-1102, -1101),
// not empty (-1102), for HMAC keys 64 hex digits (-1100); timestamp present
// (-1102) and ^[0-9]{1,20}$ (-1100); recvWindow, when sent, at most three
// decimals (-1100) and at most Options.MaxRecvWindow (-1102); then the
// signature over the payload (-1022); then timing (-1021). Business values
// are the caller's to check afterwards.
//
// The payload is the raw query and the raw body, each without its signature
// pair, joined with no separator: nothing is decoded, sorted or re-encoded.
// A raw byte >= 0x80 in it is -1022, as on Binance since 2026-01-15.
//
// Where the spec leaves Binance's behaviour UNCONFIRMED, mbx chooses:
//   - a signature that is not the last pair of its part is accepted, and the
//     explanation says so; Options.SignatureMustBeLast makes it -1022;
//   - a JSON body (application/json) is signed as raw bytes after the query
//     string, like a form body; its top-level fields are params; a
//     signature field inside it is not read (signature goes in the query);
//   - a body of any other Content-Type is signed but yields no params;
//   - recvWindow over the maximum is -1102 "'recvWindow' contains unexpected
//     value. Cannot be greater than 60000." (formerly -1131); malformed or
//     with more than three decimals it is -1100; empty it is -1105;
//   - a timestamp >= MicrosecondThreshold (1e14) is microseconds, below it
//     milliseconds; timing is compared in the timestamp's own unit;
//   - a query over Options.MaxQueryBytes (64 KiB) is HTTP 414, a body over
//     Options.MaxBodyBytes (1 MiB) HTTP 413, both -1000 naming the limit
//     (CheckSize: the one size policy, shared with the exchange and proxy);
//   - an empty signature or timestamp is -1102, like a missing one;
//   - a key without a Verifier is -2015 (HTTP 401): the server knows no such key;
//   - signature checks come before timing, so a request wrong in both gets -1022.
func Verify(req *Request, key Key, opt Options) (*Result, *Rejection) {
	var st state
	if rej := st.run(req, key, opt); rej != nil {
		// Copy the state for the explanation so that st itself stays on
		// the stack: the accept path pays nothing for explaining.
		hs := new(state)
		*hs = st
		rej.Explanation = hs.explanation(rej)
		return nil, rej
	}
	r := &Result{
		Params:      st.params,
		Payload:     st.payload,
		RecvWindow:  time.Duration(st.recvUS) * time.Microsecond,
		SignatureIn: "query",
	}
	if st.sigPart().inBody {
		r.SignatureIn = "body"
	}
	if st.tsMicro {
		r.Timestamp = time.UnixMicro(int64(st.tsVal))
	} else {
		r.Timestamp = time.UnixMilli(int64(st.tsVal))
	}
	return r, nil
}

// Explain verifies like Verify and says why the request is accepted or
// rejected: the payload verified, where the signature sat and, for a wrong
// signature, which known client mistake reproduces it. It never shows the
// secret of an HMAC key, even where the client sent it.
func Explain(req *Request, key Key, opt Options) *Explanation {
	var st state
	rej := st.run(req, key, opt)
	return st.explanation(rej)
}

func (st *state) run(req *Request, key Key, opt Options) *Rejection {
	if req == nil {
		req = &Request{}
	}
	st.req, st.key, st.opt = req, key, normalize(opt)
	st.q.sig, st.b.sig, st.highAt = -1, -1, -1
	st.now = st.opt.ServerTime
	if st.now.IsZero() {
		st.now = time.Now()
	}
	if rej := st.sizeCheck(); rej != nil {
		return rej
	}
	if rej := st.parse(); rej != nil {
		return rej
	}
	if key.Verifier == nil {
		// The server knows no verifier for this key: it is not a valid key.
		return st.reject(stageKey, http.StatusUnauthorized, codes.RejectedMBXKey, codes.MsgRejectedKey)
	}

	// The signature: exactly once in the whole request.
	n := 0
	if st.q.sig >= 0 {
		n++
	}
	if st.b.sig >= 0 {
		n++
	}
	if n == 0 {
		// A signature field inside a JSON body is not read: it could not be
		// cut out of the payload. The explanation says so.
		return st.reject(stageSigMissing, http.StatusBadRequest, codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, "signature"))
	}
	if n > 1 || (st.q.sig >= 0 && st.jsonHas("signature")) {
		return st.reject(stageSigTwice, http.StatusBadRequest, codes.TooManyParameters, codes.MsgDuplicateParam)
	}
	sigP := st.sigPart()
	sp := &sigP.pairs[sigP.sig]
	st.sigRaw, st.sigVal = sp.rawValue, sp.value
	if st.sigVal == "" {
		return st.reject(stageSigEmpty, http.StatusBadRequest, codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, "signature"))
	}
	alg := key.Verifier.Algorithm()
	if alg == sign.HMACSHA256 && !isHex64(st.sigVal) {
		return st.reject(stageSigSyntax, http.StatusBadRequest, codes.IllegalChars, fmt.Sprintf(codes.MsgIllegalCharsFmt, "signature", HMACSignatureRange))
	}

	st.params = st.merge()
	if rej := st.checkTimestamp(); rej != nil {
		return rej
	}
	if rej := st.checkRecvWindow(); rej != nil {
		return rej
	}

	st.payload = st.buildPayload()
	for i, c := range st.payload {
		if c >= 0x80 {
			st.highAt = i
			return st.reject(stageNonASCII, http.StatusBadRequest, codes.InvalidSignature, codes.MsgInvalidSignature)
		}
	}
	if st.opt.SignatureMustBeLast && !sigP.sigIsLast() {
		return st.reject(stageSigNotLast, http.StatusBadRequest, codes.InvalidSignature, codes.MsgInvalidSignature)
	}
	st.sig = decodeSignature(alg, st.sigVal)
	if st.sig == nil {
		return st.reject(stageSigDecode, http.StatusBadRequest, codes.InvalidSignature, codes.MsgInvalidSignature)
	}
	if key.Verifier.Verify(st.payload, st.sig) != nil {
		return st.reject(stageMismatch, http.StatusBadRequest, codes.InvalidSignature, codes.MsgInvalidSignature)
	}
	if rej := st.checkTiming(); rej != nil {
		return rej
	}
	st.stage = stageOK
	return nil
}

// sigPart is the part holding the signature (the query's when both do), or nil.
func (st *state) sigPart() *part {
	switch {
	case st.q.sig >= 0:
		return &st.q
	case st.b.sig >= 0:
		return &st.b
	}
	return nil
}

func (st *state) jsonHas(name string) bool {
	for _, p := range st.jsonParams {
		if p.Name == name {
			return true
		}
	}
	return false
}

// decodeSignature turns the signature value into raw bytes: hex for HMAC
// (either case), base64 for RSA and Ed25519. The value was form-decoded once
// already, so a raw '+' of an unencoded base64 signature is now a space and
// fails here, as on Binance. Nil means undecodable.
func decodeSignature(alg sign.Algorithm, v string) []byte {
	if alg == sign.HMACSHA256 {
		b := make([]byte, 32)
		if _, err := hex.Decode(b, []byte(v)); err != nil {
			return nil
		}
		return b
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) == 0 || strings.ContainsAny(v, "\r\n") {
		return nil
	}
	return b
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (st *state) checkTimestamp() *Rejection {
	v, ok := st.params.Get("timestamp")
	if !ok || v == "" {
		return st.reject(stageTsMissing, http.StatusBadRequest, codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, "timestamp"))
	}
	st.tsRaw = v
	if len(v) > 20 || !allDigits(v) {
		return st.reject(stageTsSyntax, http.StatusBadRequest, codes.IllegalChars, fmt.Sprintf(codes.MsgIllegalCharsFmt, "timestamp", TimestampRange))
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		st.tsHuge, n = true, 1<<63-1 // 20 digits past uint64: far in the future
	}
	st.tsVal = n
	st.tsMicro = n >= MicrosecondThreshold
	return nil
}

// checkRecvWindow reads recvWindow: milliseconds with up to three decimals
// (microseconds). Over the maximum it is -1102 "'recvWindow' contains
// unexpected value. Cannot be greater than 60000.": Binance's current code
// for it is UNCONFIRMED (-1131 BAD_RECV_WINDOW left errors.md), and -1102 is
// the code errors.md lists with that message.
func (st *state) checkRecvWindow() *Rejection {
	st.recvUS = int64(st.opt.DefaultRecvWindow / time.Microsecond)
	v, ok := st.params.Get("recvWindow")
	if !ok {
		return nil
	}
	st.recvGiven = true
	if v == "" {
		return st.reject(stageRecvEmpty, http.StatusBadRequest, codes.ParamEmpty, fmt.Sprintf(codes.MsgParamEmptyFmt, "recvWindow"))
	}
	us, ok := ParseRecvWindow(v)
	if !ok {
		return st.reject(stageRecvSyntax, http.StatusBadRequest, codes.IllegalChars, fmt.Sprintf(codes.MsgIllegalCharsFmt, "recvWindow", RecvWindowRange))
	}
	maxUS := int64(st.opt.MaxRecvWindow / time.Microsecond)
	if us > maxUS {
		return st.reject(stageRecvTooLarge, http.StatusBadRequest, codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgGreaterThanFmt, "recvWindow", formatMillis(maxUS)))
	}
	st.recvUS = us
	return nil
}

// ParseRecvWindow reads a recvWindow value (milliseconds with up to three
// decimals) in microseconds; a value too large for int64 is clamped (it is
// over any maximum anyway). The WebSocket API applies the same rule.
func ParseRecvWindow(v string) (int64, bool) {
	intPart, frac, hasFrac := strings.Cut(v, ".")
	if intPart == "" || len(intPart) > 20 || !allDigits(intPart) {
		return 0, false
	}
	if hasFrac && (frac == "" || len(frac) > 3 || !allDigits(frac)) {
		return 0, false
	}
	if len(intPart) > 12 {
		return 1<<63 - 1, true
	}
	ms, _ := strconv.ParseInt(intPart, 10, 64)
	us := ms * 1000
	if hasFrac {
		f, _ := strconv.ParseInt((frac + "00")[:3], 10, 64)
		us += f
	}
	return us, true
}

// formatMillis writes µs as milliseconds with up to three decimals.
func formatMillis(us int64) string {
	s := strconv.FormatInt(us/1000, 10)
	if r := us % 1000; r != 0 {
		if r < 0 {
			r = -r
		}
		f := strings.TrimRight(fmt.Sprintf("%03d", r), "0")
		s += "." + f
	}
	return s
}

// CheckTiming applies Binance's two timing rules in the timestamp's own unit
// (microseconds when micro): ahead when timestamp >= serverTime + 1000ms,
// outside when serverTime - timestamp > recvWindow. deltaUS is serverTime
// minus timestamp in microseconds; nowUnit is serverTime in the timestamp's
// unit. REST and the WebSocket API share it.
func CheckTiming(ts int64, micro bool, recvUS int64, now time.Time) (deltaUS, nowUnit int64, ahead, outside bool) {
	var perMS int64 = 1
	nowUnit = now.UnixMilli()
	if micro {
		perMS, nowUnit = 1000, now.UnixMicro()
	}
	deltaUS = (nowUnit - ts) * (1000 / perMS)
	switch {
	case ts >= nowUnit+1000*perMS:
		ahead = true
	case deltaUS > recvUS:
		outside = true
	}
	return deltaUS, nowUnit, ahead, outside
}

// checkTiming rejects a request that CheckTiming finds ahead or outside.
func (st *state) checkTiming() *Rejection {
	var outside bool
	st.deltaUS, st.nowUnit, st.ahead, outside = CheckTiming(int64(min(st.tsVal, 1<<62)), st.tsMicro, st.recvUS, st.now)
	switch {
	case st.ahead:
		return st.reject(stageTiming, http.StatusBadRequest, codes.InvalidTimestamp, codes.MsgTimestampAhead)
	case outside:
		return st.reject(stageTiming, http.StatusBadRequest, codes.InvalidTimestamp, codes.MsgTimestampOutside)
	}
	return nil
}

// buildPayload is query ‖ body, each without its signature pair.
func (st *state) buildPayload() []byte {
	q1, q2 := st.q.withoutSig()
	b1, b2 := st.b.withoutSig()
	if st.kind != bodyForm {
		b1, b2 = st.b.raw, ""
	}
	out := make([]byte, 0, len(q1)+len(q2)+len(b1)+len(b2))
	out = append(out, q1...)
	out = append(out, q2...)
	out = append(out, b1...)
	return append(out, b2...)
}

// CheckAPIKeyHeader checks the X-MBX-APIKEY header before anything else, as
// Binance does: -2014 "API-key format invalid." with HTTP 401 when it is
// malformed. Binance keys are 64 letters and digits; mbx accepts 1 to 256
// printable ASCII bytes without spaces, so a key of another shape still
// reaches the key lookup (-2015), and flags surrounding whitespace (a newline
// from an environment file is the classic cause).
//
// A missing header also gets -2014: which code Binance gives it is
// UNCONFIRMED, and -2014 is what clients that forgot the header report.
func CheckAPIKeyHeader(value string, present bool) *Rejection {
	why := apiKeyProblem(value, present)
	if why == "" {
		return nil
	}
	return &Rejection{
		HTTPStatus: http.StatusUnauthorized,
		Code:       codes.BadAPIKeyFmt,
		Msg:        codes.MsgBadAPIKeyFmt,
		Explanation: &Explanation{
			Verdict: "X-MBX-APIKEY header " + why,
			Code:    int(codes.BadAPIKeyFmt),
			Notes: []string{
				"Binance checks the X-MBX-APIKEY header before the signature; send the API key (not the secret) exactly as shown on the API Management page.",
				"A missing header is answered -2014 by mbx; Binance's code for it is UNCONFIRMED.",
			},
		},
	}
}

// MaxAPIKeyLen bounds the X-MBX-APIKEY value CheckAPIKeyHeader accepts.
const MaxAPIKeyLen = 256

func apiKeyProblem(v string, present bool) string {
	switch {
	case !present:
		return "is missing; every SIGNED request needs it"
	case v == "":
		return "is empty (an unset environment variable?)"
	case v != strings.TrimSpace(v):
		return "has leading or trailing whitespace (a newline from a .env file or `echo`?); trim it"
	case len(v) > MaxAPIKeyLen:
		return fmt.Sprintf("is %d bytes long; Binance API keys are 64 characters (a PEM key or secret pasted by mistake?)", len(v))
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 0x80:
			return fmt.Sprintf("holds a non-ASCII byte at offset %d (a smart quote or invisible character from a document?)", i)
		case c <= ' ' || c == 0x7f:
			return fmt.Sprintf("holds a space or control byte at offset %d; paste the key in one piece", i)
		}
	}
	return ""
}

// escapeHigh percent-encodes the bytes >= 0x80 of b: what a client should
// have sent instead of raw UTF-8.
func escapeHigh(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	for _, c := range b {
		if c >= 0x80 {
			out = pct.AppendEscapeBytes(out, []byte{c})
			continue
		}
		out = append(out, c)
	}
	return out
}

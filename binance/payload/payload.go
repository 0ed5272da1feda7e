// Package payload holds Binance's payload rules: which bytes are signed, how
// the signature is written down and where it goes.
//
// REST: the parameters are percent-encoded once (package pct), in the
// caller's order, never sorted; the signed payload is the query string
// immediately followed by the body, with no separator; the signature is the
// last pair of the part that carries timestamp; HMAC signatures are lower-case
// hex, RSA and Ed25519 signatures are base64 and then percent-encoded. The
// Signed result holds the exact query and body to send: the bytes signed are
// the bytes sent, and nothing downstream may re-encode them (Signed.NewRequest
// sets URL.RawQuery itself).
//
// WebSocket API: every parameter but signature, apiKey included, sorted by
// name, joined as name=value with raw UTF-8 values and no percent-encoding;
// the signature is hex (HMAC) or plain base64 (RSA, Ed25519).
package payload

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sign"
)

// Part is where a parameter travels in a REST request.
type Part uint8

// Parts of a REST request. Auto lets the builder choose.
const (
	Auto Part = iota
	Query
	Body
)

func (p Part) String() string {
	switch p {
	case Query:
		return "query"
	case Body:
		return "body"
	}
	return "auto"
}

// Errors the builder reports, matched with errors.Is.
var (
	ErrRecvWindow = errors.New("invalid recvWindow")
	ErrTimestamp  = errors.New("invalid timestamp")
	ErrPlacement  = errors.New("invalid parameter placement")
	ErrSignature  = errors.New("signature is computed by mbx")
)

// Options are the time inputs of a signature.
type Options struct {
	// Now is the clock timestamps come from; a clock.Clock's Now keeps them
	// within Binance's window. Nil means time.Now.
	Now func() time.Time
	// Microseconds sends timestamp in microseconds instead of milliseconds.
	Microseconds bool
	// RecvWindow, when non-zero and the caller gave none, is sent as
	// recvWindow just before timestamp. At most 60s, at microsecond precision.
	RecvWindow time.Duration
}

// MaxRecvWindow is Binance's documented maximum.
const MaxRecvWindow = 60 * time.Second

// FormatRecvWindow renders d in milliseconds with up to three decimals.
func FormatRecvWindow(d time.Duration) (string, error) {
	var buf [16]byte
	b, err := appendRecvWindow(buf[:0], d)
	return string(b), err
}

// appendRecvWindow is FormatRecvWindow without an allocation: the signing
// hot path formats the configured window on every request.
func appendRecvWindow(dst []byte, d time.Duration) ([]byte, error) {
	if d <= 0 || d > MaxRecvWindow {
		return dst, fmt.Errorf("%w: %v must be greater than 0 and at most 60s (Binance rejects larger values; 5s is recommended)", ErrRecvWindow, d)
	}
	if d%time.Microsecond != 0 {
		return dst, fmt.Errorf("%w: %v has sub-microsecond precision; Binance takes at most 3 decimals of a millisecond", ErrRecvWindow, d)
	}
	ms, us := int64(d/time.Millisecond), int64(d%time.Millisecond/time.Microsecond)
	dst = strconv.AppendInt(dst, ms, 10)
	if us != 0 {
		dst = append(dst, '.', byte('0'+us/100), byte('0'+us/10%10), byte('0'+us%10))
		for dst[len(dst)-1] == '0' {
			dst = dst[:len(dst)-1]
		}
	}
	return dst, nil
}

// ValidateRecvWindow checks a recvWindow value as it will be sent: greater
// than 0, at most 60000, at most three decimals, plain digits.
func ValidateRecvWindow(v string) error {
	intPart, frac, hasFrac := strings.Cut(v, ".")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return fmt.Errorf("%w: %q is not a plain number of milliseconds (e.g. 5000 or 6000.346)", ErrRecvWindow, v)
	}
	if len(frac) > 3 {
		return fmt.Errorf("%w: %q has %d decimals; Binance allows at most 3", ErrRecvWindow, v, len(frac))
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 || n > 60000 {
		return fmt.Errorf("%w: %q must be greater than 0 and at most 60000 milliseconds (Binance recommends 5000 or less; a larger window does not fix a clock that runs ahead)", ErrRecvWindow, v)
	}
	return nil
}

// ValidateTimestamp checks a caller-supplied timestamp: 13 digits
// (milliseconds) or 16 digits (microseconds). Ten digits are seconds, a
// classic -1021 cause, and are refused with that diagnosis.
func ValidateTimestamp(v string) error {
	if !allDigits(v) || v == "" {
		return fmt.Errorf("%w: %q is not an integer number of milliseconds (no decimals, spaces or dates)", ErrTimestamp, v)
	}
	switch len(v) {
	case 13, 16:
		return nil
	case 10:
		return fmt.Errorf("%w: %q looks like seconds; Binance wants milliseconds (multiply by 1000, or let mbx add the timestamp)", ErrTimestamp, v)
	}
	return fmt.Errorf("%w: %q has %d digits; want 13 (milliseconds) or 16 (microseconds)", ErrTimestamp, v, len(v))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// partInfo is what checking a part's parameters learned about the special ones.
type partInfo struct {
	timestamp  string // the caller's timestamp, if given
	recvWindow bool
}

// checkParam validates a parameter against the rules mbx enforces on every
// payload, REST and WebSocket alike, and notes timestamp and recvWindow.
func checkParam(p *params.Param, info *partInfo) error {
	switch p.Name {
	case "signature":
		return fmt.Errorf("%w: remove the signature parameter; it is added after signing", ErrSignature)
	case "recvWindow":
		info.recvWindow = true
		return ValidateRecvWindow(p.Value)
	case "timestamp":
		info.timestamp = p.Value
		return ValidateTimestamp(p.Value)
	}
	if r := rangeOf(p.Name); r != nil && !r.Check(p.Value) {
		return ValidateParam(p.Name, p.Value)
	}
	return nil
}

func timestampOf(opt *Options) int64 {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	t := now()
	if opt.Microseconds {
		return t.UnixMicro()
	}
	return t.UnixMilli()
}

// EncodeSignature writes a raw signature as Binance reads it: lower-case hex
// for HMAC; base64 for RSA and Ed25519, percent-encoded for REST (rest=true)
// and raw for the WebSocket API.
func EncodeSignature(alg sign.Algorithm, raw []byte, rest bool) string {
	return string(appendSignature(nil, raw, alg, rest))
}

// appendSignature writes the signature the way Binance reads it: lower-case
// hex for HMAC; base64 for RSA and Ed25519, percent-encoded when escape is set
// (REST), raw otherwise (WebSocket JSON).
func appendSignature(dst, raw []byte, alg sign.Algorithm, escape bool) []byte {
	if alg == sign.HMACSHA256 {
		return hex.AppendEncode(dst, raw)
	}
	if !escape {
		return base64.StdEncoding.AppendEncode(dst, raw)
	}
	var tmp [700]byte // a 4096-bit RSA signature is 684 base64 bytes
	return pct.AppendEscapeBytes(dst, base64.StdEncoding.AppendEncode(tmp[:0], raw))
}

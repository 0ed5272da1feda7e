// Package pct is mbx's one percent-encoder.
//
// Binance signs the percent-encoded bytes that travel on the wire, so a client
// and a server must agree on one encoding. mbx uses RFC 3986 strictly: only the
// unreserved bytes A-Z a-z 0-9 - _ . ~ stay as they are; every other byte,
// including each byte of a non-ASCII UTF-8 character, becomes %XX with
// upper-case hex. Space is %20, never '+', because '+' is ambiguous: form
// decoders read it as a space. Every part of mbx that encodes calls this
// package; nothing else in mbx escapes a name or a value.
package pct

import (
	"fmt"
	"strings"
)

const upperHex = "0123456789ABCDEF"

// unreserved is indexed by byte; a table keeps the hot loop branch-light.
var unreserved = [256]bool{
	'-': true, '.': true, '_': true, '~': true,
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true, 'I': true,
	'J': true, 'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true, 'Q': true, 'R': true,
	'S': true, 'T': true, 'U': true, 'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true, 'h': true, 'i': true,
	'j': true, 'k': true, 'l': true, 'm': true, 'n': true, 'o': true, 'p': true, 'q': true, 'r': true,
	's': true, 't': true, 'u': true, 'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
}

// IsUnreserved reports whether b is left as it is by the encoder.
func IsUnreserved(b byte) bool { return unreserved[b] }

// NeedsEscape reports whether Escape would change s.
func NeedsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if !unreserved[s[i]] {
			return true
		}
	}
	return false
}

// Escape returns s percent-encoded per RFC 3986.
func Escape(s string) string {
	if !NeedsEscape(s) {
		return s
	}
	return string(AppendEscape(make([]byte, 0, len(s)+16), s))
}

// AppendEscape appends the percent-encoding of s to dst and returns the
// extended buffer. It allocates only when dst lacks capacity.
func AppendEscape(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// EscapedLen returns len(Escape(s)) without building it.
func EscapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !unreserved[s[i]] {
			n += 2
		}
	}
	return n
}

// SyntaxError reports a malformed percent-encoding.
type SyntaxError struct {
	Offset int    // byte offset of the offending '%' or byte
	Reason string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("percent-encoding: %s at byte %d", e.Reason, e.Offset)
}

// Unescape decodes %XX sequences (either hex case). It is the inverse of
// Escape: '+' stays '+', because RFC 3986 gives it no special meaning.
func Unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", &SyntaxError{Offset: i, Reason: "truncated %XX escape"}
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", &SyntaxError{Offset: i, Reason: fmt.Sprintf("invalid escape %q", s[i:i+3])}
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

// FormUnescape decodes like an HTML form decoder: '+' is a space, then %XX.
// Binance reads signature values this way, which is why an unencoded base64
// signature (which may contain '+') fails to verify there.
func FormUnescape(s string) (string, error) {
	return Unescape(strings.ReplaceAll(s, "+", " "))
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AppendEscapeBytes is AppendEscape for a byte slice, so callers holding
// bytes (a base64 signature) need not convert them to a string first.
func AppendEscapeBytes(dst, s []byte) []byte {
	for _, c := range s {
		if unreserved[c] {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

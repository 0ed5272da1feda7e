package verify

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
)

// encoder is a percent-encoding some client library uses. Explain re-encodes
// the decoded parameters with each to find the one a client signed.
type encoder struct {
	name      string
	keep      func(c byte) bool // bytes left as they are
	spacePlus bool              // space as '+'
	lower     bool              // lower-case hex
}

func (e encoder) append(dst []byte, s string) []byte {
	hexd := "0123456789ABCDEF"
	if e.lower {
		hexd = "0123456789abcdef"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case e.keep(c):
			dst = append(dst, c)
		case c == ' ' && e.spacePlus:
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hexd[c>>4], hexd[c&15])
		}
	}
	return dst
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// encFormPlus is Python's urlencode and Go's url.QueryEscape. Encoders are
// built by functions, not kept in package variables, so the package holds no
// mutable state.
func encFormPlus() encoder {
	return encoder{name: "form encoding with '+' for spaces, as Python's urlencode and Go's url.QueryEscape", keep: pct.IsUnreserved, spacePlus: true}
}

// jsKeep is what JavaScript's encodeURIComponent leaves as it is: RFC 3986's
// unreserved bytes and ! ' ( ) *.
func jsKeep(c byte) bool { return pct.IsUnreserved(c) || strings.IndexByte("!'()*", c) >= 0 }

// otherEncoders are the encodings tried, in this order.
func otherEncoders() []encoder {
	return []encoder{
		{name: "JavaScript encodeURIComponent, which leaves ! ' ( ) * unencoded", keep: jsKeep},
		encFormPlus(),
		{name: "Java URLEncoder, which leaves * unencoded, encodes ~ and writes '+' for spaces", keep: func(c byte) bool { return isAlnum(c) || strings.IndexByte(".-*_", c) >= 0 }, spacePlus: true},
		{name: "PHP urlencode, which encodes ~ and writes '+' for spaces", keep: func(c byte) bool { return isAlnum(c) || strings.IndexByte(".-_", c) >= 0 }, spacePlus: true},
		{name: "lower-case hex digits (%e8 instead of %E8)", keep: pct.IsUnreserved, lower: true},
	}
}

// visibleMax bounds how many payload bytes an explanation shows.
const visibleMax = 4096

func visibleBounded(b []byte) string {
	if len(b) <= visibleMax {
		return Visible(b)
	}
	return Visible(b[:visibleMax]) + "...(" + strconv.Itoa(len(b)-visibleMax) + " more bytes)"
}

// Diff shows the first byte where signed differs from sent, with a window
// of visible bytes around it on both lines and a caret under it. The local
// exchange's WebSocket API explains with the same diff.
func Diff(sent, signed []byte) string { return diffBytes(sent, signed) }

func diffBytes(sent, signed []byte) string {
	if bytes.Equal(sent, signed) {
		return ""
	}
	i := 0
	for i < len(sent) && i < len(signed) && sent[i] == signed[i] {
		i++
	}
	const before, after = 24, 40
	start := max(0, i-before)
	window := func(b []byte) string {
		if start >= len(b) {
			return "(ends here)"
		}
		end := min(len(b), i+after)
		s := ""
		if start > 0 {
			s = "..."
		}
		s += Visible(b[start:end])
		if end < len(b) {
			s += "..."
		}
		if end == len(b) && i >= len(b) {
			s += " (ends here)"
		}
		return s
	}
	caret := len("sent:   ") + len(Visible(sent[start:i]))
	if start > 0 {
		caret += 3
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at byte %d (sent %d bytes, signed %d bytes)\n", i, len(sent), len(signed))
	b.WriteString("sent:   " + window(sent) + "\n")
	b.WriteString("signed: " + window(signed) + "\n")
	b.WriteString(strings.Repeat(" ", caret) + "^")
	return b.String()
}

// redactor removes an HMAC secret from everything an explanation shows,
// with the one redactor of package secret.
type redactor struct{ secret.Redactor }

func newRedactor(k Key) redactor {
	s, ok := k.Verifier.(interface{ Secret() secret.Value })
	if !ok {
		return redactor{}
	}
	v := s.Secret()
	return redactor{secret.NewRedactor(v, Visible(v.Expose()))}
}

func (r redactor) bytes(b []byte) []byte { return r.Bytes(b) }

func (r redactor) str(s string) string { return r.String(s) }

// explanation is the last pass: no string leaves with the secret in it.
func (r redactor) explanation(e *Explanation) {
	if r.IsZero() {
		return
	}
	e.Verdict, e.Payload, e.SignatureLocation, e.Diff = r.str(e.Verdict), r.str(e.Payload), r.str(e.SignatureLocation), r.str(e.Diff)
	for i := range e.Notes {
		e.Notes[i] = r.str(e.Notes[i])
	}
	if m := e.Mistake; m != nil {
		m.Title, m.Fix, m.Signed = r.str(m.Title), r.str(m.Fix), r.str(m.Signed)
		for i := range m.Steps {
			st := &m.Steps[i]
			st.Title, st.Fix, st.Diff = r.str(st.Title), r.str(st.Fix), r.str(st.Diff)
		}
	}
}

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

// otherEncoders are the encodings tried, in this order.
func otherEncoders() []encoder {
	return []encoder{
		{name: "JavaScript encodeURIComponent, which leaves ! ' ( ) * unencoded", keep: func(c byte) bool { return pct.IsUnreserved(c) || strings.IndexByte("!'()*", c) >= 0 }},
		encFormPlus(),
		{name: "Java URLEncoder, which leaves * unencoded, encodes ~ and writes '+' for spaces", keep: func(c byte) bool { return isAlnum(c) || strings.IndexByte(".-*_", c) >= 0 }, spacePlus: true},
		{name: "PHP urlencode, which encodes ~ and writes '+' for spaces", keep: func(c byte) bool { return isAlnum(c) || strings.IndexByte(".-_", c) >= 0 }, spacePlus: true},
		{name: "lower-case hex digits (%e8 instead of %E8)", keep: pct.IsUnreserved, lower: true},
	}
}

// Visible shows bytes unambiguously in printable ASCII: printable ASCII
// stays as it is, a backslash is doubled, \n \r \t are written so, and every
// other byte (control bytes, every byte of non-ASCII UTF-8) is \xHH with
// upper-case hex. So symbol=币 shows as symbol=\xE5\xB8\x81, which a reader
// tells apart from the percent-encoded symbol=%E5%B8%81 at a glance.
func Visible(b []byte) string {
	clean := true
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	return string(appendVisible(make([]byte, 0, len(b)+16), b))
}

func appendVisible(dst, b []byte) []byte {
	const hexd = "0123456789ABCDEF"
	for _, c := range b {
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x', hexd[c>>4], hexd[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return dst
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

// Text is the explanation for people, on several lines.
func (e *Explanation) Text() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-10s %s\n", name+":", v)
		}
	}
	field("verdict", e.Verdict)
	if e.Code != 0 {
		field("code", strconv.Itoa(e.Code))
	} else {
		field("code", "0 (accepted)")
	}
	field("payload", e.Payload)
	field("signature", e.SignatureLocation)
	if m := e.Mistake; m != nil {
		if len(m.Steps) > 1 {
			field("mistake", fmt.Sprintf("%s: %d mistakes at once", m.ID, len(m.Steps)))
			for i, st := range m.Steps {
				fmt.Fprintf(&b, "  %d. %s (%s step): %s\n", i+1, st.ID, st.Step, st.Title)
				fmt.Fprintf(&b, "     fix: %s\n", st.Fix)
				if st.Diff != "" {
					for _, l := range strings.Split(st.Diff, "\n") {
						b.WriteString("     " + l + "\n")
					}
				}
			}
		} else {
			field("mistake", m.ID+": "+m.Title)
			field("fix", m.Fix)
		}
		if m.Signed != "" && m.Signed != e.Payload {
			field("signed", m.Signed)
		}
	}
	if e.Diff != "" {
		b.WriteString("diff:\n")
		for _, l := range strings.Split(e.Diff, "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	if len(e.Notes) > 0 {
		b.WriteString("notes:\n")
		for _, n := range e.Notes {
			b.WriteString("  - " + n + "\n")
		}
	}
	return b.String()
}

// MaxHeaderLen bounds Header.
const MaxHeaderLen = 512

// Header is the explanation on one line of printable ASCII, at most
// MaxHeaderLen bytes, for an X-MBX-EXPLAIN response header.
func (e *Explanation) Header() string {
	if e == nil {
		return ""
	}
	var parts []string
	if e.Mistake != nil {
		parts = append(parts, fmt.Sprintf("%d %s: %s", e.Code, e.Mistake.ID, e.Mistake.Title))
		if e.Verdict != "" && !strings.Contains(e.Verdict, e.Mistake.Title) {
			parts = append(parts, e.Verdict)
		}
		parts = append(parts, "fix: "+strings.TrimSuffix(e.Mistake.Fix, "."))
	} else {
		parts = append(parts, fmt.Sprintf("%d %s", e.Code, e.Verdict))
	}
	if e.Diff != "" {
		first, _, _ := strings.Cut(e.Diff, "\n")
		parts = append(parts, first)
	}
	s := asciiLine(strings.Join(parts, "; "))
	if len(s) > MaxHeaderLen {
		s = s[:MaxHeaderLen-3] + "..."
	}
	return s
}

// asciiLine keeps printable ASCII and turns anything else into '?', so a
// header can never carry a line break or a non-ASCII byte.
func asciiLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

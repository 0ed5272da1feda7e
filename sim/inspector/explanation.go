package inspector

import (
	"fmt"
	"strconv"
	"strings"
)

// Explanation says why a request was accepted or rejected.
type Explanation struct {
	Verdict           string   // one line: "signature valid", "signature mismatch: signed before percent-encoding", ...
	Code              int      // the exchange's code answered (0 when accepted)
	Payload           string   // the exact payload verified, non-ASCII and control bytes made visible
	SignatureLocation string   // e.g. "last pair of the query string"
	Mistake           *Mistake // the known mistake the client's signature matches, if one does
	Diff              string   // byte-level diff between what was sent and what the client signed
	Notes             []string // further facts (recvWindow, timestamp units, strictness settings)
}

// Mistake is a known client mistake that reproduces the client's signature.
// A mistake of two steps at once has ID "a+b" and both steps in Steps.
type Mistake struct {
	ID     string // stable id, e.g. "signed-decoded", "sorted", "query-only", "body-only", "amp-join", "secret-newline", "plus-space", "sig-not-last", "timestamp-seconds", "wrong-key-type"; "amp-join+secret-newline" for two
	Title  string // one line for people
	Fix    string // what to change in the client
	Signed string // the payload the client actually signed (visible form)
	// Steps are the pipeline steps the client did differently, in the
	// order it runs them; empty for mistakes found outside the search
	// (timing, key type, the secret sent as the signature).
	Steps []MistakeStep `json:",omitempty"`
}

// MistakeStep is one step of the client's signing pipeline that departs
// from the exchange's rule.
type MistakeStep struct {
	Step  string // the pipeline step: format, order, encode, join, key or signature
	ID    string
	Title string
	Fix   string
	// Diff shows what this step alone changes in the signed bytes, when
	// the mistake has two steps and this one changes the payload.
	Diff string `json:",omitempty"`
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

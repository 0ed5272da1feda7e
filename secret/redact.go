package secret

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/mbxkit/mbx/pct"
)

// Redactor removes one secret from text in every form it travels in: as
// it is, percent-encoded (RFC 3986 and with '+' for a space), and escaped
// inside a JSON string (with and without HTML escaping). A request that
// carried the secret, a parse error quoting the input or a JSON report:
// the secret leaves in none of them. The zero Redactor changes nothing.
type Redactor struct{ forms [][]byte }

// NewRedactor builds the Redactor of v. extra adds forms the caller
// writes the secret in (e.g. a display escaping of control bytes).
func NewRedactor(v Value, extra ...string) Redactor {
	raw := string(v.Expose())
	if raw == "" {
		return Redactor{}
	}
	forms := []string{raw, pct.Escape(raw), strings.ReplaceAll(pct.Escape(raw), "%20", "+")}
	if j, err := json.Marshal(raw); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(raw) == nil {
		j := bytes.TrimSpace(b.Bytes())
		forms = append(forms, string(j[1:len(j)-1]))
	}
	forms = append(forms, extra...)
	var r Redactor
	for _, f := range forms {
		if f != "" && !r.has(f) {
			r.forms = append(r.forms, []byte(f))
		}
	}
	// Longest first, so a form that contains another is replaced whole.
	for i := 1; i < len(r.forms); i++ {
		for j := i; j > 0 && len(r.forms[j]) > len(r.forms[j-1]); j-- {
			r.forms[j], r.forms[j-1] = r.forms[j-1], r.forms[j]
		}
	}
	return r
}

func (r Redactor) has(f string) bool {
	for _, x := range r.forms {
		if string(x) == f {
			return true
		}
	}
	return false
}

// Bytes returns b with every form of the secret replaced by Redacted. It
// returns b itself when there is nothing to replace.
func (r Redactor) Bytes(b []byte) []byte {
	for _, f := range r.forms {
		if bytes.Contains(b, f) {
			b = bytes.ReplaceAll(b, f, []byte(Redacted))
		}
	}
	return b
}

// String returns s with every form of the secret replaced by Redacted.
func (r Redactor) String(s string) string {
	for _, f := range r.forms {
		if strings.Contains(s, string(f)) {
			s = strings.ReplaceAll(s, string(f), Redacted)
		}
	}
	return s
}

// Error returns err with its message redacted, or err itself when the
// message holds no form of the secret (so errors.Is keeps working).
func (r Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return redactedError{msg: red, err: err}
	}
	return err
}

// IsZero reports whether the Redactor has no secret to remove.
func (r Redactor) IsZero() bool { return len(r.forms) == 0 }

// redactedError keeps the chain for errors.Is and errors.As while its
// message is redacted.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

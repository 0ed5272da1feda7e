package exchange

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mbxkit/mbx/pct"
)

// ParamError is a request parameter an exchange would reject, found before
// anything is signed or sent. Get it with errors.As.
type ParamError struct {
	Name string // the parameter, or the request field ("method", "path")
	Fix  string // what to send instead
}

// Error names the parameter and the fix.
func (e *ParamError) Error() string { return "parameter " + e.Name + ": " + e.Fix }

// CheckParams rejects empty or repeated parameter names: no exchange accepts
// them, and a repeated name is read differently by different servers.
func CheckParams(ps []Param) error {
	seen := make(map[string]struct{}, len(ps))
	for i, p := range ps {
		if p.Name == "" {
			return &ParamError{Name: fmt.Sprintf("#%d", i+1), Fix: "has an empty name; write NAME=VALUE"}
		}
		if _, dup := seen[p.Name]; dup {
			return &ParamError{Name: p.Name, Fix: "is given twice; send it once"}
		}
		seen[p.Name] = struct{}{}
	}
	return nil
}

// QueryString is ps as a query string in the order given, names and values
// percent-encoded by package pct (RFC 3986, space as %20). It is the one
// encoding mbx sends, so it is also the one it signs.
func QueryString(ps []Param) string {
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, '&')
		}
		b = pct.AppendEscape(b, p.Name)
		b = append(b, '=')
		b = pct.AppendEscape(b, p.Value)
	}
	return string(b)
}

// JSONBody is ps as a compact JSON object in the order given, every value a
// JSON string, with no HTML escaping (so "<" stays "<", as most clients send
// it). It is serialised once: these bytes are both signed and sent.
func JSONBody(ps []Param) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, p.Name)
		b.WriteByte(':')
		writeJSONString(&b, p.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	var enc strings.Builder
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // a Go string always encodes; invalid UTF-8 becomes U+FFFD
	b.WriteString(strings.TrimSuffix(enc.String(), "\n"))
}

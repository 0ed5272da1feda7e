package exchange

import (
	"fmt"
	"unicode/utf8"

	"github.com/mbxkit/mbx/params"
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

// CheckParams rejects empty or repeated parameter names and text that is not
// UTF-8: no exchange accepts them, a repeated name is read differently by
// different servers, and invalid UTF-8 would be signed as one thing and read
// as another (JSON turns it into U+FFFD).
func CheckParams(ps []Param) error {
	seen := make(map[string]struct{}, len(ps))
	for i, p := range ps {
		if p.Name == "" {
			return &ParamError{Name: fmt.Sprintf("#%d", i+1), Fix: "has an empty name; write NAME=VALUE"}
		}
		if !utf8.ValidString(p.Name) || !utf8.ValidString(p.Value) {
			return &ParamError{Name: fmt.Sprintf("%q", p.Name), Fix: "is not valid UTF-8; send text"}
		}
		if _, dup := seen[p.Name]; dup {
			return &ParamError{Name: p.Name, Fix: "is given twice; send it once"}
		}
		seen[p.Name] = struct{}{}
	}
	return nil
}

// ParamValue is the value of the first parameter called name, "" when there
// is none.
func ParamValue(ps []Param, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
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
// it); otherwise escaped exactly as encoding/json does (control characters,
// U+2028, U+2029, invalid UTF-8 as U+FFFD). It is serialised once: these
// bytes are both signed and sent.
func JSONBody(ps []Param) []byte {
	n := 2
	for _, p := range ps {
		n += len(p.Name) + len(p.Value) + 6
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = params.AppendJSONString(b, p.Name)
		b = append(b, ':')
		b = params.AppendJSONString(b, p.Value)
	}
	return append(b, '}')
}

// Placed is a Signed holding method, path and ps where exchanges that read
// GET and DELETE parameters from the query and every other method's from a
// JSON body expect them: the query as QueryString writes it, or the body as
// JSONBody does. No parameters means no body at all, so that the empty
// string is what gets signed, not "{}".
func Placed(method, path string, ps []Param) Signed {
	s := Signed{Method: method, Path: path}
	switch method {
	case "GET", "DELETE":
		s.Query = QueryString(ps)
	default:
		if len(ps) > 0 {
			s.Body = JSONBody(ps)
		}
	}
	return s
}

// WithContentType returns headers with Content-Type: application/json added
// when body is not empty: servers read a body without it as a form, and one
// without a body must not claim a type.
func WithContentType(headers []Header, body []byte) []Header {
	if len(body) == 0 {
		return headers
	}
	return append(headers, Header{Name: "Content-Type", Value: "application/json"})
}

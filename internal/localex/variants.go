package localex

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/mbxkit/mbx/pct"
)

// QueryVariant is a form of a query string a client may have signed
// instead of the one it sent.
type QueryVariant struct {
	What  string // the client's mistake and its fix
	Query string
}

// QueryVariants are the forms of q (a raw query as sent) that clients sign
// by mistake: its values before percent-encoding, its parameters sorted, its
// values percent-encoded when they were sent raw, spaces as '+'. Forms equal
// to q are left out.
func QueryVariants(q string) []QueryVariant {
	parts := strings.Split(q, "&")
	decoded := make([]string, len(parts))
	encoded := make([]string, len(parts))
	for i, p := range parts {
		name, value, _ := strings.Cut(p, "=")
		dn, err1 := pct.Unescape(name)
		dv, err2 := pct.Unescape(value)
		if err1 != nil || err2 != nil {
			dn, dv = name, value
		}
		decoded[i] = dn + "=" + dv
		encoded[i] = pct.Escape(dn) + "=" + pct.Escape(dv)
	}
	sorted := append([]string(nil), parts...)
	sort.Strings(sorted)
	var out []QueryVariant
	seen := map[string]bool{q: true}
	add := func(what, v string) {
		if !seen[v] {
			seen[v] = true
			out = append(out, QueryVariant{what, v})
		}
	}
	add("the query was signed before percent-encoding but sent encoded (the HTTP library encoded it after signing): encode first, then sign the query exactly as sent", strings.Join(decoded, "&"))
	add("the query was signed sorted by name but sent in another order: sign the parameters in the order they are sent", strings.Join(sorted, "&"))
	add("the query was signed percent-encoded but sent raw: sign the query exactly as sent", strings.Join(encoded, "&"))
	add("the query was signed with spaces as '+' but sent as %20: sign the query exactly as sent", strings.ReplaceAll(q, "%20", "+"))
	return out
}

// BodyVariant is a serialisation of a JSON body a client may have signed
// instead of the one it sent.
type BodyVariant struct {
	What string
	Body []byte
}

// BodyVariants are the other serialisations of a JSON body that a client
// signs when it serialises twice (once to sign, once to send): compact,
// with Python's default spaces, keys sorted. Forms equal to body are left
// out; a body that is not JSON has none.
func BodyVariants(body []byte) []BodyVariant {
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		return nil
	}
	var out []BodyVariant
	seen := map[string]bool{string(body): true}
	add := func(what string, v []byte) {
		if v != nil && !seen[string(v)] {
			seen[string(v)] = true
			out = append(out, BodyVariant{what, v})
		}
	}
	const fix = "serialise the body once and send exactly the bytes you signed"
	add("the body was signed compact but sent with other spacing (serialised twice): "+fix, compact.Bytes())
	add("the body was signed as Python's json.dumps writes it (spaces after ',' and ':') but sent compact: "+fix, spaced(compact.Bytes()))
	var v any
	dec := json.NewDecoder(bytes.NewReader(compact.Bytes()))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(v) == nil {
			add("the body was signed with its keys sorted but sent in another order: "+fix, bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		}
	}
	return out
}

// spaced inserts a space after every ',' and ':' outside strings of a
// compact JSON text.
func spaced(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/4)
	inString, escaped := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out
}

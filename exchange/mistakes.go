package exchange

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/mbxkit/mbx/pct"
)

// Variant is one client mistake and the bytes it would have produced: a
// query or body the client signed instead of the one it sent, or a secret it
// signed with instead of the real one.
type Variant struct {
	Mistake string
	Value   []byte
}

// MaxVariants bounds each list below, so a hostile request cannot make the
// search expensive.
const MaxVariants = 16

// QueryVariants are queries a client may have signed while sending raw:
// values decoded (signed raw, sent percent-encoded), names sorted, '+' and
// %20 swapped, or encoded after signing. Each differs from raw.
func QueryVariants(raw string) []Variant {
	if raw == "" || len(raw) > 8<<10 {
		return nil
	}
	var out []Variant
	add := func(mistake, q string) {
		if q != raw {
			out = append(out, Variant{Mistake: mistake, Value: []byte(q)})
		}
	}
	pairs := strings.Split(raw, "&")
	decoded := make([]string, 0, len(pairs))
	reencoded := make([]string, 0, len(pairs))
	for _, kv := range pairs {
		k, v, hasEq := strings.Cut(kv, "=")
		dk, err1 := pct.FormUnescape(k)
		dv, err2 := pct.FormUnescape(v)
		if err1 != nil || err2 != nil {
			dk, dv = k, v
		}
		sep := ""
		if hasEq {
			sep = "="
		}
		decoded = append(decoded, dk+sep+dv)
		reencoded = append(reencoded, pct.Escape(dk)+sep+pct.Escape(dv))
	}
	add("the query was signed with raw (unencoded) values, before percent-encoding, but sent percent-encoded; sign the query string exactly as it is sent", strings.Join(decoded, "&"))
	add("the query was percent-encoded after signing (signed one encoding, sent another); sign the query string exactly as it is sent", strings.Join(reencoded, "&"))
	add("spaces were signed as '+' but sent as %20; sign the query string exactly as it is sent", strings.ReplaceAll(raw, "%20", "+"))
	add("spaces were signed as %20 but sent as '+'; sign the query string exactly as it is sent", strings.ReplaceAll(raw, "+", "%20"))
	sorted := append([]string(nil), pairs...)
	sort.Strings(sorted)
	add("the parameters were signed sorted by name but sent in another order; sign them in the order sent (these exchanges never sort)", strings.Join(sorted, "&"))
	return out
}

// BodyVariants are JSON bodies a client may have signed while sending body:
// the same JSON value (an object, or an array such as a batch of orders)
// serialised another way: compact, with spaces as Python's json.dumps writes,
// keys sorted at every level. Sorting keeps '<', '>' and '&' as they are, as
// clients other than Go's encoding/json write them. Each differs from body.
func BodyVariants(body []byte) []Variant {
	if len(body) == 0 || len(body) > 16<<10 {
		return nil
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil {
		return nil
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil // a bare string or number is not a request body
	}
	var out []Variant
	add := func(mistake string, b []byte) {
		if !bytes.Equal(b, body) {
			out = append(out, Variant{Mistake: mistake, Value: b})
		}
	}
	const fix = "; serialise the body once and sign and send those same bytes"
	add("the body was re-serialised after signing (signed compact JSON, sent it with spaces)"+fix, compact.Bytes())
	add("the body was re-serialised after signing (signed JSON with spaces after ':' and ',', as Python's json.dumps writes it)"+fix, spaced(compact.Bytes()))
	// Decoding into any sorts every object's keys on encoding; UseNumber
	// keeps numbers as written.
	var v any
	dec := json.NewDecoder(bytes.NewReader(compact.Bytes()))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(v) == nil {
			add("the body was re-serialised after signing (signed with its keys sorted)"+fix, bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		}
	}
	return out
}

// spaced inserts a space after every ':' and ',' outside strings.
func spaced(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/4)
	inStr, esc := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}

// SecretVariants are secrets as a client may have loaded them wrongly: with a
// trailing newline or CRLF, surrounding quotes or spaces.
func SecretVariants(secret []byte) []Variant {
	cat := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			if p == "" {
				b = append(b, secret...)
				continue
			}
			b = append(b, p...)
		}
		return b
	}
	return []Variant{
		{"the secret was read with a trailing newline; strip the line ending from the key file", cat("", "\n")},
		{"the secret was read with a trailing CRLF (\\r\\n); strip the line ending from the key file", cat("", "\r\n")},
		{"the secret was signed with surrounding quotes; remove the quotes from the key file or config", cat("\"", "", "\"")},
		{"the secret was signed with a trailing space; trim it", cat("", " ")},
	}
}

// Search returns the mistake of every attempt that check accepts, at most
// MaxVariants, in order and without repeats.
func Search(attempts []Variant, check func([]byte) bool) []string {
	var found []string
	seen := map[string]bool{}
	for i, a := range attempts {
		if i >= 4*MaxVariants || len(found) >= MaxVariants {
			break
		}
		if !seen[a.Mistake] && check(a.Value) {
			seen[a.Mistake] = true
			found = append(found, a.Mistake)
		}
	}
	return found
}

// SecretAttempts are secret itself (Mistake "") followed by its
// SecretVariants: for a search that crosses every reading of the secret with
// every reading of the payload, where the right secret with a wrong payload
// is a finding too.
func SecretAttempts(secret []byte) []Variant {
	return append([]Variant{{Value: secret}}, SecretVariants(secret)...)
}

// MaxSignMistakes bounds what CrossSearch names: past a few, more guesses
// only bury the likely one.
const MaxSignMistakes = 4

// CrossSearch crosses every reading of secret (SecretAttempts) with every
// string a client may have signed, and names each pair whose signature is
// the one sent, at most MaxSignMistakes, in order. For each reading, try
// returns the candidate strings (Mistake "" for the right one) and match,
// which reports whether a candidate signed with that reading gives the
// signature sent and, when it does only in a wrong encoding, how. A finding
// joins the string's mistake, the secret's and the encoding's with "; ";
// the right string, secret and encoding together is no finding. The
// exchange keeps its own signing rules in try; only the search is shared.
func CrossSearch(secret []byte, try func(secret []byte) (candidates []Variant, match func(payload []byte) (encoding string, ok bool))) []string {
	var out []string
	for _, sv := range SecretAttempts(secret) {
		cands, match := try(sv.Value)
		for _, c := range cands {
			encoding, ok := match(c.Value)
			if !ok {
				continue
			}
			var what []string
			for _, w := range []string{c.Mistake, sv.Mistake, encoding} {
				if w != "" {
					what = append(what, w)
				}
			}
			if len(what) > 0 {
				out = append(out, strings.Join(what, "; "))
			}
			if len(out) >= MaxSignMistakes {
				return out
			}
		}
	}
	return out
}

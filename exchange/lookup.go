package exchange

import "net/http"

// Incoming is s as a server receives it: the same query, body and headers.
// A test or `mbx explain` feeds it to Verify.
func (s Signed) Incoming() Incoming {
	h := http.Header{}
	s.Apply(h)
	return Incoming{Method: s.Method, Path: s.Path, RawQuery: s.Query, Header: h, Body: s.Body}
}

// Keys is a Lookup over a fixed set of credentials, by API key.
func Keys(cs ...Credentials) Lookup {
	m := make(map[string]Credentials, len(cs))
	for _, c := range cs {
		m[c.APIKey] = c
	}
	return func(k string) (Credentials, bool) {
		c, ok := m[k]
		return c, ok
	}
}

// MissingHeaders lists which of the named headers h lacks or has empty, in
// the order named, so a rejection can name every one at once.
func MissingHeaders(h http.Header, names ...string) []string {
	var out []string
	for _, n := range names {
		if h.Get(n) == "" {
			out = append(out, n)
		}
	}
	return out
}

// Clip shortens s to at most n bytes for an explanation, marking the cut, so
// that a hostile header or body cannot flood a response or a log.
func Clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Unauthorized is the verdict on a request refused for its authentication:
// HTTP 401 with the exchange's own code and message, mbx's explanation and
// the client mistakes found.
func Unauthorized(apiKey, code, message, explanation string, mistakes ...string) Verdict {
	return Verdict{APIKey: apiKey, Status: http.StatusUnauthorized, Code: code, Message: message, Explanation: explanation, Mistakes: mistakes}
}

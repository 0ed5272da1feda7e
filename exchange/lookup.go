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

package localex

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/mbxkit/mbx/exchange"
)

// APIError is an exchange's error answer: HTTP status, the exchange's code
// or label and message, and mbx's explanation (sent in X-MBX-EXPLAIN).
type APIError struct {
	Status      int
	Code, Msg   string
	Explanation string
}

func (e *APIError) Error() string { return e.Code + " " + e.Msg }

// Dialect is what differs between exchanges in serving a request: the
// unauthenticated routes, the authentication check, the private routes and
// the envelopes of an answer and of an error.
type Dialect struct {
	// Public maps "METHOD /path" to the data of an unauthenticated answer.
	Public map[string]func() any
	// Verify checks a private request (the exchange's Verify with the
	// local exchange's keys and clock).
	Verify func(exchange.Incoming) exchange.Verdict
	// Private answers an authenticated request of account.
	Private func(ctx context.Context, account string, r *http.Request, body []byte) (any, *APIError)
	// OK wraps data in the exchange's success envelope.
	OK func(data any) any
	// Fail is the exchange's error body; Code is its code or label.
	Fail func(e *APIError) any
}

// Handler serves d, records every request in b.Recent and answers
// /mbx/recent.
func (b *Base) Handler(d Dialect) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mbx/recent" {
			b.Recent.ServeHTTP(w, r)
			return
		}
		entry := Entry{Time: b.Now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
		fail := func(a *APIError) {
			if a.Explanation != "" && w.Header().Get(HeaderExplain) == "" {
				SetExplain(w.Header(), exchange.Verdict{Explanation: a.Explanation})
			}
			entry.Status, entry.Code, entry.Message, entry.Explanation = a.Status, a.Code, a.Msg, a.Explanation
			b.Recent.Add(entry)
			WriteJSON(w, a.Status, d.Fail(a))
		}
		body, err := ReadBody(r)
		if err != nil {
			fail(&APIError{Status: http.StatusRequestEntityTooLarge, Code: "BODY_TOO_LARGE", Msg: err.Error()})
			return
		}
		entry.Body = string(body)
		var data any
		if h, ok := d.Public[r.Method+" "+r.URL.Path]; ok {
			data = h()
		} else {
			v := d.Verify(exchange.Incoming{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header, Body: body})
			entry.APIKey = v.APIKey
			if !v.OK {
				entry.Mistakes = v.Mistakes
				SetExplain(w.Header(), v)
				fail(&APIError{Status: v.Status, Code: v.Code, Msg: v.Message, Explanation: v.Explanation})
				return
			}
			var aerr *APIError
			if data, aerr = d.Private(r.Context(), v.APIKey, r, body); aerr != nil {
				fail(aerr)
				return
			}
		}
		entry.Status = http.StatusOK
		b.Recent.Add(entry)
		WriteJSON(w, http.StatusOK, d.OK(data))
	})
}

// Can reports whether account's key has permission perm (every permission
// when the key lists none).
func (b *Base) Can(account, perm string) bool {
	k := b.Keys[account]
	if len(k.Permissions) == 0 {
		return true
	}
	for _, p := range k.Permissions {
		if equalFold(p, perm) {
			return true
		}
	}
	return false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// Server is a local exchange: the Base and the Dialect it speaks.
type Server struct {
	*Base
	d Dialect
}

// NewServer pairs b with d.
func NewServer(b *Base, d Dialect) *Server { return &Server{Base: b, d: d} }

// Handler serves the exchange's API and /mbx/recent.
func (s *Server) Handler() http.Handler { return s.Base.Handler(s.d) }

// Start listens on addr and returns the base URL.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	return s.Base.Start(ctx, addr, s.Handler())
}

// Missing lists which of the named headers h lacks (empty value).
func Missing(h http.Header, names ...string) []string {
	var out []string
	for _, n := range names {
		if h.Get(n) == "" {
			out = append(out, n)
		}
	}
	return out
}

// Param returns the value of the first parameter called name, "" when
// there is none.
func Param(ps []exchange.Param, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Fields decodes a JSON object body and returns a reader of its string
// (or number) fields; other types and absent fields read as "".
func Fields(body []byte) (func(name string) string, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return func(name string) string {
		switch v := m[name].(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return ""
	}, nil
}

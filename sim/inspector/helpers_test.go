package inspector

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// fakeSource is a Source over a fixed list, oldest first.
type fakeSource struct{ entries []Entry }

func (f *fakeSource) Recent() []Entry { return append([]Entry(nil), f.entries...) }

func (f *fakeSource) Lookup(id uint64) (Entry, bool) {
	for _, e := range f.entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

const testKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"

// sampleEntries: an accepted account read, a -1022 whose client signed the
// raw UTF-8 symbol, and an unknown path.
func sampleEntries() []Entry {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sent := "symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456&timestamp=1772366400000"
	signed := `symbol=\xE8\xBF\x99\xE6\x98\xAF\xE6\xB5\x8B\xE8\xAF\x95\xE5\xB8\x81456&timestamp=1772366400000`
	return []Entry{
		{ID: 1, Time: t0, Duration: 1500 * time.Microsecond, Method: "GET", Path: "/api/v3/account", Endpoint: "GET /api/v3/account",
			Security: "USER_DATA", APIKey: testKey, Account: testKey, RemoteIP: "127.0.0.1", Verdict: VerdictAccepted,
			Weight: 20, UsedWeight: 20, HTTPStatus: 200, RawQuery: "timestamp=1772366400000&signature=abc", Response: `{"balances":[]}`},
		{ID: 2, Time: t0.Add(time.Second), Method: "GET", Path: "/api/v3/openOrders", Endpoint: "GET /api/v3/openOrders",
			Security: "USER_DATA", APIKey: testKey, Account: testKey, RemoteIP: "127.0.0.1", Verdict: VerdictRejected,
			Code: -1022, Msg: "Signature for this request is not valid.", Weight: 6, UsedWeight: 26, HTTPStatus: 400,
			RawQuery: sent + "&signature=def", Response: `{"code":-1022,"msg":"Signature for this request is not valid."}`,
			Explanation: &Explanation{
				Verdict: "signature mismatch: signed before percent-encoding", Code: -1022, Payload: sent,
				SignatureLocation: "last pair of the query string",
				Mistake: &Mistake{ID: "signed-decoded", Title: "the client signed the values before percent-encoding them",
					Fix: "Sign the query exactly as sent.", Signed: signed},
				Diff:  "first difference at byte 7 (sent 79 bytes, signed 49 bytes)\nsent:   symbol=%E8%BF...\nsigned: symbol=\\xE8\\xBF...\n               ^",
				Notes: []string{"recvWindow 5000"},
			}},
		{ID: 3, Time: t0.Add(2 * time.Second), Method: "GET", Path: "/favicon.ico", RemoteIP: "127.0.0.1",
			Verdict: VerdictNotFound, Code: -1000, Msg: "Unknown endpoint GET /favicon.ico.", HTTPStatus: 404},
	}
}

// do serves one request to h from a loopback client.
func do(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = "127.0.0.1:50000"
	req.Host = "127.0.0.1:8765"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

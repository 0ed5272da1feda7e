package inspector

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecentAPI(t *testing.T) {
	h := New(&fakeSource{entries: sampleEntries()}, Options{})
	tests := []struct {
		name   string
		target string
		want   []uint64
	}{
		{"all, newest first", "/mbx/api/recent", []uint64{3, 2, 1}},
		{"limit", "/mbx/api/recent?limit=2", []uint64{3, 2}},
		{"after", "/mbx/api/recent?after=1", []uint64{3, 2}},
		{"after and limit", "/mbx/api/recent?after=1&limit=1", []uint64{3}},
		{"after the newest", "/mbx/api/recent?after=3", []uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var got []Summary
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not a JSON list: %v: %s", err, rec.Body)
			}
			ids := []uint64{}
			for _, s := range got {
				ids = append(ids, s.ID)
			}
			if !equalIDs(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
		})
	}
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRecentSummaryFields(t *testing.T) {
	h := New(&fakeSource{entries: sampleEntries()}, Options{})
	rec := do(t, h, http.MethodGet, "/mbx/api/recent")
	if strings.Contains(rec.Body.String(), testKey) {
		t.Fatalf("the full API key appears in the list: %s", rec.Body)
	}
	var got []Summary
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	byID := map[uint64]Summary{}
	for _, s := range got {
		byID[s.ID] = s
	}
	acc, rej := byID[1], byID[2]
	if acc.Verdict != "accepted" || acc.Code != 0 || acc.Weight != 20 || acc.Status != 200 || acc.Explained {
		t.Errorf("accepted row: %+v", acc)
	}
	if acc.APIKey != "vmPU…Eh8A" || acc.DurationMs != 1.5 || acc.Path != "/api/v3/account" || acc.Method != "GET" {
		t.Errorf("accepted row key/duration/path: %+v", acc)
	}
	if rej.Verdict != "rejected" || rej.Code != -1022 || rej.Status != 400 || !rej.Explained || rej.Mistake != "signed-decoded" {
		t.Errorf("rejected row: %+v", rej)
	}
}

func TestEntryAPI(t *testing.T) {
	h := New(&fakeSource{entries: sampleEntries()}, Options{})
	tests := []struct {
		name       string
		method     string
		target     string
		status     int
		errorHas   string // substring of {"error": ...}; "" for a Detail answer
		wantID     uint64
		wantMarked bool // the explanation carries a compare with highlighted runs
	}{
		{"rejection", http.MethodGet, "/mbx/api/entry/2", 200, "", 2, true},
		{"accepted", http.MethodGet, "/mbx/api/entry/1", 200, "", 1, false},
		{"head", http.MethodHead, "/mbx/api/entry/1", 200, "", 0, false},
		{"unknown id", http.MethodGet, "/mbx/api/entry/999", 404, "#999", 0, false},
		{"zero id", http.MethodGet, "/mbx/api/entry/0", 400, "positive whole number", 0, false},
		{"not a number", http.MethodGet, "/mbx/api/entry/abc", 400, `"abc"`, 0, false},
		{"negative", http.MethodGet, "/mbx/api/entry/-1", 400, "positive whole number", 0, false},
		{"trailing slash", http.MethodGet, "/mbx/api/entry/2/", 400, "positive whole number", 0, false},
		{"post", http.MethodPost, "/mbx/api/entry/2", 405, "read-only", 0, false},
		{"bad limit", http.MethodGet, "/mbx/api/recent?limit=0", 400, "limit", 0, false},
		{"limit not a number", http.MethodGet, "/mbx/api/recent?limit=ten", 400, "limit", 0, false},
		{"bad after", http.MethodGet, "/mbx/api/recent?after=-5", 400, "after", 0, false},
		{"unknown path", http.MethodGet, "/mbx/api/nothing", 404, "api/recent", 0, false},
		{"delete recent", http.MethodDelete, "/mbx/api/recent", 405, "read-only", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, tt.method, tt.target)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", rec.Header().Get("Allow"))
			}
			if tt.method == http.MethodHead {
				return
			}
			if tt.errorHas != "" {
				var e struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, tt.errorHas) {
					t.Fatalf("error %q (%v), want it to mention %q", e.Error, err, tt.errorHas)
				}
				return
			}
			var d Detail
			if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			if d.ID != tt.wantID {
				t.Fatalf("id %d, want %d", d.ID, tt.wantID)
			}
			if strings.Contains(rec.Body.String(), testKey) {
				t.Errorf("the full API key appears: %s", rec.Body)
			}
			x := d.Explanation
			if !tt.wantMarked {
				if x != nil {
					t.Errorf("accepted entry has an explanation: %+v", x)
				}
				return
			}
			if x == nil || x.Mistake == nil || x.Mistake.ID != "signed-decoded" || x.Code != -1022 {
				t.Fatalf("explanation %+v", x)
			}
			if !strings.HasPrefix(x.Payload, "symbol=%E8%BF%99") || x.SignatureLocation != "last pair of the query string" {
				t.Errorf("payload %q, location %q", x.Payload, x.SignatureLocation)
			}
			if !strings.Contains(x.Text, "mistake:") || !strings.Contains(x.Text, "signed-decoded") {
				t.Errorf("text %q", x.Text)
			}
			c := x.Compare
			if c == nil || !strings.HasPrefix(c.Summary, "first difference at byte 7") {
				t.Fatalf("compare %+v", c)
			}
			if joinRuns(c.Sent) != x.Payload || joinRuns(c.Signed) != x.Mistake.Signed {
				t.Errorf("runs do not rebuild the lines: %q / %q", joinRuns(c.Sent), joinRuns(c.Signed))
			}
			if c.Sent[0].Text != "symbol=" || c.Sent[0].Diff || !c.Sent[1].Diff || !strings.HasPrefix(c.Sent[1].Text, "%") {
				t.Errorf("sent runs %+v", c.Sent)
			}
			if c.Signed[1].Text != `\x` || !c.Signed[1].Diff {
				t.Errorf("signed runs %+v", c.Signed[:3])
			}
		})
	}
}

func joinRuns(rs []Run) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
	}
	return b.String()
}

func TestPageAndRouting(t *testing.T) {
	h := New(&fakeSource{entries: sampleEntries()}, Options{})
	rec := do(t, h, http.MethodGet, "/mbx/")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	for _, want := range []string{`id="rows"`, `id="filter"`, "api/recent", "api/entry/", "setTimeout(poll, POLL_MS)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// No data in the page itself: it arrives as JSON.
	if strings.Contains(page, "openOrders") || strings.Contains(page, "vmPU") {
		t.Error("the page embeds request data")
	}
	// No external asset: the exchange runs offline.
	for _, bad := range []string{"http://", "https://", "//cdn", "src=\"", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("page references %q", bad)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	_, script, _ := strings.Cut(page, "<script>")
	script, _, _ = strings.Cut(script, "</script>")
	sum := sha256.Sum256([]byte(script))
	if want := "script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	for _, want := range []string{"default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}

	rec = do(t, h, http.MethodGet, "/mbx")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/mbx/" {
		t.Errorf("/mbx: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = do(t, h, http.MethodGet, "/mbx/other.js")
	if rec.Code != http.StatusNotFound {
		t.Errorf("/mbx/other.js: %d", rec.Code)
	}

	// Another prefix.
	h2 := New(&fakeSource{entries: sampleEntries()}, Options{Prefix: "/inspect"})
	if rec = do(t, h2, http.MethodGet, "/inspect/api/entry/3"); rec.Code != 200 {
		t.Errorf("custom prefix: %d %s", rec.Code, rec.Body)
	}
}

func TestLoopbackOnly(t *testing.T) {
	src := &fakeSource{entries: sampleEntries()}
	tests := []struct {
		name   string
		remote string
		host   string
		opt    Options
		status int
	}{
		{"loopback v4", "127.0.0.1:1234", "127.0.0.1:8765", Options{}, 200},
		{"loopback v6", "[::1]:1234", "[::1]:8765", Options{}, 200},
		{"localhost name", "127.0.0.1:1234", "localhost:8765", Options{}, 200},
		{"remote client", "192.0.2.7:1234", "127.0.0.1:8765", Options{}, 403},
		{"rebinding host", "127.0.0.1:1234", "evil.example:8765", Options{}, 403},
		{"remote allowed", "192.0.2.7:1234", "exchange.lan:8765", Options{AllowRemote: true}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/mbx/api/recent", nil)
			req.RemoteAddr, req.Host = tt.remote, tt.host
			rec := httptest.NewRecorder()
			New(src, tt.opt).ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 403 && !strings.Contains(rec.Body.String(), "loopback") {
				t.Errorf("403 without the reason: %s", rec.Body)
			}
		})
	}
}

func TestMaskKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{testKey, "vmPU…Eh8A"},
		{"short", "…"},
		{"abcdefghijk", "…"},
		{"abcdefghijkl", "abcd…ijkl"},
		{"key\xff\x00with-bytes", "key?…ytes"}, // secret.MaskKey: unprintable shown as ?
	}
	for _, tt := range tests {
		if got := MaskKey(tt.in); got != tt.want {
			t.Errorf("MaskKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExampleAnswersAreMarked(t *testing.T) {
	entries := append(sampleEntries(), Entry{ID: 4, Method: "GET", Path: "/sapi/v1/capital/config/getall",
		Endpoint: "GET /sapi/v1/capital/config/getall", Verdict: VerdictAccepted, HTTPStatus: 200,
		Emulated: "example", Response: `[]`})
	h := New(&fakeSource{entries: entries}, Options{})
	var got []Summary
	if err := json.Unmarshal(do(t, h, http.MethodGet, "/mbx/api/recent").Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if want := map[uint64]string{4: "example"}[s.ID]; s.Emulated != want {
			t.Errorf("entry %d emulated %q, want %q", s.ID, s.Emulated, want)
		}
	}
	if page := do(t, h, http.MethodGet, "/mbx/").Body.String(); !strings.Contains(page, "not modelled state") {
		t.Error("the page does not say an answer is the documented example")
	}
}

package inspector

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Markup a client can put in anything the exchange records. Each, if it ran,
// sets window.__xss; none of them may run or become an element.
const (
	xssScript = `<script>window.__xss='script'</script>`
	xssImg    = `<img src=x onerror="window.__xss='img'">`
	xssSVG    = `<svg onload="window.__xss='svg'">`
)

func xssEntries() []Entry {
	payload := "symbol=" + xssImg + "&timestamp=1"
	return []Entry{{
		ID: 7, Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Method: "GET",
		Path: "/api/v3/" + xssScript, APIKey: xssSVG + "0123456789", RemoteIP: "127.0.0.1",
		Verdict: VerdictRejected, Code: -1022, Msg: "msg " + xssImg, HTTPStatus: 400,
		RawQuery: payload + "&signature=" + xssScript, Body: xssSVG, Response: `{"code":-1022,"msg":"` + xssImg + `"}`,
		Explanation: &Explanation{
			Verdict: "verdict " + xssScript, Code: -1022, Payload: payload, SignatureLocation: "in " + xssSVG,
			Mistake: &Mistake{ID: "sorted", Title: "title " + xssImg, Fix: "fix " + xssScript, Signed: "symbol=" + xssSVG},
			Notes:   []string{"note " + xssImg},
		},
	}}
}

// TestXSSInertInAPI: markup leaves the API escaped (\u003c), never as raw
// tags, and the page itself carries no data.
func TestXSSInertInAPI(t *testing.T) {
	h := New(&fakeSource{entries: xssEntries()}, Options{})
	for _, target := range []string{"/mbx/api/recent", "/mbx/api/entry/7"} {
		rec := do(t, h, http.MethodGet, target)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", target, rec.Code)
		}
		body := rec.Body.String()
		for _, raw := range []string{"<script", "<img", "<svg", "</script"} {
			if strings.Contains(strings.ToLower(body), raw) {
				t.Errorf("%s answers raw %q: %s", target, raw, body)
			}
		}
		if !strings.Contains(body, `\u003cscript\u003e`) && !strings.Contains(body, `\u003cimg`) {
			t.Errorf("%s: the markup is missing altogether: %s", target, body)
		}
	}
	rec := do(t, h, http.MethodGet, "/mbx/")
	if strings.Contains(rec.Body.String(), "__xss") {
		t.Error("page contains entry data")
	}
}

// TestPageWritesTextOnly reads the page's script: data reaches the DOM
// through textContent and text nodes only, never through an HTML parser or
// eval, and never into an attribute that takes a URL or code.
func TestPageWritesTextOnly(t *testing.T) {
	_, script, ok := strings.Cut(pageHTML, "<script>")
	if !ok {
		t.Fatal("no <script> in the page")
	}
	script, _, _ = strings.Cut(script, "</script>")
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
		"setAttribute(", "srcdoc", ".href", ".src", "DOMParser", "createContextualFragment", "javascript:"} {
		if strings.Contains(script, sink) {
			t.Errorf("the page's script uses %q", sink)
		}
	}
	// setTimeout with a string would be eval.
	if regexp.MustCompile(`setTimeout\(\s*['"]`).MatchString(script) {
		t.Error("setTimeout with a string argument")
	}
	if strings.Count(pageHTML, "<script") != 1 || strings.Count(pageHTML, "<style") != 1 {
		t.Error("the page must have exactly one inline script and one style (the CSP hashes them)")
	}
}

package exchange_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/exchange"
)

func TestQueryStringAndJSONBody(t *testing.T) {
	tests := []struct {
		name  string
		ps    []exchange.Param
		query string
		body  string
	}{
		{"empty", nil, "", "{}"},
		{"order kept", []exchange.Param{{"symbol", "BTCUSDT"}, {"category", "spot"}}, "symbol=BTCUSDT&category=spot", `{"symbol":"BTCUSDT","category":"spot"}`},
		{"space, non-ASCII, reserved", []exchange.Param{{"note", "a b é&=+"}}, "note=a%20b%20%C3%A9%26%3D%2B", `{"note":"a b é&=+"}`},
		{"JSON escapes, no HTML escaping", []exchange.Param{{"q", "\"<x>\"\n"}}, "q=%22%3Cx%3E%22%0A", `{"q":"\"<x>\"\n"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchange.QueryString(tt.ps); got != tt.query {
				t.Errorf("QueryString = %q, want %q", got, tt.query)
			}
			b := exchange.JSONBody(tt.ps)
			if string(b) != tt.body {
				t.Errorf("JSONBody = %s, want %s", b, tt.body)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil || len(m) != len(tt.ps) {
				t.Fatalf("JSONBody is not the object it should be: %v", err)
			}
			vals, err := url.ParseQuery(exchange.QueryString(tt.ps))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.ps {
				if m[p.Name] != p.Value || vals.Get(p.Name) != p.Value {
					t.Errorf("%s does not round-trip: body %q, query %q", p.Name, m[p.Name], vals.Get(p.Name))
				}
			}
		})
	}
}

func TestCheckParams(t *testing.T) {
	var pe *exchange.ParamError
	if err := exchange.CheckParams([]exchange.Param{{"a", "1"}, {"a", "2"}}); !errors.As(err, &pe) || pe.Name != "a" || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeated: %v", err)
	}
	if err := exchange.CheckParams([]exchange.Param{{"", "1"}}); !errors.As(err, &pe) {
		t.Errorf("empty name: %v", err)
	}
	if err := exchange.CheckParams([]exchange.Param{{"a", ""}, {"b", "x"}}); err != nil {
		t.Errorf("valid: %v", err)
	}
}

func TestVariants(t *testing.T) {
	qs := exchange.QueryVariants("b=2&a=x%20y")
	want := map[string]string{"raw (unencoded)": "b=2&a=x y", "sorted by name": "a=x%20y&b=2", "signed as '+'": "b=2&a=x+y"}
	for part, q := range want {
		found := false
		for _, v := range qs {
			if strings.Contains(v.Mistake, part) && string(v.Value) == q {
				found = true
			}
		}
		if !found {
			t.Errorf("no variant %q = %q in %+v", part, q, qs)
		}
	}
	for _, v := range qs {
		if string(v.Value) == "b=2&a=x%20y" {
			t.Errorf("variant %q equals the query sent", v.Mistake)
		}
	}
	bs := exchange.BodyVariants([]byte(`{"b":"1","a":"2"}`))
	got := map[string]bool{}
	for _, v := range bs {
		got[string(v.Value)] = true
	}
	if !got[`{"b": "1", "a": "2"}`] || !got[`{"a":"2","b":"1"}`] {
		t.Errorf("body variants: %+v", bs)
	}
	if len(exchange.BodyVariants([]byte("not json"))) != 0 || len(exchange.QueryVariants("")) != 0 {
		t.Error("variants of nothing")
	}
	sv := exchange.SecretVariants([]byte("s"))
	if len(sv) < 3 || string(sv[0].Value) != "s\n" || string(sv[2].Value) != `"s"` {
		t.Errorf("secret variants: %q", sv)
	}
	found := exchange.Search(append(qs, qs...), func(b []byte) bool { return strings.Contains(string(b), "+") })
	if len(found) != 1 || !strings.Contains(found[0], "'+'") {
		t.Errorf("Search = %q, want the one '+' mistake once", found)
	}
}

func FuzzVariants(f *testing.F) {
	f.Add("a=1&b=%20", []byte(`{"a":"1"}`))
	f.Add("%zz&&=", []byte(`{"a":{"b":[1,2]},"c":"\u003c"}`))
	f.Fuzz(func(t *testing.T, q string, body []byte) {
		for _, v := range exchange.QueryVariants(q) {
			if string(v.Value) == q || v.Mistake == "" {
				t.Fatalf("variant %+v of %q", v, q)
			}
		}
		bv := exchange.BodyVariants(body)
		if len(bv) > exchange.MaxVariants {
			t.Fatalf("%d body variants", len(bv))
		}
		for _, v := range bv {
			if !json.Valid(v.Value) || string(v.Value) == string(body) {
				t.Fatalf("body variant %q of %q", v.Value, body)
			}
		}
	})
}

func ExampleJSONBody() {
	ps := []exchange.Param{{Name: "symbol", Value: "BTCUSDT"}, {Name: "qty", Value: "0.01"}}
	fmt.Println(exchange.QueryString(ps))
	fmt.Printf("%s\n", exchange.JSONBody(ps))
	// Output:
	// symbol=BTCUSDT&qty=0.01
	// {"symbol":"BTCUSDT","qty":"0.01"}
}

func TestKeysAndIncoming(t *testing.T) {
	look := exchange.Keys(exchange.Credentials{APIKey: "a"}, exchange.Credentials{APIKey: "b"})
	if c, ok := look("b"); !ok || c.APIKey != "b" {
		t.Error("b not found")
	}
	if _, ok := look("c"); ok {
		t.Error("c found")
	}
	s := exchange.Signed{Method: "POST", Path: "/p", Query: "x=1", Body: []byte("{}"), Headers: []exchange.Header{{Name: "K", Value: "v"}}}
	in := s.Incoming()
	if in.Method != "POST" || in.Path != "/p" || in.RawQuery != "x=1" || string(in.Body) != "{}" || in.Header.Get("K") != "v" {
		t.Errorf("Incoming = %+v", in)
	}
}

// FuzzJSONBody checks JSONBody against encoding/json (no HTML escaping):
// the same bytes for every name and value.
func FuzzJSONBody(f *testing.F) {
	f.Add("a", "b c\n\t\"\\\x00\x7f\b\f é\u2028\u2029<>&")
	f.Add("\xff", "\xc3")
	f.Fuzz(func(t *testing.T, name, value string) {
		var want strings.Builder
		want.WriteString("{")
		for i, s := range []string{name, value} {
			var e strings.Builder
			enc := json.NewEncoder(&e)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			want.WriteString(strings.TrimSuffix(e.String(), "\n"))
			if i == 0 {
				want.WriteString(":")
			}
		}
		want.WriteString("}")
		if got := string(exchange.JSONBody([]exchange.Param{{Name: name, Value: value}})); got != want.String() {
			t.Fatalf("JSONBody = %s, encoding/json = %s", got, want.String())
		}
	})
}

func TestMergedCases(t *testing.T) {
	var pe *exchange.ParamError
	if err := exchange.CheckParams([]exchange.Param{{"a", "\xff"}}); !errors.As(err, &pe) || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if got := exchange.ParamValue([]exchange.Param{{"a", "1"}, {"a", "2"}}, "a"); got != "1" {
		t.Errorf("ParamValue = %q, want the first", got)
	}
	forms := map[string]bool{}
	for _, v := range exchange.BodyVariants([]byte(`[{"b":"<1>","a":"2"}]`)) {
		forms[string(v.Value)] = true
	}
	if !forms[`[{"a":"2","b":"<1>"}]`] || !forms[`[{"b": "<1>", "a": "2"}]`] {
		t.Errorf("variants of a batch body: %v", forms)
	}
	if len(exchange.BodyVariants([]byte(`"a string"`))) != 0 {
		t.Error("variants of a bare JSON string")
	}
	if sa := exchange.SecretAttempts([]byte("s")); len(sa) < 2 || sa[0].Mistake != "" || string(sa[0].Value) != "s" {
		t.Errorf("SecretAttempts: %q", sa)
	}
}

func TestPlaced(t *testing.T) {
	ps := []exchange.Param{{Name: "b", Value: "1 2"}, {Name: "a", Value: "x"}}
	tests := []struct {
		method      string
		ps          []exchange.Param
		query, body string
	}{
		{"GET", ps, "b=1%202&a=x", ""},
		{"DELETE", ps, "b=1%202&a=x", ""},
		{"POST", ps, "", `{"b":"1 2","a":"x"}`},
		{"PUT", nil, "", ""}, // no parameters: no body, not "{}"
	}
	for _, tt := range tests {
		s := exchange.Placed(tt.method, "/p", tt.ps)
		if s.Method != tt.method || s.Path != "/p" || s.Query != tt.query || string(s.Body) != tt.body {
			t.Errorf("Placed(%s) = %+v, want query %q body %q", tt.method, s, tt.query, tt.body)
		}
		h := exchange.WithContentType(nil, s.Body)
		if want := tt.body != ""; (len(h) == 1 && h[0].Name == "Content-Type" && h[0].Value == "application/json") != want || (!want && len(h) != 0) {
			t.Errorf("WithContentType(%s) = %v, want Content-Type: %v", tt.method, h, want)
		}
	}
}

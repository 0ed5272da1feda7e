package reqparse

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// invariants hold for every request any parser returns.
func invariants(t *testing.T, r *Request) {
	t.Helper()
	if !isToken(r.Method) {
		t.Fatalf("method %q is not a token", r.Method)
	}
	if !strings.HasPrefix(r.Path, "/") {
		t.Fatalf("path %q does not start with /", r.Path)
	}
	if strings.ContainsAny(r.Path, "?#") || strings.Contains(r.RawQuery, "#") {
		t.Fatalf("path %q / query %q hold ? or #", r.Path, r.RawQuery)
	}
	v := r.Verify()
	if v.Path != r.Path || v.RawQuery != r.RawQuery || string(v.Body) != string(r.Body) {
		t.Fatalf("Verify() changed the request: %+v", v)
	}
	_ = r.URL()
}

// FuzzParse feeds anything to the auto-detecting parser: it must never
// panic, and whatever it accepts must be a well-formed request.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`curl -H "X-MBX-APIKEY: k" -X POST 'https://api.binance.com/api/v3/order?symbol=LTCBTC&timestamp=1&signature=ab'`,
		"POST /api/v3/order?symbol=X HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na=1",
		":method: GET\n:path: /x?a=1\n\n",
		"https://h/x?a=%2B&b=%E5%B8%81",
		"curl $'https://h/\\x41' --data-urlencode 'a=b c' -G",
		"POST /x HTTP/1.1\nTransfer-Encoding: chunked\n\n1\na\n0\n\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if r != nil {
				t.Fatal("a request and an error")
			}
			if len(err.Error()) > 600 {
				t.Fatalf("error of %d bytes: messages must quote a bounded piece of the input", len(err.Error()))
			}
			return
		}
		invariants(t, r)
	})
}

// shellSingle quotes s in single quotes.
func shellSingle(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shellANSI quotes every byte of s as $'\xHH...'.
func shellANSI(s string) string {
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\x%02x`, s[i])
	}
	b.WriteString("'")
	return b.String()
}

// shellDouble quotes s in double quotes, escaping what bash expands.
func shellDouble(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}

// urlSafe reports whether s can travel in a URL as is: no space, control
// byte, '#' (a fragment) or '?' in the path.
func urlSafe(s string, isPath bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f || c == '#' || (isPath && c == '?') {
			return false
		}
	}
	return true
}

// FuzzCurlRoundTrip writes a request as a curl command line, quoted one of
// three ways, and parses it back: every byte of the query and the body must
// survive exactly.
func FuzzCurlRoundTrip(f *testing.F) {
	f.Add("POST", "/api/v3/order", "symbol=%E8%BF%99&side=BUY&timestamp=1&signature=ab", "quantity=1&price=0.1", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", uint8(0))
	f.Add("GET", "/api/v3/account", "a=it's&b=\"q\"&c=$HOME&d=`x`", "", "k", uint8(1))
	f.Add("DELETE", "/x", "a=%2B+%40", "{\"j\":\"\\n\"}\n'", "k'\"", uint8(2))
	f.Fuzz(func(t *testing.T, method, path, query, body, apiKey string, style uint8) {
		if !isToken(method) || !strings.HasPrefix(path, "/") || !urlSafe(path, true) || !urlSafe(query, false) ||
			strings.HasPrefix(body, "@") || strings.ContainsAny(apiKey, "\r\n") || apiKey != strings.Trim(apiKey, " \t") || apiKey == "" {
			return
		}
		// No shell passes a NUL byte in an argument (argv is C strings;
		// bash drops it from its input): a curl line cannot carry one.
		if strings.ContainsRune(method+path+query+body+apiKey, 0) {
			return
		}
		u := "https://api.binance.com" + path
		if query != "" {
			u += "?" + query
		}
		quote := []func(string) string{shellSingle, shellANSI, shellDouble}[style%3]
		cmd := "curl -X " + quote(method) + " -H " + quote("X-MBX-APIKEY: "+apiKey)
		if body != "" {
			cmd += " --data-raw " + quote(body)
		}
		cmd += " " + quote(u)
		r, err := ParseCurl(cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		invariants(t, r)
		if r.Method != method || r.Path != path || r.RawQuery != query || string(r.Body) != body {
			t.Fatalf("round trip of %s:\n got %q %q %q %q\nwant %q %q %q %q", cmd, r.Method, r.Path, r.RawQuery, r.Body, method, path, query, body)
		}
		if k, _ := r.APIKey(); k != apiKey {
			t.Fatalf("api key %q, want %q", k, apiKey)
		}
	})
}

// FuzzRawHTTPRoundTrip writes a raw HTTP/1.1 request with Content-Length
// and parses it back: the body is any bytes at all, and must survive
// exactly.
func FuzzRawHTTPRoundTrip(f *testing.F) {
	f.Add("POST", "/api/v3/order", "symbol=X&timestamp=1", "a=1\r\n\r\nb=2", true)
	f.Add("GET", "/x", "", "", false)
	f.Add("PUT", "/x", "a=%E5%B8%81", "\n\n", false)
	f.Fuzz(func(t *testing.T, method, path, query, body string, crlf bool) {
		if !isToken(method) || strings.ToUpper(method) != method || !strings.HasPrefix(path, "/") || !urlSafe(path, true) || !urlSafe(query, false) {
			return
		}
		nl := "\n"
		if crlf {
			nl = "\r\n"
		}
		target := path
		if query != "" {
			target += "?" + query
		}
		raw := method + " " + target + " HTTP/1.1" + nl + "Host: api.binance.com" + nl +
			"Content-Length: " + strconv.Itoa(len(body)) + nl + nl + body
		r, err := ParseRawHTTP(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		invariants(t, r)
		if r.Method != method || r.Path != path || r.RawQuery != query || string(r.Body) != body || r.Host != "api.binance.com" {
			t.Fatalf("round trip of %q: got %q %q %q %q %q", raw, r.Method, r.Path, r.RawQuery, r.Body, r.Host)
		}
	})
}

// FuzzURLEncodeArg checks --data-urlencode against its definition: the
// content after the first '=' decodes back to what was given.
func FuzzURLEncodeArg(f *testing.F) {
	f.Add("symbol=这是测试币456")
	f.Add("=a&b")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, v string) {
		got, err := urlencodeArg("--data-urlencode", v)
		eq, at := strings.IndexByte(v, '='), strings.IndexByte(v, '@')
		if at >= 0 && (eq < 0 || at < eq) {
			if err == nil {
				t.Fatal("a file reference was accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		content := v
		prefix := ""
		if eq >= 0 {
			prefix, content = v[:eq], v[eq+1:]
			if eq > 0 {
				prefix += "="
			}
		}
		enc, ok := strings.CutPrefix(got, prefix)
		if !ok {
			t.Fatalf("%q: result %q lost the name", v, got)
		}
		for i := 0; i < len(enc); i++ {
			c := enc[i]
			if !(c == '%' || c == '-' || c == '.' || c == '_' || c == '~' || c < utf8.RuneSelf && ('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')) {
				t.Fatalf("%q: %q holds unencoded %q", v, enc, c)
			}
		}
		if dec := percentDecode(t, enc); dec != content {
			t.Fatalf("%q: decodes to %q, want %q", v, dec, content)
		}
	})
}

func percentDecode(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q", s)
			}
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

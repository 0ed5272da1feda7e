package reqparse

import (
	"errors"
	"strings"
	"testing"
)

// want is what a parse must produce; empty fields are not checked except
// where noted.
type want struct {
	method, scheme, host, path, query, body, ct, apiKey string
	noBody                                              bool
	note                                                string // a substring of one note
}

func check(t *testing.T, r *Request, w want) {
	t.Helper()
	if r.Method != w.method {
		t.Errorf("method %q, want %q", r.Method, w.method)
	}
	if w.scheme != "" && r.Scheme != w.scheme {
		t.Errorf("scheme %q, want %q", r.Scheme, w.scheme)
	}
	if w.host != "" && r.Host != w.host {
		t.Errorf("host %q, want %q", r.Host, w.host)
	}
	if r.Path != w.path {
		t.Errorf("path %q, want %q", r.Path, w.path)
	}
	if r.RawQuery != w.query {
		t.Errorf("query %q, want %q", r.RawQuery, w.query)
	}
	if string(r.Body) != w.body {
		t.Errorf("body %q, want %q", r.Body, w.body)
	}
	if w.noBody && r.Body != nil {
		t.Errorf("body %q, want none", r.Body)
	}
	if w.ct != "" && r.ContentType() != w.ct {
		t.Errorf("content type %q, want %q", r.ContentType(), w.ct)
	}
	if w.apiKey != "" {
		if k, ok := r.APIKey(); !ok || k != w.apiKey {
			t.Errorf("api key %q %v, want %q", k, ok, w.apiKey)
		}
	}
	if w.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), w.note) {
		t.Errorf("notes %q lack %q", r.Notes, w.note)
	}
}

const key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"

func TestParseCurl(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		want want
	}{
		{"docs example", `curl -H "X-MBX-APIKEY: ` + key + `" -X POST 'https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'`,
			want{method: "POST", scheme: "https", host: "api.binance.com", path: "/api/v3/order", apiKey: key, noBody: true,
				query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"}},
		{"query and -d body", `curl -H 'X-MBX-APIKEY: k' -X POST 'https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY' -d 'quantity=1&price=0.1&timestamp=1&signature=ab'`,
			want{method: "POST", path: "/api/v3/order", query: "symbol=LTCBTC&side=BUY", body: "quantity=1&price=0.1&timestamp=1&signature=ab", ct: "application/x-www-form-urlencoded", apiKey: "k"}},
		{"-d implies POST; several -d join with &", `curl https://h/api/v3/order -d a=1 --data b=2 --data-raw 'c=@3' --data-binary d=4`,
			want{method: "POST", path: "/api/v3/order", body: "a=1&b=2&c=@3&d=4", ct: "application/x-www-form-urlencoded"}},
		{"--data-urlencode encodes the content only", `curl https://h/x --data-urlencode 'symbol=这是测试币456' --data-urlencode 'note=a b+c@d' --data-urlencode '=raw&x' --data-urlencode plain~`,
			want{method: "POST", path: "/x", body: "symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456&note=a%20b%2Bc%40d&raw%26x&plain~"}},
		{"-G moves data into the query", `curl -G https://h/api/v3/klines?symbol=BTCUSDT -d interval=1m --data-urlencode 'limit=5'`,
			want{method: "GET", path: "/api/v3/klines", query: "symbol=BTCUSDT&interval=1m&limit=5", noBody: true, note: "-G moved"}},
		{"combined short flags and attached values", `curl -sSXDELETE -H'X-MBX-APIKEY:k' 'https://h/api/v3/order?orderId=1'`,
			want{method: "DELETE", path: "/api/v3/order", query: "orderId=1", apiKey: "k", noBody: true}},
		{"long options with =", `curl --request=PUT --header='X-MBX-APIKEY: k' --url='https://h/api/v3/userDataStream?listenKey=x'`,
			want{method: "PUT", path: "/api/v3/userDataStream", query: "listenKey=x", apiKey: "k", noBody: true}},
		{"backslash continuations and double quotes", "curl \\\n  -H \"X-MBX-APIKEY: k\" \\\r\n  -X POST \\\n  \"https://h/api/v3/order?a=\\\"1\\\"&b=\\$2\"",
			want{method: "POST", path: "/api/v3/order", query: `a="1"&b=$2`, apiKey: "k", noBody: true}},
		{"ANSI-C quoting", `curl $'https://h/p?a=\x41\u00e9&b=\'q\''`,
			want{method: "GET", path: "/p", query: "a=Aé&b='q'", noBody: true, note: "raw non-ASCII"}},
		{"--json sets JSON content type and POST", `curl --json '{"a":1,' --json '"b":2}' https://h/sapi/v1/x?timestamp=1`,
			want{method: "POST", path: "/sapi/v1/x", query: "timestamp=1", body: `{"a":1,"b":2}`, ct: "application/json"}},
		{"explicit Content-Type wins", `curl -H 'Content-Type: application/json' -d '{"x":"y"}' https://h/x`,
			want{method: "POST", path: "/x", body: `{"x":"y"}`, ct: "application/json"}},
		{"-I is HEAD", `curl -I https://h/api/v3/ping`, want{method: "HEAD", path: "/api/v3/ping", noBody: true}},
		{"URL without scheme is http", `curl api.binance.com/api/v3/time`, want{method: "GET", scheme: "http", host: "api.binance.com", path: "/api/v3/time", note: "no scheme"}},
		{"unquoted & ends the command", `curl https://h/api/v3/order?symbol=X&side=BUY`,
			want{method: "GET", path: "/api/v3/order", query: "symbol=X", note: "unquoted '&'"}},
		{"shell variable kept literally", `curl -H "X-MBX-APIKEY: $API_KEY" 'https://h/x'`,
			want{method: "GET", path: "/x", apiKey: "$API_KEY", note: "$API_KEY was not expanded"}},
		{"redirections and options with values are skipped", `curl -o out.json -w '%{http_code}' -A agent -m 5 https://h/x?a=1 > /dev/null 2>&1`,
			want{method: "GET", path: "/x", query: "a=1", noBody: true}},
		{"$ prompt and comment", "$ curl 'https://h/x?a=1' # the failing call\n", want{method: "GET", path: "/x", query: "a=1"}},
		{"--url-query encodes, '+' keeps", `curl https://h/x?a=1 --url-query 'b=c d' --url-query '+e=%41'`,
			want{method: "GET", path: "/x", query: "a=1&b=c%20d&e=%41"}},
		{"empty header with ';'", `curl -H 'X-MBX-APIKEY;' https://h/x`, want{method: "GET", path: "/x"}},
		{"fragment dropped, userinfo dropped", `curl 'https://u:p@h:8443/x?a=1#frag'`, want{method: "GET", host: "h:8443", path: "/x", query: "a=1"}},
		{"unknown option noted", `curl --frobnicate https://h/x`, want{method: "GET", path: "/x", note: "--frobnicate"}},
		// Read by bash's grammar (mvdan.cc/sh/v3): what a shell would pass to curl.
		{"nested quotes", `curl -H "X-MBX-APIKEY: k" -d "note=it's \"quoted\" 'twice'" 'https://h/x?a='"'"'b'"'"`,
			want{method: "POST", path: "/x", query: "a='b'", body: `note=it's "quoted" 'twice'`, ct: "application/x-www-form-urlencoded", apiKey: "k"}},
		{"continuation inside a word", "curl 'https://h/x?a=1'\\\n'&b=2' -d c\\\n=3",
			want{method: "POST", path: "/x", query: "a=1&b=2", body: "c=3", ct: "application/x-www-form-urlencoded"}},
		{"$'...' with \\n, \\' and a NUL that ends it", `curl $'https://h/x?a=%41\x42\'c\'' -d $'n=1\x00ignored'`,
			want{method: "POST", path: "/x", query: "a=%41B'c'", body: "n=1", ct: "application/x-www-form-urlencoded"}},
		{"pipe ends the command", `curl 'https://h/x?a=1' | jq .`, want{method: "GET", path: "/x", query: "a=1", note: "| jq"}},
		{"&& ends the command", `curl 'https://h/x?a=1' && echo done`, want{method: "GET", path: "/x", query: "a=1", note: "echo done"}},
		{"command substitution kept literally", `curl "https://h/x?timestamp=$(now_ms)"`, want{method: "GET", path: "/x", query: "timestamp=$(now_ms)", note: "substitution"}},
		{"${VAR} kept literally", `curl -H "X-MBX-APIKEY: ${KEY}" https://h/x`, want{method: "GET", path: "/x", apiKey: "${KEY}", note: "${KEY} was not expanded"}},
		{"CR LF line ends from Windows", "curl \\\r\n -X POST \\\r\n 'https://h/x?a=1'\r\n", want{method: "POST", path: "/x", query: "a=1", noBody: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseCurl(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if r.Format != FormatCurl {
				t.Errorf("format %q", r.Format)
			}
			check(t, r, tt.want)
			// Auto-detection picks the same parser.
			r2, err := Parse(tt.cmd)
			if err != nil || r2.RawQuery != r.RawQuery || string(r2.Body) != string(r.Body) || r2.Format != FormatCurl {
				t.Errorf("Parse differs: %+v %v", r2, err)
			}
		})
	}
}

func TestParseCurlEmptyHeaderKept(t *testing.T) {
	r, err := ParseCurl(`curl -H 'X-MBX-APIKEY;' https://h/x`)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := r.APIKey(); !ok || k != "" {
		t.Fatalf("X-MBX-APIKEY; must send an empty header: %q %v", k, ok)
	}
	v := r.Verify()
	if !v.HasAPIKey || v.APIKey != "" || v.Path != "/x" {
		t.Fatalf("verify request %+v", v)
	}
}

func TestParseRawHTTP(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want want
	}{
		{"CRLF with Content-Length", "POST /api/v3/order?symbol=LTCBTC HTTP/1.1\r\nHost: api.binance.com\r\nX-MBX-APIKEY: k\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nquantity=1&",
			want{method: "POST", scheme: "https", host: "api.binance.com", path: "/api/v3/order", query: "symbol=LTCBTC", body: "quantity=1&", apiKey: "k"}},
		{"LF, no Content-Length, trailing newline trimmed", "POST /api/v3/order HTTP/1.1\nHost: 127.0.0.1:8765\nX-MBX-APIKEY: k\n\nsymbol=X&timestamp=1&signature=ab\n",
			want{method: "POST", host: "127.0.0.1:8765", path: "/api/v3/order", body: "symbol=X&timestamp=1&signature=ab", note: "No Content-Length"}},
		{"Content-Length shorter than what follows", "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef",
			want{method: "POST", path: "/x", body: "abc", note: "ignored"}},
		{"absolute target, no version", "GET https://api.binance.com/api/v3/account?timestamp=1&signature=ab\nX-MBX-APIKEY: k",
			want{method: "GET", scheme: "https", host: "api.binance.com", path: "/api/v3/account", query: "timestamp=1&signature=ab", apiKey: "k", noBody: true}},
		{"chunked", "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\na=1&\r\n3;ext\r\nb=2\r\n0\r\n\r\n",
			want{method: "POST", path: "/x", body: "a=1&b=2", note: "chunked"}},
		{"folded header", "GET /x HTTP/1.1\nX-Long: a\n  b\n\n", want{method: "GET", path: "/x"}},
		{"HTTP/2 pseudo-headers", ":method: POST\n:authority: api.binance.com\n:scheme: https\n:path: /api/v3/order?a=1\nx-mbx-apikey: k\ncontent-type: application/x-www-form-urlencoded\n\nb=2",
			want{method: "POST", scheme: "https", host: "api.binance.com", path: "/api/v3/order", query: "a=1", body: "b=2", apiKey: "k"}},
		{"leading blank lines", "\n\n  GET /api/v3/time HTTP/1.1\r\n\r\n", want{method: "GET", path: "/api/v3/time", noBody: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRawHTTP(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			check(t, r, tt.want)
			r2, err := Parse(tt.raw)
			if err != nil || r2.Format != FormatHTTP || r2.RawQuery != r.RawQuery || string(r2.Body) != string(r.Body) {
				t.Errorf("Parse differs: %+v %v", r2, err)
			}
		})
	}
	r, _ := ParseRawHTTP("GET /x HTTP/1.1\nX-Long: a\n  b\n\n")
	if got := r.Header.Get("X-Long"); got != "a b" {
		t.Errorf("folded header %q", got)
	}
}

func TestParseURL(t *testing.T) {
	r, err := ParseURL("https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=ab", "quantity=1")
	if err != nil {
		t.Fatal(err)
	}
	check(t, r, want{method: "POST", host: "api.binance.com", path: "/api/v3/order", query: "symbol=BTCUSDT&timestamp=1&signature=ab", body: "quantity=1", ct: "application/x-www-form-urlencoded"})
	r, err = ParseURL("/sapi/v1/x?a=1", `{"b":2}`)
	if err != nil {
		t.Fatal(err)
	}
	check(t, r, want{method: "POST", path: "/sapi/v1/x", query: "a=1", body: `{"b":2}`, ct: "application/json"})
	if r.BaseURL() != "" || r.URL() != "/sapi/v1/x?a=1" {
		t.Errorf("BaseURL %q URL %q", r.BaseURL(), r.URL())
	}
	r, err = ParseURL("api.binance.com/api/v3/time", "")
	if err != nil {
		t.Fatal(err)
	}
	check(t, r, want{method: "GET", scheme: "https", host: "api.binance.com", path: "/api/v3/time", noBody: true, note: "no scheme"})
	if r.URL() != "https://api.binance.com/api/v3/time" {
		t.Errorf("URL %q", r.URL())
	}
	r, err = Parse("  https://h/x?a=%2B\n")
	if err != nil || r.Format != FormatURL || r.RawQuery != "a=%2B" {
		t.Fatalf("Parse URL: %+v %v", r, err)
	}
}

// Bad input gets an error that names the problem and the fix, never a panic.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input string
		parse       func(string) (*Request, error)
		says        string
	}{
		{"empty", "", Parse, "empty"},
		{"unrecognised", "hello world", Parse, "unrecognised input"},
		{"URL then more lines", "https://h/x\nmore", Parse, "--body"},
		{"unclosed single quote", `curl 'https://h/x`, ParseCurl, "never closed"},
		{"unclosed double quote", `curl "https://h/x`, ParseCurl, "never closed"},
		{"unclosed ANSI-C", `curl $'https://h/x`, ParseCurl, "never closed"},
		{"no URL", `curl -X POST`, ParseCurl, "no URL"},
		{"two URLs", `curl https://a/x https://b/y`, ParseCurl, "one request at a time"},
		{"missing option value", `curl https://h/x -H`, ParseCurl, "needs a value"},
		{"data from a file", `curl https://h/x -d @body.txt`, ParseCurl, "--data-raw"},
		{"urlencode from a file", `curl https://h/x --data-urlencode name@file`, ParseCurl, "reads a file"},
		{"multipart", `curl https://h/x -F a=1`, ParseCurl, "multipart"},
		{"bad header", `curl https://h/x -H nocolon`, ParseCurl, "Name: value"},
		{"space in URL", `curl 'https://h/x?a=b c'`, ParseCurl, "%20"},
		{"not curl", `wget https://h/x`, ParseCurl, "start with curl"},
		{"no host", `curl /x`, ParseCurl, "no host"},
		{"bad method", `curl -X 'PO ST' https://h/x`, ParseCurl, "not an HTTP method"},
		{"bad request line", "POST\n\n", ParseRawHTTP, "request line"},
		{"bad header line", "POST /x HTTP/1.1\nnot a header\n\n", ParseRawHTTP, "not a header"},
		{"bad Content-Length", "POST /x HTTP/1.1\nContent-Length: x\n\nabc", ParseRawHTTP, "Content-Length"},
		{"bad chunk", "POST /x HTTP/1.1\nTransfer-Encoding: chunked\n\nzz\n", ParseRawHTTP, "hexadecimal"},
		{"truncated chunk", "POST /x HTTP/1.1\nTransfer-Encoding: chunked\n\n9\nab", ParseRawHTTP, "has only"},
		{"HTTP/2 without path", ":method: GET\n\n", ParseRawHTTP, ":path"},
		{"relative target", "GET x HTTP/1.1\n\n", ParseRawHTTP, "neither a path"},
		{"empty URL", "", func(s string) (*Request, error) { return ParseURL(s, "") }, "empty"},
		{"control byte in URL", "https://h/x\x01", func(s string) (*Request, error) { return ParseURL(s, "") }, "control byte"},
		{"too large", strings.Repeat("a", MaxInput+1), Parse, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.parse(tt.input)
			if err == nil {
				t.Fatalf("no error; got %+v", r)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not match ErrSyntax", err)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error is %d bytes long; it must quote only a bounded piece of the input", len(err.Error()))
			}
		})
	}
}

func TestSplitShell(t *testing.T) {
	tests := []struct {
		in    string
		words []string
	}{
		{`a b  c`, []string{"a", "b", "c"}},
		{`a 'b c' "d e" f\ g`, []string{"a", "b c", "d e", "f g"}},
		{`a '' ""`, []string{"a", "", ""}},
		{`a"b"'c'd`, []string{"abcd"}},
		{"a \\\nb", []string{"a", "b"}},
		{`"a\nb" "a\\b" "\$x"`, []string{`a\nb`, `a\b`, `$x`}},
		{`$'a\tb\n' $'\101\x42\u0043'`, []string{"a\tb\n", "ABC"}},
		{`a 2>&1 b > f c`, []string{"a", "b", "c"}},
		{`a &> log b`, []string{"a", "b"}},
		{`a $(date) ${X}y`, []string{"a", "$(date)", "${X}y"}},
		{"a # comment\n", []string{"a"}},
		{"a#b", []string{"a#b"}},
	}
	for _, tt := range tests {
		res, err := splitShell(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if strings.Join(res.words, "|") != strings.Join(tt.words, "|") || len(res.words) != len(tt.words) {
			t.Errorf("%q: words %q, want %q", tt.in, res.words, tt.words)
		}
	}
}

// Package reqparse reads a failing request the way a person pastes it, so
// that `mbx explain` can verify exactly the bytes that were sent: a curl
// command line, a raw HTTP request (request line, headers, blank line,
// body), or a URL with an optional body.
//
// Nothing is normalised: the query string and the body stay byte for byte as
// they would have travelled, because Binance signs those exact bytes. Where
// the input is ambiguous (a shell variable that was never expanded, a body
// without Content-Length, an unquoted '&' that a shell would have treated as
// the end of the command) the parser picks what the tool would really have
// sent and says so in Request.Notes.
package reqparse

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mbxkit/mbx/binance/verify"
)

// MaxInput bounds what the parsers read: a Binance request is at most a few
// KiB, and verify refuses bodies over 1 MiB anyway.
const MaxInput = 4 << 20

// Format is the form a request was given in.
type Format string

// Formats.
const (
	FormatCurl Format = "curl"
	FormatHTTP Format = "http"
	FormatURL  Format = "url"
)

// ErrSyntax is matched (errors.Is) by every parse error.
var ErrSyntax = errors.New("reqparse: cannot read the request")

// Error is a parse error: what is wrong and how to fix it. It quotes at most
// a short, bounded piece of the input.
type Error struct {
	Format Format
	Msg    string
}

func (e *Error) Error() string { return "reading the " + string(e.Format) + " input: " + e.Msg }

// Is makes errors.Is(err, ErrSyntax) true.
func (e *Error) Is(target error) bool { return target == ErrSyntax }

func errorf(f Format, format string, a ...any) error {
	return &Error{Format: f, Msg: fmt.Sprintf(format, a...)}
}

// Request is a parsed request, as it travelled on the wire.
type Request struct {
	Format Format
	Method string
	// Scheme and Host are "" when the input did not say (a raw request
	// without a Host header, a URL given as a path).
	Scheme string
	Host   string
	// Path is the raw path as sent, e.g. /api/v3/order.
	Path string
	// RawQuery is the query string exactly as sent, without the '?'.
	RawQuery string
	Header   http.Header
	Body     []byte
	// Notes say what the parser assumed, for people.
	Notes []string
}

// BaseURL is scheme://host, or "" when the host is unknown.
func (r *Request) BaseURL() string {
	if r.Host == "" {
		return ""
	}
	s := r.Scheme
	if s == "" {
		s = "https"
	}
	return s + "://" + r.Host
}

// URL is the request's URL as sent: base URL (when known), path and query.
func (r *Request) URL() string {
	u := r.BaseURL() + r.Path
	if r.RawQuery != "" {
		u += "?" + r.RawQuery
	}
	return u
}

// ContentType is the Content-Type header ("" when none).
func (r *Request) ContentType() string { return r.Header.Get("Content-Type") }

// APIKey is the first X-MBX-APIKEY header value, and whether the header
// was there at all.
func (r *Request) APIKey() (string, bool) {
	v, ok := r.Header[http.CanonicalHeaderKey("X-MBX-APIKEY")]
	if !ok {
		return "", false
	}
	if len(v) == 0 {
		return "", true
	}
	return v[0], true
}

// Verify is the request as package verify reads it.
func (r *Request) Verify() *verify.Request {
	key, has := r.APIKey()
	return &verify.Request{Method: r.Method, Path: r.Path, RawQuery: r.RawQuery, Body: r.Body,
		ContentType: r.ContentType(), APIKey: key, HasAPIKey: has}
}

func (r *Request) note(format string, a ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, a...))
}

// Parse detects the input's form and parses it: a command starting with
// curl, a raw HTTP request (METHOD TARGET HTTP/1.1 and headers, or HTTP/2
// pseudo-headers such as :method), or a URL (absolute, or a path starting
// with '/'). A leading shell prompt ("$ ") is ignored.
func Parse(input string) (*Request, error) {
	if len(input) > MaxInput {
		return nil, errorf("", "the input is %d bytes, more than the %d bytes a request can be", len(input), MaxInput)
	}
	s := strings.TrimLeft(input, " \t\r\n")
	s = strings.TrimPrefix(s, "$ ")
	first, _, _ := strings.Cut(s, "\n")
	first = strings.TrimRight(first, "\r")
	switch {
	case s == "":
		return nil, &Error{Msg: "the input is empty; give a curl command line, a raw HTTP request or a URL"}
	case isCurlCommand(s):
		return ParseCurl(s)
	case strings.HasPrefix(first, ":"), looksLikeRequestLine(first):
		return ParseRawHTTP(s)
	case strings.HasPrefix(first, "http://"), strings.HasPrefix(first, "https://"), strings.HasPrefix(first, "/"):
		if strings.TrimSpace(s[len(first):]) != "" {
			return nil, &Error{Format: FormatURL, Msg: "a URL was given with more lines after it; give the body with --body, or paste the whole request as curl or raw HTTP"}
		}
		return ParseURL(strings.TrimSpace(first), "")
	}
	return nil, &Error{Msg: fmt.Sprintf("unrecognised input starting %s: want a curl command line (curl -H 'X-MBX-APIKEY: ...' 'https://...'), a raw HTTP request (POST /api/v3/order HTTP/1.1, headers, blank line, body) or a URL", snippet(first))}
}

// isCurlCommand reports whether s starts with a curl invocation.
func isCurlCommand(s string) bool {
	end := strings.IndexAny(s, " \t\r\n\\")
	if end < 0 {
		end = len(s)
	}
	w := strings.Trim(s[:end], `'"`)
	if i := strings.LastIndexAny(w, `/\`); i >= 0 {
		w = w[i+1:]
	}
	return w == "curl" || strings.EqualFold(w, "curl.exe")
}

// looksLikeRequestLine: METHOD SP TARGET [SP HTTP/x].
func looksLikeRequestLine(line string) bool {
	f := fieldsSP(line)
	if len(f) < 2 || len(f) > 3 || !isToken(f[0]) || strings.ToUpper(f[0]) != f[0] {
		return false
	}
	if len(f) == 3 && !strings.HasPrefix(f[2], "HTTP/") {
		return false
	}
	return strings.HasPrefix(f[1], "/") || strings.HasPrefix(f[1], "http://") || strings.HasPrefix(f[1], "https://") || f[1] == "*"
}

// fieldsSP splits a request line on spaces and tabs only: a non-ASCII
// space (U+00A0) inside the target is part of it.
func fieldsSP(line string) []string {
	return strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
}

// isToken reports whether s is an RFC 9110 token (a method or header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// snippet quotes the start of untrusted input for a message.
// The quoted form is at most about 80 bytes, whatever the bytes are.
func snippet(s string) string {
	const limit = 80
	n := min(len(s), 60)
	q := strconv.Quote(s[:n])
	for len(q) > limit {
		n /= 2
		q = strconv.Quote(s[:n])
	}
	if n < len(s) {
		q += "..."
	}
	return q
}

// splitTarget splits a URL or request target into scheme, host, path and
// raw query. The fragment is dropped (it is never sent). A target with no
// scheme and not starting with '/' is host/path; scheme is then "".
func splitTarget(target string) (scheme, host, path, rawQuery string) {
	rest := target
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.Index(rest, "://"); i > 0 && isScheme(rest[:i]) {
		scheme, rest = strings.ToLower(rest[:i]), rest[i+3:]
	}
	if !strings.HasPrefix(rest, "/") {
		end := strings.IndexAny(rest, "/?")
		if end < 0 {
			end = len(rest)
		}
		host, rest = rest[:end], rest[end:]
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:] // userinfo is sent as Authorization, never in the URL
		}
	}
	path, rawQuery, _ = strings.Cut(rest, "?")
	if path == "" {
		path = "/"
	}
	return scheme, host, path, rawQuery
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// checkURLBytes refuses bytes no HTTP client puts in a request target.
func checkURLBytes(f Format, u string) error {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == ' ':
			return errorf(f, "the URL has a space at byte %d; no HTTP client sends that: percent-encode it as %%20", i)
		case c < 0x20 || c == 0x7f:
			return errorf(f, "the URL has a control byte %#02x at byte %d; remove it (a line break inside the quotes?)", c, i)
		}
	}
	return nil
}

// noteURL adds the notes every form shares about the URL's bytes.
func (r *Request) noteURL() {
	for i := 0; i < len(r.RawQuery); i++ {
		if r.RawQuery[i] >= 0x80 {
			r.note("The query string holds raw non-ASCII bytes (first at byte %d); they are read as sent raw. Binance rejects a raw non-ASCII payload with -1022: percent-encode them.", i)
			break
		}
	}
	if r.Scheme == "http" && r.Host != "" && isBinanceHost(r.Host) {
		r.note("The URL is http:// but Binance serves https:// only.")
	}
}

// isBinanceHost reports whether host is one of Binance's API hosts.
func isBinanceHost(host string) bool {
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.HasSuffix(h, ".binance.com") || strings.HasSuffix(h, ".binance.vision") || strings.HasSuffix(h, ".binancefuture.com")
}

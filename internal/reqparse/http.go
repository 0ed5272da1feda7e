package reqparse

import (
	"net/http"
	"strconv"
	"strings"
)

// ParseRawHTTP reads a raw HTTP/1.x request as a proxy log or a debugging
// tool shows it: a request line (METHOD TARGET HTTP/1.1; the version may be
// missing), header lines, a blank line and the body. Lines may end in CRLF
// or LF. The target may be a path (origin form; the Host header names the
// host) or an absolute URL. HTTP/2 pseudo-headers (:method, :path,
// :authority, :scheme) as browsers' developer tools copy them are read too.
//
// The body is exactly Content-Length bytes when that header is given, the
// decoded chunks with Transfer-Encoding: chunked, and otherwise everything
// after the blank line except trailing line breaks (which a paste adds), with
// a note.
func ParseRawHTTP(raw string) (*Request, error) {
	if len(raw) > MaxInput {
		return nil, errorf(FormatHTTP, "the request is %d bytes, more than the %d bytes a request can be", len(raw), MaxInput)
	}
	r := &Request{Format: FormatHTTP, Header: http.Header{}}
	s := strings.TrimLeft(raw, " \t\r\n")
	var lines []string
	pos := 0
	blank := false
	for pos < len(s) {
		nl := strings.IndexByte(s[pos:], '\n')
		var line string
		if nl < 0 {
			line, pos = s[pos:], len(s)
		} else {
			line, pos = s[pos:pos+nl], pos+nl+1
		}
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			blank = true
			break
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return nil, errorf(FormatHTTP, "the request is empty; paste the request line (POST /api/v3/order HTTP/1.1), the headers, a blank line and the body")
	}
	target, authority, scheme := "", "", ""
	hdrStart := 1
	if strings.HasPrefix(lines[0], ":") {
		hdrStart = 0
	} else {
		f := fieldsSP(lines[0])
		if len(f) < 2 || len(f) > 3 || (len(f) == 3 && !strings.HasPrefix(f[2], "HTTP/")) {
			return nil, errorf(FormatHTTP, "the first line %s is not a request line: want METHOD TARGET HTTP/1.1, e.g. POST /api/v3/order?symbol=BTCUSDT HTTP/1.1", snippet(lines[0]))
		}
		r.Method, target = f[0], f[1]
		if !isToken(r.Method) {
			return nil, errorf(FormatHTTP, "the method %s is not an HTTP method; use GET, POST, PUT or DELETE", snippet(r.Method))
		}
	}
	for i := hdrStart; i < len(lines); i++ {
		line := lines[i]
		if line[0] == ' ' || line[0] == '\t' {
			// An obsolete folded continuation of the previous header.
			if i == hdrStart {
				return nil, errorf(FormatHTTP, "line %d starts with whitespace but follows no header", i+1)
			}
			prev := lines[i-1]
			name, _, _ := strings.Cut(prev, ":")
			vals := r.Header[http.CanonicalHeaderKey(strings.TrimSpace(name))]
			if len(vals) > 0 {
				vals[len(vals)-1] += " " + strings.TrimSpace(line)
			}
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		pseudo := false
		if name == "" && ok {
			// :method: POST — the name is the part up to the second colon.
			n, v, ok2 := strings.Cut(val, ":")
			if !ok2 {
				return nil, errorf(FormatHTTP, "line %d %s is not a header: want Name: value", i+1, snippet(line))
			}
			name, val, pseudo = ":"+n, v, true
		}
		if !ok || (!pseudo && !isToken(name)) {
			return nil, errorf(FormatHTTP, "line %d %s is not a header: want Name: value (a blank line must separate headers from the body)", i+1, snippet(line))
		}
		val = strings.Trim(val, " \t")
		switch {
		case !pseudo:
			r.Header.Add(name, val)
		case name == ":method":
			r.Method = val
		case name == ":path":
			target = val
		case name == ":authority":
			authority = val
		case name == ":scheme":
			scheme = val
		}
	}
	if r.Method == "" || target == "" {
		return nil, errorf(FormatHTTP, "no method or path: HTTP/2 headers need :method and :path")
	}
	if !isToken(r.Method) {
		return nil, errorf(FormatHTTP, "the method %s is not an HTTP method; use GET, POST, PUT or DELETE", snippet(r.Method))
	}
	if err := checkURLBytes(FormatHTTP, target); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(target, "/") && !strings.Contains(target, "://") {
		return nil, errorf(FormatHTTP, "the request target %s is neither a path (/api/v3/...) nor an absolute URL (https://...)", snippet(target))
	}
	var host string
	r.Scheme, host, r.Path, r.RawQuery = splitTarget(target)
	switch {
	case host != "":
		r.Host = host
	case authority != "":
		r.Host = authority
	default:
		r.Host = r.Header.Get("Host")
	}
	if r.Scheme == "" {
		r.Scheme = scheme
	}
	if r.Scheme == "" && r.Host != "" && isBinanceHost(r.Host) {
		r.Scheme = "https"
	}
	body := ""
	if blank {
		body = s[pos:]
	}
	if err := r.setBody(body); err != nil {
		return nil, err
	}
	r.noteURL()
	return r, nil
}

func (r *Request) setBody(body string) error {
	if te := r.Header.Get("Transfer-Encoding"); strings.Contains(strings.ToLower(te), "chunked") {
		b, err := dechunk(body)
		if err != nil {
			return err
		}
		r.Body = b
		r.note("The body was sent chunked; the verified body is the chunks joined.")
		return nil
	}
	if cl := r.Header.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || n < 0 {
			return errorf(FormatHTTP, "Content-Length %s is not a number of bytes", snippet(cl))
		}
		switch {
		case n == len(body):
		case n < len(body):
			if rest := body[n:]; strings.Trim(rest, "\r\n") != "" {
				r.note("Content-Length is %d but %d bytes follow the headers; the body is the first %d bytes and the rest is ignored.", n, len(body), n)
			}
			body = body[:n]
		default:
			r.note("Content-Length is %d but only %d bytes follow the headers: the body was cut when it was copied; read as given.", n, len(body))
		}
		if len(body) > 0 {
			r.Body = []byte(body)
		}
		return nil
	}
	trimmed := strings.TrimRight(body, "\r\n")
	if trimmed != body && trimmed != "" {
		r.note("No Content-Length: the body is everything after the blank line without its trailing line break.")
	}
	if trimmed != "" {
		r.Body = []byte(trimmed)
	}
	return nil
}

// dechunk decodes a chunked body (CRLF or LF line ends).
func dechunk(s string) ([]byte, error) {
	var out []byte
	for {
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			return nil, errorf(FormatHTTP, "the chunked body ends without the final 0-size chunk")
		}
		sizeLine := strings.TrimSuffix(s[:nl], "\r")
		sizeLine, _, _ = strings.Cut(sizeLine, ";")
		n, err := strconv.ParseUint(strings.TrimSpace(sizeLine), 16, 31)
		if err != nil {
			return nil, errorf(FormatHTTP, "chunk size %s is not hexadecimal", snippet(sizeLine))
		}
		s = s[nl+1:]
		if n == 0 {
			return out, nil
		}
		if uint64(len(s)) < n {
			return nil, errorf(FormatHTTP, "a chunk of %d bytes has only %d bytes", n, len(s))
		}
		out = append(out, s[:n]...)
		s = strings.TrimPrefix(strings.TrimPrefix(s[n:], "\r"), "\n")
	}
}

// ParseURL reads a URL (absolute, or a path starting with '/') and an
// optional body. The method is GET, or POST when body is not empty; a
// body is form-encoded (application/x-www-form-urlencoded) unless it starts
// with '{', which reads as JSON. Set Method and the Content-Type header on
// the result to change either. A URL without a scheme is taken as https.
func ParseURL(u, body string) (*Request, error) {
	if len(u)+len(body) > MaxInput {
		return nil, errorf(FormatURL, "the request is more than the %d bytes a request can be", MaxInput)
	}
	u = strings.TrimSpace(u)
	if u == "" {
		return nil, errorf(FormatURL, "the URL is empty; give e.g. https://api.binance.com/api/v3/account?timestamp=...&signature=...")
	}
	if err := checkURLBytes(FormatURL, u); err != nil {
		return nil, err
	}
	r := &Request{Format: FormatURL, Header: http.Header{}, Method: http.MethodGet}
	r.Scheme, r.Host, r.Path, r.RawQuery = splitTarget(u)
	if r.Host != "" && r.Scheme == "" {
		r.Scheme = "https"
		r.note("The URL has no scheme; read as https://.")
	}
	if body != "" {
		r.Method = http.MethodPost
		r.Body = []byte(body)
		ct := "application/x-www-form-urlencoded"
		if strings.HasPrefix(strings.TrimSpace(body), "{") {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
	}
	r.noteURL()
	return r, nil
}

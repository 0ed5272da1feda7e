package payload

import (
	"context"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sign"
)

// REST builds one REST request. Fill Query and Body, then call Sign (or
// Encode for an unsigned endpoint). A REST may be reused after Reset; its
// buffers are kept, so a warm builder signs with a single allocation.
// Sign does not modify the lists, so signing again (a retry) adds a fresh
// timestamp.
type REST struct {
	Method string
	Query  params.List
	Body   params.List // sent as application/x-www-form-urlencoded
	// TimestampIn says where an added timestamp (and recvWindow) goes. Auto
	// puts it in the body when the body has parameters, else in the query.
	TimestampIn Part

	buf []byte // query ‖ body, the signed payload
	sig []byte // raw signature
	out []byte // the final wire form

	// A keyed HMAC state for the last HMAC signer used: a builder belongs
	// to one goroutine, so it can skip the signer's pool.
	hkey   *sign.HMAC
	hstate hash.Hash
}

// appendSign signs msg, reusing the builder's HMAC state when it can.
func (r *REST) appendSign(s sign.Signer, msg []byte) ([]byte, error) {
	h, ok := s.(*sign.HMAC)
	if !ok {
		return s.AppendSign(r.sig[:0], msg)
	}
	if r.hkey != h {
		r.hkey, r.hstate = h, h.NewHash()
	}
	r.hstate.Reset()
	r.hstate.Write(msg)
	return r.hstate.Sum(r.sig[:0]), nil
}

// Reset empties the builder for reuse.
func (r *REST) Reset() {
	r.Method = ""
	r.Query.Reset()
	r.Body.Reset()
	r.TimestampIn = Auto
}

// Signed is a request ready to send: its query and body are the exact bytes
// for the wire.
type Signed struct {
	Method      string
	Query       string // raw query string, signature included when it travels there
	Body        string // raw form body, signature included when it travels there
	Payload     string // exactly what was signed: query ‖ body without the signature pair
	Signature   string // the signature as it appears on the wire
	SignatureIn Part
	Timestamp   int64 // the timestamp sent (ms, or µs with Options.Microseconds)
}

// ContentType is the Content-Type header the request needs, or "".
func (s *Signed) ContentType() string {
	if s.Body == "" {
		return ""
	}
	return "application/x-www-form-urlencoded"
}

// NewRequest builds the HTTP request for baseURL+path. It sets URL.RawQuery
// itself so that no layer re-encodes the query after signing.
func (s *Signed) NewRequest(ctx context.Context, baseURL, path string) (*http.Request, error) {
	var body io.Reader
	if s.Body != "" {
		body = strings.NewReader(s.Body)
	}
	// The URL is parsed without the query, then RawQuery is set to the
	// signed bytes: nothing parses, normalises or re-encodes them.
	req, err := http.NewRequestWithContext(ctx, s.Method, strings.TrimRight(baseURL, "/")+path, body)
	if err != nil {
		return nil, fmt.Errorf("base URL %q and path %q: %w", baseURL, path, err)
	}
	if req.URL.RawQuery != "" || req.URL.Fragment != "" {
		return nil, fmt.Errorf("path %q must not carry a query or fragment: put parameters in the builder", path)
	}
	req.URL.RawQuery = s.Query
	if ct := s.ContentType(); ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return req, nil
}

// URL is the full URL with the query as signed.
func (s *Signed) URL(baseURL, path string) string {
	u := strings.TrimRight(baseURL, "/") + path
	if s.Query != "" {
		u += "?" + s.Query
	}
	return u
}

// checkMethod validates the method and placement, and the lists' errors.
func (r *REST) checkMethod() error {
	switch r.Method {
	case http.MethodGet, http.MethodDelete:
		if r.Body.Len() > 0 {
			return fmt.Errorf("%w: %s sends no body; put parameter %q in the query", ErrPlacement, r.Method, r.Body.All()[0].Name)
		}
		if r.TimestampIn == Body {
			return fmt.Errorf("%w: %s sends no body, so timestamp goes in the query", ErrPlacement, r.Method)
		}
	case http.MethodPost, http.MethodPut:
	case "":
		return fmt.Errorf("%w: Method is empty; set GET, POST, PUT or DELETE", ErrPlacement)
	default:
		return fmt.Errorf("%w: method %q; Binance uses GET, POST, PUT and DELETE", ErrPlacement, r.Method)
	}
	if err := r.Query.Err(); err != nil {
		return err
	}
	return r.Body.Err()
}

// appendPart validates and encodes one part in a single pass: the signing
// path touches each parameter once. other is the opposite part, for the
// query-and-body duplicate check.
func appendPart(dst []byte, ps []params.Param, other *params.List) ([]byte, partInfo, error) {
	var info partInfo
	for i := range ps {
		p := &ps[i]
		if err := checkParam(p, &info); err != nil {
			return dst, info, err
		}
		if other != nil && other.Has(p.Name) {
			return dst, info, &params.Error{Name: p.Name, Err: params.ErrDuplicate, Fix: "it is in both the query and the body (Binance would silently use the query value); send it once"}
		}
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = pct.AppendEscape(dst, p.Name)
		dst = append(dst, '=')
		dst = pct.AppendEscape(dst, p.Value)
	}
	return dst, info, nil
}

// Encode builds an unsigned request (security type NONE).
func (r *REST) Encode() (Signed, error) {
	if err := r.checkMethod(); err != nil {
		return Signed{}, err
	}
	var err error
	if r.buf, _, err = appendPart(r.buf[:0], r.Query.All(), &r.Body); err != nil {
		return Signed{}, err
	}
	qlen := len(r.buf)
	if r.buf, _, err = appendPart(r.buf, r.Body.All(), nil); err != nil {
		return Signed{}, err
	}
	s := string(r.buf)
	return Signed{Method: r.Method, Query: s[:qlen], Body: s[qlen:], Payload: s}, nil
}

// Sign builds and signs the request with s.
func (r *REST) Sign(s sign.Signer, opt Options) (Signed, error) {
	if s == nil {
		return Signed{}, fmt.Errorf("no signer: a SIGNED endpoint needs a key")
	}
	if err := r.checkMethod(); err != nil {
		return Signed{}, err
	}
	var qi, bi partInfo
	var err error
	if r.buf, qi, err = appendPart(r.buf[:0], r.Query.All(), &r.Body); err != nil {
		return Signed{}, err
	}
	qlen := len(r.buf)
	if r.buf, bi, err = appendPart(r.buf, r.Body.All(), nil); err != nil {
		return Signed{}, err
	}
	// timestamp lives where the caller put it, or where we add it: at the
	// end of its part, after recvWindow, so the signature follows it.
	var ts int64
	tsPart := Query
	switch {
	case qi.timestamp != "":
		ts, _ = strconv.ParseInt(qi.timestamp, 10, 64)
	case bi.timestamp != "":
		tsPart = Body
		ts, _ = strconv.ParseInt(bi.timestamp, 10, 64)
	default:
		tsPart = r.TimestampIn
		if tsPart == Auto {
			tsPart = Query
			if r.Body.Len() > 0 {
				tsPart = Body
			}
		}
		ts = timestampOf(&opt)
		var recvBuf [16]byte
		var recv []byte
		if opt.RecvWindow != 0 && !qi.recvWindow && !bi.recvWindow {
			if recv, err = appendRecvWindow(recvBuf[:0], opt.RecvWindow); err != nil {
				return Signed{}, err
			}
		}
		if tsPart == Body {
			r.buf = appendTime(r.buf, qlen, recv, ts)
		} else {
			// The query's tail is not at the end of buf when a body
			// follows: rebuild the body after the timestamp.
			bodyLen := len(r.buf) - qlen
			r.out = append(r.out[:0], r.buf[qlen:]...)
			r.buf = appendTime(r.buf[:qlen], 0, recv, ts)
			qlen = len(r.buf)
			r.buf = append(r.buf, r.out[:bodyLen]...)
		}
	}
	r.sig, err = r.appendSign(s, r.buf)
	if err != nil {
		return Signed{}, err
	}

	// Lay out query and body with the signature as the last pair of the part
	// holding timestamp. In the common cases the payload is a prefix of the
	// wire bytes, so one string serves all fields.
	plen := len(r.buf)
	var out Signed
	out.Method, out.Timestamp, out.SignatureIn = r.Method, ts, tsPart
	if tsPart == Body || plen == qlen {
		// The signature goes after the payload, so the payload stays a
		// prefix of the wire bytes and one string serves every field.
		r.buf = append(r.buf, "&signature="...)
		sigStart := len(r.buf)
		r.buf = appendSignature(r.buf, r.sig, s.Algorithm(), true)
		w := string(r.buf)
		out.Payload, out.Signature = w[:plen], w[sigStart:]
		if tsPart == Body {
			out.Query, out.Body = w[:qlen], w[qlen:]
		} else {
			out.Query = w
		}
		return out, nil
	}
	r.out = append(r.out[:0], r.buf[:qlen]...)
	r.out = append(r.out, "&signature="...)
	sigStart := len(r.out)
	r.out = appendSignature(r.out, r.sig, s.Algorithm(), true)
	sigEnd := len(r.out)
	r.out = append(r.out, r.buf[qlen:]...)
	w := string(r.out)
	out.Query, out.Body, out.Signature = w[:sigEnd], w[sigEnd:], w[sigStart:sigEnd]
	out.Payload = string(r.buf)
	return out, nil
}

// appendList appends ps as name=value pairs joined by '&'. Each part
// (query, body) starts fresh: the two are joined with no separator.
func appendList(dst []byte, ps []params.Param) []byte {
	for i := range ps {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = pct.AppendEscape(dst, ps[i].Name)
		dst = append(dst, '=')
		dst = pct.AppendEscape(dst, ps[i].Value)
	}
	return dst
}

// appendTime appends recvWindow (if any) and timestamp to the part that
// began at offset start.
func appendTime(dst []byte, start int, recv []byte, ts int64) []byte {
	if len(recv) > 0 {
		if len(dst) > start {
			dst = append(dst, '&')
		}
		dst = append(dst, "recvWindow="...)
		dst = append(dst, recv...)
	}
	if len(dst) > start {
		dst = append(dst, '&')
	}
	dst = append(dst, "timestamp="...)
	return strconv.AppendInt(dst, ts, 10)
}

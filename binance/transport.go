package binance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sign"
)

// Transport signs requests made by other HTTP code, as an http.RoundTripper
// (the golang.org/x/oauth2 pattern): put it in an *http.Client and keep your
// own request building. It signs the query and body exactly as they will be
// sent; the only change it makes is percent-encoding raw non-ASCII bytes,
// which Binance rejects unencoded. It appends recvWindow (when absent),
// timestamp (when absent) and signature to the body when the request has a
// form body, else to the query, and sets X-MBX-APIKEY.
type Transport struct {
	Base       http.RoundTripper // default http.DefaultTransport
	APIKey     string
	Signer     sign.Signer
	Now        func() time.Time // a clock.Clock's Now; default time.Now
	RecvWindow time.Duration    // default 5s
	// Public reports requests to send unsigned (default: the endpoints
	// whose security type is NONE in Binance's catalogue).
	Public func(*http.Request) bool
}

func defaultPublic(r *http.Request) bool {
	sec, ok := SecurityOf(r.Method, r.URL.Path)
	return ok && sec == None
}

// RoundTrip signs and sends one request. It does not modify req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	public := t.Public
	if public == nil {
		public = defaultPublic
	}
	if public(req) {
		return base.RoundTrip(req)
	}
	if t.Signer == nil || t.APIKey == "" {
		return nil, fmt.Errorf("binance.Transport: APIKey and Signer are required to sign %s %s", req.Method, req.URL.Path)
	}
	out := req.Clone(req.Context())
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("binance.Transport: reading the body: %w", err)
		}
		body = b
	}
	ct := req.Header.Get("Content-Type")
	formBody := len(body) > 0 && (ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded"))
	query := encodeNonASCII(req.URL.RawQuery)
	if formBody {
		body = []byte(encodeNonASCII(string(body)))
	}
	if hasPair(query, "signature") || (formBody && hasPair(string(body), "signature")) {
		return nil, fmt.Errorf("binance.Transport: %s %s already carries a signature; remove it, the transport signs", req.Method, req.URL.Path)
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	rw := t.RecvWindow
	if rw == 0 {
		rw = 5 * time.Second
	}
	rws, err := payload.FormatRecvWindow(rw)
	if err != nil {
		return nil, err
	}
	var extra string
	if !hasPair(query, "recvWindow") && !(formBody && hasPair(string(body), "recvWindow")) {
		extra = "recvWindow=" + rws
	}
	if !hasPair(query, "timestamp") && !(formBody && hasPair(string(body), "timestamp")) {
		if extra != "" {
			extra += "&"
		}
		extra += "timestamp=" + strconv.FormatInt(now().UnixMilli(), 10)
	}
	if formBody {
		body = []byte(join(string(body), extra))
	} else {
		query = join(query, extra)
	}
	var bodyPart []byte
	if formBody || len(body) > 0 {
		bodyPart = body
	}
	msg := append([]byte(query), bodyPart...)
	raw, err := t.Signer.AppendSign(nil, msg)
	if err != nil {
		return nil, err
	}
	sig := encodeSignature(t.Signer.Algorithm(), raw)
	if formBody {
		body = []byte(join(string(body), "signature="+sig))
	} else {
		query = join(query, "signature="+sig)
	}
	out.URL.RawQuery = query
	out.URL.ForceQuery = false
	if body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	out.Header.Set("X-MBX-APIKEY", t.APIKey)
	return base.RoundTrip(out)
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "&" + b
}

func hasPair(s, name string) bool {
	for _, kv := range strings.Split(s, "&") {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			return true
		}
	}
	return false
}

// encodeNonASCII percent-encodes bytes >= 0x80 and nothing else: the caller
// chose its encoding of ASCII, and what is sent is what is signed.
func encodeNonASCII(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] < 0x80 {
			if b != nil {
				b = append(b, s[i])
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(s)+16), s[:i]...)
		}
		b = pct.AppendEscape(b, s[i:i+1])
	}
	if b == nil {
		return s
	}
	return string(b)
}

func encodeSignature(alg sign.Algorithm, raw []byte) string {
	return payload.EncodeSignature(alg, raw, true)
}

// Package okx is OKX's v5 API authentication as mbx speaks it: signing,
// server-side verification with OKX's own codes and an explanation of a
// rejection, OKX's server time as a clock source, and a local exchange
// (NewEmulator) that answers a core set of v5 endpoints.
//
// The rules, from https://www.okx.com/docs-v5/en/#overview-rest-authentication:
//
//   - OK-ACCESS-SIGN is base64(HMAC-SHA256(secret, timestamp + method +
//     requestPath + body)), where timestamp is OK-ACCESS-TIMESTAMP exactly
//     as sent (ISO-8601 UTC with milliseconds, e.g. 2020-12-08T09:08:57.715Z),
//     method is upper case, requestPath includes the query string
//     (/api/v5/account/balance?ccy=BTC) and body is the raw request body
//     (empty for GET);
//   - OK-ACCESS-KEY, OK-ACCESS-PASSPHRASE (the passphrase chosen when the key
//     was created, sent as it is) and OK-ACCESS-TIMESTAMP go with it;
//   - a request expires 30 seconds after its timestamp (50102).
//
// Error codes are those of https://www.okx.com/docs-v5/en/#error-code (REST
// API, 50100-50114, all HTTP 401).
package okx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
)

// Name is OKX's name for --exchange and creds profiles.
const Name = "okx"

// Header names, as the v5 docs spell them.
const (
	HeaderKey        = "OK-ACCESS-KEY"
	HeaderSign       = "OK-ACCESS-SIGN"
	HeaderTimestamp  = "OK-ACCESS-TIMESTAMP"
	HeaderPassphrase = "OK-ACCESS-PASSPHRASE"
)

// TimestampLayout is OK-ACCESS-TIMESTAMP's format: ISO-8601 UTC, milliseconds.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// Expiry is how long after its timestamp OKX accepts a request.
const Expiry = 30 * time.Second

// Exchange is OKX v5. The zero value is ready to use.
type Exchange struct{}

var _ exchange.Exchange = Exchange{}

// New returns OKX v5's rules and tools.
func New() Exchange { return Exchange{} }

// Name returns "okx".
func (Exchange) Name() string { return Name }

// Prehash is the string OKX signs: timestamp + METHOD + requestPath (with
// "?query" when there is one) + body.
func Prehash(timestamp, method, path, query string, body []byte) []byte {
	b := make([]byte, 0, len(timestamp)+len(method)+len(path)+1+len(query)+len(body))
	b = append(b, timestamp...)
	b = append(b, method...)
	b = append(b, path...)
	if query != "" {
		b = append(b, '?')
		b = append(b, query...)
	}
	return append(b, body...)
}

// Sign signs req with c as OKX v5 requires. GET parameters go in the query
// (percent-encoded, in the order given) and POST parameters in a compact
// JSON body of strings (in the order given); those exact bytes are signed.
// It rejects, before anything is signed, what OKX would reject: a missing
// key, secret or passphrase, an asymmetric key (OKX keys are HMAC), a recv
// window (OKX has none), a method other than GET or POST, a path outside
// /api/v5/, repeated parameters.
func (Exchange) Sign(req exchange.Request, c exchange.Credentials) (exchange.Signed, error) {
	switch {
	case c.APIKey == "" || strings.ContainsAny(c.APIKey, " \t\r\n"):
		return exchange.Signed{}, fmt.Errorf("okx: the API key is empty or contains spaces; pass the key OKX shows (--api-key)")
	case c.Signer != nil:
		return exchange.Signed{}, fmt.Errorf("okx: OKX API keys are HMAC only, a %s key cannot sign for OKX; give the secret key (--key-file)", c.Signer.Algorithm())
	case c.Secret.IsZero():
		return exchange.Signed{}, fmt.Errorf("okx: no secret; give the API key's secret key (--key-file)")
	case c.Passphrase.IsZero():
		return exchange.Signed{}, fmt.Errorf("okx: no passphrase; OKX requires the passphrase chosen when the API key was created (--api-passphrase-file)")
	case strings.ContainsAny(string(c.Passphrase.Expose()), "\r\n"):
		return exchange.Signed{}, fmt.Errorf("okx: the passphrase contains a line break (a newline read from its file?); remove it")
	}
	method := strings.ToUpper(req.Method)
	switch method {
	case "GET", "POST":
	default:
		return exchange.Signed{}, fmt.Errorf("okx: method %q: OKX v5 REST takes only GET and POST; use GET to read and POST to change", req.Method)
	}
	if !strings.HasPrefix(req.Path, "/api/v5/") || strings.ContainsAny(req.Path, "?# ") {
		return exchange.Signed{}, fmt.Errorf("okx: path %q: give a v5 path such as /api/v5/account/balance, without a query (pass parameters as NAME=VALUE)", req.Path)
	}
	if req.Time.IsZero() {
		return exchange.Signed{}, fmt.Errorf("okx: the request time is not set; sign with the current (server-synchronised) time")
	}
	if req.RecvWindow != 0 {
		return exchange.Signed{}, fmt.Errorf("okx: OKX has no receive window (a request expires %v after OK-ACCESS-TIMESTAMP); leave the recv window unset", Expiry)
	}
	if err := exchange.CheckParams(req.Params); err != nil {
		return exchange.Signed{}, fmt.Errorf("okx: %w", err)
	}
	s := exchange.Signed{Method: method, Path: req.Path}
	if method == "GET" {
		s.Query = exchange.QueryString(req.Params)
	} else {
		s.Body = exchange.JSONBody(req.Params)
	}
	ts := req.Time.UTC().Format(TimestampLayout)
	s.Payload = Prehash(ts, method, s.Path, s.Query, s.Body)
	s.Signature = base64.StdEncoding.EncodeToString(hmacSHA256(c.Secret.Expose(), s.Payload))
	s.Headers = []exchange.Header{
		{Name: HeaderKey, Value: c.APIKey},
		{Name: HeaderSign, Value: s.Signature},
		{Name: HeaderTimestamp, Value: ts},
		{Name: HeaderPassphrase, Value: string(c.Passphrase.Expose())},
	}
	s.Headers = exchange.WithContentType(s.Headers, s.Body) // a POST always has one, "{}" at least
	return s, nil
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// Package gate is Gate.io's API v4 authentication for mbx: how a REST
// request is signed, how Gate's server checks one and which error label it
// answers, where its server time is read, and its local exchange
// (New().NewEmulator).
//
// The rules, from Gate's API v4 documentation, "Authentication" and "API
// Signature string generation"
// (https://www.gate.io/docs/developers/apiv4/en/#authentication) and its
// error label list (https://www.gate.io/docs/developers/apiv4/en/#label-list):
//
//   - the signature string is
//     METHOD + "\n" + /api/v4/path + "\n" + query + "\n" +
//     hex(SHA-512(body)) + "\n" + Timestamp,
//     where the body hash is of the exact body sent and of the empty string
//     when there is none (it is never left empty);
//   - the query in the signature string is the query string WITHOUT URL
//     encoding, in the order of the request URL; mbx therefore signs the
//     decoded form of the query it sends (identical whenever no value needs
//     encoding);
//   - SIGN is hex(HMAC-SHA512(secret, signature string));
//   - Timestamp is seconds since 1970 and must be within 60 seconds of the
//     server's time (REQUEST_EXPIRED);
//   - headers KEY, SIGN and Timestamp; errors are
//     {"label":"INVALID_SIGNATURE","message":"Signature mismatch"} and
//     similar with HTTP 401.
package gate

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
)

// Authentication headers, as Gate spells them.
const (
	HeaderKey       = "KEY"
	HeaderSign      = "SIGN"
	HeaderTimestamp = "Timestamp"
)

// Prefix is the path prefix of every v4 endpoint; it is part of the
// signature string.
const Prefix = "/api/v4"

// TimestampWindow is how far Timestamp may be from the server's time.
const TimestampWindow = 60 * time.Second

// Error labels Gate answers.
const (
	LabelInvalidSignature = "INVALID_SIGNATURE"
	LabelInvalidKey       = "INVALID_KEY"
	LabelRequestExpired   = "REQUEST_EXPIRED"
	LabelMissingHeader    = "MISSING_REQUIRED_HEADER"
	LabelInvalidParam     = "INVALID_PARAM_VALUE"
	LabelOrderNotFound    = "ORDER_NOT_FOUND"
	LabelBalanceNotEnough = "BALANCE_NOT_ENOUGH"
	LabelInvalidPair      = "INVALID_CURRENCY_PAIR"
	LabelForbidden        = "FORBIDDEN"
)

// Exchange is Gate.io API v4. The zero value is ready to use.
type Exchange struct{}

var _ exchange.Exchange = Exchange{}

// New returns Gate.io.
func New() Exchange { return Exchange{} }

// Name is "gate".
func (Exchange) Name() string { return "gate" }

// ErrBadRequest is wrapped by every error Sign returns for input Gate would
// reject or that cannot be signed; nothing is sent then.
var ErrBadRequest = errors.New("gate: bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// Sign signs req as Gate requires: GET and DELETE parameters in the query
// (in the order given, RFC 3986 encoded when sent, signed decoded), POST,
// PUT and PATCH parameters in a JSON body of strings, serialised once.
func (Exchange) Sign(req exchange.Request, c exchange.Credentials) (exchange.Signed, error) {
	if err := checkCredentials(c); err != nil {
		return exchange.Signed{}, err
	}
	method := strings.ToUpper(req.Method)
	if err := checkRequest(method, req); err != nil {
		return exchange.Signed{}, err
	}
	s := exchange.Placed(method, req.Path, req.Params)
	var rawQuery string
	if s.Query != "" {
		rawQuery = rawQueryOf(req.Params)
	}
	ts := strconv.FormatInt(req.Time.Unix(), 10)
	s.Payload = signatureString(nil, method, req.Path, rawQuery, s.Body, ts)
	s.Signature = hex.EncodeToString(newMAC(c.Secret).sum(s.Payload))
	s.Headers = []exchange.Header{
		{Name: HeaderKey, Value: c.APIKey},
		{Name: HeaderSign, Value: s.Signature},
		{Name: HeaderTimestamp, Value: ts},
	}
	s.Headers = exchange.WithContentType(s.Headers, s.Body)
	return s, nil
}

// rawQueryOf is the query as Gate signs it: name=value in order, not
// URL-encoded.
func rawQueryOf(ps []exchange.Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

// decodeQuery turns a query as sent into the form Gate signs: each name and
// value percent-decoded, order and separators kept. A malformed escape is
// kept as sent.
func decodeQuery(q string) string {
	if !strings.ContainsRune(q, '%') {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, value, hasEq := strings.Cut(p, "=")
		dn, err1 := pct.Unescape(name)
		dv, err2 := pct.Unescape(value)
		if err1 != nil || err2 != nil {
			continue
		}
		if hasEq {
			parts[i] = dn + "=" + dv
		} else {
			parts[i] = dn
		}
	}
	return strings.Join(parts, "&")
}

func checkCredentials(c exchange.Credentials) error {
	switch {
	case c.Signer != nil:
		return badRequest("Gate signs with the HMAC secret only; an %s key is the wrong kind: give the APIv4 secret shown when the key was created", c.Signer.Algorithm())
	case c.APIKey == "":
		return badRequest("the API key is empty; pass --api-key")
	case c.Secret.IsZero():
		return badRequest("the API secret is empty; pass --key-file with the APIv4 secret")
	case !c.Passphrase.IsZero():
		return badRequest("Gate API keys have no passphrase; drop --api-passphrase-file")
	case strings.ContainsAny(c.APIKey, "\r\n \t"):
		return badRequest("the API key contains whitespace; copy it again without line breaks or spaces")
	}
	return nil
}

func checkRequest(method string, req exchange.Request) error {
	switch method {
	case "GET", "DELETE", "POST", "PUT", "PATCH":
	default:
		return badRequest("method %q: Gate's REST API takes GET, POST, PUT, PATCH or DELETE", req.Method)
	}
	switch {
	case !strings.HasPrefix(req.Path, Prefix+"/"):
		return badRequest("path %q: Gate v4 paths start with /api/v4/ (e.g. /api/v4/spot/accounts), and the prefix is signed", req.Path)
	case strings.ContainsAny(req.Path, "?# "):
		return badRequest("path %q: give query parameters as NAME=VALUE, not in the path", req.Path)
	case req.Time.IsZero():
		return badRequest("the timestamp is not set; take it from the exchange's clock")
	}
	if err := exchange.CheckParams(req.Params); err != nil {
		return badRequest("%v", err)
	}
	if method == "POST" && req.Path == Prefix+"/spot/orders" {
		return checkOrder(req.Params)
	}
	return nil
}

// checkOrder applies the rules Gate's POST /spot/orders rejects with
// INVALID_PARAM_VALUE or MISSING_REQUIRED_PARAM.
func checkOrder(ps []exchange.Param) error {
	get := func(name string) string { return exchange.ParamValue(ps, name) }
	if p := get("currency_pair"); p == "" || !strings.Contains(p, "_") {
		return badRequest("currency_pair %q: Gate pairs are BASE_QUOTE, e.g. currency_pair=BTC_USDT", p)
	}
	if s := get("side"); s != "buy" && s != "sell" {
		return badRequest("side %q: Gate takes side=buy or side=sell (lower case)", s)
	}
	if get("amount") == "" {
		return badRequest("amount is required")
	}
	switch t := get("type"); t {
	case "", "limit":
		if get("price") == "" {
			return badRequest("a limit order needs price")
		}
	case "market":
	default:
		return badRequest("type %q: Gate takes type=limit or type=market", t)
	}
	if t := get("text"); t != "" && !strings.HasPrefix(t, "t-") {
		return badRequest("text %q: a custom order id must start with t-", t)
	}
	return nil
}

// signatureString appends Gate's signature string to dst.
func signatureString(dst []byte, method, path, query string, body []byte, ts string) []byte {
	sum := sha512.Sum512(body)
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = append(dst, path...)
	dst = append(dst, '\n')
	dst = append(dst, query...)
	dst = append(dst, '\n')
	dst = hex.AppendEncode(dst, sum[:])
	dst = append(dst, '\n')
	return append(dst, ts...)
}

// mac is HMAC-SHA512 with its keyed state prepared once: Reset restores
// the state after the key, so signing does not re-derive the pads.
type mac struct{ h hash.Hash }

func newMAC(key secret.Value) mac { return mac{hmac.New(sha512.New, key.Expose())} }

func (m mac) sum(msg []byte) []byte {
	m.h.Reset()
	m.h.Write(msg)
	return m.h.Sum(nil)
}

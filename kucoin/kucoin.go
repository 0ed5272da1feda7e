// Package kucoin is KuCoin's authentication for mbx: how a REST request is
// signed, how KuCoin's server checks one and which error it answers, where
// its server time is read, and its local exchange (New().NewEmulator).
//
// The rules, from KuCoin's API documentation, "Signing a Message"
// (https://www.kucoin.com/docs/basic-info/connection-method/authentication/signing-a-message)
// and its error-code pages
// (https://www.kucoin.com/docs/basic-info/errors-code/spot-errors-code,
// https://www.kucoin.com/docs-new/error-code):
//
//   - the prehash is KC-API-TIMESTAMP + METHOD + requestPath + body, where
//     requestPath includes "?query" exactly as sent for GET and DELETE, and
//     body is the JSON body exactly as sent for POST (empty otherwise);
//   - KC-API-SIGN is base64(HMAC-SHA256(secret, prehash));
//   - KC-API-TIMESTAMP is milliseconds since 1970 and must be within 5
//     seconds of the server's time (400002);
//   - KC-API-PASSPHRASE is, for key versions 2 and 3,
//     base64(HMAC-SHA256(secret, passphrase)); version 1 sent it in clear;
//     KC-API-KEY-VERSION says which;
//   - the errors are {"code":"400001".."400005","msg":...}: 400001 a
//     header is missing, 400002 timestamp, 400003 unknown key, 400004
//     passphrase, 400005 signature.
package kucoin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sign"
)

// Authentication headers, as KuCoin spells them.
const (
	HeaderKey        = "KC-API-KEY"
	HeaderSign       = "KC-API-SIGN"
	HeaderTimestamp  = "KC-API-TIMESTAMP"
	HeaderPassphrase = "KC-API-PASSPHRASE"
	HeaderKeyVersion = "KC-API-KEY-VERSION"
)

// DefaultKeyVersion is the key version KuCoin issues today (and ccxt sends).
const DefaultKeyVersion = "2"

// TimestampWindow is how far KC-API-TIMESTAMP may be from the server's
// time, either way.
const TimestampWindow = 5 * time.Second

// Error codes KuCoin answers for authentication.
const (
	CodeOK                = "200000"
	CodeMissingHeader     = "400001"
	CodeInvalidTimestamp  = "400002"
	CodeKeyNotExists      = "400003"
	CodeInvalidPassphrase = "400004"
	CodeInvalidSign       = "400005"
	CodeInvalidKeyVersion = "400009"
	CodeParameterError    = "400100"
	CodeBalance           = "200004"
	CodeNotFound          = "404000"
)

// Exchange is KuCoin. The zero value is ready to use.
type Exchange struct{}

var _ exchange.Exchange = Exchange{}

// New returns KuCoin.
func New() Exchange { return Exchange{} }

// Name is "kucoin".
func (Exchange) Name() string { return "kucoin" }

// ErrBadRequest is wrapped by every error Sign returns for input KuCoin
// would reject or that cannot be signed; nothing is sent then.
var ErrBadRequest = errors.New("kucoin: bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// Sign signs req as KuCoin requires: GET and DELETE parameters in the query
// (in the order given, RFC 3986 encoded), POST and PUT parameters in a JSON
// body of strings (in the order given), serialised once.
func (Exchange) Sign(req exchange.Request, c exchange.Credentials) (exchange.Signed, error) {
	version, err := checkCredentials(c)
	if err != nil {
		return exchange.Signed{}, err
	}
	method := strings.ToUpper(req.Method)
	if err := checkRequest(method, req); err != nil {
		return exchange.Signed{}, err
	}
	s := exchange.Placed(method, req.Path, req.Params)
	ts := strconv.FormatInt(req.Time.UnixMilli(), 10)
	h, err := sign.NewHMAC(c.Secret)
	if err != nil {
		return exchange.Signed{}, badRequest("%v", err)
	}
	s.Payload = prehash(nil, ts, method, s.Target(), s.Body)
	mac, _ := h.AppendSign(nil, s.Payload)
	s.Signature = base64.StdEncoding.EncodeToString(mac)
	s.Headers = []exchange.Header{
		{Name: HeaderKey, Value: c.APIKey},
		{Name: HeaderSign, Value: s.Signature},
		{Name: HeaderTimestamp, Value: ts},
		{Name: HeaderPassphrase, Value: passphraseWith(h, c.Passphrase.Expose(), version)},
		{Name: HeaderKeyVersion, Value: version},
	}
	s.Headers = exchange.WithContentType(s.Headers, s.Body)
	return s, nil
}

func checkCredentials(c exchange.Credentials) (string, error) {
	switch {
	case c.Signer != nil:
		return "", badRequest("KuCoin signs with the HMAC secret only; an %s key is the wrong kind: give the API secret shown when the key was created", c.Signer.Algorithm())
	case c.APIKey == "":
		return "", badRequest("the API key is empty; pass --api-key")
	case c.Secret.IsZero():
		return "", badRequest("the API secret is empty; pass --key-file with the secret shown when the key was created")
	case c.Passphrase.IsZero():
		return "", badRequest("KuCoin needs the API passphrase chosen when the key was created; pass --api-passphrase-file")
	}
	if strings.ContainsAny(c.APIKey, "\r\n \t") {
		return "", badRequest("the API key contains whitespace; copy it again without line breaks or spaces")
	}
	v := c.KeyVersion
	if v == "" {
		v = DefaultKeyVersion
	}
	if v != "1" && v != "2" && v != "3" {
		return "", badRequest("key version %q is not one KuCoin knows; use 2 or 3 (the API page shows it), 1 only for old keys", v)
	}
	return v, nil
}

func checkRequest(method string, req exchange.Request) error {
	switch method {
	case "GET", "DELETE", "POST", "PUT":
	default:
		return badRequest("method %q: KuCoin's REST API takes GET, POST, PUT or DELETE", req.Method)
	}
	switch {
	case !strings.HasPrefix(req.Path, "/api/"):
		return badRequest("path %q: KuCoin paths start with /api/ (e.g. /api/v1/accounts)", req.Path)
	case strings.ContainsAny(req.Path, "?# "):
		return badRequest("path %q: give query parameters as NAME=VALUE, not in the path", req.Path)
	case req.Time.IsZero():
		return badRequest("the timestamp is not set; take it from the exchange's clock")
	}
	if err := exchange.CheckParams(req.Params); err != nil {
		return badRequest("%v", err)
	}
	if method == "POST" && req.Path == "/api/v1/orders" {
		return checkOrder(req.Params)
	}
	return nil
}

// checkOrder applies the rules KuCoin's POST /api/v1/orders rejects with
// 400100 before any signature matters.
func checkOrder(ps []exchange.Param) error {
	get := func(name string) string { return exchange.ParamValue(ps, name) }
	if get("clientOid") == "" {
		return badRequest("clientOid is required: add clientOid=<a unique id>")
	}
	if s := get("side"); s != "buy" && s != "sell" {
		return badRequest("side %q: KuCoin takes side=buy or side=sell (lower case)", s)
	}
	if get("symbol") == "" || !strings.Contains(get("symbol"), "-") {
		return badRequest("symbol %q: KuCoin symbols are BASE-QUOTE, e.g. symbol=BTC-USDT", get("symbol"))
	}
	switch t := get("type"); t {
	case "", "limit":
		if get("price") == "" || get("size") == "" {
			return badRequest("a limit order needs price and size")
		}
	case "market":
		if (get("size") == "") == (get("funds") == "") {
			return badRequest("a market order needs exactly one of size or funds")
		}
	default:
		return badRequest("type %q: KuCoin takes type=limit or type=market", t)
	}
	return nil
}

// prehash appends timestamp + METHOD + requestPath + body to dst.
func prehash(dst []byte, ts, method, target string, body []byte) []byte {
	dst = append(dst, ts...)
	dst = append(dst, method...)
	dst = append(dst, target...)
	return append(dst, body...)
}

// passphraseWith is passphraseHeader with the secret's keyed state h
// already prepared for the signature.
func passphraseWith(h *sign.HMAC, passphrase []byte, version string) string {
	if version == "1" {
		return string(passphrase)
	}
	mac, _ := h.AppendSign(nil, passphrase)
	return base64.StdEncoding.EncodeToString(mac)
}

// passphraseHeader is the KC-API-PASSPHRASE value for a key version.
func passphraseHeader(secret, passphrase []byte, version string) string {
	if version == "1" {
		return string(passphrase)
	}
	m := hmac.New(sha256.New, secret)
	m.Write(passphrase)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Package bybit is Bybit's v5 API authentication as mbx speaks it: signing,
// server-side verification with Bybit's own codes and an explanation of a
// rejection, Bybit's server time as a clock source, and a local exchange
// (NewEmulator) that answers a core set of v5 endpoints.
//
// The rules, from https://bybit-exchange.github.io/docs/v5/guide
// ("Authentication"):
//
//   - the string signed is timestamp + apiKey + recvWindow + payload, where
//     payload is the query string exactly as sent for GET (never sorted) and
//     the raw JSON body for POST;
//   - HMAC-SHA256 keys (system-generated) give lower-case hex; RSA keys
//     (self-generated) give base64 of RSA-SHA256 (PKCS#1 v1.5);
//   - headers X-BAPI-API-KEY, X-BAPI-TIMESTAMP (milliseconds), X-BAPI-SIGN and
//     X-BAPI-RECV-WINDOW (milliseconds, default 5000);
//   - the timestamp must satisfy
//     server_time - recv_window <= timestamp < server_time + 1000.
//
// Error codes are those of https://bybit-exchange.github.io/docs/v5/error:
// 10002 (time window), 10003 (invalid key), 10004 (signature), 10001
// (parameters).
package bybit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sign"
)

// Name is Bybit's name for --exchange and creds profiles.
const Name = "bybit"

// DefaultRecvWindow is Bybit's recv_window when X-BAPI-RECV-WINDOW is not
// sent.
const DefaultRecvWindow = 5 * time.Second

// Header names, as the v5 guide spells them.
const (
	HeaderAPIKey     = "X-BAPI-API-KEY"
	HeaderTimestamp  = "X-BAPI-TIMESTAMP"
	HeaderSign       = "X-BAPI-SIGN"
	HeaderRecvWindow = "X-BAPI-RECV-WINDOW"
)

// Exchange is Bybit v5. The zero value is ready to use.
type Exchange struct{}

var _ exchange.Exchange = Exchange{}

// New returns Bybit v5's rules and tools.
func New() Exchange { return Exchange{} }

// Name returns "bybit".
func (Exchange) Name() string { return Name }

// Prehash is the string Bybit signs: timestamp + apiKey + recvWindow +
// payload, where payload is the query as sent (GET) or the body (POST).
func Prehash(timestampMs, apiKey, recvWindowMs string, payload []byte) []byte {
	b := make([]byte, 0, len(timestampMs)+len(apiKey)+len(recvWindowMs)+len(payload))
	b = append(b, timestampMs...)
	b = append(b, apiKey...)
	b = append(b, recvWindowMs...)
	return append(b, payload...)
}

// Sign signs req with c as Bybit v5 requires. GET parameters go in the query
// (percent-encoded, in the order given) and POST parameters in a compact JSON
// body of strings (in the order given); those exact bytes are signed. It
// rejects, before anything is signed, what Bybit would reject: a missing key
// or secret, an Ed25519 key, a passphrase (Bybit keys have none), a method
// other than GET or POST, a path outside /v5/, repeated parameters.
func (Exchange) Sign(req exchange.Request, c exchange.Credentials) (exchange.Signed, error) {
	if err := checkCredentials(c); err != nil {
		return exchange.Signed{}, err
	}
	method := strings.ToUpper(req.Method)
	switch method {
	case "GET", "POST":
	default:
		return exchange.Signed{}, fmt.Errorf("bybit: method %q: Bybit v5 takes only GET and POST (its HTTP 400 otherwise); use GET to read and POST to change", req.Method)
	}
	if !strings.HasPrefix(req.Path, "/v5/") || strings.ContainsAny(req.Path, "?# ") {
		return exchange.Signed{}, fmt.Errorf("bybit: path %q: give a v5 path such as /v5/account/wallet-balance, without a query (pass parameters as NAME=VALUE)", req.Path)
	}
	if req.Time.IsZero() {
		return exchange.Signed{}, fmt.Errorf("bybit: the request time is not set; sign with the current (server-synchronised) time")
	}
	rw := req.RecvWindow
	if rw == 0 {
		rw = DefaultRecvWindow
	}
	if rw < time.Millisecond || rw%time.Millisecond != 0 {
		return exchange.Signed{}, fmt.Errorf("bybit: recv window %v: give a whole number of milliseconds, at least 1 ms (default 5000 ms)", rw)
	}
	if err := exchange.CheckParams(req.Params); err != nil {
		return exchange.Signed{}, fmt.Errorf("bybit: %w", err)
	}
	s := exchange.Signed{Method: method, Path: req.Path}
	var payload []byte
	if method == "GET" {
		s.Query = exchange.QueryString(req.Params)
		payload = []byte(s.Query)
	} else {
		s.Body = exchange.JSONBody(req.Params)
		payload = s.Body
	}
	ts := strconv.FormatInt(req.Time.UnixMilli(), 10)
	rws := strconv.FormatInt(rw.Milliseconds(), 10)
	s.Payload = Prehash(ts, c.APIKey, rws, payload)
	sig, err := signPayload(s.Payload, c)
	if err != nil {
		return exchange.Signed{}, err
	}
	s.Signature = sig
	s.Headers = []exchange.Header{
		{Name: HeaderAPIKey, Value: c.APIKey},
		{Name: HeaderTimestamp, Value: ts},
		{Name: HeaderRecvWindow, Value: rws},
		{Name: HeaderSign, Value: sig},
	}
	s.Headers = exchange.WithContentType(s.Headers, s.Body) // a POST always has one, "{}" at least
	return s, nil
}

func checkCredentials(c exchange.Credentials) error {
	switch {
	case c.APIKey == "" || strings.ContainsAny(c.APIKey, " \t\r\n"):
		return fmt.Errorf("bybit: the API key is empty or contains spaces; pass the key Bybit shows (--api-key)")
	case !c.Passphrase.IsZero():
		return fmt.Errorf("bybit: Bybit API keys have no passphrase; drop --api-passphrase-file")
	case c.Signer != nil:
		if c.Signer.Algorithm() != sign.RSASHA256 {
			return fmt.Errorf("bybit: a %s key cannot sign for Bybit, which takes HMAC (system-generated) or RSA (self-generated) keys; use one of those", c.Signer.Algorithm())
		}
	case c.Secret.IsZero():
		return fmt.Errorf("bybit: no secret; give the HMAC secret (--key-file) or an RSA private key")
	}
	return nil
}

// signPayload is hex HMAC-SHA256, or base64 RSA-SHA256 for an RSA key.
func signPayload(payload []byte, c exchange.Credentials) (string, error) {
	if c.Signer != nil {
		raw, err := c.Signer.AppendSign(nil, payload)
		if err != nil {
			return "", fmt.Errorf("bybit: RSA signing: %w", err)
		}
		return base64.StdEncoding.EncodeToString(raw), nil
	}
	return hex.EncodeToString(hmacSHA256(c.Secret.Expose(), payload)), nil
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

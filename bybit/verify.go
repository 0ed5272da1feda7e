package bybit

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sign"
)

// Bybit's retCodes for authentication (https://bybit-exchange.github.io/docs/v5/error).
const (
	CodeOK           = "0"
	CodeParams       = "10001" // request parameter error (also: empty auth headers)
	CodeTimeWindow   = "10002" // the request time exceeds the time window range
	CodeInvalidKey   = "10003" // API key is invalid
	CodeSign         = "10004" // error sign
	CodePermission   = "10005"
	CodeOrderMissing = "110001" // order does not exist
	CodeInsufficient = "110007" // insufficient available balance
)

// maxRecvWindow bounds the window the emulator accepts; Bybit documents no
// maximum, so this only stops an absurd value (a year) from disabling the
// check. UNCONFIRMED upper bound; see docs/exchanges.md.
const maxRecvWindow = 24 * time.Hour

// Verify checks r as Bybit v5 does at server time now and explains a
// rejection. The recv window in the signed string is X-BAPI-RECV-WINDOW
// exactly as sent (empty when absent, in which case the window is 5000 ms).
func (Exchange) Verify(r exchange.Incoming, lookup exchange.Lookup, now time.Time) exchange.Verdict {
	h := r.Header
	key, ts, sig, rw := h.Get(HeaderAPIKey), h.Get(HeaderTimestamp), h.Get(HeaderSign), h.Get(HeaderRecvWindow)
	if key == "" || ts == "" || sig == "" {
		return exchange.Verdict{Status: http.StatusUnauthorized, Code: CodeParams, APIKey: key,
			Message:     fmt.Sprintf("empty value: apiTimestamp[%s] apiKey[%s] apiSignature[%s]", clipHeader(ts), clipHeader(key), clipHeader(sig)),
			Explanation: "a signed Bybit request needs the headers X-BAPI-API-KEY, X-BAPI-TIMESTAMP and X-BAPI-SIGN (and optionally X-BAPI-RECV-WINDOW); one is missing or empty"}
	}
	v := exchange.Verdict{APIKey: key}
	c, ok := lookup(key)
	if !ok {
		v.Status, v.Code, v.Message = http.StatusUnauthorized, CodeInvalidKey, "API key is invalid."
		v.Explanation = "the exchange knows no such API key: check the key, and that it belongs to this environment (mainnet, testnet, demo)"
		if t := strings.TrimSpace(strings.Trim(key, `"'`)); t != key {
			if _, ok := lookup(t); ok {
				v.Explanation = "the API key was sent with surrounding quotes or spaces; send the key alone"
			}
		}
		return v
	}
	window := DefaultRecvWindow
	if rw != "" {
		n, err := strconv.ParseInt(rw, 10, 64)
		if err != nil || n <= 0 || time.Duration(n)*time.Millisecond > maxRecvWindow {
			v.Status, v.Code = http.StatusOK, CodeParams
			v.Message = "recv_window must be a positive integer number of milliseconds"
			v.Explanation = fmt.Sprintf("X-BAPI-RECV-WINDOW is %q; send milliseconds as an integer, e.g. 5000", clipHeader(rw))
			return v
		}
		window = time.Duration(n) * time.Millisecond
	}
	tsMs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		v.Status, v.Code = http.StatusOK, CodeTimeWindow
		v.Message = "invalid request, please check your server timestamp or recv_window param"
		v.Explanation = fmt.Sprintf("X-BAPI-TIMESTAMP is %q; Bybit wants Unix time in milliseconds as an integer", clipHeader(ts))
		return v
	}
	serverMs := now.UnixMilli()
	if !(serverMs-window.Milliseconds() <= tsMs && tsMs < serverMs+1000) {
		v.Status, v.Code = http.StatusOK, CodeTimeWindow
		v.Message = fmt.Sprintf("invalid request, please check your server timestamp or recv_window param. req_timestamp[%d],server_timestamp[%d],recv_window[%d]", tsMs, serverMs, window.Milliseconds())
		v.Explanation = explainTime(tsMs, serverMs, window.Milliseconds())
		return v
	}
	payload := []byte(r.RawQuery)
	if strings.EqualFold(r.Method, "POST") {
		payload = r.Body
	}
	origin := Prehash(ts, key, rw, payload)
	check, err := checker(c, sig)
	if err != nil {
		v.Status, v.Code, v.Message = http.StatusOK, CodeSign, "error sign! "+err.Error()
		v.Explanation = err.Error()
		return v
	}
	if check(origin, nil) {
		return exchange.Verdict{OK: true, APIKey: key, Status: http.StatusOK, Code: CodeOK, Message: "OK"}
	}
	v.Status, v.Code = http.StatusOK, CodeSign
	v.Message = "error sign! origin_string[" + string(origin) + "]"
	v.Mistakes = mistakes(r, key, ts, rw, payload, c, sig, check)
	if len(v.Mistakes) > 0 {
		v.Explanation = "the signature matches a request signed differently from the one sent: " + strings.Join(v.Mistakes, "; ")
	} else {
		v.Explanation = "the signature does not match timestamp+apiKey+recvWindow+payload as sent (shown in origin_string) with this key's secret, and no known mistake reproduces it: check the secret"
	}
	return v
}

// checker returns a function that reports whether sig signs msg, with the
// real secret or (HMAC only) with secret, when non-nil. Hex is compared in
// lower case as Bybit's examples produce it.
func checker(c exchange.Credentials, sig string) (func(msg, secret []byte) bool, error) {
	if c.Signer != nil {
		pub, err := sign.Public(c.Signer)
		if err != nil {
			return nil, fmt.Errorf("the key's public key is unavailable: %w", err)
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			return nil, fmt.Errorf("X-BAPI-SIGN is not base64, as an RSA key's signature must be: %w", err)
		}
		return func(msg, secret []byte) bool { return secret == nil && pub.Verify(msg, raw) == nil }, nil
	}
	want, err := hex.DecodeString(sig)
	if err != nil || len(want) != 32 || sig != strings.ToLower(sig) {
		want = nil // malformed: nothing matches, but the mistake search still runs
	}
	return func(msg, secret []byte) bool {
		if secret == nil {
			secret = c.Secret.Expose()
		}
		return want != nil && hmac.Equal(hmacSHA256(secret, msg), want)
	}, nil
}

func mistakes(r exchange.Incoming, key, ts, rw string, payload []byte, c exchange.Credentials, sig string, check func(msg, secret []byte) bool) []string {
	var attempts []exchange.Variant
	isPost := strings.EqualFold(r.Method, "POST")
	if isPost {
		attempts = append(attempts, exchange.BodyVariants(r.Body)...)
		if r.RawQuery != "" {
			attempts = append(attempts, exchange.Variant{Mistake: "the query string was signed instead of the JSON body; a POST signs its body", Value: []byte(r.RawQuery)})
		}
		attempts = append(attempts, exchange.Variant{Mistake: "the body was not signed; a POST signs timestamp+apiKey+recvWindow+body", Value: nil})
	} else {
		attempts = append(attempts, exchange.QueryVariants(r.RawQuery)...)
		attempts = append(attempts, exchange.Variant{Mistake: "an empty JSON body {} was signed for a GET; a GET signs its query string", Value: []byte("{}")})
	}
	var found []string
	found = append(found, exchange.Search(attempts, func(p []byte) bool { return check(Prehash(ts, key, rw, p), nil) })...)
	// Mistakes in the other parts of the signed string.
	other := []exchange.Variant{
		{Mistake: "the recv window was left out of the signed string; sign timestamp+apiKey+recvWindow+payload", Value: Prehash(ts, key, "", payload)},
		{Mistake: "the API key was left out of the signed string; sign timestamp+apiKey+recvWindow+payload", Value: Prehash(ts, "", rw, payload)},
		{Mistake: "the parts were signed in the wrong order (apiKey+timestamp+recvWindow+payload); sign timestamp+apiKey+recvWindow+payload", Value: Prehash(key, ts, rw, payload)},
		{Mistake: "the parts were signed in the wrong order (timestamp+recvWindow+apiKey+payload); sign timestamp+apiKey+recvWindow+payload", Value: Prehash(ts, rw, key, payload)},
	}
	if rw == "" {
		other = append(other, exchange.Variant{Mistake: "the string was signed with recv window 5000 but X-BAPI-RECV-WINDOW was not sent; send the header with the value signed", Value: Prehash(ts, key, "5000", payload)})
	}
	found = append(found, exchange.Search(other, func(m []byte) bool { return check(m, nil) })...)
	if c.Signer == nil {
		origin := Prehash(ts, key, rw, payload)
		found = append(found, exchange.Search(exchange.SecretVariants(c.Secret.Expose()), func(s []byte) bool { return check(origin, s) })...)
		mac := hmacSHA256(c.Secret.Expose(), origin)
		switch sig {
		case strings.ToUpper(hex.EncodeToString(mac)):
			found = append(found, "the signature is upper-case hex; send HMAC-SHA256 as lower-case hex")
		case base64.StdEncoding.EncodeToString(mac):
			found = append(found, "the signature is base64; Bybit wants HMAC-SHA256 as lower-case hex (base64 is for RSA keys)")
		}
	}
	if bytes.Contains([]byte(ts), []byte(".")) {
		found = append(found, "the timestamp has a fraction; send integer milliseconds")
	}
	return found
}

// explainTime says why ts is outside [server-window, server+1000).
func explainTime(tsMs, serverMs, windowMs int64) string {
	switch {
	case tsMs > 0 && tsMs < 1e11 && inWindow(tsMs*1000, serverMs, windowMs+1000):
		return "X-BAPI-TIMESTAMP is in seconds; Bybit wants milliseconds (multiply by 1000)"
	case tsMs > 1e14 && inWindow(tsMs/1000, serverMs, windowMs+1000):
		return "X-BAPI-TIMESTAMP is in microseconds; Bybit wants milliseconds (divide by 1000)"
	case tsMs >= serverMs+1000:
		return fmt.Sprintf("the timestamp is %d ms ahead of the server; Bybit accepts at most 999 ms ahead: the client clock runs fast, sync it with GET /v5/market/time (mbx's clock does)", tsMs-serverMs)
	default:
		return fmt.Sprintf("the timestamp is %d ms behind the server, more than the recv window of %d ms: the client clock runs slow or the request was delayed; sync with GET /v5/market/time, or raise X-BAPI-RECV-WINDOW", serverMs-tsMs, windowMs)
	}
}

func inWindow(ts, server, window int64) bool { return ts >= server-window && ts < server+1000 }

func clipHeader(s string) string { return exchange.Clip(s, 64) }

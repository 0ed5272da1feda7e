package okx

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
)

// OKX's REST authentication codes (https://www.okx.com/docs-v5/en/#error-code),
// all answered with HTTP 401.
const (
	CodeOK               = "0"
	CodeTimestampExpired = "50102" // Timestamp request expired
	CodeKeyEmpty         = "50103" // OK-ACCESS-KEY cannot be empty
	CodePassphraseEmpty  = "50104" // OK-ACCESS-PASSPHRASE cannot be empty
	CodePassphrase       = "50105" // OK-ACCESS-PASSPHRASE incorrect
	CodeSignEmpty        = "50106" // OK-ACCESS-SIGN cannot be empty
	CodeTimestampEmpty   = "50107" // OK-ACCESS-TIMESTAMP cannot be empty
	CodeInvalidKey       = "50111" // Invalid OK-ACCESS-KEY
	CodeInvalidTimestamp = "50112" // Invalid OK-ACCESS-TIMESTAMP
	CodeSign             = "50113" // Invalid Sign
)

func reject(key, code, msg, expl string) exchange.Verdict {
	return exchange.Unauthorized(key, code, msg, expl)
}

// Verify checks r as OKX v5 does at server time now and explains a
// rejection. The order of the checks (headers, key, passphrase, timestamp,
// signature) follows the codes' numbering; a request whose timestamp is more
// than 30 s away from the server's, in either direction, is 50102
// (UNCONFIRMED for future timestamps; see docs/exchanges.md).
func (Exchange) Verify(r exchange.Incoming, lookup exchange.Lookup, now time.Time) exchange.Verdict {
	h := r.Header
	key, sig, ts, pass := h.Get(HeaderKey), h.Get(HeaderSign), h.Get(HeaderTimestamp), h.Get(HeaderPassphrase)
	const hdrs = "a signed OKX request needs OK-ACCESS-KEY, OK-ACCESS-SIGN, OK-ACCESS-TIMESTAMP and OK-ACCESS-PASSPHRASE"
	switch {
	case key == "":
		return reject(key, CodeKeyEmpty, `Request header "OK-ACCESS-KEY" cannot be empty.`, hdrs+"; OK-ACCESS-KEY is missing")
	case pass == "":
		return reject(key, CodePassphraseEmpty, `Request header "OK-ACCESS-PASSPHRASE" cannot be empty.`, hdrs+"; OK-ACCESS-PASSPHRASE is missing: send the passphrase chosen when the key was created")
	case sig == "":
		return reject(key, CodeSignEmpty, `Request header "OK-ACCESS-SIGN" cannot be empty.`, hdrs+"; OK-ACCESS-SIGN is missing")
	case ts == "":
		return reject(key, CodeTimestampEmpty, `Request header "OK-ACCESS-TIMESTAMP" cannot be empty.`, hdrs+"; OK-ACCESS-TIMESTAMP is missing")
	}
	c, ok := lookup(key)
	if !ok {
		v := reject(key, CodeInvalidKey, "Invalid OK-ACCESS-KEY", "the exchange knows no such API key: check the key, and that it belongs to this environment (live or demo trading)")
		if t := strings.TrimSpace(strings.Trim(key, `"'`)); t != key {
			if _, ok := lookup(t); ok {
				v.Explanation = "the API key was sent with surrounding quotes or spaces; send the key alone"
			}
		}
		return v
	}
	if want := c.Passphrase.Expose(); subtle.ConstantTimeCompare([]byte(pass), want) != 1 {
		expl := "OK-ACCESS-PASSPHRASE is not this key's passphrase: send the passphrase chosen when the API key was created (not the account password)"
		switch t := []byte(strings.TrimSpace(strings.Trim(pass, `"'`))); {
		case subtle.ConstantTimeCompare(t, want) == 1:
			expl = "the passphrase was sent with surrounding quotes or spaces; send it alone"
		case len(want) > 0 && strings.EqualFold(pass, string(want)):
			expl = "the passphrase differs only in letter case; passphrases are case-sensitive"
		}
		return reject(key, CodePassphrase, `Request header "OK-ACCESS-PASSPHRASE" incorrect.`, expl)
	}
	when, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		expl := fmt.Sprintf("OK-ACCESS-TIMESTAMP is %q; OKX wants ISO-8601 UTC with milliseconds, e.g. 2020-12-08T09:08:57.715Z", clip(ts))
		if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
			unit := "milliseconds"
			if n < 1e11 {
				unit = "seconds"
			}
			expl = fmt.Sprintf("OK-ACCESS-TIMESTAMP is Unix time in %s; OKX's REST API wants ISO-8601 UTC with milliseconds, e.g. %s (Unix seconds are for the WebSocket login only)", unit, now.UTC().Format(TimestampLayout))
		} else if local, err := time.Parse("2006-01-02T15:04:05.999999999", ts); err == nil {
			expl = "OK-ACCESS-TIMESTAMP has no time zone; send UTC with a trailing Z, e.g. " + now.UTC().Format(TimestampLayout)
			if d := local.Sub(now.UTC()).Abs(); d >= 30*time.Minute && d <= 15*time.Hour {
				expl = fmt.Sprintf("OK-ACCESS-TIMESTAMP is local time (%v from UTC) without a zone; send UTC with a trailing Z, e.g. %s", d.Round(time.Minute), now.UTC().Format(TimestampLayout))
			}
		}
		return reject(key, CodeInvalidTimestamp, "Invalid OK-ACCESS-TIMESTAMP", expl)
	}
	if d := now.Sub(when); d > Expiry || d < -Expiry {
		expl := fmt.Sprintf("the timestamp is %v behind the server, more than OKX's %v: the client clock runs slow or the request was delayed; sync with GET /api/v5/public/time (mbx's clock does)", d.Round(time.Millisecond), Expiry)
		if d < 0 {
			expl = fmt.Sprintf("the timestamp is %v ahead of the server: the client clock runs fast; sync with GET /api/v5/public/time (mbx's clock does)", (-d).Round(time.Millisecond))
		}
		return reject(key, CodeTimestampExpired, "Timestamp request expired", expl)
	}
	method := strings.ToUpper(r.Method)
	want := hmacSHA256(c.Secret.Expose(), Prehash(ts, method, r.Path, r.RawQuery, bodyFor(method, r.Body)))
	got, decErr := base64.StdEncoding.DecodeString(sig)
	if decErr == nil && hmac.Equal(got, want) {
		return exchange.Verdict{OK: true, APIKey: key, Status: http.StatusOK, Code: CodeOK}
	}
	v := reject(key, CodeSign, "Invalid Sign", "")
	v.Mistakes = mistakes(r, method, ts, c.Secret.Expose(), sig, got, want, when)
	if len(v.Mistakes) > 0 {
		v.Explanation = "the signature matches a request signed differently from the one sent: " + strings.Join(v.Mistakes, "; ")
	} else {
		v.Explanation = "the signature does not match base64(HMAC-SHA256(secret, timestamp+METHOD+path?query+body)) as sent, and no known mistake reproduces it: check the secret"
	}
	return v
}

// bodyFor is the body OKX signs: the raw body, empty for GET.
func bodyFor(method string, body []byte) []byte {
	if method == "GET" {
		return nil
	}
	return body
}

func mistakes(r exchange.Incoming, method, ts string, secret []byte, sig string, got, want []byte, when time.Time) []string {
	body := bodyFor(method, r.Body)
	check := func(key, msg []byte) bool {
		return got != nil && hmac.Equal(got, hmacSHA256(key, msg))
	}
	var attempts []exchange.Variant
	for _, q := range exchange.QueryVariants(r.RawQuery) {
		attempts = append(attempts, exchange.Variant{Mistake: q.Mistake, Value: Prehash(ts, method, r.Path, string(q.Value), body)})
	}
	for _, b := range exchange.BodyVariants(body) {
		attempts = append(attempts, exchange.Variant{Mistake: b.Mistake, Value: Prehash(ts, method, r.Path, r.RawQuery, b.Value)})
	}
	attempts = append(attempts,
		exchange.Variant{Mistake: "the parts were signed in the wrong order (METHOD+timestamp+path+body); sign timestamp+METHOD+path+body", Value: Prehash(method, ts, r.Path, r.RawQuery, body)},
		exchange.Variant{Mistake: "the method was signed in lower case; sign it in upper case (GET, POST)", Value: Prehash(ts, strings.ToLower(method), r.Path, r.RawQuery, body)},
		exchange.Variant{Mistake: fmt.Sprintf("the timestamp was signed as Unix milliseconds; sign OK-ACCESS-TIMESTAMP exactly as sent (%s)", ts), Value: Prehash(strconv.FormatInt(when.UnixMilli(), 10), method, r.Path, r.RawQuery, body)},
		exchange.Variant{Mistake: fmt.Sprintf("the timestamp was signed as Unix seconds; sign OK-ACCESS-TIMESTAMP exactly as sent (%s)", ts), Value: Prehash(strconv.FormatFloat(float64(when.UnixMilli())/1000, 'f', 3, 64), method, r.Path, r.RawQuery, body)},
	)
	if r.RawQuery != "" {
		attempts = append(attempts, exchange.Variant{Mistake: "the path was signed without its query string; a GET signs /path?query", Value: Prehash(ts, method, r.Path, "", body)})
	}
	if method == "GET" {
		attempts = append(attempts, exchange.Variant{Mistake: "an empty JSON body {} was signed for a GET; a GET signs no body", Value: Prehash(ts, method, r.Path, r.RawQuery, []byte("{}"))})
	} else if len(body) > 0 {
		attempts = append(attempts, exchange.Variant{Mistake: "the body was not signed; a POST signs timestamp+METHOD+path+body", Value: Prehash(ts, method, r.Path, r.RawQuery, nil)})
	}
	found := exchange.Search(attempts, func(m []byte) bool { return check(secret, m) })
	prehash := Prehash(ts, method, r.Path, r.RawQuery, body)
	found = append(found, exchange.Search(exchange.SecretVariants(secret), func(s []byte) bool { return check(s, prehash) })...)
	switch sig {
	case hex.EncodeToString(want), strings.ToUpper(hex.EncodeToString(want)):
		found = append(found, "the signature is hex; OKX wants the HMAC-SHA256 bytes in base64")
	case base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(want))):
		found = append(found, "the signature is base64 of the hex digest; base64-encode the raw HMAC-SHA256 bytes")
	}
	return found
}

func clip(s string) string { return exchange.Clip(s, 64) }

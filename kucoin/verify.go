package kucoin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
)

// Messages KuCoin answers with each code (spot error-code page).
var messages = map[string]string{
	CodeMissingHeader:     "Any of KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE is missing in your request header",
	CodeInvalidTimestamp:  "Invalid KC-API-TIMESTAMP",
	CodeKeyNotExists:      "KC-API-KEY not exists",
	CodeInvalidPassphrase: "Invalid KC-API-PASSPHRASE",
	CodeInvalidSign:       "Invalid KC-API-SIGN",
	CodeInvalidKeyVersion: "Invalid KC-API-KEY-VERSION",
}

func reject(apiKey, code, explanation string, mistakes ...string) exchange.Verdict {
	return exchange.Unauthorized(apiKey, code, messages[code], explanation, mistakes...)
}

// Verify checks r as KuCoin does at server time now: headers present,
// timestamp within 5 s, key known, key version and passphrase right,
// signature over the bytes received. A rejection names the client step
// that reproduces the signature sent, when one does.
func (Exchange) Verify(r exchange.Incoming, lookup exchange.Lookup, now time.Time) exchange.Verdict {
	key := r.Header.Get(HeaderKey)
	sig := r.Header.Get(HeaderSign)
	ts := r.Header.Get(HeaderTimestamp)
	pass := r.Header.Get(HeaderPassphrase)
	missing := exchange.MissingHeaders(r.Header, HeaderKey, HeaderSign, HeaderTimestamp, HeaderPassphrase)
	if len(missing) > 0 {
		return reject(key, CodeMissingHeader, "the request lacks "+strings.Join(missing, ", ")+"; every private KuCoin endpoint needs all four authentication headers")
	}
	ms, err := strconv.ParseFloat(ts, 64)
	if err != nil || math.IsNaN(ms) || math.IsInf(ms, 0) {
		return reject(key, CodeInvalidTimestamp, fmt.Sprintf("KC-API-TIMESTAMP %q is not a number of milliseconds since 1970", clip(ts)))
	}
	if v := timestampProblem(ms, now); v != "" {
		return reject(key, CodeInvalidTimestamp, v)
	}
	c, ok := lookup(key)
	if !ok {
		return reject(key, CodeKeyNotExists, "no such API key: check KC-API-KEY (and that the key belongs to this environment, live or sandbox)")
	}
	secret := c.Secret.Expose()
	keyVersion := c.KeyVersion
	if keyVersion == "" {
		keyVersion = DefaultKeyVersion
	}
	sentVersion := r.Header.Get(HeaderKeyVersion)
	if sentVersion == "" {
		sentVersion = "1" // no header: KuCoin reads the passphrase in clear, as for version 1
	}
	// Versions 2 and 3 sign the passphrase the same way; the local exchange
	// does not tell them apart.
	if sentVersion != keyVersion && !(signedVersion(sentVersion) && signedVersion(keyVersion)) {
		expl := fmt.Sprintf("KC-API-KEY-VERSION says %q but this key is version %s: send KC-API-KEY-VERSION: %s", sentVersion, keyVersion, keyVersion)
		if sentVersion != "1" && sentVersion != "2" && sentVersion != "3" {
			return reject(key, CodeInvalidKeyVersion, expl)
		}
		return reject(key, CodeInvalidPassphrase, expl+" and the passphrase as that version wants it")
	}
	if want := passphraseHeader(secret, c.Passphrase.Expose(), keyVersion); !hmac.Equal([]byte(want), []byte(pass)) {
		return reject(key, CodeInvalidPassphrase, "KC-API-PASSPHRASE does not match this key", passphraseMistakes(secret, c.Passphrase.Expose(), keyVersion, pass)...)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	target := r.Path
	if r.RawQuery != "" {
		target += "?" + r.RawQuery
	}
	payload := prehash(nil, ts, r.Method, target, r.Body)
	if err == nil && hmac.Equal(macOf(secret, payload), got) {
		return exchange.Verdict{OK: true, APIKey: key, Status: http.StatusOK, Code: CodeOK}
	}
	return reject(key, CodeInvalidSign,
		fmt.Sprintf("KC-API-SIGN is not base64(HMAC-SHA256(secret, %q))", clip(string(payload))),
		signMistakes(secret, sig, ts, r)...)
}

func signedVersion(v string) bool { return v == "2" || v == "3" }

func macOf(secret, msg []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(msg)
	return m.Sum(nil)
}

func clip(s string) string { return exchange.Clip(s, 300) }

// timestampProblem explains a timestamp outside KuCoin's 5 s window, with
// the unit when it is plainly seconds or microseconds.
func timestampProblem(ms float64, now time.Time) string {
	nowMs := float64(now.UnixMilli())
	diff := ms - nowMs
	if math.Abs(diff) <= float64(TimestampWindow.Milliseconds()) {
		return ""
	}
	switch {
	case ms > 0 && math.Abs(ms*1000-nowMs) <= float64(TimestampWindow.Milliseconds()):
		return "KC-API-TIMESTAMP is in seconds; KuCoin wants milliseconds since 1970 (multiply by 1000)"
	case math.Abs(ms/1000-nowMs) <= float64(TimestampWindow.Milliseconds()):
		return "KC-API-TIMESTAMP is in microseconds; KuCoin wants milliseconds since 1970 (divide by 1000)"
	case diff > 0:
		return fmt.Sprintf("KC-API-TIMESTAMP is %s ahead of the server; KuCoin allows 5s: sync the clock with GET /api/v1/timestamp", time.Duration(diff)*time.Millisecond)
	}
	return fmt.Sprintf("KC-API-TIMESTAMP is %s behind the server; KuCoin allows 5s: sync the clock with GET /api/v1/timestamp and sign just before sending", time.Duration(-diff)*time.Millisecond)
}

func passphraseMistakes(secret, passphrase []byte, version, sent string) []string {
	var out []string
	if version != "1" && sent == string(passphrase) {
		out = append(out, fmt.Sprintf("the passphrase was sent in clear: key version %s wants base64(HMAC-SHA256(secret, passphrase)) in KC-API-PASSPHRASE", version))
	}
	if version == "1" && sent == passphraseHeader(secret, passphrase, "2") {
		out = append(out, "the passphrase was signed, but KC-API-KEY-VERSION 1 sends it in clear")
	}
	for _, sv := range exchange.SecretVariants(secret) {
		if sent == passphraseHeader(sv.Value, passphrase, version) {
			out = append(out, "the passphrase was signed with a wrong secret: "+sv.Mistake)
		}
	}
	if version != "1" {
		for _, pv := range exchange.SecretVariants(passphrase) {
			if sent == passphraseHeader(secret, pv.Value, version) {
				out = append(out, strings.Replace(pv.Mistake, "secret", "passphrase", -1))
			}
		}
	}
	return out
}

// candidate is one way a client may have built the prehash: the mistake
// that builds it ("" for the right one) and its bytes.
type candidate = exchange.Variant

// signMistakes tries, for each way of reading the secret, each way of
// building the prehash that people get wrong, and names those that give
// the signature sent. The search is small and explicit: a few dozen HMACs.
func signMistakes(secret []byte, sig, ts string, r exchange.Incoming) []string {
	cands := prehashCandidates(ts, r)
	hexSig, hexErr := hex.DecodeString(sig)
	return exchange.CrossSearch(secret, func(sv []byte) ([]candidate, func([]byte) (string, bool)) {
		return cands, func(payload []byte) (string, bool) {
			mac := macOf(sv, payload)
			switch {
			case sig == base64.StdEncoding.EncodeToString(mac):
				return "", true
			case hexErr == nil && hmac.Equal(hexSig, mac):
				return "the signature was hex-encoded: KuCoin wants base64 of the raw HMAC-SHA256 bytes", true
			case sig == base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(mac))):
				return "the signature is base64 of the hex digest: base64-encode the raw HMAC bytes, not their hex", true
			}
			return "", false
		}
	})
}

func prehashCandidates(ts string, r exchange.Incoming) []candidate {
	target := func(q string) string {
		if q == "" {
			return r.Path
		}
		return r.Path + "?" + q
	}
	var cs []candidate
	add := func(what, method, q string, body []byte) {
		cs = append(cs, candidate{Mistake: what, Value: prehash(nil, ts, method, target(q), body)})
	}
	add("", r.Method, r.RawQuery, r.Body)
	if lower := strings.ToLower(r.Method); lower != r.Method {
		add("the method was signed in lower case: sign GET/POST/DELETE in upper case", lower, r.RawQuery, r.Body)
	}
	if r.RawQuery != "" {
		add("the query was left out of the prehash: for GET and DELETE sign the path with ?query as sent", r.Method, "", r.Body)
		for _, v := range exchange.QueryVariants(r.RawQuery) {
			add(v.Mistake, r.Method, string(v.Value), r.Body)
		}
	}
	if len(r.Body) > 0 {
		add("the body was left out of the prehash: sign the JSON body exactly as sent", r.Method, r.RawQuery, nil)
		for _, v := range exchange.BodyVariants(r.Body) {
			add(v.Mistake, r.Method, r.RawQuery, v.Value)
		}
	} else if r.Method != "GET" && r.Method != "DELETE" {
		add("an empty body was signed as {}: sign the body exactly as sent (nothing when there is none)", r.Method, r.RawQuery, []byte("{}"))
	}
	if ms, err := strconv.ParseInt(ts, 10, 64); err == nil {
		cs = append(cs, candidate{Mistake: "the prehash used the timestamp in seconds while KC-API-TIMESTAMP carries milliseconds: use the same millisecond value in both",
			Value: prehash(nil, strconv.FormatInt(ms/1000, 10), r.Method, target(r.RawQuery), r.Body)})
	}
	return cs
}

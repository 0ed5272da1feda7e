package gate

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
)

// Messages Gate answers with each label.
var messages = map[string]string{
	LabelMissingHeader:    "Authentication required header missing",
	LabelRequestExpired:   "gap between request Timestamp and server time exceeds 60",
	LabelInvalidKey:       "Invalid key provided",
	LabelInvalidSignature: "Signature mismatch",
}

func reject(apiKey, label, explanation string, mistakes ...string) exchange.Verdict {
	return exchange.Unauthorized(apiKey, label, messages[label], explanation, mistakes...)
}

// Verify checks r as Gate does at server time now: KEY, SIGN and Timestamp
// present, Timestamp within 60 s, key known, SIGN over the request as
// received (query decoded, body hashed with SHA-512). A rejection names the
// client step that reproduces the signature sent, when one does.
func (Exchange) Verify(r exchange.Incoming, lookup exchange.Lookup, now time.Time) exchange.Verdict {
	key, sig, ts := r.Header.Get(HeaderKey), r.Header.Get(HeaderSign), r.Header.Get(HeaderTimestamp)
	missing := exchange.MissingHeaders(r.Header, HeaderKey, HeaderSign, HeaderTimestamp)
	if len(missing) > 0 {
		return reject(key, LabelMissingHeader, "the request lacks "+strings.Join(missing, ", ")+"; every private Gate endpoint needs KEY, SIGN and Timestamp")
	}
	sec, err := strconv.ParseFloat(ts, 64)
	if err != nil || math.IsNaN(sec) || math.IsInf(sec, 0) {
		return reject(key, LabelRequestExpired, fmt.Sprintf("Timestamp %q is not a number of seconds since 1970", clip(ts)))
	}
	if v := timestampProblem(sec, now); v != "" {
		return reject(key, LabelRequestExpired, v)
	}
	c, ok := lookup(key)
	if !ok {
		return reject(key, LabelInvalidKey, "no such API key: check KEY (an APIv4 key, not an APIv2 one)")
	}
	query := decodeQuery(r.RawQuery)
	payload := signatureString(nil, r.Method, r.Path, query, r.Body, ts)
	got, err := hex.DecodeString(sig)
	if err == nil && hmac.Equal(newMAC(c.Secret).sum(payload), got) {
		return exchange.Verdict{OK: true, APIKey: key, Status: http.StatusOK}
	}
	return reject(key, LabelInvalidSignature,
		fmt.Sprintf("SIGN is not hex(HMAC-SHA512(secret, %q))", clip(string(payload))),
		signMistakes(c.Secret, sig, ts, query, r)...)
}

func clip(s string) string { return exchange.Clip(s, 400) }

func timestampProblem(sec float64, now time.Time) string {
	nowSec := float64(now.UnixMilli()) / 1000
	window := TimestampWindow.Seconds()
	diff := sec - nowSec
	if math.Abs(diff) <= window {
		return ""
	}
	switch {
	case math.Abs(sec/1000-nowSec) <= window:
		return "Timestamp is in milliseconds; Gate wants seconds since 1970 (divide by 1000)"
	case math.Abs(sec/1e6-nowSec) <= window:
		return "Timestamp is in microseconds; Gate wants seconds since 1970"
	case diff > 0:
		return fmt.Sprintf("Timestamp is %.0fs ahead of the server; Gate allows 60s: sync the clock with GET /api/v4/spot/time", diff)
	}
	return fmt.Sprintf("Timestamp is %.0fs behind the server; Gate allows 60s: sync the clock with GET /api/v4/spot/time and sign just before sending", -diff)
}

// candidate is one way a client may have built the signature string: the
// mistake that builds it ("" for the right one) and its bytes.
type candidate = exchange.Variant

// signMistakes tries each way of reading the secret against each way of
// building the signature string that people get wrong, and names those
// that give the SIGN sent. Small and explicit: a few dozen HMACs.
func signMistakes(key secret.Value, sig, ts, query string, r exchange.Incoming) []string {
	cands := candidates(ts, query, r)
	return exchange.CrossSearch(key.Expose(), func(sv []byte) ([]candidate, func([]byte) (string, bool)) {
		m := newMAC(secret.New(sv))
		// Keying the body hash with the secret needs the secret, so this
		// candidate is built per secret variant.
		keyed := candidate{Mistake: "the body was hashed with HMAC-SHA512(secret, body): Gate wants the plain SHA-512 of the body",
			Value: []byte(fmt.Sprintf("%s\n%s\n%s\n%s\n%s", r.Method, r.Path, query, hex.EncodeToString(m.sum(r.Body)), ts))}
		return append(cands[:len(cands):len(cands)], keyed), func(payload []byte) (string, bool) {
			sum := m.sum(payload)
			switch sig {
			case hex.EncodeToString(sum):
				return "", true
			case strings.ToUpper(hex.EncodeToString(sum)):
				return "SIGN was upper-case hex: Gate compares lower-case hex", true
			case base64.StdEncoding.EncodeToString(sum):
				return "SIGN was base64: Gate wants lower-case hex of the HMAC-SHA512", true
			}
			return "", false
		}
	})
}

func candidates(ts, query string, r exchange.Incoming) []candidate {
	var cs []candidate
	add := func(what, method, path, q string, body []byte) {
		cs = append(cs, candidate{Mistake: what, Value: signatureString(nil, method, path, q, body, ts)})
	}
	// addHash builds a signature string whose body-hash field is hash.
	addHash := func(what, hash string) {
		p := fmt.Sprintf("%s\n%s\n%s\n%s\n%s", r.Method, r.Path, query, hash, ts)
		cs = append(cs, candidate{Mistake: what, Value: []byte(p)})
	}
	add("", r.Method, r.Path, query, r.Body)
	if r.RawQuery != query {
		add("the query was signed URL-encoded as sent: Gate signs the query without URL encoding (decode it, keep the order)", r.Method, r.Path, r.RawQuery, r.Body)
	}
	if lower := strings.ToLower(r.Method); lower != r.Method {
		add("the method was signed in lower case: sign it in upper case", lower, r.Path, query, r.Body)
	}
	if p := strings.TrimPrefix(r.Path, Prefix); p != r.Path {
		add("the path was signed without the /api/v4 prefix: sign the full path, /api/v4/...", r.Method, p, query, r.Body)
	}
	if query != "" {
		add("the query was left out of the signature string: put it on the third line", r.Method, r.Path, "", r.Body)
		for _, v := range exchange.QueryVariants(query) {
			if string(v.Value) != r.RawQuery {
				add(v.Mistake, r.Method, r.Path, string(v.Value), r.Body)
			}
		}
	}
	if len(r.Body) > 0 {
		add("the hash of an empty body was signed but a body was sent: hash the body exactly as sent", r.Method, r.Path, query, nil)
		for _, v := range exchange.BodyVariants(r.Body) {
			add(v.Mistake, r.Method, r.Path, query, v.Value)
		}
	} else if r.Method != "GET" && r.Method != "DELETE" {
		add("the body was hashed as {} but sent empty: hash exactly the bytes sent", r.Method, r.Path, query, []byte("{}"))
	}
	if len(r.Body) == 0 {
		addHash("the body-hash line was left empty: for no body Gate wants hex(SHA-512(\"\")), never an empty line", "")
	}
	s256 := sha256.Sum256(r.Body)
	addHash("the body was hashed with SHA-256: Gate hashes it with SHA-512", hex.EncodeToString(s256[:]))
	s512 := sha512.Sum512(r.Body)
	addHash("the body hash was upper-case hex: write hex(SHA-512(body)) in lower case", strings.ToUpper(hex.EncodeToString(s512[:])))
	if sec, err := strconv.ParseInt(ts, 10, 64); err == nil {
		cs = append(cs, candidate{Mistake: "the signature string used the timestamp in milliseconds while the Timestamp header carries seconds: use the same seconds value in both",
			Value: signatureString(nil, r.Method, r.Path, query, r.Body, strconv.FormatInt(sec*1000, 10))})
	}
	return cs
}

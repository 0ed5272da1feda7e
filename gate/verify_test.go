package gate

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
	"github.com/mbxkit/mbx/secret"
)

var (
	testCreds = exchange.Credentials{APIKey: "gkey", Secret: secret.FromString("gsekrit-4567")}
	testNow   = time.Unix(1700000000, 0)
)

func signed(t *testing.T, method, path string, params ...exchange.Param) exchange.Signed {
	t.Helper()
	return venuetest.MustSign(t, New(), exchange.Request{Method: method, Path: path, Params: params, Time: testNow}, testCreds)
}

func hmac512(key string, msg []byte) string {
	m := hmac.New(sha512.New, []byte(key))
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

// TestVerify covers each of Gate's authentication labels and the mistake
// search that explains a bad signature.
func TestVerify(t *testing.T) {
	p := func(n, v string) exchange.Param { return exchange.Param{Name: n, Value: v} }
	get := func() exchange.Signed { return signed(t, "GET", "/api/v4/spot/accounts", p("currency", "USDT")) }
	post := func() exchange.Signed {
		return signed(t, "POST", "/api/v4/spot/orders", p("text", "t-1"), p("currency_pair", "BTC_USDT"), p("side", "buy"), p("amount", "1"), p("price", "2"))
	}
	ts := strconv.FormatInt(testNow.Unix(), 10)
	withSign := func(s exchange.Signed, sig string) exchange.Incoming {
		in := s.Incoming()
		in.Header.Set(HeaderSign, sig)
		return in
	}
	line := func(method, path, q, hash string) []byte {
		return []byte(fmt.Sprintf("%s\n%s\n%s\n%s\n%s", method, path, q, hash, ts))
	}
	emptyHash := func() string { s := sha512.Sum512(nil); return hex.EncodeToString(s[:]) }
	tests := []struct {
		name        string
		in          func() exchange.Incoming
		now         time.Time
		label       string
		explanation string
		mistake     string
	}{
		{"accepted GET", func() exchange.Incoming { return get().Incoming() }, testNow, "", "", ""},
		{"accepted POST", func() exchange.Incoming { return post().Incoming() }, testNow, "", "", ""},
		{"accepted 59 s late", func() exchange.Incoming { return get().Incoming() }, testNow.Add(59 * time.Second), "", "", ""},
		{"accepted encoded query", func() exchange.Incoming {
			return signed(t, "GET", "/api/v4/spot/orders", p("currency_pair", "BTC_USDT"), p("text", "t-a b,ü")).Incoming()
		}, testNow, "", "", ""},
		{"missing SIGN", func() exchange.Incoming {
			in := get().Incoming()
			in.Header.Del(HeaderSign)
			return in
		}, testNow, LabelMissingHeader, "SIGN", ""},
		{"61 s late", func() exchange.Incoming { return get().Incoming() }, testNow.Add(61 * time.Second), LabelRequestExpired, "behind", ""},
		{"milliseconds", func() exchange.Incoming {
			in := get().Incoming()
			in.Header.Set(HeaderTimestamp, strconv.FormatInt(testNow.UnixMilli(), 10))
			return in
		}, testNow, LabelRequestExpired, "milliseconds", ""},
		{"unknown key", func() exchange.Incoming {
			in := get().Incoming()
			in.Header.Set(HeaderKey, "nope")
			return in
		}, testNow, LabelInvalidKey, "no such API key", ""},
		{"empty body hash line", func() exchange.Incoming {
			return withSign(get(), hmac512("gsekrit-4567", line("GET", "/api/v4/spot/accounts", "currency=USDT", "")))
		}, testNow, LabelInvalidSignature, "SIGN is not", "left empty"},
		{"body hashed with SHA-256", func() exchange.Incoming {
			s := post()
			h := sha256.Sum256(s.Body)
			return withSign(s, hmac512("gsekrit-4567", line("POST", "/api/v4/spot/orders", "", hex.EncodeToString(h[:]))))
		}, testNow, LabelInvalidSignature, "", "SHA-256"},
		{"body hashed with HMAC", func() exchange.Incoming {
			s := post()
			return withSign(s, hmac512("gsekrit-4567", line("POST", "/api/v4/spot/orders", "", hmac512("gsekrit-4567", s.Body))))
		}, testNow, LabelInvalidSignature, "", "HMAC-SHA512(secret, body)"},
		{"body re-serialised", func() exchange.Incoming {
			s := post()
			spaced := bytes.ReplaceAll(bytes.ReplaceAll(s.Body, []byte(`","`), []byte(`", "`)), []byte(`":"`), []byte(`": "`))
			sum := sha512.Sum512(spaced)
			return withSign(s, hmac512("gsekrit-4567", line("POST", "/api/v4/spot/orders", "", hex.EncodeToString(sum[:]))))
		}, testNow, LabelInvalidSignature, "", "json.dumps"},
		{"path without prefix", func() exchange.Incoming {
			return withSign(get(), hmac512("gsekrit-4567", line("GET", "/spot/accounts", "currency=USDT", emptyHash())))
		}, testNow, LabelInvalidSignature, "", "/api/v4 prefix"},
		{"query signed encoded", func() exchange.Incoming {
			s := signed(t, "GET", "/api/v4/spot/orders", p("currency_pair", "BTC_USDT"), p("text", "t-a b"))
			return withSign(s, hmac512("gsekrit-4567", line("GET", "/api/v4/spot/orders", s.Query, emptyHash())))
		}, testNow, LabelInvalidSignature, "", "without URL encoding"},
		{"query sorted", func() exchange.Incoming {
			s := signed(t, "GET", "/api/v4/spot/orders", p("status", "open"), p("currency_pair", "BTC_USDT"))
			return withSign(s, hmac512("gsekrit-4567", line("GET", "/api/v4/spot/orders", "currency_pair=BTC_USDT&status=open", emptyHash())))
		}, testNow, LabelInvalidSignature, "", "sorted"},
		{"secret with newline", func() exchange.Incoming {
			s := get()
			return withSign(s, hmac512("gsekrit-4567\n", s.Payload))
		}, testNow, LabelInvalidSignature, "", "trailing newline"},
		{"timestamp ms in the string", func() exchange.Incoming {
			s := get()
			return withSign(s, hmac512("gsekrit-4567", []byte(strings.Replace(string(s.Payload), "\n"+ts, "\n"+ts+"000", 1))))
		}, testNow, LabelInvalidSignature, "", "milliseconds"},
		{"no known cause", func() exchange.Incoming { return withSign(get(), strings.Repeat("ab", 64)) }, testNow, LabelInvalidSignature, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New().Verify(tt.in(), exchange.Keys(testCreds), tt.now)
			if tt.label == "" {
				if !v.OK {
					t.Fatalf("rejected: %+v", v)
				}
				return
			}
			if v.OK || v.Code != tt.label || v.Status != http.StatusUnauthorized || v.Message != messages[tt.label] {
				t.Fatalf("verdict %+v, want %s", v, tt.label)
			}
			if !strings.Contains(v.Explanation, tt.explanation) {
				t.Errorf("explanation %q, want it to mention %q", v.Explanation, tt.explanation)
			}
			got := strings.Join(v.Mistakes, "|")
			if tt.mistake == "" && len(v.Mistakes) > 0 {
				t.Errorf("mistakes %q invented", v.Mistakes)
			}
			if !strings.Contains(got, tt.mistake) {
				t.Errorf("mistakes %q, want one mentioning %q", v.Mistakes, tt.mistake)
			}
			if strings.Contains(v.Explanation+got, "gsekrit") {
				t.Error("the secret leaks into the verdict")
			}
		})
	}
}

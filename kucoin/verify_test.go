package kucoin

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
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
	testCreds = exchange.Credentials{APIKey: "key-1", Secret: secret.FromString("sekrit-0123"), Passphrase: secret.FromString("pass phrase")}
	testNow   = time.UnixMilli(1700000000000)
)

func signed(t *testing.T, method, path string, params ...exchange.Param) exchange.Signed {
	t.Helper()
	return venuetest.MustSign(t, New(), exchange.Request{Method: method, Path: path, Params: params, Time: testNow}, testCreds)
}

// TestVerify covers each of KuCoin's authentication answers, and the
// mistake search that explains a bad signature or passphrase.
func TestVerify(t *testing.T) {
	get := func() exchange.Signed {
		return signed(t, "GET", "/api/v1/accounts", exchange.Param{Name: "currency", Value: "BTC"}, exchange.Param{Name: "type", Value: "trade"})
	}
	post := func() exchange.Signed {
		return signed(t, "POST", "/api/v1/orders", exchange.Param{Name: "clientOid", Value: "x1"}, exchange.Param{Name: "side", Value: "buy"},
			exchange.Param{Name: "symbol", Value: "BTC-USDT"}, exchange.Param{Name: "price", Value: "1"}, exchange.Param{Name: "size", Value: "1"})
	}
	resign := func(s exchange.Signed, secretBytes string, payload []byte) exchange.Signed {
		s.Signature = base64Of(macOf([]byte(secretBytes), payload))
		for i := range s.Headers {
			if s.Headers[i].Name == HeaderSign {
				s.Headers[i].Value = s.Signature
			}
		}
		return s
	}
	setHeader := func(s exchange.Signed, name, value string) exchange.Signed {
		s.Headers = append([]exchange.Header(nil), s.Headers...)
		for i := range s.Headers {
			if s.Headers[i].Name == name {
				s.Headers[i].Value = value
				return s
			}
		}
		s.Headers = append(s.Headers, exchange.Header{Name: name, Value: value})
		return s
	}
	ts := strconv.FormatInt(testNow.UnixMilli(), 10)
	tests := []struct {
		name        string
		in          func() exchange.Incoming
		now         time.Time
		code        string
		explanation string // substring
		mistake     string // substring of a mistake found
	}{
		{"accepted GET", func() exchange.Incoming { return get().Incoming() }, testNow, "", "", ""},
		{"accepted POST", func() exchange.Incoming { return post().Incoming() }, testNow, "", "", ""},
		{"missing passphrase header", func() exchange.Incoming {
			in := get().Incoming()
			in.Header.Del(HeaderPassphrase)
			return in
		}, testNow, CodeMissingHeader, HeaderPassphrase, ""},
		{"timestamp 6 s late", func() exchange.Incoming { return get().Incoming() }, testNow.Add(6 * time.Second), CodeInvalidTimestamp, "behind", ""},
		{"timestamp 4 s late is fine", func() exchange.Incoming { return get().Incoming() }, testNow.Add(4 * time.Second), "", "", ""},
		{"timestamp in seconds", func() exchange.Incoming {
			return setHeader(get(), HeaderTimestamp, strconv.FormatInt(testNow.Unix(), 10)).Incoming()
		}, testNow, CodeInvalidTimestamp, "in seconds", ""},
		{"unknown key", func() exchange.Incoming { return setHeader(get(), HeaderKey, "other").Incoming() }, testNow, CodeKeyNotExists, "no such API key", ""},
		{"passphrase in clear", func() exchange.Incoming {
			return setHeader(get(), HeaderPassphrase, "pass phrase").Incoming()
		}, testNow, CodeInvalidPassphrase, "", "sent in clear"},
		{"passphrase signed with a newline in the secret", func() exchange.Incoming {
			return setHeader(get(), HeaderPassphrase, passphraseHeader([]byte("sekrit-0123\n"), []byte("pass phrase"), "2")).Incoming()
		}, testNow, CodeInvalidPassphrase, "", "trailing newline"},
		{"key version 1 header for a v2 key", func() exchange.Incoming {
			return setHeader(setHeader(get(), HeaderKeyVersion, "1"), HeaderPassphrase, "pass phrase").Incoming()
		}, testNow, CodeInvalidPassphrase, "version 2", ""},
		{"key version 7", func() exchange.Incoming { return setHeader(get(), HeaderKeyVersion, "7").Incoming() }, testNow, CodeInvalidKeyVersion, "", ""},
		{"body re-serialised", func() exchange.Incoming {
			s := post()
			spaced := bytes.ReplaceAll(bytes.ReplaceAll(s.Body, []byte(`","`), []byte(`", "`)), []byte(`":"`), []byte(`": "`))
			s = resign(s, "sekrit-0123", prehash(nil, ts, "POST", s.Path, spaced))
			return s.Incoming()
		}, testNow, CodeInvalidSign, "KC-API-SIGN is not", "json.dumps"},
		{"query encoded after signing", func() exchange.Incoming {
			s := signed(t, "GET", "/api/v1/orders", exchange.Param{Name: "symbol", Value: "BTC-USDT"}, exchange.Param{Name: "remark", Value: "a b"})
			s = resign(s, "sekrit-0123", prehash(nil, ts, "GET", "/api/v1/orders?symbol=BTC-USDT&remark=a b", nil))
			return s.Incoming()
		}, testNow, CodeInvalidSign, "", "before percent-encoding"},
		{"query sorted for signing", func() exchange.Incoming {
			s := get()
			in := resign(s, "sekrit-0123", prehash(nil, ts, "GET", "/api/v1/accounts?currency=BTC&type=trade", nil)).Incoming()
			in.RawQuery = "type=trade&currency=BTC"
			return in
		}, testNow, CodeInvalidSign, "", "sorted"},
		{"secret with CRLF", func() exchange.Incoming {
			s := get()
			return resign(s, "sekrit-0123\r\n", s.Payload).Incoming()
		}, testNow, CodeInvalidSign, "", "CRLF"},
		{"query left out", func() exchange.Incoming {
			s := get()
			return resign(s, "sekrit-0123", prehash(nil, ts, "GET", "/api/v1/accounts", nil)).Incoming()
		}, testNow, CodeInvalidSign, "", "query was left out"},
		{"hex signature", func() exchange.Incoming {
			s := get()
			return setHeader(s, HeaderSign, hexOf(macOf([]byte("sekrit-0123"), s.Payload))).Incoming()
		}, testNow, CodeInvalidSign, "", "hex-encoded"},
		{"unknown cause: no invented mistake", func() exchange.Incoming {
			return setHeader(get(), HeaderSign, base64Of([]byte("not a signature at all, 32 byte"))).Incoming()
		}, testNow, CodeInvalidSign, "KC-API-SIGN", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New().Verify(tt.in(), exchange.Keys(testCreds), tt.now)
			if tt.code == "" {
				if !v.OK || v.Code != CodeOK {
					t.Fatalf("rejected: %+v", v)
				}
				return
			}
			if v.OK || v.Code != tt.code || v.Status != http.StatusUnauthorized || v.Message != messages[tt.code] {
				t.Fatalf("verdict %+v, want code %s", v, tt.code)
			}
			if !strings.Contains(v.Explanation, tt.explanation) {
				t.Errorf("explanation %q, want it to mention %q", v.Explanation, tt.explanation)
			}
			if tt.mistake == "" && tt.name == "unknown cause: no invented mistake" && len(v.Mistakes) > 0 {
				t.Errorf("mistakes %q invented", v.Mistakes)
			}
			if tt.mistake != "" && !strings.Contains(strings.Join(v.Mistakes, "|"), tt.mistake) {
				t.Errorf("mistakes %q, want one mentioning %q", v.Mistakes, tt.mistake)
			}
			if strings.Contains(v.Explanation+strings.Join(v.Mistakes, ""), "sekrit") {
				t.Error("the secret leaks into the verdict")
			}
		})
	}
}

func base64Of(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
func hexOf(b []byte) string    { return hex.EncodeToString(b) }

package okx

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
	"github.com/mbxkit/mbx/sign"
)

type vector struct {
	Name, Source, APIKey, Secret, Passphrase, Method, Path, Timestamp string
	Params                                                            [][2]string
	WantQuery, WantBody, WantPayload, WantSignature                   string
}

func (v vector) creds() exchange.Credentials {
	return exchange.Credentials{APIKey: v.APIKey, Secret: secret.FromString(v.Secret), Passphrase: secret.FromString(v.Passphrase)}
}

// TestVectors checks Sign against the vectors, whose signatures openssl
// computed, and recomputes each one with openssl (always installed in CI).
func TestVectors(t *testing.T) {
	venuetest.NeedOpenSSL(t)
	for _, v := range venuetest.Vectors[vector](t, 4) {
		t.Run(v.Name, func(t *testing.T) {
			when, err := time.Parse(time.RFC3339Nano, v.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New().Sign(exchange.Request{Method: v.Method, Path: v.Path, Time: when, Params: venuetest.Params(v.Params)}, v.creds())
			if err != nil {
				t.Fatal(err)
			}
			venuetest.CheckFields(t, venuetest.Field{Name: "query", Got: s.Query, Want: v.WantQuery}, venuetest.Field{Name: "body", Got: string(s.Body), Want: v.WantBody},
				venuetest.Field{Name: "payload", Got: string(s.Payload), Want: v.WantPayload}, venuetest.Field{Name: "signature", Got: s.Signature, Want: v.WantSignature})
			venuetest.CheckHeaders(t, s, map[string]string{HeaderKey: v.APIKey, HeaderTimestamp: v.Timestamp, HeaderPassphrase: v.Passphrase, HeaderSign: v.WantSignature})
			venuetest.CheckOpenSSL(t, "sha256", v.Secret, []byte(v.WantPayload), base64.StdEncoding.EncodeToString, s.Signature, "signature")
			venuetest.CheckVerifies(t, New(), s, exchange.Keys(v.creds()), when.Add(29*time.Second))
		})
	}
}

func TestSignBadInput(t *testing.T) {
	rsaKey, err := sign.GenerateRSA(2048)
	if err != nil {
		t.Fatal(err)
	}
	good := exchange.Credentials{APIKey: "k", Secret: secret.FromString("s"), Passphrase: secret.FromString("pp")}
	req := exchange.Request{Method: "GET", Path: "/api/v5/account/balance", Time: time.UnixMilli(1700000000000)}
	venuetest.SignRefuses(t, New(), req, good, nil, "pp", []venuetest.BadSign{
		venuetest.Bad("no key", nil, func(c *exchange.Credentials) { c.APIKey = "" }, "--api-key"),
		venuetest.Bad("no secret", nil, func(c *exchange.Credentials) { c.Secret = secret.Value{} }, "--key-file"),
		venuetest.Bad("no passphrase", nil, func(c *exchange.Credentials) { c.Passphrase = secret.Value{} }, "--api-passphrase-file"),
		venuetest.Bad("passphrase with newline", nil, func(c *exchange.Credentials) { c.Passphrase = secret.FromString("pp\n") }, "line break"),
		venuetest.Bad("rsa key", nil, func(c *exchange.Credentials) { c.Signer = rsaKey }, "HMAC only"),
		venuetest.Bad("DELETE", func(r *exchange.Request) { r.Method = "DELETE" }, nil, "only GET and POST"),
		venuetest.Bad("v3 path", func(r *exchange.Request) { r.Path = "/api/spot/v3/orders" }, nil, "v5 path"),
		venuetest.Bad("no time", func(r *exchange.Request) { r.Time = time.Time{} }, nil, "time is not set"),
		venuetest.Bad("recv window", func(r *exchange.Request) { r.RecvWindow = 5 * time.Second }, nil, "no receive window"),
		venuetest.Bad("repeated", func(r *exchange.Request) {
			r.Params = []exchange.Param{{Name: "ccy", Value: "BTC"}, {Name: "ccy", Value: "ETH"}}
		}, nil, "given twice"),
	})
}

const (
	testSecret = "mbx-test-secret-0123456789"
	testPass   = "Passphrase-1"
)

func b64(secretText string, payload []byte) string {
	return base64.StdEncoding.EncodeToString(hmacSHA256([]byte(secretText), payload))
}

func TestVerify(t *testing.T) {
	now := time.UnixMilli(1700000000000).UTC()
	c := exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret), Passphrase: secret.FromString(testPass)}
	ts := now.Format(TimestampLayout)
	const path = "/api/v5/trade/order"
	mk := func(method, query, body string, hdr map[string]string) exchange.Incoming {
		h := http.Header{}
		h.Set(HeaderKey, "KEY123")
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderPassphrase, testPass)
		b := []byte(body)
		if method == "GET" {
			b = nil
		}
		h.Set(HeaderSign, b64(testSecret, Prehash(ts, method, path, query, b)))
		for k, v := range hdr {
			if v == "" {
				h.Del(k)
			} else {
				h.Set(k, v)
			}
		}
		return exchange.Incoming{Method: method, Path: path, RawQuery: query, Header: h, Body: []byte(body)}
	}
	const q = "instId=BTC-USDT&clOrdId=a%20b"
	body := `{"instId":"BTC-USDT","tdMode":"cash","sz":"1"}`
	sigOf := func(secretText, method, query, body string) map[string]string {
		return map[string]string{HeaderSign: b64(secretText, Prehash(ts, method, path, query, []byte(body)))}
	}
	tests := []struct {
		name     string
		in       exchange.Incoming
		code     string
		explains string
	}{
		{"ok GET", mk("GET", q, "", nil), CodeOK, ""},
		{"ok POST", mk("POST", "", body, nil), CodeOK, ""},
		{"no key", mk("GET", q, "", map[string]string{HeaderKey: ""}), CodeKeyEmpty, "OK-ACCESS-KEY is missing"},
		{"no passphrase", mk("GET", q, "", map[string]string{HeaderPassphrase: ""}), CodePassphraseEmpty, "passphrase chosen"},
		{"no sign", mk("GET", q, "", map[string]string{HeaderSign: ""}), CodeSignEmpty, "OK-ACCESS-SIGN"},
		{"no timestamp", mk("GET", q, "", map[string]string{HeaderTimestamp: ""}), CodeTimestampEmpty, "OK-ACCESS-TIMESTAMP"},
		{"unknown key", mk("GET", q, "", map[string]string{HeaderKey: "NOPE"}), CodeInvalidKey, "knows no such API key"},
		{"wrong passphrase", mk("GET", q, "", map[string]string{HeaderPassphrase: "account-password"}), CodePassphrase, "not the account password"},
		{"quoted passphrase", mk("GET", q, "", map[string]string{HeaderPassphrase: `"` + testPass + `"`}), CodePassphrase, "surrounding quotes"},
		{"passphrase case", mk("GET", q, "", map[string]string{HeaderPassphrase: strings.ToLower(testPass)}), CodePassphrase, "letter case"},
		{"epoch ms timestamp", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.UnixMilli(), 10)}), CodeInvalidTimestamp, "milliseconds"},
		{"epoch s timestamp", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.Unix(), 10)}), CodeInvalidTimestamp, "seconds"},
		{"31 s old", mk("GET", q, "", map[string]string{HeaderTimestamp: now.Add(-31 * time.Second).Format(TimestampLayout)}), CodeTimestampExpired, "behind"},
		{"31 s ahead", mk("GET", q, "", map[string]string{HeaderTimestamp: now.Add(31 * time.Second).Format(TimestampLayout)}), CodeTimestampExpired, "ahead"},
		{"local time", mk("GET", q, "", map[string]string{HeaderTimestamp: now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04:05.000")}), CodeInvalidTimestamp, "local time (8h0m0s from UTC)"},
		{"+08:00 offset", mk("GET", q, "", map[string]string{HeaderTimestamp: now.Add(-time.Minute).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04:05.000Z07:00")}), CodeTimestampExpired, "behind"},
		{"wrong secret", mk("GET", q, "", sigOf("other", "GET", q, "")), CodeSign, "no known mistake"},
		{"raw values signed", mk("GET", q, "", sigOf(testSecret, "GET", "instId=BTC-USDT&clOrdId=a b", "")), CodeSign, "raw (unencoded) values"},
		{"sorted", mk("GET", q, "", sigOf(testSecret, "GET", "clOrdId=a%20b&instId=BTC-USDT", "")), CodeSign, "sorted by name"},
		{"path without query", mk("GET", q, "", sigOf(testSecret, "GET", "", "")), CodeSign, "without its query"},
		{"lower-case method", mk("GET", q, "", sigOf(testSecret, "get", q, "")), CodeSign, "lower case"},
		{"method first", mk("GET", q, "", map[string]string{HeaderSign: b64(testSecret, Prehash("GET", ts, path, q, nil))}), CodeSign, "wrong order"},
		{"GET signed {}", mk("GET", q, "", sigOf(testSecret, "GET", q, "{}")), CodeSign, "{} was signed for a GET"},
		{"secret newline", mk("GET", q, "", sigOf(testSecret+"\n", "GET", q, "")), CodeSign, "trailing newline"},
		{"quoted secret", mk("GET", q, "", sigOf(`"`+testSecret+`"`, "GET", q, "")), CodeSign, "quotes"},
		{"body re-serialised", mk("POST", "", `{"instId": "BTC-USDT", "tdMode": "cash", "sz": "1"}`, sigOf(testSecret, "POST", "", body)), CodeSign, "signed compact JSON"},
		{"body not signed", mk("POST", "", body, sigOf(testSecret, "POST", "", "")), CodeSign, "body was not signed"},
		{"hex signature", mk("GET", q, "", map[string]string{HeaderSign: hex.EncodeToString(hmacSHA256([]byte(testSecret), Prehash(ts, "GET", path, q, nil)))}), CodeSign, "is hex"},
		{"epoch signed, ISO sent", mk("GET", q, "", map[string]string{HeaderSign: b64(testSecret, Prehash(strconv.FormatInt(now.UnixMilli(), 10), "GET", path, q, nil))}), CodeSign, "Unix milliseconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New().Verify(tt.in, exchange.Keys(c), now)
			if v.Code != tt.code || v.OK != (tt.code == CodeOK) {
				t.Fatalf("verdict %+v, want code %s", v, tt.code)
			}
			if !v.OK && v.Status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", v.Status)
			}
			all := v.Explanation + " | " + strings.Join(v.Mistakes, " | ")
			if !strings.Contains(all, tt.explains) {
				t.Errorf("explanation %q lacks %q", all, tt.explains)
			}
			if strings.Contains(all+v.Message, testSecret) || strings.Contains(all+v.Message, testPass) {
				t.Error("a secret leaks into the verdict")
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("GET", "instId=BTC-USDT", []byte(""), "KEY123", "2023-11-14T22:13:20.000Z", testPass, "AA==")
	f.Add("POST", "", []byte(`{"a":"b"}`), "KEY123", "1700000000000", testPass, "zz")
	f.Add("GET", "a=%zz&b", []byte("{"), "", "x", "", "")
	c := exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret), Passphrase: secret.FromString(testPass)}
	now := time.UnixMilli(1700000000000)
	f.Fuzz(func(t *testing.T, method, query string, body []byte, key, ts, pass, sig string) {
		h := http.Header{}
		h.Set(HeaderKey, key)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderPassphrase, pass)
		h.Set(HeaderSign, sig)
		v := New().Verify(exchange.Incoming{Method: method, Path: "/api/v5/x", RawQuery: query, Header: h, Body: body}, exchange.Keys(c), now)
		if v.OK != (v.Code == CodeOK) || v.Status == 0 || (!v.OK && v.Explanation == "") {
			t.Fatalf("inconsistent verdict %+v", v)
		}
		if v.OK {
			m := strings.ToUpper(method)
			if sig != b64(testSecret, Prehash(ts, m, "/api/v5/x", query, bodyFor(m, body))) || pass != testPass {
				t.Fatalf("accepted a wrong signature or passphrase")
			}
		}
		if bytes.Contains([]byte(v.Explanation+v.Message+strings.Join(v.Mistakes, "")), []byte(testSecret)) {
			t.Fatal("secret in the verdict")
		}
	})
}

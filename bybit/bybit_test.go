package bybit

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
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
	Name, Source, APIKey, Secret, Method, Path string
	Params                                     [][2]string
	TimestampMs, RecvWindowMs                  int64
	WantQuery, WantBody, WantPayload           string
	WantSignature                              string
}

func (v vector) request() exchange.Request {
	return exchange.Request{Method: v.Method, Path: v.Path, Time: time.UnixMilli(v.TimestampMs), RecvWindow: time.Duration(v.RecvWindowMs) * time.Millisecond,
		Params: venuetest.Params(v.Params)}
}

// TestVectors checks Sign against the vectors, whose signatures openssl
// computed, and recomputes each one with openssl (always installed in CI).
func TestVectors(t *testing.T) {
	venuetest.NeedOpenSSL(t)
	for _, v := range venuetest.Vectors[vector](t, 4) {
		t.Run(v.Name, func(t *testing.T) {
			c := exchange.Credentials{APIKey: v.APIKey, Secret: secret.FromString(v.Secret)}
			s, err := New().Sign(v.request(), c)
			if err != nil {
				t.Fatal(err)
			}
			venuetest.CheckFields(t, venuetest.Field{Name: "query", Got: s.Query, Want: v.WantQuery}, venuetest.Field{Name: "body", Got: string(s.Body), Want: v.WantBody},
				venuetest.Field{Name: "payload", Got: string(s.Payload), Want: v.WantPayload}, venuetest.Field{Name: "signature", Got: s.Signature, Want: v.WantSignature})
			venuetest.CheckHeaders(t, s, map[string]string{HeaderAPIKey: v.APIKey, HeaderTimestamp: strconv.FormatInt(v.TimestampMs, 10),
				HeaderRecvWindow: strconv.FormatInt(v.RecvWindowMs, 10), HeaderSign: v.WantSignature})
			venuetest.CheckOpenSSL(t, "sha256", v.Secret, []byte(v.WantPayload), hex.EncodeToString, s.Signature, "signature")
			venuetest.CheckVerifies(t, New(), s, exchange.Keys(c), time.UnixMilli(v.TimestampMs))
		})
	}
}

func TestRSA(t *testing.T) {
	k, err := sign.GenerateRSA(2048)
	if err != nil {
		t.Fatal(err)
	}
	c := exchange.Credentials{APIKey: "rsakey", Signer: k}
	now := time.UnixMilli(1700000000000)
	s, err := New().Sign(exchange.Request{Method: "GET", Path: "/v5/account/wallet-balance", Params: []exchange.Param{{Name: "accountType", Value: "UNIFIED"}}, Time: now}, c)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil {
		t.Fatalf("RSA signature is not base64: %v", err)
	}
	if err := k.Public().Verify(s.Payload, raw); err != nil {
		t.Fatal(err)
	}
	if v := New().Verify(s.Incoming(), exchange.Keys(c), now); !v.OK {
		t.Fatalf("Verify: %+v", v)
	}
	// The same signature over another query is rejected.
	in := s.Incoming()
	in.RawQuery = "accountType=CONTRACT"
	if v := New().Verify(in, exchange.Keys(c), now); v.OK || v.Code != CodeSign {
		t.Fatalf("tampered RSA request: %+v", v)
	}
}

func TestSignBadInput(t *testing.T) {
	ed, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	good := exchange.Credentials{APIKey: "k", Secret: secret.FromString("s")}
	req := exchange.Request{Method: "GET", Path: "/v5/order/realtime", Time: time.UnixMilli(1700000000000)}
	venuetest.SignRefuses(t, New(), req, good, nil, `"s"`, []venuetest.BadSign{
		venuetest.Bad("no key", nil, func(c *exchange.Credentials) { c.APIKey = "" }, "--api-key"),
		venuetest.Bad("no secret", nil, func(c *exchange.Credentials) { c.Secret = secret.Value{} }, "--key-file"),
		venuetest.Bad("passphrase", nil, func(c *exchange.Credentials) { c.Passphrase = secret.FromString("p") }, "drop --api-passphrase-file"),
		venuetest.Bad("ed25519 key", nil, func(c *exchange.Credentials) { c.Signer = ed }, "HMAC (system-generated) or RSA"),
		venuetest.Bad("DELETE", func(r *exchange.Request) { r.Method = "DELETE" }, nil, "only GET and POST"),
		venuetest.Bad("v3 path", func(r *exchange.Request) { r.Path = "/spot/v3/private/order" }, nil, "v5 path"),
		venuetest.Bad("query in path", func(r *exchange.Request) { r.Path = "/v5/order/realtime?category=spot" }, nil, "without a query"),
		venuetest.Bad("no time", func(r *exchange.Request) { r.Time = time.Time{} }, nil, "time is not set"),
		venuetest.Bad("sub-ms window", func(r *exchange.Request) { r.RecvWindow = time.Microsecond }, nil, "whole number of milliseconds"),
		venuetest.Bad("repeated", func(r *exchange.Request) {
			r.Params = []exchange.Param{{Name: "a", Value: "1"}, {Name: "a", Value: "2"}}
		}, nil, "given twice"),
	})
	var pe *exchange.ParamError
	_, err = New().Sign(exchange.Request{Method: "GET", Path: "/v5/x", Time: time.Now(), Params: []exchange.Param{{Name: "", Value: "1"}}}, good)
	if !errors.As(err, &pe) {
		t.Errorf("empty name: %v, want a *exchange.ParamError", err)
	}
}

const testSecret = "mbx-test-secret-0123456789"

// signWith is a client that signs payload its own (possibly wrong) way.
func signWith(secretText string, payload []byte) string {
	return hex.EncodeToString(hmacSHA256([]byte(secretText), payload))
}

func TestVerify(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	c := exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret)}
	lookup := exchange.Keys(c)
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mk := func(method, query, body string, hdr map[string]string) exchange.Incoming {
		h := http.Header{}
		h.Set(HeaderAPIKey, "KEY123")
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderRecvWindow, "5000")
		payload := query
		if method == "POST" {
			payload = body
		}
		h.Set(HeaderSign, signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte(payload))))
		for k, v := range hdr {
			if v == "" {
				h.Del(k)
			} else {
				h.Set(k, v)
			}
		}
		return exchange.Incoming{Method: method, Path: "/v5/order/realtime", RawQuery: query, Header: h, Body: []byte(body)}
	}
	const q = "category=spot&symbol=BTCUSDT&orderLinkId=a%20b"
	body := `{"category":"spot","symbol":"BTCUSDT","qty":"1"}`
	tests := []struct {
		name     string
		in       exchange.Incoming
		code     string
		explains string // part of the explanation, or a mistake
	}{
		{"ok GET", mk("GET", q, "", nil), CodeOK, ""},
		{"ok POST", mk("POST", "", body, nil), CodeOK, ""},
		{"no recv window header", func() exchange.Incoming {
			in := mk("GET", q, "", nil)
			in.Header.Del(HeaderRecvWindow)
			in.Header.Set(HeaderSign, signWith(testSecret, Prehash(ts, "KEY123", "", []byte(q))))
			return in
		}(), CodeOK, ""},
		{"missing sign", mk("GET", q, "", map[string]string{HeaderSign: ""}), CodeParams, "X-BAPI-SIGN"},
		{"unknown key", mk("GET", q, "", map[string]string{HeaderAPIKey: "NOPE"}), CodeInvalidKey, "knows no such API key"},
		{"quoted key", mk("GET", q, "", map[string]string{HeaderAPIKey: `"KEY123"`}), CodeInvalidKey, "surrounding quotes"},
		{"seconds", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.Unix(), 10)}), CodeTimeWindow, "in seconds"},
		{"microseconds", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.UnixMicro(), 10)}), CodeTimeWindow, "microseconds"},
		{"1 s ahead", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.UnixMilli()+1000, 10)}), CodeTimeWindow, "ahead"},
		{"999 ms ahead is fine for the clock", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.UnixMilli()+999, 10)}), CodeSign, ""},
		{"6 s behind", mk("GET", q, "", map[string]string{HeaderTimestamp: strconv.FormatInt(now.UnixMilli()-6000, 10)}), CodeTimeWindow, "behind"},
		{"bad window", mk("GET", q, "", map[string]string{HeaderRecvWindow: "5s"}), CodeParams, "milliseconds"},
		{"wrong secret", mk("GET", q, "", map[string]string{HeaderSign: signWith("other", Prehash(ts, "KEY123", "5000", []byte(q)))}), CodeSign, "no known mistake"},
		{"raw values signed", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte("category=spot&symbol=BTCUSDT&orderLinkId=a b")))}), CodeSign, "raw (unencoded) values"},
		{"sorted", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte("category=spot&orderLinkId=a%20b&symbol=BTCUSDT")))}), CodeSign, "sorted by name"},
		{"plus for space", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte("category=spot&symbol=BTCUSDT&orderLinkId=a+b")))}), CodeSign, "'+'"},
		{"secret with newline", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret+"\n", Prehash(ts, "KEY123", "5000", []byte(q)))}), CodeSign, "trailing newline"},
		{"secret with CRLF", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret+"\r\n", Prehash(ts, "KEY123", "5000", []byte(q)))}), CodeSign, "CRLF"},
		{"recv window not signed", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "", []byte(q)))}), CodeSign, "recv window was left out"},
		{"key first", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret, Prehash("KEY123", ts, "5000", []byte(q)))}), CodeSign, "wrong order (apiKey+timestamp"},
		{"upper-case hex", mk("GET", q, "", map[string]string{HeaderSign: strings.ToUpper(signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte(q))))}), CodeSign, "upper-case hex"},
		{"base64", mk("GET", q, "", map[string]string{HeaderSign: base64.StdEncoding.EncodeToString(hmacSHA256([]byte(testSecret), Prehash(ts, "KEY123", "5000", []byte(q))))}), CodeSign, "is base64"},
		{"body re-serialised with spaces", mk("POST", "", `{"category": "spot", "symbol": "BTCUSDT", "qty": "1"}`, map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte(body)))}), CodeSign, "signed compact JSON"},
		{"python spacing signed", mk("POST", "", body, map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte(`{"category": "spot", "symbol": "BTCUSDT", "qty": "1"}`)))}), CodeSign, "json.dumps"},
		{"keys sorted", mk("POST", "", body, map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte(`{"category":"spot","qty":"1","symbol":"BTCUSDT"}`)))}), CodeSign, "keys sorted"},
		{"GET signed {}", mk("GET", q, "", map[string]string{HeaderSign: signWith(testSecret, Prehash(ts, "KEY123", "5000", []byte("{}")))}), CodeSign, "{} was signed for a GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New().Verify(tt.in, lookup, now)
			if v.Code != tt.code || v.OK != (tt.code == CodeOK) {
				t.Fatalf("verdict %+v, want code %s", v, tt.code)
			}
			all := v.Explanation + " | " + strings.Join(v.Mistakes, " | ")
			if !strings.Contains(all, tt.explains) {
				t.Errorf("explanation %q lacks %q", all, tt.explains)
			}
			if strings.Contains(all+v.Message, testSecret) {
				t.Error("the secret leaks into the verdict")
			}
			if v.Code == CodeSign && !strings.HasPrefix(v.Message, "error sign! origin_string[") {
				t.Errorf("message %q is not Bybit's", v.Message)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("GET", "category=spot&symbol=BTCUSDT", []byte(""), "KEY123", "1700000000000", "5000", "00")
	f.Add("POST", "", []byte(`{"a":"b"}`), "KEY123", "1700000000000", "", "zz")
	f.Add("GET", "a=%zz&b", []byte("{"), "", "x", "-1", "")
	c := exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret)}
	now := time.UnixMilli(1700000000000)
	f.Fuzz(func(t *testing.T, method, query string, body []byte, key, ts, rw, sig string) {
		h := http.Header{}
		h.Set(HeaderAPIKey, key)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderRecvWindow, rw)
		h.Set(HeaderSign, sig)
		v := New().Verify(exchange.Incoming{Method: method, Path: "/v5/x", RawQuery: query, Header: h, Body: body}, exchange.Keys(c), now)
		if v.OK != (v.Code == CodeOK) || v.Status == 0 || (!v.OK && v.Explanation == "") {
			t.Fatalf("inconsistent verdict %+v", v)
		}
		if v.OK {
			// Accepted only with the real signature.
			payload := []byte(query)
			if strings.EqualFold(method, "POST") {
				payload = body
			}
			if sig != signWith(testSecret, Prehash(ts, key, rw, payload)) {
				t.Fatalf("accepted a wrong signature %q", sig)
			}
		}
		if bytes.Contains([]byte(v.Explanation+v.Message+strings.Join(v.Mistakes, "")), []byte(testSecret)) {
			t.Fatal("secret in the verdict")
		}
	})
}

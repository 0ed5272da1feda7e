package kucoin

import (
	"encoding/base64"
	"errors"
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
	ID               string      `json:"id"`
	Method           string      `json:"method"`
	Path             string      `json:"path"`
	Params           [][2]string `json:"params"`
	TimeMs           int64       `json:"time_ms"`
	KeyVersion       string      `json:"key_version"`
	APIKey           string      `json:"api_key"`
	Secret           string      `json:"secret"`
	Passphrase       string      `json:"passphrase"`
	Query            string      `json:"query"`
	Body             string      `json:"body"`
	Payload          string      `json:"payload"`
	Signature        string      `json:"signature"`
	PassphraseHeader string      `json:"passphrase_header"`
}

func (v vector) request() (exchange.Request, exchange.Credentials) {
	req := exchange.Request{Method: v.Method, Path: v.Path, Time: time.UnixMilli(v.TimeMs), Params: venuetest.Params(v.Params)}
	return req, exchange.Credentials{APIKey: v.APIKey, Secret: secret.FromString(v.Secret),
		Passphrase: secret.FromString(v.Passphrase), KeyVersion: v.KeyVersion}
}

// TestVectors signs every vector and compares each byte with the values
// computed independently (Python's hmac), then re-derives the signature
// and the passphrase with openssl.
func TestVectors(t *testing.T) {
	for _, v := range venuetest.Vectors[vector](t, 1) {
		t.Run(v.ID, func(t *testing.T) {
			req, c := v.request()
			s, err := New().Sign(req, c)
			if err != nil {
				t.Fatal(err)
			}
			venuetest.CheckFields(t, venuetest.Field{Name: "query", Got: s.Query, Want: v.Query}, venuetest.Field{Name: "body", Got: string(s.Body), Want: v.Body},
				venuetest.Field{Name: "payload", Got: string(s.Payload), Want: v.Payload}, venuetest.Field{Name: "signature", Got: s.Signature, Want: v.Signature})
			venuetest.CheckHeaders(t, s, map[string]string{HeaderSign: v.Signature, HeaderPassphrase: v.PassphraseHeader,
				HeaderTimestamp: strconv.FormatInt(v.TimeMs, 10), HeaderKey: v.APIKey, HeaderKeyVersion: v.KeyVersion})
			venuetest.CheckOpenSSL(t, "sha256", v.Secret, s.Payload, base64.StdEncoding.EncodeToString, s.Signature, "signature")
			if v.KeyVersion != "1" {
				venuetest.CheckOpenSSL(t, "sha256", v.Secret, []byte(v.Passphrase), base64.StdEncoding.EncodeToString, venuetest.Header(s, HeaderPassphrase), "passphrase header")
			}
			// The server accepts what the client signed.
			venuetest.CheckVerifies(t, New(), s, exchange.Keys(c), req.Time.Add(time.Second))
		})
	}
}

func TestSignBadInput(t *testing.T) {
	ed, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	p := func(n, v string) exchange.Param { return exchange.Param{Name: n, Value: v} }
	base := exchange.Credentials{APIKey: "k", Secret: secret.FromString("s"), Passphrase: secret.FromString("p")}
	now := time.UnixMilli(1700000000000)
	tests := []struct {
		name string
		req  exchange.Request
		c    func(exchange.Credentials) exchange.Credentials
		want string
	}{
		{"missing passphrase", exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.Passphrase = secret.Value{}; return c }, "--api-passphrase-file"},
		{"wrong key kind", exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.Signer = ed; return c }, "wrong kind"},
		{"empty secret", exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.Secret = secret.Value{}; return c }, "--key-file"},
		{"unknown key version", exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.KeyVersion = "4"; return c }, "key version"},
		{"no timestamp", exchange.Request{Method: "GET", Path: "/api/v1/accounts"}, nil, "timestamp"},
		{"query in path", exchange.Request{Method: "GET", Path: "/api/v1/accounts?currency=BTC", Time: now}, nil, "NAME=VALUE"},
		{"not /api", exchange.Request{Method: "GET", Path: "/v1/accounts", Time: now}, nil, "/api/"},
		{"method", exchange.Request{Method: "PATCH", Path: "/api/v1/accounts", Time: now}, nil, "GET, POST"},
		{"duplicate param", exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now,
			Params: []exchange.Param{p("currency", "BTC"), p("currency", "ETH")}}, nil, "twice"},
		{"order side", exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("clientOid", "a"), p("side", "BUY"), p("symbol", "BTC-USDT"), p("price", "1"), p("size", "1")}}, nil, "lower case"},
		{"order symbol", exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("clientOid", "a"), p("side", "buy"), p("symbol", "BTCUSDT"), p("price", "1"), p("size", "1")}}, nil, "BTC-USDT"},
		{"order clientOid", exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("side", "buy"), p("symbol", "BTC-USDT"), p("price", "1"), p("size", "1")}}, nil, "clientOid"},
		{"limit without price", exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("clientOid", "a"), p("side", "buy"), p("symbol", "BTC-USDT"), p("size", "1")}}, nil, "price and size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			if tt.c != nil {
				c = tt.c(c)
			}
			_, err := New().Sign(tt.req, c)
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrBadRequest naming %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\"s\"") {
				t.Error("the secret appears in the error")
			}
		})
	}
}

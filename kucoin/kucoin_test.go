package kucoin

import (
	"encoding/base64"
	"strconv"
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
	venuetest.SignRefuses(t, New(), exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now}, base, ErrBadRequest, `"s"`, []venuetest.BadSign{
		venuetest.Bad("missing passphrase", nil, func(c *exchange.Credentials) { c.Passphrase = secret.Value{} }, "--api-passphrase-file"),
		venuetest.Bad("wrong key kind", nil, func(c *exchange.Credentials) { c.Signer = ed }, "wrong kind"),
		venuetest.Bad("empty secret", nil, func(c *exchange.Credentials) { c.Secret = secret.Value{} }, "--key-file"),
		venuetest.Bad("unknown key version", nil, func(c *exchange.Credentials) { c.KeyVersion = "4" }, "key version"),
		venuetest.Bad("no timestamp", venuetest.Set(exchange.Request{Method: "GET", Path: "/api/v1/accounts"}), nil, "timestamp"),
		venuetest.Bad("query in path", venuetest.Set(exchange.Request{Method: "GET", Path: "/api/v1/accounts?currency=BTC", Time: now}), nil, "NAME=VALUE"),
		venuetest.Bad("not /api", venuetest.Set(exchange.Request{Method: "GET", Path: "/v1/accounts", Time: now}), nil, "/api/"),
		venuetest.Bad("method", venuetest.Set(exchange.Request{Method: "PATCH", Path: "/api/v1/accounts", Time: now}), nil, "GET, POST"),
		venuetest.Bad("duplicate param", venuetest.Set(exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: now,
			Params: []exchange.Param{p("currency", "BTC"), p("currency", "ETH")}}), nil, "twice"),
		venuetest.Bad("order side", venuetest.Set(exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("clientOid", "a"), p("side", "BUY"), p("symbol", "BTC-USDT"), p("price", "1"), p("size", "1")}}), nil, "lower case"),
		venuetest.Bad("order symbol", venuetest.Set(exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("clientOid", "a"), p("side", "buy"), p("symbol", "BTCUSDT"), p("price", "1"), p("size", "1")}}), nil, "BTC-USDT"),
		venuetest.Bad("order clientOid", venuetest.Set(exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("side", "buy"), p("symbol", "BTC-USDT"), p("price", "1"), p("size", "1")}}), nil, "clientOid"),
		venuetest.Bad("limit without price", venuetest.Set(exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: now,
			Params: []exchange.Param{p("clientOid", "a"), p("side", "buy"), p("symbol", "BTC-USDT"), p("size", "1")}}), nil, "price and size"),
	})
}

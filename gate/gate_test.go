package gate

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/internal/venuetest"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

type vector struct {
	ID        string      `json:"id"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Params    [][2]string `json:"params"`
	TimeS     int64       `json:"time_s"`
	APIKey    string      `json:"api_key"`
	Secret    string      `json:"secret"`
	Query     string      `json:"query"`
	Body      string      `json:"body"`
	Payload   string      `json:"payload"`
	Signature string      `json:"signature"`
}

// TestVectors signs every vector and compares each byte with the values
// computed independently (Python's hmac and hashlib), then re-derives the
// body hash and the signature with openssl.
func TestVectors(t *testing.T) {
	for _, v := range venuetest.Vectors[vector](t, 1) {
		t.Run(v.ID, func(t *testing.T) {
			req := exchange.Request{Method: v.Method, Path: v.Path, Time: time.Unix(v.TimeS, 0), Params: venuetest.Params(v.Params)}
			c := exchange.Credentials{APIKey: v.APIKey, Secret: secret.FromString(v.Secret)}
			s, err := New().Sign(req, c)
			if err != nil {
				t.Fatal(err)
			}
			venuetest.CheckFields(t, venuetest.Field{Name: "query", Got: s.Query, Want: v.Query}, venuetest.Field{Name: "body", Got: string(s.Body), Want: v.Body},
				venuetest.Field{Name: "payload", Got: string(s.Payload), Want: v.Payload}, venuetest.Field{Name: "signature", Got: s.Signature, Want: v.Signature})
			venuetest.CheckHeaders(t, s, map[string]string{HeaderSign: v.Signature, HeaderTimestamp: strconv.FormatInt(v.TimeS, 10), HeaderKey: v.APIKey})
			lines := strings.Split(string(s.Payload), "\n")
			if got := hex.EncodeToString(testenv.OpenSSLHMAC(t, "sha512", "", s.Body)); len(lines) != 5 || lines[3] != got {
				t.Errorf("openssl says the body hash is %s; payload %q", got, s.Payload)
			}
			venuetest.CheckOpenSSL(t, "sha512", v.Secret, s.Payload, hex.EncodeToString, s.Signature, "signature")
			venuetest.CheckVerifies(t, New(), s, exchange.Keys(c), req.Time.Add(30*time.Second))
		})
	}
}

func TestSignBadInput(t *testing.T) {
	ed, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	base := exchange.Credentials{APIKey: "k", Secret: secret.FromString("s")}
	now := time.Unix(1700000000, 0)
	order := func(ps ...exchange.Param) exchange.Request {
		return exchange.Request{Method: "POST", Path: "/api/v4/spot/orders", Time: now, Params: ps}
	}
	p := func(n, v string) exchange.Param { return exchange.Param{Name: n, Value: v} }
	venuetest.SignRefuses(t, New(), exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: now}, base, ErrBadRequest, "", []venuetest.BadSign{
		venuetest.Bad("wrong key kind", nil, func(c *exchange.Credentials) { c.Signer = ed }, "wrong kind"),
		venuetest.Bad("a passphrase", nil, func(c *exchange.Credentials) { c.Passphrase = secret.FromString("p") }, "no passphrase"),
		venuetest.Bad("empty secret", nil, func(c *exchange.Credentials) { c.Secret = secret.Value{} }, "--key-file"),
		venuetest.Bad("no prefix", venuetest.Set(exchange.Request{Method: "GET", Path: "/spot/accounts", Time: now}), nil, "/api/v4/"),
		venuetest.Bad("no timestamp", venuetest.Set(exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts"}), nil, "timestamp"),
		venuetest.Bad("pair spelling", venuetest.Set(order(p("currency_pair", "BTC-USDT"), p("side", "buy"), p("amount", "1"), p("price", "1"))), nil, "BTC_USDT"),
		venuetest.Bad("side case", venuetest.Set(order(p("currency_pair", "BTC_USDT"), p("side", "Buy"), p("amount", "1"), p("price", "1"))), nil, "lower case"),
		venuetest.Bad("text prefix", venuetest.Set(order(p("currency_pair", "BTC_USDT"), p("side", "buy"), p("amount", "1"), p("price", "1"), p("text", "abc"))), nil, "t-"),
		venuetest.Bad("limit without price", venuetest.Set(order(p("currency_pair", "BTC_USDT"), p("side", "buy"), p("amount", "1"))), nil, "price"),
		venuetest.Bad("empty name", venuetest.Set(exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: now, Params: []exchange.Param{p("", "x")}}), nil, "empty name"),
	})
}

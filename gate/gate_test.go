package gate

import (
	"encoding/hex"
	"errors"
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
	tests := []struct {
		name string
		req  exchange.Request
		c    func(exchange.Credentials) exchange.Credentials
		want string
	}{
		{"wrong key kind", exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.Signer = ed; return c }, "wrong kind"},
		{"a passphrase", exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.Passphrase = secret.FromString("p"); return c }, "no passphrase"},
		{"empty secret", exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: now},
			func(c exchange.Credentials) exchange.Credentials { c.Secret = secret.Value{}; return c }, "--key-file"},
		{"no prefix", exchange.Request{Method: "GET", Path: "/spot/accounts", Time: now}, nil, "/api/v4/"},
		{"no timestamp", exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts"}, nil, "timestamp"},
		{"pair spelling", order(p("currency_pair", "BTC-USDT"), p("side", "buy"), p("amount", "1"), p("price", "1")), nil, "BTC_USDT"},
		{"side case", order(p("currency_pair", "BTC_USDT"), p("side", "Buy"), p("amount", "1"), p("price", "1")), nil, "lower case"},
		{"text prefix", order(p("currency_pair", "BTC_USDT"), p("side", "buy"), p("amount", "1"), p("price", "1"), p("text", "abc")), nil, "t-"},
		{"limit without price", order(p("currency_pair", "BTC_USDT"), p("side", "buy"), p("amount", "1")), nil, "price"},
		{"empty name", exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: now, Params: []exchange.Param{p("", "x")}}, nil, "empty name"},
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
		})
	}
}

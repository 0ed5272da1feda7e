package payload_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/internal/vectors"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Every published vector reproduces from its parameters, through the same
// builder the client uses.
func TestPublishedVectors(t *testing.T) {
	vs, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, v := range vs {
		t.Run(v.ID, func(t *testing.T) {
			h, err := sign.NewHMAC(secret.FromString(v.Secret))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case v.Kind == "rest-hmac" && v.Mixed():
				var r payload.REST
				r.Method = http.MethodPost
				addRaw(t, &r.Query, v.Query)
				addRaw(t, &r.Body, *v.Body)
				got, err := r.Sign(h, payload.Options{})
				if err != nil {
					t.Fatal(err)
				}
				check(t, got.Payload, v.Payload, got.Signature, v.Signature)
				if got.Query != v.Query || got.Body != *v.Body+"&signature="+v.Signature {
					t.Errorf("wire: query %q body %q", got.Query, got.Body)
				}
			case v.Kind == "rest-hmac":
				var r payload.REST
				r.Method = http.MethodGet
				for _, p := range v.Params {
					r.Query.AddString(p[0], p[1])
				}
				got, err := r.Sign(h, payload.Options{})
				if err != nil {
					t.Fatal(err)
				}
				check(t, got.Payload, v.Payload, got.Signature, v.Signature)
				if want := v.Payload + "&signature=" + v.Signature; got.Query != want || got.Body != "" {
					t.Errorf("wire query = %q, want %q", got.Query, want)
				}
			case v.Kind == "ws-hmac":
				var w payload.WS
				for _, p := range v.Params {
					if p[0] == "apiKey" {
						continue // the builder adds it from the key
					}
					w.Params.AddString(p[0], p[1])
				}
				got, err := w.Sign(h, v.APIKey, payload.Options{})
				if err != nil {
					t.Fatal(err)
				}
				check(t, got.Payload, v.Payload, got.Signature, v.Signature)
			default:
				t.Fatalf("unknown vector kind %q", v.Kind)
			}
			kinds[v.Kind]++
		})
	}
	if kinds["rest-hmac"] < 4 || kinds["ws-hmac"] < 3 {
		t.Fatalf("not every vector ran: %v", kinds)
	}
}

func check(t *testing.T, payload, wantPayload, sig, wantSig string) {
	t.Helper()
	if payload != wantPayload {
		t.Errorf("payload\n got %q\nwant %q", payload, wantPayload)
	}
	if sig != wantSig {
		t.Errorf("signature %s, want %s", sig, wantSig)
	}
}

// addRaw adds the pairs of a query string whose values need no encoding.
func addRaw(t *testing.T, l *params.List, raw string) {
	t.Helper()
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		l.AddString(k, v)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
}

package emulator

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// FuzzWSFrame: the frame parser never panics, always has an id to answer
// with, refuses with one of the frame codes, and what it accepts gives the
// same signed payload whatever the params' order; explaining a bad
// signature over it never panics either.
func FuzzWSFrame(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","method":"order.place","params":{"symbol":"这是测试币456","side":"BUY","timestamp":1645423376532,"apiKey":"k","signature":"ab"}}`,
		`{"id":null,"method":"ping"}`,
		`{"id":12345678901234567890,"method":"v3/time","params":{}}`,
		`{"id":1,"method":"time","params":{"a":1,"a":2}}`,
		`{"id":1,"method":"time","params":[1]}`,
		`{"id":{},"method":"time"}`,
		`{"method":"time"}`,
		`{"id":1,"method":"x","params":{"l":[1, 2],"o":{"b": true},"n":null,"f":1.50e3}}`,
		`{"id":1}{"id":2}`,
		`[]`,
		``,
		"{\"id\":\"\xff\",\"method\":\"time\"}",
	} {
		f.Add([]byte(s))
	}
	h, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		f.Fatal(err)
	}
	k := &apiKey{cfg: KeyConfig{APIKey: DocsAPIKey}, verifier: h}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, rej := parseWSFrame(data)
		if req == nil || !json.Valid(req.id) {
			t.Fatalf("no valid id to answer with: %+v", req)
		}
		if rej != nil {
			switch rej.Code {
			case codes.Unknown, codes.MandatoryParamEmpty, codes.TooManyParameters:
			default:
				t.Fatalf("code %d for %q", rej.Code, data)
			}
			if rej.Explanation == nil || rej.HTTPStatus != 400 {
				t.Fatalf("rejection without explanation or status: %+v", rej)
			}
			return
		}
		if req.method == "" {
			t.Fatalf("accepted without a method: %q", data)
		}
		seen := map[string]bool{}
		for _, p := range req.params {
			if seen[p.Name] {
				t.Fatalf("duplicate %q accepted", p.Name)
			}
			seen[p.Name] = true
		}
		pl := wsPayload(req.params)
		rev := slices.Clone(req.params)
		slices.Reverse(rev)
		if !bytes.Equal(pl, wsPayload(rev)) {
			t.Fatalf("payload depends on the params' order: %q", data)
		}
		sigText, _ := func() (string, bool) {
			for _, p := range req.params {
				if p.Name == "signature" {
					return p.Value, true
				}
			}
			return "", false
		}()
		ex := explainWSSignature(k, req.params, pl, decodeWSSignature(k.verifier.Algorithm(), sigText), sigText)
		if ex == nil || ex.Verdict == "" || ex.Code != -1022 {
			t.Fatalf("explanation %+v", ex)
		}
		_ = verify.Visible(pl)
	})
}

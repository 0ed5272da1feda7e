package verify_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// FuzzParseParams: parsing never panics, and every accepted request's
// params, written back as form pairs, parse to the same list.
func FuzzParseParams(f *testing.F) {
	f.Add("symbol=BTCUSDT&side=BUY", []byte("quantity=1&timestamp=1499827319559"), "application/x-www-form-urlencoded")
	f.Add("a=%E8%BF%99+b&c", []byte(`{"x":[1,2],"y":"z"}`), "application/json")
	f.Add("a=1&a=2", []byte(nil), "")
	f.Add("%zz=1", []byte("&&=&"), "text/plain")
	f.Fuzz(func(t *testing.T, query string, body []byte, contentType string) {
		ps, rej := verify.ParseParams(query, body, contentType)
		if rej != nil {
			if ps != nil {
				t.Fatal("both params and a rejection")
			}
			switch rej.Code {
			case codes.IllegalChars, codes.TooManyParameters:
			default:
				t.Fatalf("unexpected code %d", rej.Code)
			}
			if rej.Explanation == nil {
				t.Fatal("rejection without explanation")
			}
			return
		}
		var q, b []string
		for _, p := range ps.List {
			pair := pct.Escape(p.Name) + "=" + pct.Escape(p.Value)
			if p.InBody {
				b = append(b, pair)
			} else {
				q = append(q, pair)
			}
		}
		again, rej := verify.ParseParams(strings.Join(q, "&"), []byte(strings.Join(b, "&")), "application/x-www-form-urlencoded")
		if rej != nil {
			t.Fatalf("re-encoded params rejected: %v", rej)
		}
		if len(again.List) != len(ps.List) {
			t.Fatalf("round trip: %d params, then %d", len(ps.List), len(again.List))
		}
		for i := range ps.List {
			if again.List[i] != ps.List[i] {
				t.Fatalf("param %d: %+v, then %+v", i, ps.List[i], again.List[i])
			}
		}
	})
}

// knownCodes are every code Verify may answer.
var knownCodes = map[codes.Code]int{
	codes.InvalidTimestamp: 400, codes.InvalidSignature: 400, codes.IllegalChars: 400,
	codes.TooManyParameters: 400, codes.MandatoryParamEmpty: 400, codes.ParamEmpty: 400,
	codes.RejectedMBXKey: 401,
}

// FuzzVerify: random query, body and content type never panic and always
// give a Result or a Rejection with a known code and a bounded ASCII
// explanation without the secret; and a request the client's builder signs
// from the fuzzed name and value always verifies.
func FuzzVerify(f *testing.F) {
	const sec = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	h, err := sign.NewHMAC(secret.FromString(sec))
	if err != nil {
		f.Fatal(err)
	}
	ed, err := sign.NewEd25519FromSeed([]byte("mbx verify fuzz seed, 32 bytes!!"))
	if err != nil {
		f.Fatal(err)
	}
	keys := []verify.Key{{Verifier: h}, {Verifier: ed.Public()}}
	f.Add("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71", []byte(nil), "", "symbol", "这是测试币456")
	f.Add("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC", []byte("quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"), "application/x-www-form-urlencoded", "email", "a+b@example.com")
	f.Add("timestamp=1499827319559&signature=abc+def/==", []byte(`{"amount":20}`), "application/json", "symbols", `["A","B"]`)
	f.Add("timestamp=1499827319559000&recvWindow=6000.346&signature=", []byte("signature=x"), "", "note", "a b*~")
	f.Fuzz(func(t *testing.T, query string, body []byte, contentType, name, value string) {
		// A short search budget keeps each input fast: a run cut off mid-input
		// by -fuzztime reports a deadline, not a finding.
		opt := verify.Options{ServerTime: testNow, ExplainBudget: 2 * time.Millisecond}
		for _, key := range keys {
			req := &verify.Request{RawQuery: query, Body: body, ContentType: contentType, APIKey: docAPIKey, HasAPIKey: true}
			res, rej := verify.Verify(req, key, opt)
			switch {
			case res != nil && rej != nil, res == nil && rej == nil:
				t.Fatalf("Verify returned result %v and rejection %v", res, rej)
			case rej != nil:
				if st, ok := knownCodes[rej.Code]; !ok || st != rej.HTTPStatus {
					t.Fatalf("unexpected rejection HTTP %d %d %q", rej.HTTPStatus, rej.Code, rej.Msg)
				}
				if rej.Explanation == nil {
					t.Fatal("rejection without explanation")
				}
				headerOK(t, rej.Explanation.Header())
				if strings.Contains(rej.Explanation.Text(), sec) || strings.Contains(rej.Explanation.Header(), sec) {
					t.Fatal("the explanation shows the secret")
				}
			}
		}

		// A correctly built request always verifies.
		var r payload.REST
		r.Method = http.MethodPost
		r.Query.AddString("symbol", "BTCUSDT")
		r.Body.AddString(name, value)
		for _, s := range []sign.Signer{h, ed} {
			signed, err := r.Sign(s, payload.Options{Now: func() time.Time { return testNow }})
			if err != nil {
				return // the builder refused the name or value, with a reason
			}
			v, _ := sign.Public(s)
			// The fuzzed name may be timestamp itself: serve at its time.
			at := verify.Options{ServerTime: time.UnixMilli(signed.Timestamp)}
			if signed.Timestamp >= verify.MicrosecondThreshold {
				at.ServerTime = time.UnixMicro(signed.Timestamp)
			}
			res, rej := verify.Verify(fromSigned(signed), verify.Key{Verifier: v}, at)
			if rej != nil {
				t.Fatalf("built request rejected: %v\n%s", rej, rej.Explanation.Text())
			}
			if got, _ := res.Params.Get(name); got != value {
				t.Fatalf("param %q = %q, want %q", name, got, value)
			}
		}
	})
}

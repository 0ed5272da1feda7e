package verify_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The spot docs' public example key pair.
const (
	docAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// testNow is the server clock of every test that does not test timing.
var testNow = time.UnixMilli(1767225600123) // 2026-01-01T00:00:00.123Z

func testTS() string { return "1767225600123" }

// signers holds one key of each type; RSA generation is slow, so it is made
// once per test binary.
type signers struct {
	hmac *sign.HMAC
	rsa  *sign.RSA
	ed   *sign.Ed25519Signer
}

var testSigners = sync.OnceValue(func() signers {
	h, err := sign.NewHMAC(secret.FromString(docSecret))
	if err != nil {
		panic(err)
	}
	r, err := sign.GenerateRSA(2048)
	if err != nil {
		panic(err)
	}
	e, err := sign.NewEd25519FromSeed([]byte("mbx verify test seed, 32 bytes!!"))
	if err != nil {
		panic(err)
	}
	return signers{hmac: h, rsa: r, ed: e}
})

// keyFor returns the signer named alg ("hmac", "rsa", "ed25519") and the
// server's Key for it.
func keyFor(t testing.TB, alg string) (sign.Signer, verify.Key) {
	t.Helper()
	s := testSigners()
	var sg sign.Signer
	switch alg {
	case "hmac":
		sg = s.hmac
	case "rsa":
		sg = s.rsa
	case "ed25519":
		sg = s.ed
	default:
		t.Fatalf("unknown key type %q", alg)
	}
	v, err := sign.Public(sg)
	if err != nil {
		t.Fatal(err)
	}
	return sg, verify.Key{APIKey: docAPIKey, Verifier: v}
}

// rawSig signs msg and returns the raw signature bytes.
func rawSig(t testing.TB, s sign.Signer, msg string) []byte {
	t.Helper()
	b, err := s.AppendSign(nil, []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wireSig writes a signature the way a correct client does: lower-case hex
// for HMAC, percent-encoded base64 otherwise.
func wireSig(alg sign.Algorithm, raw []byte) string {
	if alg == sign.HMACSHA256 {
		return hex.EncodeToString(raw)
	}
	return pct.Escape(base64.StdEncoding.EncodeToString(raw))
}

// withSig appends signature=v as the last pair of a part.
func withSig(part, v string) string {
	if part == "" {
		return "signature=" + v
	}
	return part + "&signature=" + v
}

// request builds a request from wire query and body (form body when non-empty).
func request(query, body string) *verify.Request {
	r := &verify.Request{Method: "POST", Path: "/api/v3/order", RawQuery: query, Body: []byte(body), APIKey: docAPIKey, HasAPIKey: true}
	if body != "" {
		r.ContentType = "application/x-www-form-urlencoded"
	}
	return r
}

// craft sends query and body as given, with a signature computed over
// signed (what the client believed it sent) appended to the part named in
// ("query" or "body").
func craft(t testing.TB, s sign.Signer, query, body, signed, in string) *verify.Request {
	t.Helper()
	sig := wireSig(s.Algorithm(), rawSig(t, s, signed))
	if in == "body" {
		return request(query, withSig(body, sig))
	}
	return request(withSig(query, sig), body)
}

// fromSigned is the request a payload.Signed describes.
func fromSigned(s payload.Signed) *verify.Request {
	r := request(s.Query, s.Body)
	r.Method = s.Method
	r.ContentType = s.ContentType()
	return r
}

func opts() verify.Options { return verify.Options{ServerTime: testNow} }

// noSecret fails when any output of a rejection carries the secret.
func noSecret(t testing.TB, rej *verify.Rejection, sec string) {
	t.Helper()
	outs := map[string]string{"Error": rej.Error()}
	if rej.Explanation != nil {
		outs["Text"] = rej.Explanation.Text()
		outs["Header"] = rej.Explanation.Header()
	}
	for name, out := range outs {
		for _, form := range []string{sec, pct.Escape(sec), strings.TrimSpace(sec)} {
			if form != "" && strings.Contains(out, form) {
				t.Errorf("%s() contains the secret:\n%s", name, out)
			}
		}
	}
}

// headerOK checks the header's promises: one line of printable ASCII, bounded.
func headerOK(t testing.TB, h string) {
	t.Helper()
	if len(h) > verify.MaxHeaderLen {
		t.Errorf("Header() is %d bytes, want <= %d", len(h), verify.MaxHeaderLen)
	}
	for i := 0; i < len(h); i++ {
		if h[i] < 0x20 || h[i] >= 0x7f {
			t.Fatalf("Header() byte %d is %#x, not printable ASCII: %q", i, h[i], h)
		}
	}
}

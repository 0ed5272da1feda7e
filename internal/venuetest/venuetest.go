// Package venuetest is the test support the non-Binance exchange packages
// (bybit, okx, kucoin, gate) share: loading a package's signing vectors,
// checking a signing against them and against openssl, the table of
// inputs Sign must refuse, benchmarks of Sign and Verify, and starting a
// venue's local exchange and calling it signed. What each exchange signs
// and answers stays in its own tests; only the harness lives here.
package venuetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/testenv"
)

// VectorsFile is where each exchange package keeps its signing vectors,
// relative to the package directory (the test's working directory).
const VectorsFile = "testdata/vectors.json"

// Vectors reads VectorsFile: a JSON array of V, or an object whose
// "vectors" member is one (the two layouts the packages' files use). Fewer
// than min vectors fails the test: a truncated file must not pass by
// checking nothing.
func Vectors[V any](t testing.TB, min int) []V {
	t.Helper()
	b, err := os.ReadFile(VectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var vs []V
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		err = json.Unmarshal(b, &vs)
	} else {
		var f struct{ Vectors []V }
		err = json.Unmarshal(b, &f)
		vs = f.Vectors
	}
	if err != nil {
		t.Fatalf("%s: %v", VectorsFile, err)
	}
	if len(vs) < min {
		t.Fatalf("%s: only %d vectors, want at least %d", VectorsFile, len(vs), min)
	}
	return vs
}

// Params is name/value pairs, as vectors and tests write them, as request
// parameters in the same order.
func Params(pairs [][2]string) []exchange.Param {
	var ps []exchange.Param
	for _, p := range pairs {
		ps = append(ps, exchange.Param{Name: p[0], Value: p[1]})
	}
	return ps
}

// Pairs is Params for a flat list name1, value1, name2, value2, …; a
// trailing name without a value is dropped.
func Pairs(kv ...string) []exchange.Param {
	var ps []exchange.Param
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, exchange.Param{Name: kv[i], Value: kv[i+1]})
	}
	return ps
}

// Header is the value of s's header called name, "" when s has none.
func Header(s exchange.Signed, name string) string {
	for _, h := range s.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// Field is one value a signing produced (Got) and the vector's (Want).
type Field struct{ Name, Got, Want string }

// CheckFields reports every field whose value differs from the vector's.
func CheckFields(t testing.TB, fs ...Field) {
	t.Helper()
	for _, f := range fs {
		if f.Got != f.Want {
			t.Errorf("%s = %q, want %q", f.Name, f.Got, f.Want)
		}
	}
}

// CheckHeaders reports each header in want that s lacks or sends with
// another value; headers s sends beyond want are not checked.
func CheckHeaders(t testing.TB, s exchange.Signed, want map[string]string) {
	t.Helper()
	left := make(map[string]string, len(want))
	for k, v := range want {
		left[k] = v
	}
	for _, h := range s.Headers {
		if w, ok := left[h.Name]; ok && w != h.Value {
			t.Errorf("header %s = %q, want %q", h.Name, h.Value, w)
		}
		delete(left, h.Name)
	}
	if len(left) > 0 {
		t.Errorf("headers missing: %v", left)
	}
}

// CheckOpenSSL re-derives HMAC-alg(key, msg) with openssl, an
// implementation independent of Go's, and reports it unless encode of it is
// want (what names the value: "signature", "passphrase header"). Without
// openssl it skips, or fails in CI (testenv.OpenSSLHMAC).
func CheckOpenSSL(t testing.TB, alg, key string, msg []byte, encode func([]byte) string, want, what string) {
	t.Helper()
	if got := encode(testenv.OpenSSLHMAC(t, alg, key, msg)); got != want {
		t.Errorf("openssl says the %s is %s, Sign says %s", what, got, want)
	}
}

// NeedOpenSSL skips the test (fails it in CI) when openssl is missing, for
// a test whose every case re-derives a signature with it.
func NeedOpenSSL(t testing.TB) {
	t.Helper()
	testenv.LookPath(t, "openssl", "apt-get install -y openssl")
}

// CheckVerifies reports Verify refusing s at now: what a client signed
// with Sign, the server must accept.
func CheckVerifies(t testing.TB, ex exchange.Exchange, s exchange.Signed, lookup exchange.Lookup, now time.Time) {
	t.Helper()
	if vd := ex.Verify(s.Incoming(), lookup, now); !vd.OK {
		t.Errorf("Verify rejected the vector: %+v", vd)
	}
}

// BadSign is an input Sign must refuse: Req and Creds change the table's
// good request and credentials (nil: unchanged), and the error must
// contain Want.
type BadSign struct {
	Name  string
	Req   func(*exchange.Request)
	Creds func(*exchange.Credentials)
	Want  string
}

// Set is a BadSign.Req that replaces the request with r.
func Set(r exchange.Request) func(*exchange.Request) {
	return func(q *exchange.Request) { *q = r }
}

// SignRefuses runs each case as a subtest: Sign must fail with an error
// that contains Want, wraps target when target is not nil, and does not
// contain leak (the test secret or passphrase as it would appear) when
// leak is not empty.
func SignRefuses(t *testing.T, ex exchange.Exchange, good exchange.Request, creds exchange.Credentials, target error, leak string, cases []BadSign) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			r, c := good, creds
			if tt.Req != nil {
				tt.Req(&r)
			}
			if tt.Creds != nil {
				tt.Creds(&c)
			}
			_, err := ex.Sign(r, c)
			if err == nil || !strings.Contains(err.Error(), tt.Want) || (target != nil && !errors.Is(err, target)) {
				t.Fatalf("err = %v, want one naming %q (wrapping %v)", err, tt.Want, target)
			}
			if leak != "" && strings.Contains(err.Error(), leak) {
				t.Errorf("%q, which a credential holds, leaks into the error", leak)
			}
		})
	}
}

// Bench is what a venue's authentication benchmarks sign and verify.
type Bench struct {
	// Sign is the request Sign is measured on, usually an order.
	Sign exchange.Request
	// Verify is the request Verify is measured on; zero means Sign.
	Verify exchange.Request
	Creds  exchange.Credentials
	// Tamper, when set, spoils a signed request so that Verify rejects it:
	// the cost of a rejection is the check plus the whole mistake search,
	// which a hostile client can trigger at will.
	Tamper func(*exchange.Incoming)
}

// RunBench runs the sub-benchmarks Sign, VerifyAccept and (with Tamper)
// VerifyReject of ex on bn.
func RunBench(b *testing.B, ex exchange.Exchange, bn Bench) {
	b.Helper()
	vreq := bn.Verify
	if vreq.Method == "" {
		vreq = bn.Sign
	}
	s, err := ex.Sign(vreq, bn.Creds)
	if err != nil {
		b.Fatal(err)
	}
	lookup := exchange.Keys(bn.Creds)
	b.Run("Sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ex.Sign(bn.Sign, bn.Creds); err != nil {
				b.Fatal(err)
			}
		}
	})
	verify := func(in exchange.Incoming, accept bool) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v := ex.Verify(in, lookup, vreq.Time); v.OK != accept {
					b.Fatalf("verdict %+v, want OK %v", v, accept)
				}
			}
		}
	}
	b.Run("VerifyAccept", verify(s.Incoming(), true))
	if bn.Tamper != nil {
		in := s.Incoming()
		bn.Tamper(&in)
		b.Run("VerifyReject", verify(in, false))
	}
}

// Start builds a local exchange with build from cfg, starts it on a
// loopback port and returns it with its base URL; cleanup closes it (a
// test may close it earlier, to reopen its ledger).
func Start[E exchange.Emulator](t testing.TB, build func(context.Context, exchange.EmulatorConfig) (E, error), cfg exchange.EmulatorConfig) (E, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	em, err := build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	base, err := em.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return em, base
}

// Send sends s, exactly as signed, to base and returns the answer and its
// body.
func Send(t testing.TB, base string, s exchange.Signed) (*http.Response, []byte) {
	t.Helper()
	resp, body, err := s.Do(context.Background(), nil, base)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// Call signs method, path and params with ex and c at now and sends it to
// base.
func Call(t testing.TB, ex exchange.Exchange, base string, c exchange.Credentials, now time.Time, method, path string, params ...exchange.Param) (*http.Response, []byte) {
	t.Helper()
	s, err := ex.Sign(exchange.Request{Method: method, Path: path, Params: params, Time: now}, c)
	if err != nil {
		t.Fatal(err)
	}
	return Send(t, base, s)
}

// Decode reads an answer's body as the exchange's JSON envelope E, failing
// the test with the body when it is not one.
func Decode[E any](t testing.TB, body []byte) E {
	t.Helper()
	var env E
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("not the exchange's JSON envelope: %v: %s", err, body)
	}
	return env
}

// Bad is a BadSign: a case named name whose req and creds changes (nil:
// none) make Sign fail with an error containing want.
func Bad(name string, req func(*exchange.Request), creds func(*exchange.Credentials), want string) BadSign {
	return BadSign{Name: name, Req: req, Creds: creds, Want: want}
}

// MustSign signs req with c, failing the test when Sign refuses.
func MustSign(t testing.TB, ex exchange.Exchange, req exchange.Request, c exchange.Credentials) exchange.Signed {
	t.Helper()
	s, err := ex.Sign(req, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// CheckUnsigned checks the verdict on a request nobody signed, as a fuzz
// target builds: refused with HTTP 401 and an answer the exchange gives
// (known), and c's secret nowhere in the explanation or mistakes.
func CheckUnsigned(t testing.TB, v exchange.Verdict, known func(exchange.Verdict) bool, c exchange.Credentials) {
	t.Helper()
	if v.OK {
		t.Fatalf("accepted a request nobody signed: %+v", v)
	}
	if !known(v) || v.Status != http.StatusUnauthorized {
		t.Fatalf("unknown answer %+v", v)
	}
	if strings.Contains(v.Explanation+strings.Join(v.Mistakes, ""), string(c.Secret.Expose())) {
		t.Fatal("the secret leaks")
	}
}

// CheckSignedQuery signs GET path?q=query with c at now and checks that
// Verify accepts it a second later: whatever query a fuzzer makes up, what
// Sign produced must verify. A query Sign refuses is no failure.
func CheckSignedQuery(t testing.TB, ex exchange.Exchange, path, query string, c exchange.Credentials, now time.Time) {
	t.Helper()
	s, err := ex.Sign(exchange.Request{Method: "GET", Path: path, Params: []exchange.Param{{Name: "q", Value: query}}, Time: now}, c)
	if err != nil {
		return
	}
	if v := ex.Verify(s.Incoming(), exchange.Keys(c), now.Add(time.Second)); !v.OK {
		t.Fatalf("rejected a signed request (query %q): %+v", s.Query, v)
	}
}

// HeaderOf is an http.Header with each non-empty value of kv: a fuzz
// target's empty string stands for a header left out.
func HeaderOf(kv map[string]string) http.Header {
	h := http.Header{}
	for name, v := range kv {
		if v != "" {
			h.Set(name, v)
		}
	}
	return h
}

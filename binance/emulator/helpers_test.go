package emulator

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mbxkit/mbx/internal/testenv"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// fakeClock is the "real" clock of a test exchange, and the clock its
// clients sign with: time only moves when a test moves it, so aligned rate
// limit windows never roll over mid-test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	// 30 s into a minute, far from window edges; a weekday in 2026.
	return &fakeClock{t: time.Date(2026, 3, 4, 12, 0, 30, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testKey is a key the tests configure and sign with.
type testKey struct {
	apiKey string
	signer sign.Signer
}

func docsKey(t testing.TB) testKey {
	t.Helper()
	h, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		t.Fatal(err)
	}
	return testKey{apiKey: DocsAPIKey, signer: h}
}

// asymmetricKey generates an RSA or Ed25519 key, writes its public PEM into
// dir and returns the key config and the signing key.
func asymmetricKey(t testing.TB, dir, typ, apiKey string, perms ...string) (KeyConfig, testKey) {
	t.Helper()
	var s sign.Signer
	var err error
	if typ == "rsa" {
		s, err = sign.GenerateRSA(2048)
	} else {
		s, err = sign.GenerateEd25519()
	}
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sign.MarshalPublicKeyPEM(s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, apiKey+".pub.pem")
	if err := os.WriteFile(path, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	kc := KeyConfig{APIKey: apiKey, Type: typ, PublicKeyFile: path, Permissions: perms,
		Balances: map[string]string{"USDT": "10000", "BTC": "1"}}
	return kc, testKey{apiKey: apiKey, signer: s}
}

func hmacKey(apiKey, secretText string, perms ...string) KeyConfig {
	return KeyConfig{APIKey: apiKey, Type: "hmac", Secret: secret.FromString(secretText), Permissions: perms,
		Balances: map[string]string{"USDT": "10000", "BTC": "1", "BRL": "5000", "币安人生": "100"}}
}

func mustHMAC(t testing.TB, secretText string) sign.Signer {
	t.Helper()
	h, err := sign.NewHMAC(secret.FromString(secretText))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustDec(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// exchange is a test exchange on 127.0.0.1.
type exchange struct {
	t     testing.TB
	srv   *Server
	base  string
	clock *fakeClock
	hc    *http.Client
}

func startExchange(t testing.TB, cfg Config, opt Options) *exchange {
	t.Helper()
	clock := newFakeClock()
	if opt.Now == nil {
		opt.Now = clock.Now
	}
	ctx := context.Background()
	srv, err := New(ctx, cfg, opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &exchange{t: t, srv: srv, base: base, clock: clock, hc: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

// answer is a response as the tests look at it.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
	Code   int
	Msg    string
	Err    error // transport error (a dropped connection)
}

func (a answer) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Body, v); err != nil {
		t.Fatalf("body %q: %v", a.Body, err)
	}
}

func (e *exchange) do(req *http.Request) answer {
	e.t.Helper()
	resp, err := e.hc.Do(req)
	if err != nil {
		return answer{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{Status: resp.StatusCode, Err: err}
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
	var eb struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
	}
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &eb) == nil && eb.Code != nil {
		a.Code, a.Msg = *eb.Code, eb.Msg
	}
	return a
}

// raw sends a request exactly as given: the query and body bytes are not
// touched.
func (e *exchange) raw(method, path, rawQuery, body, contentType, apiKey string) answer {
	e.t.Helper()
	req := testenv.RawRequest(e.t, method, e.base+path, rawQuery, body, contentType, apiKey)
	return e.do(req)
}

// kv builds a params.List from name/value pairs.
func kv(t testing.TB, pairs ...any) params.List {
	t.Helper()
	l, err := params.Of(pairs...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// signed sends a correctly signed request built by binance/payload.
func (e *exchange) signed(k testKey, method, path string, query, body params.List) answer {
	e.t.Helper()
	r := payload.REST{Method: method, Query: query, Body: body}
	s, err := r.Sign(k.signer, payload.Options{Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("sign: %v", err)
	}
	req, err := s.NewRequest(context.Background(), e.base, path)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("X-MBX-APIKEY", k.apiKey)
	return e.do(req)
}

func (e *exchange) get(path string, query params.List) answer {
	e.t.Helper()
	r := payload.REST{Method: http.MethodGet, Query: query}
	s, err := r.Encode()
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := s.NewRequest(context.Background(), e.base, path)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

// sig signs a payload with k and writes the signature the REST way.
func sig(t testing.TB, k testKey, payloadText string, encode bool) string {
	t.Helper()
	raw, err := k.signer.AppendSign(nil, []byte(payloadText))
	if err != nil {
		t.Fatal(err)
	}
	if k.signer.Algorithm() == sign.HMACSHA256 {
		return hex.EncodeToString(raw)
	}
	b := base64.StdEncoding.EncodeToString(raw)
	if encode {
		return url.QueryEscape(b)
	}
	return b
}

// admin calls the admin API.
func (e *exchange) admin(method, path, body string) answer {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+"/mbx/admin"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(req)
}

// ms is the test clock as a millisecond timestamp.
func (e *exchange) ms() string { return strconv.FormatInt(e.clock.Now().UnixMilli(), 10) }

func wantCode(t testing.TB, a answer, status, code int, msg string) {
	t.Helper()
	if a.Err != nil {
		t.Fatalf("transport error: %v", a.Err)
	}
	if a.Status != status || a.Code != code || (msg != "" && a.Msg != msg) {
		t.Fatalf("got HTTP %d %s; want HTTP %d code %d %q", a.Status, a.Body, status, code, msg)
	}
}

func wantOK(t testing.TB, a answer) {
	t.Helper()
	if a.Err != nil {
		t.Fatalf("transport error: %v", a.Err)
	}
	if a.Status != http.StatusOK {
		t.Fatalf("got HTTP %d %s (explain: %s); want 200", a.Status, a.Body, a.Header.Get(HeaderExplain))
	}
}

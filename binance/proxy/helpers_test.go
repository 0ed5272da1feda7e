package proxy_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"github.com/mbxkit/mbx/internal/testenv"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The Binance docs' public example key, which the local exchange accepts.
const (
	docsAPIKey = emulator.DocsAPIKey
	docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// fakeClock is the real clock of the exchange and of the proxy in a test:
// time moves only when the test moves it, so rate-limit windows never roll
// over by accident.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 4, 12, 0, 30, 0, time.UTC)} // 30s into a minute
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

func (c *fakeClock) ms() string { return strconv.FormatInt(c.Now().UnixMilli(), 10) }

// rig is bots → proxy → the real local exchange, all on 127.0.0.1.
type rig struct {
	t      testing.TB
	clock  *fakeClock
	srv    *emulator.Server
	exBase string
	p      *proxy.Proxy
	pxBase string
	hc     *http.Client
	hmac   *sign.HMAC
}

func docsHMAC(t testing.TB) *sign.HMAC {
	t.Helper()
	h, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// newRig starts the exchange with cfg and a proxy in front of it that
// verifies the docs' key. edit, when set, changes the proxy's options.
func newRig(t testing.TB, cfg emulator.Config, edit func(*proxy.Options)) *rig {
	t.Helper()
	r := &rig{t: t, clock: newFakeClock(), hmac: docsHMAC(t)}
	ctx := context.Background()
	srv, err := emulator.New(ctx, cfg, emulator.Options{Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	if r.exBase, err = srv.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	opt := proxy.Options{Upstream: r.exBase, Now: r.clock.Now, Keys: []verify.Key{{APIKey: docsAPIKey, Verifier: r.hmac}}}
	if edit != nil {
		edit(&opt)
	}
	r.p, r.pxBase = startProxy(t, opt)
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	r.hc = &http.Client{Transport: tr, Timeout: 20 * time.Second}
	return r
}

func startProxy(t testing.TB, opt proxy.Options) (*proxy.Proxy, string) {
	t.Helper()
	p, err := proxy.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	base, err := p.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p, base
}

// answer is a response as the tests look at it.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
	Code   int
	Msg    string
}

// send sends a request exactly as given: the raw query and the body bytes
// are not touched.
func (r *rig) send(base, method, path, rawQuery, body, contentType, apiKey string) answer {
	r.t.Helper()
	req := testenv.RawRequest(r.t, method, base+path, rawQuery, body, contentType, apiKey)
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	var eb struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
	}
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &eb) == nil && eb.Code != nil {
		a.Code, a.Msg = *eb.Code, eb.Msg
	}
	return a
}

// hmacHex signs text with the docs' secret.
func (r *rig) hmacHex(text string) string {
	raw, err := r.hmac.AppendSign(nil, []byte(text))
	if err != nil {
		r.t.Fatal(err)
	}
	return hex.EncodeToString(raw)
}

// arrived lists what the exchange received on path, oldest first.
func (r *rig) arrived(path string) []emulator.Entry {
	var out []emulator.Entry
	for _, e := range r.srv.Recent() {
		if e.Path == path {
			out = append(out, e)
		}
	}
	return out
}

func wantCode(t testing.TB, a answer, status, code int) {
	t.Helper()
	if a.Status != status || a.Code != code {
		t.Fatalf("got HTTP %d %s (explain %q); want HTTP %d code %d", a.Status, a.Body, a.Header.Get(proxy.HeaderExplain), status, code)
	}
}

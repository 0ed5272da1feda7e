package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/binance/verify"
)

// FuzzProxyForwardsExactly sends any query string and body through the
// proxy to a bare upstream: both must arrive byte for byte, and the
// upstream's answer must come back byte for byte, whatever the bytes (and
// whether the proxy verified the request or not).
func FuzzProxyForwardsExactly(f *testing.F) {
	f.Add("symbol=BTCUSDT&note=a%2Bb%40c+d%E5%B8%81&x=%7B%22k%22%3A1%7D", `accountInfo={"a":"b c"}&p=1+2%2B3`, false)
	f.Add("a=%zz&b=%&c", "%%%", true)
	f.Add("", "\x00\xff\r\n", true)
	f.Add("signature=00&timestamp=1", "signature=&timestamp=", true)
	type seen struct {
		uri  string
		body []byte
	}
	got := make(chan seen, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.RequestURI, b}
		w.WriteHeader(http.StatusTeapot - 100) // 318: an unusual status passes too
		_, _ = w.Write(append([]byte("echo:"), b...))
	}))
	f.Cleanup(up.Close)
	h := docsHMAC(f)
	_, base := startProxy(f, proxy.Options{Upstream: up.URL, Keys: []verify.Key{{APIKey: docsAPIKey, Verifier: h}}, ClockWait: time.Millisecond})
	hc := &http.Client{Timeout: 10 * time.Second}
	f.Fuzz(func(t *testing.T, query, body string, knownKey bool) {
		for i := 0; i < len(query); i++ {
			if c := query[i]; c <= ' ' || c == 0x7f || c == '#' {
				return // no HTTP client sends these in a request target
			}
		}
		req, err := http.NewRequest(http.MethodPost, base+"/x/y", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if knownKey {
			req.Header.Set("X-MBX-APIKEY", docsAPIKey)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTeapot-100 {
			// Answered by the proxy itself: only a signed request of the
			// known key may be, with Binance's error shape.
			if !knownKey || !bytes.HasPrefix(rb, []byte(`{"code":-1`)) || resp.Header.Get(proxy.HeaderInspect) == "" {
				t.Fatalf("status %d %s for query %q body %q", resp.StatusCode, rb, query, body)
			}
			return
		}
		s := <-got
		want := "/x/y"
		if query != "" {
			want += "?" + query
		}
		if s.uri != want || string(s.body) != body || string(rb) != "echo:"+body {
			t.Fatalf("arrived %q %q, answered %q; sent %q %q", s.uri, s.body, rb, want, body)
		}
	})
}

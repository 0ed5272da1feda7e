package proxy_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/internal/testenv"
)

// hungUpstream accepts connections on loopback and never answers.
func hungUpstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go func() { _, _ = io.Copy(io.Discard, c) }()
				<-done
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestUpstreamTimeoutIsBinanceShaped: a hung upstream is answered, after
// the configured wait, with HTTP 503 and Binance's -1007 body.
func TestUpstreamTimeoutIsBinanceShaped(t *testing.T) {
	_, base := startProxy(t, proxy.Options{Upstream: hungUpstream(t), UpstreamTimeout: 300 * time.Millisecond})
	hc := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := hc.Get(base + "/api/v3/ping")
	if err != nil {
		t.Fatalf("no answer from the proxy: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var eb struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.Unmarshal(body, &eb); err != nil || resp.StatusCode != http.StatusServiceUnavailable ||
		eb.Code != int(codes.Timeout) || eb.Msg != codes.MsgTimeout {
		t.Fatalf("HTTP %d %s; want 503 with -1007 %q", resp.StatusCode, body, codes.MsgTimeout)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("answered after %v, want about the 300ms timeout", took)
	}
}

// TestProxySlowBodyIsCutOff: a client sending its body one byte every 2 s
// is answered and disconnected after the configured body timeout.
func TestProxySlowBodyIsCutOff(t *testing.T) {
	_, base := startProxy(t, proxy.Options{Upstream: hungUpstream(t), BodyTimeout: 300 * time.Millisecond})
	got, held := testenv.SlowBody(t, strings.TrimPrefix(base, "http://"), "/api/v3/order")
	if held {
		t.Fatalf("connection still open after 10 s of slow body: %q", got)
	}
	if !strings.HasPrefix(got, "HTTP/1.1 400") {
		t.Fatalf("answer %q, want HTTP 400", got)
	}
}

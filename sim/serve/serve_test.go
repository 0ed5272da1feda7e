package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func hello() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
}

func get(t *testing.T, url string) (string, error) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestStartServesAndShutdownStops(t *testing.T) {
	s, err := Start(context.Background(), "127.0.0.1:0", hello(), Options{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL())
	}
	if body, err := get(t, s.URL()); err != nil || body != "hello" {
		t.Fatalf("GET: %q, %v", body, err)
	}
	var wg sync.WaitGroup
	for range 3 { // every caller returns once the server has stopped
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Shutdown(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := get(t, s.URL()); err == nil {
		t.Fatal("still serving after Shutdown")
	}
}

func TestContextEndCallsOwner(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var s *Server
	s, err := Start(ctx, "127.0.0.1:0", hello(), Options{Name: "test", OnContextDone: func() {
		// The owner's close path: Shutdown from inside the callback must
		// not wait for itself.
		_ = s.Shutdown()
		close(done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("OnContextDone did not run or Shutdown deadlocked")
	}
	if _, err := get(t, s.URL()); err == nil {
		t.Fatal("still serving after the context ended")
	}
}

func TestStartErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		addr string
		h    http.Handler
		want []string
	}{
		{"address in use", taken.Addr().String(), hello(), []string{"demo: listen on " + taken.Addr().String(), "use a free port"}},
		{"bad address", "not an address", hello(), []string{"demo: listen on not an address"}},
		{"no handler", "127.0.0.1:0", nil, []string{"demo: serve: no handler given"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(context.Background(), tt.addr, tt.h, Options{Name: "demo", Hint: "use a free port"})
			if err == nil {
				_ = s.Shutdown()
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	var opErr *net.OpError
	_, err = Start(context.Background(), taken.Addr().String(), hello(), Options{Name: "demo"})
	if !errors.As(err, &opErr) {
		t.Errorf("listen error %v does not wrap the *net.OpError", err)
	}
}

// Package redistest starts a real redis-server on 127.0.0.1 for a test.
// When redis-server is missing the test skips with the install command on a
// developer's machine and fails in CI (internal/testenv).
package redistest

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// Server is a redis-server without persistence, killed when the test ends.
type Server struct {
	Addr string
	cmd  *exec.Cmd
	once sync.Once
}

// Start launches redis-server on a free loopback port and waits for PING.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := testenv.LookPath(t, "redis-server", "apt-get install -y redis-server")
	// Ask the kernel for a free port, then hand it to redis-server. Another
	// process could take it in between; the readiness check below would
	// then fail loudly rather than test the wrong server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(),
		"--protected-mode", "yes", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}
	t.Cleanup(s.Stop)
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	var lastErr error
	for range 200 { // up to ~5s on a slow, shared machine
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		lastErr = c.Ping(ctx).Err()
		cancel()
		if lastErr == nil {
			return s
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("redis-server on %s did not answer PING: %v", s.Addr, lastErr)
	return nil
}

// Stop kills the server (idempotent); tests use it to simulate an outage.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	})
}

// Client returns a client for the server, closed at cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// Package serve starts an HTTP handler on a listening socket and stops it
// once: the one server start of every local exchange (mbx serve) and of the
// verifying proxy (mbx proxy). It knows no exchange.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 5 * time.Second
)

// Options say how to serve. Zero durations take the defaults above.
type Options struct {
	// Name prefixes errors and log lines, e.g. "proxy".
	Name string
	// Hint ends the listen error: what the user can change, e.g. "use
	// --addr 127.0.0.1:0 for a free port".
	Hint string
	// Logger receives the http.Server's own errors at Warn; nil discards.
	Logger *slog.Logger
	// OnContextDone runs (in its own goroutine) when the context given to
	// Start ends before Shutdown was called: the owner closes everything it
	// holds there, Shutdown included.
	OnContextDone func()

	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
}

// Server is a started handler. Its zero value is not usable; call Start.
type Server struct {
	srv     *http.Server
	url     string
	name    string
	log     *slog.Logger
	wait    time.Duration
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	stopErr error
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves h
// until Shutdown, or until ctx ends (then opt.OnContextDone runs).
func Start(ctx context.Context, addr string, h http.Handler, opt Options) (*Server, error) {
	if h == nil {
		return nil, fmt.Errorf("%s: serve: no handler given", opt.Name)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if opt.Hint != "" {
			return nil, fmt.Errorf("%s: listen on %s: %w (%s)", opt.Name, addr, err, opt.Hint)
		}
		return nil, fmt.Errorf("%s: listen on %s: %w", opt.Name, addr, err)
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: or(opt.ReadHeaderTimeout, DefaultReadHeaderTimeout),
			IdleTimeout:       or(opt.IdleTimeout, DefaultIdleTimeout),
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		url: "http://" + ln.Addr().String(), name: opt.Name, log: log,
		wait: or(opt.ShutdownTimeout, DefaultShutdownTimeout), stop: make(chan struct{}),
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error(s.name+": serve", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			// Not called here: the owner's close calls Shutdown, which
			// waits for this goroutine.
			if opt.OnContextDone != nil {
				go opt.OnContextDone()
			}
		case <-s.stop:
		}
	}()
	return s, nil
}

// URL is the base URL served, http://host:port.
func (s *Server) URL() string { return s.url }

// Shutdown stops accepting, waits up to the shutdown timeout for requests
// in flight (then closes what is left), and returns once the serving
// goroutines have ended. It is safe to call more than once and from several
// goroutines; every call returns the first call's error. Hijacked
// connections (WebSocket) are the owner's to close.
func (s *Server) Shutdown() error {
	s.once.Do(func() {
		close(s.stop)
		ctx, cancel := context.WithTimeout(context.Background(), s.wait)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
			s.stopErr = fmt.Errorf("%s: shutdown: %w", s.name, err)
		}
		s.wg.Wait()
	})
	return s.stopErr
}

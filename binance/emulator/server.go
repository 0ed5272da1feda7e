package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/sim/inspector"
	"github.com/mbxkit/mbx/sim/serve"
	"github.com/mbxkit/mbx/sim/store"
)

// DBFile is the database's file name inside the data directory.
const DBFile = "mbx.db"

// Options are the run-time choices of a Server that are not configuration.
type Options struct {
	// DataDir holds the database (DataDir/mbx.db). Empty uses Config.Data;
	// when both are empty the state lives in memory and dies with the Server.
	DataDir string
	// Logger receives one line per request; nil discards them.
	Logger *slog.Logger
	// Now is the real clock; the configured clock skew is added on top.
	// Nil means time.Now.
	Now func() time.Time
	// Reset wipes the stored state at start (mbx serve --reset).
	Reset bool
	// Inspector, when set, is served at /mbx/ (the admin API under
	// /mbx/admin/ stays the exchange's).
	Inspector http.Handler
	// BodyTimeout bounds the time a client may take to send a request body
	// (real time, from the end of the headers); a slower client gets 400
	// and its connection is closed. 0 means DefaultBodyTimeout.
	BodyTimeout time.Duration
}

// DefaultBodyTimeout is Options.BodyTimeout when unset: ample for a 1 MiB
// body on any link, short enough that slow-body clients cannot pile up.
const DefaultBodyTimeout = 30 * time.Second

// Server is the local exchange. It is safe for concurrent use.
type Server struct {
	cfg     Config
	comp    *compiled
	fut     futuresState // margin types and listen keys (futures.go)
	opt     Options
	log     *slog.Logger
	now     func() time.Time
	store   *ledger
	dbPath  string
	limits  *limiter
	faults  *faults
	recent  *inspector.Ring
	metrics *metrics
	reqID   atomic.Uint64
	mux     http.Handler
	routes  map[string]map[string]*endpoint // by path, then method
	ws      wsHub                           // WebSocket API connections (ws.go)

	mu       sync.Mutex
	httpSrv  *serve.Server
	closed   bool
	closeErr error
}

// New builds the exchange: it validates cfg, opens (or creates) the state
// and creates every configured account with its starting balances. An
// account that exists already keeps what it has (a restart loses nothing).
func New(ctx context.Context, cfg Config, opt Options) (*Server, error) {
	comp, err := cfg.compile()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, comp: comp, opt: opt, log: opt.Logger, now: opt.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	dir := opt.DataDir
	if dir == "" {
		dir = cfg.Data
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("emulator: data directory: %w", err)
		}
		s.dbPath = filepath.Join(dir, DBFile)
	}
	st, err := store.Open(ctx, s.dbPath)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	s.store = newLedger(st)
	if opt.Reset {
		if err := s.store.Reset(ctx); err != nil {
			_ = s.store.Close()
			return nil, fmt.Errorf("emulator: reset: %w", err)
		}
	}
	if err := s.seed(ctx); err != nil {
		_ = s.store.Close()
		return nil, err
	}
	s.limits = newLimiter(cfg.Limits)
	s.faults = &faults{}
	s.faults.skew.Store(int64(cfg.Faults.ClockSkew))
	s.faults.latency.Store(int64(cfg.Faults.Latency))
	s.recent = inspector.NewRecent()
	s.metrics = newMetrics()
	s.routes = buildRoutes()
	s.mux = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// seed creates the configured accounts that do not exist yet.
func (s *Server) seed(ctx context.Context) error {
	done := map[string]bool{}
	for _, k := range s.comp.keys {
		if done[k.account] {
			continue
		}
		done[k.account] = true
		bal := make(map[string]decimal.Decimal, len(k.cfg.Balances))
		for asset, amt := range k.cfg.Balances {
			bal[asset] = decimal.RequireFromString(amt) // validated in compile
		}
		if err := s.store.EnsureAccount(ctx, k.account, bal); err != nil {
			return fmt.Errorf("emulator: creating account of key %s: %w", k.cfg.APIKey, err)
		}
	}
	return nil
}

// Handler is the exchange as an http.Handler: the API, /metrics and the
// loopback-only admin API under /mbx/admin/.
func (s *Server) Handler() http.Handler { return s.mux }

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background until ctx ends or Close is called. It returns the base URL,
// e.g. http://127.0.0.1:41234.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("emulator: Start after Close")
	}
	if s.httpSrv != nil {
		return "", errors.New("emulator: already started")
	}
	srv, err := serve.Start(ctx, addr, s.mux, serve.Options{
		Name: "emulator", Hint: "another mbx serve running? use --addr 127.0.0.1:0 for a free port",
		Logger: s.log, OnContextDone: func() { _ = s.Close() },
	})
	if err != nil {
		return "", err
	}
	s.httpSrv = srv
	return srv.URL(), nil
}

// Close stops serving (waiting up to 5s for requests in flight) and closes
// the database. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	var errs []error
	if s.httpSrv != nil {
		if err := s.httpSrv.Shutdown(); err != nil {
			errs = append(errs, err)
		}
	}
	s.ws.closeAll() // Shutdown does not track hijacked (WebSocket) connections
	if err := s.store.Close(); err != nil {
		errs = append(errs, err)
	}
	s.closeErr = errors.Join(errs...)
	return s.closeErr
}

// KeyInfo describes an accepted key (no secret), for the start banner.
type KeyInfo struct {
	APIKey      string   `json:"apiKey"`
	Type        string   `json:"type"`
	Permissions []string `json:"permissions"`
	IPWhitelist []string `json:"ipWhitelist"`
	Account     string   `json:"account"`
	Email       string   `json:"email,omitempty"`
	DocsExample bool     `json:"docsExample"` // the Binance docs' public example key
}

// Keys lists the keys the exchange accepts, in configuration order.
func (s *Server) Keys() []KeyInfo {
	out := make([]KeyInfo, 0, len(s.comp.keys))
	for _, k := range s.comp.keys {
		out = append(out, KeyInfo{
			APIKey: k.cfg.APIKey, Type: k.alg.KeyType(), Permissions: k.permList(),
			IPWhitelist: append([]string{}, k.cfg.IPWhitelist...), Account: k.account, Email: k.cfg.Email,
			DocsExample: k.cfg.APIKey == DocsAPIKey,
		})
	}
	return out
}

// Recent returns the last RecentSize API requests, oldest first.
func (s *Server) Recent() []Entry { return s.recent.All() }

// Lookup returns the recent request with the given id (X-MBX-INSPECT).
func (s *Server) Lookup(id uint64) (Entry, bool) { return s.recent.Find(id) }

// ServerTime is the exchange's clock: the real clock plus the clock skew.
func (s *Server) ServerTime() time.Time { return s.now().Add(s.faults.clockSkew()) }

// SetClockSkew changes the exchange's clock relative to real time.
func (s *Server) SetClockSkew(d time.Duration) { s.faults.skew.Store(int64(d)) }

// SetLatency delays every API request by d before it is processed.
func (s *Server) SetLatency(d time.Duration) { s.faults.latency.Store(int64(max(d, 0))) }

// AddFault queues a fault for the next matching requests and returns it
// with its id.
func (s *Server) AddFault(f Fault) (Fault, error) { return s.faults.add(f) }

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// Faults lists the queued faults.
func (s *Server) Faults() []Fault { return s.faults.snapshot() }

// Counters is a snapshot of the rate-limit state (weights per IP, bans,
// order counts per account).
func (s *Server) Counters() Counters { return s.limits.snapshot(s.ServerTime()) }

// ResetLimits forgets every weight, ban and order count.
func (s *Server) ResetLimits() { s.limits.reset() }

// PriceUpdate is the result of SetPrice.
type PriceUpdate struct {
	Symbol string  `json:"symbol"`
	Price  string  `json:"price"`
	Filled []int64 `json:"filledOrderIds"` // resting orders the new price filled
	// Triggered are the stop orders the new price started (stop.go).
	Triggered []int64 `json:"triggeredOrderIds"`
}

// ErrUnknownSymbol is returned by SetPrice for a symbol not configured.
var ErrUnknownSymbol = errors.New("unknown symbol")

// SetPrice moves a symbol's price; resting orders that the new price
// crosses fill at their limit price.
func (s *Server) SetPrice(ctx context.Context, sym string, price decimal.Decimal) (PriceUpdate, error) {
	sy := s.comp.bySym[sym]
	if sy == nil {
		return PriceUpdate{}, fmt.Errorf("emulator: set price: %w %q", ErrUnknownSymbol, sym)
	}
	if !price.IsPositive() {
		return PriceUpdate{}, fmt.Errorf("emulator: set price of %s: %s must be greater than 0", sym, price)
	}
	// Hold the symbol's lock across the store call so that an order placed
	// concurrently matches either the old price (and is filled here) or the
	// new one.
	sy.mu.Lock()
	defer sy.mu.Unlock()
	m := store.Market{Symbol: sy.name, Base: sy.base, Quote: sy.quote, Price: price}
	filled, err := s.store.SetPrice(ctx, m, s.ServerTime())
	if err != nil {
		return PriceUpdate{}, fmt.Errorf("emulator: %w", err)
	}
	sy.price, sy.priceStr8, sy.priceStrPlain = price, price.StringFixed(assetPrecision), price.String()
	up := PriceUpdate{Symbol: sym, Price: price.String(), Filled: []int64{}, Triggered: []int64{}}
	for _, o := range filled {
		up.Filled = append(up.Filled, o.OrderID)
	}
	for _, o := range filled {
		if err := s.expireSiblings(ctx, o.OrderID, false, s.ServerTime()); err != nil {
			return up, fmt.Errorf("emulator: end the other legs of order %d: %w", o.OrderID, err)
		}
	}
	triggered, err := s.triggerStops(ctx, sy, price, s.ServerTime())
	for _, o := range triggered {
		up.Triggered = append(up.Triggered, o.OrderID)
	}
	if err != nil {
		return up, fmt.Errorf("emulator: trigger stop orders of %s: %w", sym, err)
	}
	return up, nil
}

// Reset wipes the state back to the configuration: accounts and their
// balances, orders, trades, prices, rate limits, bans, queued faults, clock
// skew and latency.
func (s *Server) Reset(ctx context.Context) error {
	if err := s.store.Reset(ctx); err != nil {
		return fmt.Errorf("emulator: reset: %w", err)
	}
	if err := s.seed(ctx); err != nil {
		return err
	}
	for _, sy := range s.comp.symbols {
		sy.setPrice(sy.initialPrice)
	}
	s.limits.reset()
	s.resetKeyPermissions()
	s.faults.clear()
	s.faults.skew.Store(int64(s.cfg.Faults.ClockSkew))
	s.faults.latency.Store(int64(s.cfg.Faults.Latency))
	return nil
}

// Store gives tests and tools read access to the ledger. Write through the
// API or the admin endpoints instead: the exchange caches balances and only
// notices the writes it makes itself.
func (s *Server) Store() *store.Store { return s.store.Store }

// AccountOf returns the ledger account of a configured API key.
func (s *Server) AccountOf(apiKey string) (string, bool) {
	k := s.comp.byKey[apiKey]
	if k == nil {
		return "", false
	}
	return k.account, true
}

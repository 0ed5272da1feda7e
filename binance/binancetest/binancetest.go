// Package binancetest runs the local Binance exchange inside a Go test, in
// the spirit of net/http/httptest: one call starts it on a 127.0.0.1 port
// with the keys, balances, symbols and faults the test gives, and the test's
// Cleanup closes it.
//
//	func TestBot(t *testing.T) {
//		ex := binancetest.NewServer(t, binancetest.WithBalances(map[string]string{"USDT": "500"}))
//		acct, err := ex.Client().Account(context.Background())
//		// ... acct.Balances holds 500 USDT; ex.Exchange controls prices, faults and the clock.
//	}
//
// The default key is the Binance docs' public HMAC example key
// (emulator.DocsAPIKey) with USER_DATA and TRADE; WithKey adds generated
// HMAC, RSA or Ed25519 keys. Secrets are secret.Value and never print.
package binancetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Key is an API key the server accepts and what signs for it.
type Key struct {
	APIKey string
	Type   string // hmac, rsa or ed25519
	// Secret is the HMAC secret; empty for rsa and ed25519 keys.
	Secret secret.Value
	// PrivateKeyPEM is the PKCS#8 PEM private key of an rsa or ed25519 key,
	// for code under test that loads a key file; empty for hmac keys.
	PrivateKeyPEM secret.Value
	// Signer signs for the key (a *sign.HMAC, *sign.RSA or *sign.Ed25519Signer).
	Signer sign.Signer
}

// Option changes how NewServer configures the exchange.
type Option func(*settings) error

type settings struct {
	cfg    emulator.Config
	opt    emulator.Options
	faults []emulator.Fault
	keys   []Key // parallel to cfg.Keys
}

// WithConfig starts from cfg instead of emulator.DefaultConfig. Give it
// first: later options change it. HMAC keys in cfg are usable through
// Server.Keys; rsa and ed25519 keys from a config carry no Signer (the
// config holds only their public keys).
func WithConfig(cfg emulator.Config) Option {
	return func(s *settings) error {
		s.cfg = cfg
		s.keys = keysOf(cfg)
		return nil
	}
}

// WithEdit changes the configuration in place: limits, faults at start,
// strict signature placement, anything emulator.Config holds.
func WithEdit(edit func(*emulator.Config)) Option {
	return func(s *settings) error {
		edit(&s.cfg)
		return nil
	}
}

// WithBalances sets the default (first) key's starting balances, asset to
// amount, replacing the default ones.
func WithBalances(b map[string]string) Option {
	return func(s *settings) error {
		if len(s.cfg.Keys) == 0 {
			return fmt.Errorf("binancetest: WithBalances: the configuration has no key; add one with WithKey")
		}
		s.cfg.Keys[0].Balances = b
		return nil
	}
}

// WithKey adds a freshly generated key of the given type ("hmac", "rsa" or
// "ed25519") with its own account, balances and permissions (none given:
// USER_DATA and TRADE).
func WithKey(keyType string, balances map[string]string, permissions ...string) Option {
	return func(s *settings) error {
		k, kc, err := generate(keyType)
		if err != nil {
			return err
		}
		if len(permissions) == 0 {
			permissions = []string{emulator.PermUserData, emulator.PermTrade}
		}
		kc.Permissions, kc.Balances = permissions, balances
		s.cfg.Keys = append(s.cfg.Keys, kc)
		s.keys = append(s.keys, k)
		return nil
	}
}

// WithSymbol adds a tradable symbol (or replaces the one of the same name).
func WithSymbol(sym emulator.SymbolConfig) Option {
	return func(s *settings) error {
		for i := range s.cfg.Symbols {
			if s.cfg.Symbols[i].Symbol == sym.Symbol {
				s.cfg.Symbols[i] = sym
				return nil
			}
		}
		s.cfg.Symbols = append(s.cfg.Symbols, sym)
		return nil
	}
}

// WithFault queues a fault (a 5xx, a timeout, a dropped connection ...) for
// the first matching requests, as the admin API does.
func WithFault(f emulator.Fault) Option {
	return func(s *settings) error {
		s.faults = append(s.faults, f)
		return nil
	}
}

// WithClockSkew sets the exchange's clock relative to real time (a client
// must correct for it, as for a drifting host clock).
func WithClockSkew(d time.Duration) Option {
	return func(s *settings) error {
		s.cfg.Faults.ClockSkew = d
		return nil
	}
}

// WithOptions sets the exchange's run options: its clock (Now), logger and
// inspector handler.
func WithOptions(o emulator.Options) Option {
	return func(s *settings) error {
		s.opt = o
		return nil
	}
}

// Server is a local exchange running for one test.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port: the BaseURL of a client.
	URL string
	// Exchange is the running exchange, for admin control in the test
	// (SetPrice, AddFault, SetClockSkew, Recent, Reset ...).
	Exchange *emulator.Server
	// Keys are the accepted keys in configuration order; Keys[0] is the
	// default key the Client methods sign with.
	Keys []Key

	t testing.TB
}

// NewServer starts the local exchange for t on a free 127.0.0.1 port, with
// its state in memory, and closes it when t ends. A bad option fails t.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.t = t
	t.Cleanup(func() {
		// Logged, not failed: a shutdown that had to cut a connection the
		// client opened but never used (net/http waits 5s for those) says
		// nothing about the code under test.
		if err := s.Close(); err != nil {
			t.Logf("binancetest: closing the exchange: %v", err)
		}
	})
	return s
}

// Start is NewServer outside a test (an Example, a main program): the
// caller closes the server. ctx ending closes it too.
func Start(ctx context.Context, opts ...Option) (*Server, error) {
	s := &settings{cfg: emulator.DefaultConfig()}
	s.keys = keysOf(s.cfg)
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	srv, err := emulator.New(ctx, s.cfg, s.opt)
	if err != nil {
		return nil, fmt.Errorf("binancetest: %w", err)
	}
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("binancetest: %w", err)
	}
	for _, f := range s.faults {
		if _, err := srv.AddFault(f); err != nil {
			_ = srv.Close()
			return nil, fmt.Errorf("binancetest: WithFault: %w", err)
		}
	}
	return &Server{URL: base, Exchange: srv, Keys: s.keys}, nil
}

// Close stops the exchange and drops its state. NewServer's Cleanup calls
// it; calling it again is harmless.
func (s *Server) Close() error { return s.Exchange.Close() }

// Key is the default key, Keys[0] (the zero Key when a configuration given
// with WithConfig has none).
func (s *Server) Key() Key {
	if len(s.Keys) == 0 {
		return Key{}
	}
	return s.Keys[0]
}

// Client is a REST client for the exchange signing with the default key.
// A client that cannot be built fails the test of NewServer (nil outside
// a test: use NewClient there).
func (s *Server) Client() *binance.Client {
	c, err := s.NewClient(s.Key(), nil)
	if err != nil {
		if s.t != nil {
			s.t.Helper()
			s.t.Fatal(err)
		}
		return nil
	}
	return c
}

// NewClient is a REST client for the exchange signing with k; edit, when
// set, changes the options (retry policy, recvWindow, logger ...) first.
func (s *Server) NewClient(k Key, edit func(*binance.Options)) (*binance.Client, error) {
	opt := binance.Options{BaseURL: s.URL, APIKey: k.APIKey, Signer: k.Signer}
	if edit != nil {
		edit(&opt)
	}
	c, err := binance.New(opt)
	if err != nil {
		return nil, fmt.Errorf("binancetest: client: %w", err)
	}
	return c, nil
}

// keysOf lists cfg's keys; HMAC keys get their signer.
func keysOf(cfg emulator.Config) []Key {
	out := make([]Key, 0, len(cfg.Keys))
	for _, kc := range cfg.Keys {
		k := Key{APIKey: kc.APIKey, Type: kc.Type, Secret: kc.Secret}
		if kc.Type == "hmac" && !kc.Secret.IsZero() {
			if h, err := sign.NewHMAC(kc.Secret); err == nil {
				k.Signer = h
			}
		}
		out = append(out, k)
	}
	return out
}

// generate makes a key of keyType and its configuration.
func generate(keyType string) (Key, emulator.KeyConfig, error) {
	var id [32]byte
	_, _ = rand.Read(id[:])
	apiKey := hex.EncodeToString(id[:]) // 64 letters and digits, like Binance's
	k := Key{APIKey: apiKey, Type: keyType}
	kc := emulator.KeyConfig{APIKey: apiKey, Type: keyType}
	switch keyType {
	case "hmac":
		var raw [32]byte
		_, _ = rand.Read(raw[:])
		k.Secret = secret.FromString(hex.EncodeToString(raw[:]))
		h, err := sign.NewHMAC(k.Secret)
		if err != nil {
			return Key{}, kc, fmt.Errorf("binancetest: WithKey: %w", err)
		}
		k.Signer, kc.Secret = h, k.Secret
		return k, kc, nil
	case "rsa", "ed25519":
		var s sign.Signer
		var err error
		if keyType == "rsa" {
			s, err = sign.GenerateRSA(2048)
		} else {
			s, err = sign.GenerateEd25519()
		}
		if err != nil {
			return Key{}, kc, fmt.Errorf("binancetest: WithKey(%q): %w", keyType, err)
		}
		priv, err := sign.MarshalPrivateKeyPEM(s)
		if err != nil {
			return Key{}, kc, fmt.Errorf("binancetest: WithKey(%q): %w", keyType, err)
		}
		pub, err := sign.MarshalPublicKeyPEM(s)
		if err != nil {
			return Key{}, kc, fmt.Errorf("binancetest: WithKey(%q): %w", keyType, err)
		}
		k.Signer, k.PrivateKeyPEM, kc.PublicKey = s, secret.New(priv), string(pub)
		return k, kc, nil
	}
	return Key{}, kc, fmt.Errorf("binancetest: WithKey: key type %q: use \"hmac\", \"rsa\" or \"ed25519\"", keyType)
}

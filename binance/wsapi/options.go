package wsapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
)

// Documented spot WebSocket API URLs (binance-auth.md §6.1, §7).
const (
	ProdURL    = "wss://ws-api.binance.com:443/ws-api/v3"
	TestnetURL = "wss://ws-api.testnet.binance.vision/ws-api/v3"
	DemoURL    = "wss://demo-ws-api.binance.com/ws-api/v3"
)

// Path is the spot WebSocket API path, on Binance and on the local exchange.
const Path = "/ws-api/v3"

// URLFor returns the documented spot WebSocket API URL of an environment.
func URLFor(env binance.Env) (string, error) {
	switch env {
	case binance.Prod, "":
		return ProdURL, nil
	case binance.Testnet:
		return TestnetURL, nil
	case binance.Demo:
		return DemoURL, nil
	}
	return "", fmt.Errorf("environment %q has no documented WebSocket API URL: give Options.URL (the local exchange serves ws://HOST:PORT%s)", env, Path)
}

// URLFromREST derives the spot WebSocket API URL from a spot REST base URL:
// Binance's documented REST hosts map to their documented WebSocket API
// hosts (production, testnet, demo), and any other http(s)://host[:port]
// (the local exchange) to ws(s)://host[:port]/ws-api/v3.
func URLFromREST(base string) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("REST base URL %q: want http(s)://host[:port]", base)
	}
	switch strings.ToLower(u.Hostname()) {
	case "api.binance.com", "api-gcp.binance.com", "api1.binance.com", "api2.binance.com", "api3.binance.com", "api4.binance.com":
		return ProdURL, nil
	case "testnet.binance.vision", "api1.testnet.binance.vision":
		return TestnetURL, nil
	case "demo-api.binance.com":
		return DemoURL, nil
	}
	scheme := "ws"
	if u.Scheme == "https" {
		scheme = "wss"
	}
	return scheme + "://" + u.Host + Path, nil
}

// restBaseFor is the REST base URL whose weight budget a WebSocket API URL
// shares: Binance counts request weight per IP across REST and the
// WebSocket API, and the governor keys budgets by REST base URL.
func restBaseFor(u *url.URL) string {
	switch strings.ToLower(u.Hostname()) {
	case "ws-api.binance.com":
		return "https://api.binance.com"
	case "ws-api.testnet.binance.vision":
		return "https://testnet.binance.vision"
	case "demo-ws-api.binance.com":
		return "https://demo-api.binance.com"
	case "ws-fapi.binance.com":
		return "https://fapi.binance.com"
	}
	scheme := "http"
	if u.Scheme == "wss" {
		scheme = "https"
	}
	return scheme + "://" + u.Host
}

// familyFor is the product family of a WebSocket API path, for budgets.
func familyFor(path string) string {
	switch {
	case strings.HasPrefix(path, "/ws-fapi/"):
		return "fapi"
	case strings.HasPrefix(path, "/ws-dapi/"):
		return "dapi"
	}
	return "api"
}

// ReconnectPolicy says how a dropped connection is replaced.
type ReconnectPolicy struct {
	// Disabled leaves a dropped connection closed: every later call fails
	// with ErrClosed.
	Disabled bool
	// BaseDelay is the first backoff (default 250ms), doubled per failed
	// attempt, with full jitter so that many clients do not reconnect in step.
	BaseDelay time.Duration
	// MaxDelay caps the backoff (default 30s).
	MaxDelay time.Duration
	// MaxAttempts is how many consecutive failed attempts end the client
	// (ErrClosed wrapping the last error); 0 means never give up.
	MaxAttempts int
}

func (p ReconnectPolicy) withDefaults() ReconnectPolicy {
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return p
}

// OrderPolicy bounds PlaceOrder's recovery of orders whose outcome is unknown.
type OrderPolicy struct {
	// MaxAttempts is how many times one order may be sent, first try
	// included (default 4). It is only ever sent again after order.status
	// answered -2013 (no such order).
	MaxAttempts int
	// QueryDelay is the pause before asking whether the order exists
	// (default 500ms): the matching engine may still be working on it.
	QueryDelay time.Duration
	// BaseDelay and MaxDelay bound the backoff between lookups and tries
	// (default 100ms and 2s).
	BaseDelay, MaxDelay time.Duration
}

func (p OrderPolicy) withDefaults() OrderPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.QueryDelay < 0 {
		p.QueryDelay = 0
	} else if p.QueryDelay == 0 {
		p.QueryDelay = 500 * time.Millisecond
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 100 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 2 * time.Second
	}
	return p
}

// Options configure Dial. Only URL is needed for public methods.
type Options struct {
	// URL is the WebSocket API endpoint (default ProdURL; see URLFor and
	// URLFromREST; the local exchange serves ws://HOST:PORT/ws-api/v3).
	URL string

	APIKey string
	Signer sign.Signer // nil: only public methods (time, ping) work

	// Clock gives timestamps. Share the REST client's
	// (binance.Client.Clock(binance.Spot)) so both see one offset; nil
	// makes a clock synced with the WebSocket API's "time" method.
	Clock *clock.Clock
	// Governor counts weight and orders. Share the REST client's
	// (binance.Client.Governor()) so REST and WebSocket calls from one IP
	// draw on one budget, as Binance counts them; nil makes a private one.
	Governor *ratelimit.Governor
	// BudgetHost is the REST base URL whose budget this connection draws on
	// (default: derived from URL, e.g. https://api.binance.com for
	// ws-api.binance.com, http://127.0.0.1:P for ws://127.0.0.1:P).
	BudgetHost string

	// RecvWindow sent with signed requests (default 5s; at most 60s).
	RecvWindow time.Duration

	// Logon authenticates the connection once with session.logon, after
	// which signed requests carry only timestamp. Binance accepts it only
	// with Ed25519 keys: with an HMAC or RSA key Dial fails with
	// ErrLogonKeyType, unless LogonFallback is set.
	Logon bool
	// LogonFallback signs every request instead when Logon is set but the
	// key is not Ed25519.
	LogonFallback bool

	Reconnect ReconnectPolicy
	Orders    OrderPolicy

	// PingInterval is how often the client pings the server to notice a
	// dead connection (default 30s; negative disables). A ping unanswered
	// within PingTimeout (default 10s) drops the connection.
	PingInterval, PingTimeout time.Duration
	// MaxMessage bounds one received message (default 16 MiB).
	MaxMessage int64

	// HTTPClient is used for the WebSocket handshake (default: a client
	// with a 30s timeout).
	HTTPClient *http.Client
	// Logger gets connection events and one debug line per call (method,
	// id, status, code). Parameters, signatures and secrets are never logged.
	Logger *slog.Logger
}

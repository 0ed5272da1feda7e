// Package exchange is the contract every exchange mbx speaks fulfils: how a
// request is signed, how a server checks one and explains a rejection, where
// its server time is read, and how its local exchange is started. It holds no
// exchange's rules: those live in each exchange's own folder (binance/,
// bybit/, okx/, kucoin/, gate/), registered by name in internal/exchanges.
//
// The contract is deliberately small and byte-oriented: a Signed request says
// exactly which bytes were signed and exactly which bytes are sent, so the CLI
// (`mbx sign --json`), the clients and the tests can assert that they are the
// same bytes.
package exchange

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Credentials are what a client signs with. Secret is the HMAC secret; Signer,
// when set, is an asymmetric key (RSA or Ed25519) for exchanges that accept
// one, and takes precedence over Secret. Passphrase is the API passphrase of
// exchanges that have one (OKX, KuCoin); KeyVersion is KuCoin's
// KC-API-KEY-VERSION ("2" or "3"; "1" sends the passphrase in clear).
type Credentials struct {
	APIKey     string
	Secret     secret.Value
	Signer     sign.Signer
	Passphrase secret.Value
	KeyVersion string
}

// Param is one request parameter as the caller gave it. Values are strings:
// exchanges whose bodies are JSON receive them as JSON strings, in the order
// given.
type Param struct {
	Name  string
	Value string
}

// Request is what a caller wants signed. GET and DELETE parameters go in the
// query (in the order given); POST and PUT parameters go in a JSON body (in
// the order given), unless the exchange documents otherwise. Time is the
// timestamp to sign; each exchange converts it to its own unit and format.
// RecvWindow is used where the exchange has one (zero: the exchange's
// default).
type Request struct {
	Method     string
	Path       string
	Params     []Param
	Time       time.Time
	RecvWindow time.Duration
}

// Header is one HTTP header as sent, kept in order so that output is stable.
type Header struct {
	Name  string
	Value string
}

// Signed is a signed request: Payload is exactly the bytes that were signed,
// Query (without "?") and Body exactly the bytes that are sent, Headers every
// authentication header (and Content-Type when there is a body) as sent.
type Signed struct {
	Method    string
	Path      string
	Query     string
	Body      []byte
	Payload   []byte
	Signature string
	Headers   []Header
}

// Target is the request line's path with its query, as sent.
func (s Signed) Target() string {
	if s.Query == "" {
		return s.Path
	}
	return s.Path + "?" + s.Query
}

// Apply sets the signed request's headers on h.
func (s Signed) Apply(h http.Header) {
	for _, kv := range s.Headers {
		h.Set(kv.Name, kv.Value)
	}
}

// Incoming is a request as a server received it: the raw query and body, never
// re-encoded, because the signature covers the bytes as sent.
type Incoming struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Lookup finds the credentials a server knows for an API key.
type Lookup func(apiKey string) (Credentials, bool)

// Verdict is a server's decision on a request, in the exchange's own terms:
// the HTTP status and error code it answers, its message, and mbx's
// explanation of what the client did wrong (empty when accepted, or when no
// known mistake reproduces the signature: mbx never invents a cause).
type Verdict struct {
	OK          bool
	APIKey      string
	Status      int
	Code        string
	Message     string
	Explanation string
	// Mistakes names each client step that reproduces the signature sent, in
	// words a user understands, with its fix; empty when none does.
	Mistakes []string
}

// Exchange is one exchange's authentication rules and tools.
type Exchange interface {
	// Name is the lower-case name used by --exchange and in creds profiles.
	Name() string
	// Sign signs req exactly as the exchange requires.
	Sign(req Request, c Credentials) (Signed, error)
	// Verify checks r as the exchange would at server time now, finding the
	// caller's credentials with lookup, and explains a rejection.
	Verify(r Incoming, lookup Lookup, now time.Time) Verdict
	// TimeSource reads the exchange's server time from baseURL (scheme and
	// host, no path) for the shared clock.
	TimeSource(baseURL string, hc *http.Client) clock.Source
	// NewEmulator starts nothing: it builds the exchange's local exchange
	// from cfg; Start listens.
	NewEmulator(ctx context.Context, cfg EmulatorConfig) (Emulator, error)
}

// EmulatorKey is one API key the local exchange knows.
type EmulatorKey struct {
	APIKey      string
	Secret      secret.Value
	Passphrase  secret.Value
	Permissions []string
	// Balances maps asset to a decimal amount, e.g. "USDT": "10000".
	Balances map[string]string
}

// EmulatorConfig configures a local exchange. DataPath is the SQLite file
// (empty: a temporary one removed on Close). Now, when set, replaces the
// wall clock (tests).
type EmulatorConfig struct {
	DataPath string
	Keys     []EmulatorKey
	Now      func() time.Time
}

// Emulator is a running (or ready) local exchange.
type Emulator interface {
	// Handler serves the exchange's API (and its inspector under /mbx/).
	Handler() http.Handler
	// Start listens on addr (e.g. "127.0.0.1:0") and returns the base URL.
	Start(ctx context.Context, addr string) (string, error)
	// Close stops serving and closes the store.
	Close() error
}

// NewHTTPRequest builds the HTTP request that sends s to baseURL (scheme and
// host): the query and body exactly as signed, every authentication header.
func (s Signed) NewHTTPRequest(ctx context.Context, baseURL string) (*http.Request, error) {
	var body io.Reader
	if len(s.Body) > 0 {
		body = bytes.NewReader(s.Body)
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, strings.TrimRight(baseURL, "/")+s.Target(), body)
	if err != nil {
		return nil, fmt.Errorf("exchange: building %s %s: %w", s.Method, s.Path, err)
	}
	s.Apply(req.Header)
	return req, nil
}

// maxResponse bounds the answer Do reads; a real one is a few KiB.
const maxResponse = 4 << 20

// Do sends s to baseURL (scheme and host) with hc (http.DefaultClient when
// nil), exactly as signed, and returns the response with its body (at most
// 4 MiB) already read and closed.
func (s Signed) Do(ctx context.Context, hc *http.Client, baseURL string) (*http.Response, []byte, error) {
	req, err := s.NewHTTPRequest(ctx, baseURL)
	if err != nil {
		return nil, nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("exchange: %s %s: %w", s.Method, s.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return resp, body, fmt.Errorf("exchange: %s %s: reading the answer: %w", s.Method, s.Path, err)
	}
	return resp, body, nil
}

// Package verify checks a signed Binance request exactly as Binance does and
// explains a rejection: which bytes were verified, where the signature was
// found, and which known client mistake produced a wrong signature.
//
// The local exchange (emulator), `mbx explain` and `mbx proxy` all use this
// one engine, so the three agree on every verdict.
package verify

import (
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/sign"
	"github.com/mbxkit/mbx/sim/inspector"
)

// Request is a REST request exactly as the server received it.
type Request struct {
	Method      string
	Path        string // e.g. /api/v3/order; the family (api, sapi, fapi...) is taken from it
	RawQuery    string // r.URL.RawQuery, untouched
	Body        []byte // the raw body, untouched
	ContentType string
	APIKey      string // the X-MBX-APIKEY header value as received
	HasAPIKey   bool   // whether the header was present at all
	RemoteIP    string
}

// Key is what the server knows of an API key.
type Key struct {
	APIKey string
	// Verifier checks signatures: *sign.HMAC for HMAC keys (its secret lets
	// Explain recompute the signatures of candidate mistakes), or the RSA /
	// Ed25519 public-key verifier.
	Verifier sign.Verifier
}

// Options tune verification. The zero value means Binance's defaults.
type Options struct {
	ServerTime        time.Time     // the exchange's clock now; zero means time.Now()
	DefaultRecvWindow time.Duration // 5s when zero
	MaxRecvWindow     time.Duration // 60s when zero
	// SignatureMustBeLast rejects (-1022) a signature that is not the last
	// pair of its part. Binance's behaviour is UNCONFIRMED; default lenient,
	// and the explanation says so either way.
	SignatureMustBeLast bool
	// MaxQueryBytes and MaxBodyBytes bound the raw query and the body (zero:
	// DefaultMaxQueryBytes, DefaultMaxBodyBytes). Over them the answer is
	// QueryTooLong or BodyTooLarge, the one size policy of verify, the local
	// exchange and the proxy.
	MaxQueryBytes int
	MaxBodyBytes  int
	// ExplainBudget bounds the time spent searching for the client's
	// mistake behind one rejected signature; zero means
	// DefaultExplainBudget, negative turns the search off. The accept path
	// never searches.
	ExplainBudget time.Duration
}

// Rejection is Binance's error answer plus mbx's explanation of it.
type Rejection struct {
	HTTPStatus  int
	Code        codes.Code
	Msg         string
	Explanation *Explanation
}

// Param is one parsed parameter, percent-decoded.
type Param struct {
	Name, Value string
	InBody      bool
}

// Params are a request's parameters after Binance's rules: duplicates within
// the request are rejected, and a name in both query and body takes the
// query's value.
type Params struct {
	List []Param // in the order received, query first; shadowed body duplicates removed
}

// Result describes a request whose signature and timing verified.
type Result struct {
	Params      *Params
	Payload     []byte        // the exact bytes verified
	Timestamp   time.Time     // parsed timestamp (ms or µs recognised)
	RecvWindow  time.Duration // the effective recvWindow
	SignatureIn string        // "query" or "body"
}

// Explanation says why a request was accepted or rejected. It is the
// inspector's type, so a local exchange and the proxy record it as it is.
type Explanation = inspector.Explanation

// Mistake is a known client mistake that reproduces the client's signature.
type Mistake = inspector.Mistake

// MistakeStep is one step of the client's signing pipeline that departs
// from the exchange's rule.
type MistakeStep = inspector.MistakeStep

// MaxHeaderLen bounds Explanation.Header.
const MaxHeaderLen = inspector.MaxHeaderLen

// Visible shows bytes unambiguously in printable ASCII (see
// inspector.Visible).
func Visible(b []byte) string { return inspector.Visible(b) }

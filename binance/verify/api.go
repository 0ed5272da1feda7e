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
	// MaxBytes bounds query and body each; zero means 1 MiB.
	MaxBytes int
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

// Explanation says why a request was accepted or rejected.
type Explanation struct {
	Verdict           string   // one line: "signature valid", "signature mismatch: signed before percent-encoding", ...
	Code              int      // the Binance code answered (0 when accepted)
	Payload           string   // the exact payload verified, non-ASCII and control bytes made visible
	SignatureLocation string   // e.g. "last pair of the query string"
	Mistake           *Mistake // the known mistake the client's signature matches, if one does
	Diff              string   // byte-level diff between what was sent and what the client signed
	Notes             []string // further facts (recvWindow, timestamp units, strictness settings)
}

// Mistake is a known client mistake that reproduces the client's signature.
// A mistake of two steps at once has ID "a+b" and both steps in Steps.
type Mistake struct {
	ID     string // stable id, e.g. "signed-decoded", "sorted", "query-only", "body-only", "amp-join", "secret-newline", "plus-space", "sig-not-last", "timestamp-seconds", "wrong-key-type"; "amp-join+secret-newline" for two
	Title  string // one line for people
	Fix    string // what to change in the client
	Signed string // the payload the client actually signed (visible form)
	// Steps are the pipeline steps the client did differently, in the
	// order it runs them; empty for mistakes found outside the search
	// (timing, key type, the secret sent as the signature).
	Steps []MistakeStep `json:",omitempty"`
}

// MistakeStep is one step of the client's signing pipeline that departs
// from the exchange's rule.
type MistakeStep struct {
	Step  string // StepFormat, StepOrder, StepEncode, StepJoin, StepKey or StepSignature
	ID    string
	Title string
	Fix   string
	// Diff shows what this step alone changes in the signed bytes, when
	// the mistake has two steps and this one changes the payload.
	Diff string `json:",omitempty"`
}

package verify

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/mistake"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/sign"
)

// Mistake ids of WebSocket API signatures.
const (
	// MistakeWSPercentEncoded: the values were percent-encoded before
	// signing (the REST rule); the WebSocket API signs raw UTF-8.
	MistakeWSPercentEncoded = "ws-percent-encoded"
	// MistakeWSUnsorted: the params were signed in the order sent.
	MistakeWSUnsorted = "ws-unsorted"
	// MistakeWSRESTPayload: the payload was built the REST way, in the
	// order sent and percent-encoded.
	MistakeWSRESTPayload = "ws-rest-payload"
	// MistakeWSAPIKeyOmitted: apiKey was left out of the signed payload.
	MistakeWSAPIKeyOmitted = "ws-apikey-omitted"
	// MistakeWSSignatureEncoded: a base64 signature was percent-encoded, as
	// REST needs and a JSON string does not.
	MistakeWSSignatureEncoded = "ws-signature-encoded"
)

// StepParams names the WebSocket pipeline's step that picks which params
// are signed.
const StepParams = "params"

const (
	// WSRule is the WebSocket API's signing rule in one sentence.
	WSRule      = "The WebSocket API signs every param but signature, apiKey included, sorted by name, as name=value joined by &, values raw UTF-8 with no percent-encoding."
	fixWSRaw    = "Sign the raw UTF-8 values: no percent-encoding (that is the REST rule). Sort every param but signature by name, apiKey included, and join name=value with &."
	fixWSSort   = "Sort the params by name (byte order) before signing; the order of the JSON object does not matter, the signed payload is always sorted."
	fixWSAPIKey = "Include apiKey in the signed payload: every param but signature is signed, apiKey included."
	fixWSTS     = "Add timestamp (and recvWindow) to params before signing, then sign every param but signature."
)

// WSPayload is the WebSocket API's signed payload of params: every param
// but signature, sorted by name, name=value joined by '&', values raw.
func WSPayload(ps []Param) []byte {
	var r wsRun
	r.ps = append(r.ps, ps...)
	r.dropSig()
	r.sort()
	r.build()
	return r.payload
}

// DecodeWSSignature reads a WebSocket API signature: hex for HMAC (either
// case), standard base64 for RSA and Ed25519, from the JSON string as it
// is. Nil means undecodable.
func DecodeWSSignature(alg sign.Algorithm, v string) []byte {
	if alg == sign.HMACSHA256 {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != 32 {
			return nil
		}
		return b
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

type wsRun struct {
	signedRun
	in  *wsIn
	ps  []Param
	enc func(string) string // nil: raw
}

type wsIn struct {
	ps  []Param
	key Key
	sig []byte
	// keys are the HMAC key variants, built on first use (the REST
	// pipeline's restIn holds the same).
	rest *restIn
}

func (r *wsRun) dropSig() {
	out := r.ps[:0]
	for _, p := range r.ps {
		if p.Name != "signature" {
			out = append(out, p)
		}
	}
	r.ps = out
}

func (r *wsRun) sort() bool {
	less := func(i, j int) bool { return r.ps[i].Name < r.ps[j].Name }
	if sort.SliceIsSorted(r.ps, less) {
		return false
	}
	sort.SliceStable(r.ps, less)
	return true
}

func (r *wsRun) drop(name string) bool {
	for i := range r.ps {
		if r.ps[i].Name == name {
			r.ps = append(r.ps[:i], r.ps[i+1:]...)
			return true
		}
	}
	return false
}

func (r *wsRun) build() {
	p := r.payload[:0]
	for i, x := range r.ps {
		if i > 0 {
			p = append(p, '&')
		}
		if r.enc != nil {
			p = append(append(append(p, r.enc(x.Name)...), '='), r.enc(x.Value)...)
			continue
		}
		p = append(append(append(p, x.Name...), '='), x.Value...)
	}
	r.payload = p
}

func wsPipeline(in *wsIn) *mistake.Pipeline[wsRun] {
	encVariant := func(name string, enc func(string) string) mistake.Variant[wsRun] {
		return mistake.Variant[wsRun]{ID: MistakeWSPercentEncoded, Title: "the values were percent-encoded (" + name + ") before signing: the REST rule; the WebSocket API signs raw UTF-8", Fix: fixWSRaw,
			Apply: func(r *wsRun) bool {
				if r.enc != nil {
					return false
				}
				r.enc = enc
				r.build()
				return wsEncodes(r.ps, enc)
			}}
	}
	keys := keyVariants(in.rest)
	wsKeys := make([]mistake.Variant[wsRun], len(keys))
	for i, k := range keys {
		wsKeys[i] = mistake.Variant[wsRun]{ID: k.ID, Title: k.Title, Fix: k.Fix, Apply: func(r *wsRun) bool {
			var rr restRun
			if !k.Apply(&rr) {
				return false
			}
			r.verifier, r.keyID = rr.verifier, rr.keyID
			return true
		}}
	}
	var sigs []mistake.Variant[wsRun]
	if in.key.Verifier.Algorithm() != sign.HMACSHA256 && strings.Contains(in.rest.st.sigVal, "%") {
		if u, err := pct.Unescape(in.rest.st.sigVal); err == nil {
			if b, err := base64.StdEncoding.DecodeString(u); err == nil && len(b) > 0 {
				sigs = append(sigs, mistake.Variant[wsRun]{ID: MistakeWSSignatureEncoded, Title: "the base64 signature was percent-encoded (the REST habit); in JSON it goes as plain base64",
					Fix: "Put the base64 signature into the JSON string as it is: no percent-encoding ('+', '/' and '=' stay).", Apply: func(r *wsRun) bool { r.sig, r.sigID = b, 1; return true }})
			}
		}
	}
	return &mistake.Pipeline[wsRun]{
		Reset: func(r *wsRun) {
			r.ps = append(r.ps[:0], in.ps...)
			r.enc, r.verifier, r.keyID, r.sig, r.sigID = nil, in.key.Verifier, 0, in.sig, 0
		},
		Identity: (*wsRun).identity,
		Check:    func(r *wsRun) bool { return r.verifies(&in.rest.digests) },
		Steps: []mistake.Step[wsRun]{
			{Name: StepParams, Baseline: (*wsRun).dropSig, Variants: []mistake.Variant[wsRun]{
				{ID: MistakeWSAPIKeyOmitted, Title: "apiKey was left out of the signed payload", Fix: fixWSAPIKey,
					Apply: func(r *wsRun) bool { r.dropSig(); return r.drop("apiKey") }},
				{ID: MistakeTimestampAfter, Title: "timestamp was added after signing", Fix: fixWSTS,
					Apply: func(r *wsRun) bool { r.dropSig(); return r.drop("timestamp") }},
				{ID: MistakeTimestampAfter, Title: "timestamp and recvWindow were added after signing", Fix: fixWSTS,
					Apply: func(r *wsRun) bool { r.dropSig(); return r.drop("recvWindow") && r.drop("timestamp") }},
			}},
			{Name: StepOrder, Baseline: func(r *wsRun) { r.sort() }, Variants: []mistake.Variant[wsRun]{
				{ID: MistakeWSUnsorted, Title: "the params were signed in the order sent, not sorted by name", Fix: fixWSSort,
					Apply: func(r *wsRun) bool {
						c := append([]Param(nil), r.ps...)
						var s wsRun
						s.ps = c
						return s.sort()
					}},
				{ID: MistakeWSRESTPayload, Title: "the payload was built the REST way: params in the order sent, values percent-encoded (RFC 3986)", Fix: fixWSSort + " " + fixWSRaw,
					Apply: func(r *wsRun) bool {
						// Sent sorted, this is the encode step's mistake alone.
						var s wsRun
						s.ps = append([]Param(nil), r.ps...)
						if !s.sort() {
							return false
						}
						r.enc = pct.Escape
						return true
					}},
			}},
			{Name: StepEncode, Baseline: (*wsRun).build, Variants: []mistake.Variant[wsRun]{
				encVariant("RFC 3986 percent-encoding", pct.Escape),
				encVariant("JavaScript encodeURIComponent", encWith(otherEncoders()[0])),
				encVariant("form encoding with '+' for spaces (Python urlencode, Go url.QueryEscape)", encWith(encFormPlus())),
			}},
			{Name: StepKey, Variants: wsKeys},
			{Name: StepSignature, Variants: sigs},
		},
	}
}

// wsEncodes reports whether enc changes any name or value.
func wsEncodes(ps []Param, enc func(string) string) bool {
	for _, p := range ps {
		if enc(p.Name) != p.Name || enc(p.Value) != p.Value {
			return true
		}
	}
	return false
}

// ExplainWSSignature explains a WebSocket API signature that does not
// verify over the payload of params (WSPayload): it searches the client's
// pipeline, with the WebSocket rule (sorted, raw) as the baseline, for the
// steps that reproduce sigText. Only opt.ExplainBudget is read.
func ExplainWSSignature(key Key, ps []Param, sigText string, opt Options) *Explanation {
	pl := WSPayload(ps)
	red := newRedactor(key)
	ex := &Explanation{Code: int(codes.InvalidSignature), Payload: visibleBounded(red.bytes(pl)), SignatureLocation: "params.signature"}
	defer red.explanation(ex)
	if key.Verifier == nil {
		ex.Verdict = "no verifier for this API key"
		return ex
	}
	alg := key.Verifier.Algorithm()
	sig := DecodeWSSignature(alg, sigText)
	// The REST explainer's state carries what the shared key variants
	// read: the key, the signature text and the request's apiKey.
	st := &state{key: key, sigVal: sigText, sigRaw: sigText, sig: sig, req: &Request{}}
	for _, p := range ps {
		if p.Name == "apiKey" {
			st.req.APIKey = p.Value
		}
	}
	in := &wsIn{ps: ps, key: key, sig: sig, rest: &restIn{st: st}}
	p := wsPipeline(in)
	run := &wsRun{in: in}
	budget := opt.ExplainBudget
	if budget == 0 {
		budget = DefaultExplainBudget
	}
	var found *mistake.Found
	if budget > 0 && len(pl) <= maxSearchBytes {
		found, _, _ = mistake.Search(context.Background(), p, run, mistake.Limits{Deadline: time.Now().Add(budget), MaxChecks: maxSearchChecks})
	}
	if found != nil {
		x := &explainer{st: &state{payload: pl}, e: ex, red: red}
		steps := make([]MistakeStep, len(found.Steps))
		for i, d := range found.Steps {
			steps[i] = MistakeStep{Step: d.Step, ID: d.ID, Title: d.Title, Fix: d.Fix}
		}
		x.foundSteps(steps, append([]byte(nil), run.payload...))
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
		return ex
	}
	switch {
	case sig == nil:
		ex.Verdict = "signature is not valid base64"
		ex.Notes = append(ex.Notes, "RSA and Ed25519 signatures are standard base64 (with + / and = padding), written into the JSON string as they are.")
	case alg != sign.HMACSHA256 && isHex64(sigText):
		ex.Mistake = &Mistake{ID: MistakeWrongKeyType, Title: "an HMAC-style (64 hex digits) signature was sent, but this API key is " + alg.String(),
			Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
	case alg == sign.Ed25519 && len(sig) >= 128, alg == sign.RSASHA256 && len(sig) == 64:
		ex.Mistake = &Mistake{ID: MistakeWrongKeyType, Title: fmt.Sprintf("a %d-byte signature was sent, but this API key is %s", len(sig), alg),
			Fix: "Sign with the private key whose public key is registered for this API key, or send the API key that belongs to the key you sign with."}
		ex.Verdict = "signature mismatch: " + ex.Mistake.Title
	default:
		ex.Verdict = "signature mismatch: no known client mistake, alone or in pairs, reproduces this signature"
		ex.Notes = append(ex.Notes, noCauseNote)
	}
	ex.Notes = append(ex.Notes, WSRule)
	return ex
}

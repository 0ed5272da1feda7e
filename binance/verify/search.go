package verify

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mbxkit/mbx/mistake"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Pipeline step names, in the order a client runs them.
const (
	StepFormat    = "format"    // how each value is written (1e-05, True, JSON spacing)
	StepOrder     = "order"     // which parameters, in which order, in which part
	StepEncode    = "encode"    // how names and values are percent-encoded
	StepJoin      = "join"      // how the query string and the body are joined
	StepKey       = "key"       // which key bytes sign
	StepSignature = "signature" // how the signature is written on the wire
)

// DefaultExplainBudget bounds the search for a client's mistake on one
// rejection when Options.ExplainBudget is zero: what the local exchange and
// the proxy spend on one bad request, so a flood of them stays cheap. A
// full search of a typical order takes a few milliseconds with an HMAC or
// RSA key and about ten with Ed25519; singles come first and are found
// well within it. `mbx explain` gives itself more (InteractiveExplainBudget).
const DefaultExplainBudget = 25 * time.Millisecond

// InteractiveExplainBudget is the budget for a person waiting on one
// explanation (`mbx explain`): enough for the full search on a slow machine.
const InteractiveExplainBudget = 2 * time.Second

// maxSearchChecks bounds the signature checks of one search whatever the
// budget: every check of an RSA key costs tens of microseconds.
const maxSearchChecks = 20000

// rseg is one parameter of a run: its decoded name and value, and the raw
// text the run signs for it.
type rseg struct {
	name, value, raw string
	inBody           bool
	dirty            bool // value changed by the format step: raw is rebuilt
	idx              int  // index in restIn.segs; -1 for a param the run added
}

// restIn is what every run of one search starts from.
type restIn struct {
	st       *state
	segs     []rseg // as sent: query pairs, then form-body pairs; signature left out
	tail     string // a body that is not a form, signed as raw bytes
	jsonBody bool
	sigPos   int  // how many segs precede the signature
	sigLast  bool // the signature is the last pair of its part
	sig      []byte
	keys     []keyVariant
	digests  digestCheck
	// sentQ and sentB are the query's and the body's exact contributions
	// to the payload (empty pairs and all), used while a run leaves the
	// params as sent.
	sentQ, sentB string
	// encoded caches each encoder's text of each param as sent: the
	// encode step's variants run once per combination, the params rarely
	// change between runs.
	encoded [][]string
}

type keyVariant struct {
	built bool
	v     sign.Verifier
}

// restRun is the scratch state of one run.
type restRun struct {
	signedRun
	in     *restIn
	segs   []rseg
	tail   string
	noTail bool   // the run signs no non-form body
	bare   bool   // the run signs the bare value of its only seg
	qb, bb []byte // join's scratch, reused across runs
}

// signedRun is where every pipeline's run ends: the bytes signed, the key
// (numbered keyID among the key step's variants, 0 the baseline) and the
// signature (numbered sigID).
type signedRun struct {
	payload  []byte
	verifier sign.Verifier
	keyID    byte
	sig      []byte
	sigID    byte
	id       []byte
}

// identity is the run's payload, key and signature, so equal runs are
// checked once.
func (r *signedRun) identity() []byte {
	r.id = append(append(r.id[:0], r.payload...), 0, r.keyID, r.sigID)
	return r.id
}

func (r *signedRun) verifies(d *digestCheck) bool {
	return r.sig != nil && r.verifier != nil && d.verify(r.verifier, r.keyID, r.sigID, r.sig, r.payload)
}

func newRestIn(st *state) *restIn {
	in := &restIn{st: st, sig: st.sig}
	add := func(p *part) {
		for i := range p.pairs {
			if i == p.sig {
				in.sigPos = len(in.segs)
				in.sigLast = p.sigIsLast()
				continue
			}
			pr := &p.pairs[i]
			in.segs = append(in.segs, rseg{name: pr.name, value: pr.value, raw: pr.raw(p.raw), inBody: p.inBody, idx: len(in.segs)})
		}
	}
	add(&st.q)
	q1, q2 := st.q.withoutSig()
	in.sentQ = q1 + q2
	if st.kind == bodyForm {
		add(&st.b)
		b1, b2 := st.b.withoutSig()
		in.sentB = b1 + b2
	} else {
		in.tail = st.b.raw
		in.sentB = st.b.raw
		in.jsonBody = st.kind == bodyJSON
	}
	return in
}

// asSent reports whether the run still holds the params exactly as sent,
// so the parts' exact bytes stand for them.
func (r *restRun) asSent() bool {
	if r.noTail || r.bare || len(r.segs) != len(r.in.segs) || r.tail != r.in.tail {
		return false
	}
	for i := range r.segs {
		a, b := &r.segs[i], &r.in.segs[i]
		if a.raw != b.raw || a.inBody != b.inBody {
			return false
		}
	}
	return true
}

func (r *restRun) reset() {
	r.segs = append(r.segs[:0], r.in.segs...)
	r.tail, r.noTail, r.bare = r.in.tail, false, false
	r.verifier, r.keyID = r.in.st.key.Verifier, 0
	r.sig, r.sigID = r.in.sig, 0
}

func (r *restRun) check() bool { return r.verifies(&r.in.digests) }

// restPipeline is Binance's REST signing rule as steps: values as sent, in
// the order sent, encoded as sent, query ‖ body with no separator, the
// key's secret, the signature hex (HMAC) or percent-encoded base64.
func restPipeline(in *restIn) *mistake.Pipeline[restRun] {
	return &mistake.Pipeline[restRun]{
		Reset:    (*restRun).reset,
		Identity: (*restRun).identity,
		Check:    (*restRun).check,
		Steps: []mistake.Step[restRun]{
			{Name: StepFormat, Variants: formatVariants(in), Compose: true},
			{Name: StepOrder, Variants: orderVariants(in)},
			{Name: StepEncode, Baseline: encodeBaseline, Variants: encodeVariants()},
			{Name: StepJoin, Baseline: func(r *restRun) { r.join(joinConcat) }, Variants: joinVariants()},
			{Name: StepKey, Variants: keyVariants(in)},
			{Name: StepSignature, Variants: signatureVariants(in)},
		},
	}
}

// ---- format ----

const fixFormat = "Format each value once, as Binance expects it (plain decimals such as 0.00001, true/false, compact JSON), sign that exact text and send the same text."

type valueFormat struct {
	id, title string
	f         func(string) (string, bool)
	json      bool // also applies to a JSON body
}

func valueFormats() []valueFormat {
	return []valueFormat{
		{"value-exponent", "a number was signed in exponent form (e.g. 1e-05, as Python's str() and Go's %v write small floats) but sent written out", exponentPython, false},
		{"value-exponent", "a number was signed in JavaScript's exponent form (e.g. 1e-7) but sent written out", exponentJS, false},
		{"value-decimal", "a number was sent in exponent form but signed written out", decimalOf, false},
		{"value-float32", "a number was signed after a round trip through a 32-bit float (e.g. 0.1 became 0.10000000149011612)", float32Of, false},
		{"value-bool", "a boolean was signed as Python writes it (True/False) but sent as true/false", pythonBool, false},
		{"value-bool", "a boolean was sent as True/False but signed as true/false", lowerBool, false},
		{"json-spaced", "a JSON value was signed with spaces after ',' and ':' (Python json.dumps' default) but sent compact", jsonSpaced, true},
		{"json-compact", "a JSON value was signed compact but sent with spaces", jsonCompact, true},
		{"json-sorted-keys", "a JSON value was signed with its object keys sorted but sent in another key order", jsonSortedKeys, true},
		{"json-ascii", "a JSON value was signed with non-ASCII characters as \\u escapes (Python's ensure_ascii) but sent as UTF-8", jsonASCII, true},
		{"json-python", "a JSON value was signed as Python's json.dumps writes it (spaces after ',' and ':', \\u escapes) but sent compact UTF-8", jsonPython, true},
	}
}

func formatVariants(in *restIn) []mistake.Variant[restRun] {
	var out []mistake.Variant[restRun]
	for _, vf := range valueFormats() {
		// Leave out formats that change nothing in this request, so the
		// pairs stay few.
		if !formatApplies(in, vf) {
			continue
		}
		out = append(out, mistake.Variant[restRun]{ID: vf.id, Title: vf.title, Fix: fixFormat,
			Apply: func(r *restRun) bool {
				changed := false
				for i := range r.segs {
					if v, ok := vf.apply(r.segs[i].value); ok {
						r.segs[i].value, r.segs[i].dirty, changed = v, true, true
					}
				}
				if vf.json && r.in.jsonBody {
					if v, ok := vf.f(r.tail); ok {
						r.tail, changed = v, true
					}
				}
				return changed
			},
			Describe: func(_ *restRun, d mistake.Desc) mistake.Desc {
				for _, s := range in.segs {
					if v, ok := vf.apply(s.value); ok {
						d.Title += fmt.Sprintf(" (%s: sent %s, signed %s)", s.name, boundText(s.value), boundText(v))
						break
					}
				}
				return d
			}})
	}
	return out
}

// apply formats v; a value that arrived percent-encoded twice (its decoded
// form still holds %XX) is formatted inside its second encoding, so the
// format step combines with a query encoded twice on the way out.
func (vf valueFormat) apply(v string) (string, bool) {
	if nv, ok := vf.f(v); ok {
		return nv, true
	}
	if hasEscape(v) {
		if u, err := pct.Unescape(v); err == nil {
			if nv, ok := vf.f(u); ok {
				return pct.Escape(nv), true
			}
		}
	}
	return v, false
}

func formatApplies(in *restIn, vf valueFormat) bool {
	for _, s := range in.segs {
		if _, ok := vf.apply(s.value); ok {
			return true
		}
	}
	if vf.json && in.jsonBody {
		_, ok := vf.f(in.tail)
		return ok
	}
	return false
}

// boundText shows at most 40 bytes of a value.
func boundText(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return Visible([]byte(s))
}

// ---- order ----

func orderVariants(in *restIn) []mistake.Variant[restRun] {
	out := []mistake.Variant[restRun]{
		{ID: MistakeSorted, Title: "the client signed the parameters sorted by name, but sent them in another order", Fix: fixNoSort,
			Apply: func(r *restRun) bool {
				if !sortSegsBy(r.segs) && !anyInBody(r.segs) {
					return false
				}
				for i := range r.segs {
					r.segs[i].inBody = false
				}
				return true
			}},
		{ID: MistakeSorted, Title: "the client signed query and body each sorted by name, but sent them in another order", Fix: fixNoSort,
			Apply: func(r *restRun) bool {
				if !anyInBody(r.segs) || r.segs[0].inBody {
					return false
				}
				n := 0
				for n < len(r.segs) && !r.segs[n].inBody {
					n++
				}
				a, b := sortSegsBy(r.segs[:n]), sortSegsBy(r.segs[n:])
				return a || b
			}},
		{ID: MistakeSorted, Title: "the client signed with the WebSocket-API rule (sorted by name, values not percent-encoded) for a REST request", Fix: fixNoSort + " " + fixEncodeOnce,
			Apply: func(r *restRun) bool { return r.wsRule("") }},
	}
	if k := in.st.req.APIKey; k != "" {
		out = append(out, mistake.Variant[restRun]{ID: MistakeSorted, Title: "the client signed with the WebSocket-API rule (apiKey included, sorted, values not percent-encoded) for a REST request", Fix: fixNoSort + " " + fixEncodeOnce,
			Apply: func(r *restRun) bool { return r.wsRule(k) }})
	}
	out = append(out,
		mistake.Variant[restRun]{ID: MistakeTimestampAfter, Title: "the client signed without timestamp and added it after signing", Fix: fixSignLast,
			Apply: func(r *restRun) bool { return r.drop("timestamp") }},
		mistake.Variant[restRun]{ID: MistakeTimestampAfter, Title: "the client signed without timestamp and recvWindow and added them after signing", Fix: fixSignLast,
			Apply: func(r *restRun) bool { return r.drop("recvWindow") && r.drop("timestamp") }},
		mistake.Variant[restRun]{ID: MistakeTimestampAfter, Title: "the client signed with timestamp last but sent it elsewhere", Fix: fixSignLast,
			Apply: func(r *restRun) bool { return r.move("timestamp", true) }},
		mistake.Variant[restRun]{ID: MistakeTimestampAfter, Title: "the client signed with timestamp first but sent it elsewhere", Fix: fixSignLast,
			Apply: func(r *restRun) bool { return r.move("timestamp", false) }},
		mistake.Variant[restRun]{ID: MistakeSigNotLast, Title: "the client signed only the parameters before the signature; those after it were added later", Fix: fixSignLast,
			Apply: func(r *restRun) bool {
				if r.in.sigLast || len(r.segs) != len(r.in.segs) {
					return false
				}
				r.segs, r.noTail = r.segs[:r.in.sigPos], true
				return true
			}},
		mistake.Variant[restRun]{ID: MistakeSignedSubset, Title: "the client signed only timestamp=...; the other parameters were not signed", Fix: fixSignLast,
			Apply: func(r *restRun) bool { return r.only("timestamp", false) }},
		mistake.Variant[restRun]{ID: MistakeSignedSubset, Title: "the client signed the bare timestamp value instead of the parameter string", Fix: fixSignLast,
			Apply: func(r *restRun) bool { return r.only("timestamp", true) }},
	)
	// A parameter moved: each other parameter signed first or last of its part.
	for _, s := range in.segs {
		name := s.name
		if name == "timestamp" {
			continue
		}
		out = append(out,
			mistake.Variant[restRun]{ID: MistakeParamMoved, Title: fmt.Sprintf("the client signed %s last but sent it elsewhere", quoteName(name)), Fix: fixSignLast,
				Apply: func(r *restRun) bool { return r.move(name, true) }},
			mistake.Variant[restRun]{ID: MistakeParamMoved, Title: fmt.Sprintf("the client signed %s first but sent it elsewhere", quoteName(name)), Fix: fixSignLast,
				Apply: func(r *restRun) bool { return r.move(name, false) }})
	}
	return out
}

func quoteName(n string) string { return "'" + boundText(n) + "'" }

func anyInBody(ss []rseg) bool {
	for i := range ss {
		if ss[i].inBody {
			return true
		}
	}
	return false
}

// sortSegsBy sorts by name in place and reports whether the order changed.
func sortSegsBy(ss []rseg) bool {
	if sort.SliceIsSorted(ss, func(i, j int) bool { return ss[i].name < ss[j].name }) {
		return false
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].name < ss[j].name })
	return true
}

// wsRule is the WebSocket API's payload: every param sorted by name,
// name=value raw, apiKey included when given.
func (r *restRun) wsRule(apiKey string) bool {
	if apiKey != "" {
		r.segs = append(r.segs, rseg{name: "apiKey", value: apiKey, idx: -1})
	}
	if len(r.segs) == 0 {
		return false
	}
	// Without apiKey and sorting, the rule is only "values not encoded",
	// which the encode step names.
	if !sortSegsBy(r.segs) && apiKey == "" {
		return false
	}
	for i := range r.segs {
		s := &r.segs[i]
		s.raw, s.inBody, s.dirty = s.name+"="+s.value, false, false
	}
	r.noTail = true
	return true
}

func (r *restRun) index(name string) int {
	for i := range r.segs {
		if r.segs[i].name == name {
			return i
		}
	}
	return -1
}

func (r *restRun) drop(name string) bool {
	i := r.index(name)
	if i < 0 {
		return false
	}
	r.segs = append(r.segs[:i], r.segs[i+1:]...)
	return true
}

// move puts the named param last (or first) of its part.
func (r *restRun) move(name string, last bool) bool {
	i := r.index(name)
	if i < 0 {
		return false
	}
	s := r.segs[i]
	lo, hi := i, i // bounds of its part
	for lo > 0 && r.segs[lo-1].inBody == s.inBody {
		lo--
	}
	for hi < len(r.segs)-1 && r.segs[hi+1].inBody == s.inBody {
		hi++
	}
	if last {
		if i == hi {
			return false
		}
		copy(r.segs[i:hi], r.segs[i+1:hi+1])
		r.segs[hi] = s
		return true
	}
	if i == lo {
		return false
	}
	copy(r.segs[lo+1:i+1], r.segs[lo:i])
	r.segs[lo] = s
	return true
}

func (r *restRun) only(name string, bare bool) bool {
	i := r.index(name)
	// With timestamp the only pair, signing it alone is "query only" or
	// "body only", which the join step names better.
	if i < 0 || (len(r.segs) == 1 && !bare) {
		return false
	}
	s := r.segs[i]
	s.inBody = false
	r.segs = append(r.segs[:0], s)
	r.noTail, r.bare = true, bare
	return true
}

// ---- encode ----

func encodeBaseline(r *restRun) {
	for i := range r.segs {
		if s := &r.segs[i]; s.dirty {
			s.raw = pct.Escape(s.name) + "=" + pct.Escape(s.value)
		}
	}
}

// reencode writes every param with enc (number n of the encode step's
// encoders) and reports whether anything differs from what the baseline
// signs.
func (r *restRun) reencode(n int, enc func(string) string) bool {
	encodeBaseline(r)
	in := r.in
	if in.encoded == nil {
		in.encoded = make([][]string, 3+len(otherEncoders()))
	}
	if in.encoded[n] == nil {
		in.encoded[n] = make([]string, len(in.segs))
	}
	cache := in.encoded[n]
	changed := false
	for i := range r.segs {
		s := &r.segs[i]
		var raw string
		if s.idx >= 0 && !s.dirty {
			if raw = cache[s.idx]; raw == "" {
				raw = enc(s.name) + "=" + enc(s.value)
				cache[s.idx] = raw
			}
		} else {
			raw = enc(s.name) + "=" + enc(s.value)
		}
		if raw != s.raw {
			s.raw, changed = raw, true
		}
	}
	return changed
}

func encWith(e encoder) func(string) string {
	return func(s string) string { return string(e.append(nil, s)) }
}

func encodeVariants() []mistake.Variant[restRun] {
	out := []mistake.Variant[restRun]{
		{ID: MistakeSignedDecoded, Title: "the client signed the percent-decoded text (raw characters such as UTF-8 or '@') but sent it percent-encoded", Fix: fixEncodeOnce,
			Apply: func(r *restRun) bool { return r.reencode(0, func(s string) string { return s }) }, Describe: describeDecoded},
		{ID: MistakeSignedDecoded, Title: "the client signed ASCII characters decoded (e.g. '@' instead of %40, the pre-2026 habit) but sent them encoded", Fix: fixEncodeOnce,
			Apply: func(r *restRun) bool {
				encodeBaseline(r)
				changed := false
				for i := range r.segs {
					if u, _ := unescapeASCII(r.segs[i].raw); u != r.segs[i].raw {
						r.segs[i].raw, changed = u, true
					}
				}
				return changed
			}},
		{ID: MistakeSentReencoded, Title: "the client signed the RFC 3986 percent-encoding but sent another encoding: its HTTP layer re-encoded the query after signing", Fix: fixSendSigned,
			Apply: func(r *restRun) bool { return r.reencode(1, pct.Escape) }, Describe: describeReencoded},
	}
	for i, e := range otherEncoders() {
		out = append(out, mistake.Variant[restRun]{ID: MistakeEncodedDifferently, Title: "the client signed another percent-encoding of the same values (" + e.name + ") than the one it sent", Fix: fixEncodeOnce,
			Apply: func(r *restRun) bool { return r.reencode(2+i, encWith(e)) }})
	}
	n := 2 + len(otherEncoders())
	out = append(out, mistake.Variant[restRun]{ID: MistakeSignedEncodedTwice, Title: "the client percent-encoded the values twice before signing (%E5 became %25E5) but sent them encoded once", Fix: fixEncodeOnce,
		Apply: func(r *restRun) bool {
			return r.reencode(n, func(s string) string { return pct.Escape(pct.Escape(s)) })
		}})
	return out
}

const fixSendSigned = "Sign the exact bytes you send: build the query string once, sign it, and hand it to the HTTP library as the raw query (or body) so nothing re-encodes it after signing."

// describeDecoded names a query encoded twice on the way out: the decoded
// text the client signed still holds %XX escapes.
func describeDecoded(r *restRun, d mistake.Desc) mistake.Desc {
	for _, s := range r.in.segs {
		if hasEscape(s.value) && strings.Contains(s.raw, "%25") {
			return mistake.Desc{Step: d.Step, ID: MistakeSentEncodedTwice,
				Title: "the client signed the percent-encoded text, then its HTTP layer percent-encoded it a second time before sending (%E5 went out as %25E5)",
				Fix:   fixSendSigned}
		}
	}
	return d
}

func hasEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
			return true
		}
	}
	return false
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// describeReencoded says what the HTTP layer changed, from what was sent.
func describeReencoded(r *restRun, d mistake.Desc) mistake.Desc {
	lower, plus := false, false
	for _, s := range r.in.segs {
		for i := 0; i+2 < len(s.raw); i++ {
			if s.raw[i] == '%' && isHexDigit(s.raw[i+1]) && isHexDigit(s.raw[i+2]) && (s.raw[i+1] >= 'a' || s.raw[i+2] >= 'a') {
				lower = true
			}
		}
		plus = plus || strings.Contains(s.raw, "+")
	}
	switch {
	case lower:
		d.ID, d.Title = MistakeSentLowerHex, "the client signed upper-case percent-encoding (%E5) but sent lower-case hex (%e5): something rewrote the query after signing"
	case plus:
		d.ID, d.Title = MistakeSentPlusSpace, "the client signed %20 for a space but sent '+' (a form encoder re-encoded the query after signing)"
	}
	return d
}

// ---- join ----

type joinMode uint8

const (
	joinConcat joinMode = iota
	joinAmp
	joinQueryOnly
	joinBodyOnly
	joinBodyFirst
)

func (r *restRun) join(m joinMode) bool {
	q, b := r.qb[:0], r.bb[:0]
	defer func() { r.qb, r.bb = q, b }()
	if r.asSent() {
		q, b = append(q, r.in.sentQ...), append(b, r.in.sentB...)
		return r.joinParts(m, q, b)
	}
	nq, nb := 0, 0
	for i := range r.segs {
		s := &r.segs[i]
		if s.inBody {
			if nb > 0 {
				b = append(b, '&')
			}
			b, nb = append(b, s.raw...), nb+1
		} else {
			if nq > 0 {
				q = append(q, '&')
			}
			q, nq = append(q, s.raw...), nq+1
		}
	}
	if !r.noTail {
		b = append(b, r.tail...)
	}
	if r.bare && len(r.segs) == 1 {
		q = append(q[:0], r.segs[0].value...)
	}
	return r.joinParts(m, q, b)
}

// joinParts writes the payload of the parts q and b joined the way m says.
func (r *restRun) joinParts(m joinMode, q, b []byte) bool {
	p := r.payload[:0]
	switch m {
	case joinConcat:
		p = append(append(p, q...), b...)
	case joinAmp:
		if len(q) == 0 || len(b) == 0 {
			return false
		}
		p = append(append(append(p, q...), '&'), b...)
	case joinQueryOnly:
		if len(q) == 0 || len(b) == 0 {
			return false
		}
		p = append(p, q...)
	case joinBodyOnly:
		if len(q) == 0 || len(b) == 0 {
			return false
		}
		p = append(p, b...)
	case joinBodyFirst:
		if len(q) == 0 || len(b) == 0 {
			return false
		}
		p = append(append(p, b...), q...)
	}
	r.payload = p
	return true
}

func joinVariants() []mistake.Variant[restRun] {
	v := func(id, title string, m joinMode) mistake.Variant[restRun] {
		return mistake.Variant[restRun]{ID: id, Title: title, Fix: fixConcat, Apply: func(r *restRun) bool { return r.join(m) }}
	}
	return []mistake.Variant[restRun]{
		v(MistakeAmpJoin, "the client joined the query string and the body with '&' before signing", joinAmp),
		v(MistakeQueryOnly, "the client signed only the query string; the body was left out", joinQueryOnly),
		v(MistakeBodyOnly, "the client signed only the body; the query string was left out", joinBodyOnly),
		v(MistakeBodyFirst, "the client signed the body before the query string", joinBodyFirst),
	}
}

// ---- key ----

type keyMangle struct {
	id, title string
	f         func(sec []byte, apiKey string) []byte // nil: not applicable
}

func keyMangles() []keyMangle {
	wrap := func(pre, suf string) func([]byte, string) []byte {
		return func(sec []byte, _ string) []byte {
			return append(append(append(make([]byte, 0, len(sec)+len(pre)+len(suf)), pre...), sec...), suf...)
		}
	}
	return []keyMangle{
		{MistakeSecretNewline, "the HMAC was computed with the secret plus a trailing newline", wrap("", "\n")},
		{MistakeSecretNewline, "the HMAC was computed with the secret plus a trailing CR LF", wrap("", "\r\n")},
		{MistakeSecretSpace, "the HMAC was computed with the secret plus a trailing space", wrap("", " ")},
		{MistakeSecretSpace, "the HMAC was computed with the secret plus a trailing tab", wrap("", "\t")},
		{MistakeSecretSpace, "the HMAC was computed with the secret plus a leading space", wrap(" ", "")},
		{MistakeSecretNewline, "the HMAC was computed with the secret plus a leading newline", wrap("\n", "")},
		{MistakeSecretBOM, "the HMAC was computed with the secret plus a leading byte-order mark (a file saved as UTF-8 with BOM)", wrap("\xEF\xBB\xBF", "")},
		{MistakeSecretQuoted, "the HMAC was computed with the secret inside its double quotes (copied from a .env or JSON file)", wrap(`"`, `"`)},
		{MistakeSecretQuoted, "the HMAC was computed with the secret inside its single quotes", wrap("'", "'")},
		{MistakeSecretTrimmed, "the HMAC was computed with the secret trimmed, but the key holds surrounding whitespace", func(sec []byte, _ string) []byte {
			t := strings.TrimSpace(string(sec))
			if t == string(sec) || t == "" {
				return nil
			}
			return []byte(t)
		}},
		{MistakeAPIKeyAsSecret, "the HMAC was computed with the API key instead of the secret key", func(_ []byte, apiKey string) []byte {
			if apiKey == "" {
				return nil
			}
			return []byte(apiKey)
		}},
		{MistakeSecretBase64, "the HMAC was computed with the secret base64-decoded; Binance uses the secret's text as it is", func(sec []byte, _ string) []byte {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if b, err := enc.DecodeString(string(sec)); err == nil && len(b) > 0 {
					return b
				}
			}
			return nil
		}},
	}
}

func keyVariants(in *restIn) []mistake.Variant[restRun] {
	s, ok := in.st.key.Verifier.(interface{ Secret() secret.Value })
	if !ok || in.st.key.Verifier.Algorithm() != sign.HMACSHA256 {
		return nil
	}
	ms := keyMangles()
	in.keys = make([]keyVariant, len(ms))
	out := make([]mistake.Variant[restRun], 0, len(ms))
	for i, m := range ms {
		fix := fixSecret
		if m.id == MistakeAPIKeyAsSecret {
			fix = "Use the Secret Key (shown once when the key was created) as the HMAC key; the API key goes only in the X-MBX-APIKEY header."
		}
		out = append(out, mistake.Variant[restRun]{ID: m.id, Title: m.title, Fix: fix, Apply: func(r *restRun) bool {
			kv := &in.keys[i]
			if !kv.built {
				kv.built = true
				if k := m.f(s.Secret().Expose(), in.st.req.APIKey); k != nil {
					if h, err := sign.NewHMAC(secret.New(k)); err == nil {
						kv.v = h
					}
					clear(k)
				}
			}
			if kv.v == nil {
				return false
			}
			r.verifier, r.keyID = kv.v, byte(i+1)
			return true
		}})
	}
	return out
}

// ---- signature ----

func signatureVariants(in *restIn) []mistake.Variant[restRun] {
	st := in.st
	v := func(id, title, fix string, n byte, sig []byte) []mistake.Variant[restRun] {
		if sig == nil || string(sig) == string(in.sig) {
			return nil
		}
		return []mistake.Variant[restRun]{{ID: id, Title: title, Fix: fix, Apply: func(r *restRun) bool { r.sig, r.sigID = sig, n; return true }}}
	}
	var out []mistake.Variant[restRun]
	if st.key.Verifier.Algorithm() == sign.HMACSHA256 {
		if raw := decodeBase64Loose(st.sigRaw, st.sigVal); len(raw) == 32 {
			out = append(out, v(MistakeHMACBase64, "the HMAC was right but written as base64 instead of hex",
				"Write the HMAC-SHA256 as 64 lower-case hex digits (hexdigest(), hex.EncodeToString), not base64.", 1, raw)...)
		}
		return out
	}
	if strings.Contains(st.sigRaw, "+") {
		if u, err := pct.Unescape(st.sigRaw); err == nil {
			b, _ := base64.StdEncoding.DecodeString(u)
			out = append(out, v(MistakePlusSpace, "the base64 signature was not percent-encoded: its '+' was read as a space",
				"Percent-encode the base64 signature before putting it in the URL or body ('+' as %2B, '/' as %2F, '=' as %3D).", 2, b)...)
		}
	}
	if strings.Contains(st.sigVal, "%") {
		if u, err := pct.Unescape(st.sigVal); err == nil {
			b, _ := base64.StdEncoding.DecodeString(u)
			out = append(out, v(MistakeSignatureEncodedTwice, "the base64 signature was percent-encoded twice (%2B went out as %252B)",
				"Percent-encode the base64 signature once.", 3, b)...)
		}
	}
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(st.sigVal); err == nil && len(b) > 0 {
			out = append(out, v(MistakeSignatureBase64URL, "the signature was written in URL-safe base64 ('-' and '_'); Binance reads standard base64 ('+' and '/', percent-encoded)",
				"Encode the signature with standard base64 (RFC 4648 section 4), then percent-encode it.", 4, b)...)
			break
		}
	}
	return out
}

// ---- the search ----

// searchREST runs the pipeline search for the request in st. It reports
// the mistake found, if any.
func (x *explainer) searchREST() bool {
	st := x.st
	in := newRestIn(st)
	p := restPipeline(in)
	run := &restRun{in: in}
	run.payload = make([]byte, 0, len(st.payload)+64)
	budget := st.opt.ExplainBudget
	if budget == 0 {
		budget = DefaultExplainBudget
	}
	lim := mistake.Limits{Deadline: time.Now().Add(budget), MaxChecks: maxSearchChecks}
	found, stats, err := mistake.Search(context.Background(), p, run, lim)
	if err != nil {
		if errors.Is(err, mistake.ErrBudget) {
			x.note("The search for the client's mistake stopped after %d combinations (%d signature checks), on its time budget (Options.ExplainBudget %s): what it did not try is not ruled out.", stats.Runs, stats.Checks, budget)
		}
		return false
	}
	if found == nil {
		return false
	}
	signed := append([]byte(nil), run.payload...)
	steps := make([]MistakeStep, len(found.Steps))
	for i, d := range found.Steps {
		ms := MistakeStep{Step: d.Step, ID: d.ID, Title: d.Title, Fix: d.Fix}
		if len(found.Picks) > 1 && mistake.Run(p, run, found.Picks[i:i+1]) && string(run.payload) != string(st.payload) {
			ms.Diff = diffBytes(x.red.bytes(st.payload), x.red.bytes(run.payload))
		}
		steps[i] = ms
	}
	x.foundSteps(steps, signed)
	return true
}

// foundSteps records the mistake made of steps, signed over signed.
func (x *explainer) foundSteps(steps []MistakeStep, signed []byte) {
	m := &Mistake{Steps: steps}
	if len(steps) == 1 {
		m.ID, m.Title, m.Fix = steps[0].ID, steps[0].Title, steps[0].Fix
		m.Steps[0].Diff = ""
	} else {
		ids, titles, fixes := make([]string, len(steps)), make([]string, len(steps)), make([]string, 0, len(steps))
		for i, s := range steps {
			ids[i], titles[i] = s.ID, s.Title
			if !containsStr(fixes, s.Fix) {
				fixes = append(fixes, s.Fix)
			}
		}
		m.ID = strings.Join(ids, "+")
		m.Title = "two mistakes at once: " + strings.Join(titles, "; and ")
		m.Fix = strings.Join(fixes, " ")
	}
	m.Signed = x.show(signed)
	x.e.Mistake = m
	if string(signed) != string(x.st.payload) {
		x.e.Diff = diffBytes(x.red.bytes(x.st.payload), x.red.bytes(signed))
	}
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// unescapeASCII decodes only %XX escapes of ASCII bytes, leaving UTF-8
// percent-encoded: the canonical form pre-2026 servers appear to have used.
func unescapeASCII(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := pct.Unescape(s[i : i+3]); err == nil && v[0] < 0x80 {
				b.WriteString(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

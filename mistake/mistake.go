// Package mistake finds the client mistake that reproduces a wrong
// signature by searching a signing pipeline.
//
// A client turns parameters into a signature through a few small steps: it
// formats each value, puts the parameters in some order, percent-encodes
// them, joins the parts, picks a key and writes the signature. An exchange
// describes its own rules as a Pipeline: one baseline per step (what the
// exchange does) and the alternatives clients are known to use instead. The
// search replaces every single step, then every pair of steps, by each of
// its alternatives and reports the first combination under which the
// client's signature verifies. A signature verifies only over the exact
// bytes and key it was made with, so a combination found is the client's
// mistake, never a guess; when none is found, Search says so.
//
// The package knows no exchange: Binance's REST and WebSocket pipelines
// live in binance/verify, and other exchanges bring their own.
package mistake

import (
	"context"
	"errors"
	"hash/maphash"
	"time"
)

// Variant is one way a client departs from the baseline at one step.
type Variant[S any] struct {
	ID    string // stable id tools and tests match on, e.g. "sorted"
	Title string // the step in words a user understands
	Fix   string // what to change in the client
	// Apply performs this variant on s instead of the step's baseline. It
	// reports false when the variant changes nothing for this request
	// (there is nothing to sort, no space to encode...): the combination is
	// then skipped, so a reported pair never holds a step that did nothing.
	Apply func(s *S) bool
	// Describe, when set, rewords the variant for this request once it is
	// found (e.g. naming what an HTTP layer changed); it receives the
	// variant's own Desc and the state of the winning run.
	Describe func(s *S, d Desc) Desc
}

// Step is one named stage of a signing pipeline.
type Step[S any] struct {
	Name     string   // e.g. "order", "format", "encode", "join", "key", "signature"
	Baseline func(*S) // what the exchange does at this step
	Variants []Variant[S]
	// Compose marks a step whose variants touch different parts of the
	// request and so combine (a number in exponent form and a JSON value
	// with spaces): pairs are then also searched within the step, the two
	// variants applied one after the other. A step whose variants replace
	// one another (one key, one encoder) leaves it false.
	Compose bool
}

// Pipeline is an exchange's signing rules as steps, run in order.
type Pipeline[S any] struct {
	Steps []Step[S]
	// Reset puts s back to the request as received, before the first step.
	Reset func(s *S)
	// Identity returns the bytes that identify the run in s (payload, key
	// and signature as the run made them), so runs that end in the same
	// bytes are checked once. Nil means always check.
	Identity func(s *S) []byte
	// Check reports whether the client's signature verifies for the run
	// in s.
	Check func(s *S) bool
}

// Desc names one step of a found mistake.
type Desc struct {
	Step  string // the step's name
	ID    string
	Title string
	Fix   string
}

// Pick is one variant chosen at one step.
type Pick struct{ Step, Variant int }

// Found is the combination of variants that reproduces the signature, in
// pipeline order; one or two steps.
type Found struct {
	Steps []Desc
	// Picks are the variants used, in pipeline order: Run(p, s, Picks)
	// reproduces the winning state.
	Picks []Pick
}

// Limits bound a search. The zero value means no limit but MaxPairs.
type Limits struct {
	// Deadline stops the search when passed (zero: none).
	Deadline time.Time
	// MaxChecks stops the search after this many signature checks (zero:
	// none). Checks are the costly part: an RSA verification takes tens of
	// microseconds.
	MaxChecks int
	// SinglesOnly skips pairs of steps.
	SinglesOnly bool
}

// ErrBudget is returned when the search stopped on its deadline or check
// budget before trying every combination.
var ErrBudget = errors.New("mistake: search budget spent before every combination was tried")

// Stats describe a search.
type Stats struct {
	Runs   int // pipeline runs (combinations that applied)
	Checks int // signature checks (distinct runs)
}

// checkEvery is how many runs pass between two looks at the clock: reading
// it on every run would cost more than a short HMAC.
const checkEvery = 16

// Search tries every single step's variants, then every pair of steps
// (and pairs within a step that composes), and returns the first
// combination whose run Check accepts. It returns nil and no error when no
// combination reproduces the signature, and ErrBudget (or the context's
// error) when it stopped early. s is the scratch state the runs use; on
// success it holds the winning run.
func Search[S any](ctx context.Context, p *Pipeline[S], s *S, lim Limits) (*Found, Stats, error) {
	sr := searcher[S]{p: p, s: s, lim: lim, ctx: ctx, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
	f, err := sr.search()
	return f, sr.stats, err
}

type searcher[S any] struct {
	p     *Pipeline[S]
	s     *S
	lim   Limits
	ctx   context.Context
	picks [2]Pick
	seen  map[uint64]struct{}
	seed  maphash.Seed
	stats Stats
}

func (sr *searcher[S]) search() (*Found, error) {
	steps := sr.p.Steps
	for i := range steps {
		for v := range steps[i].Variants {
			if f, err := sr.try(Pick{i, v}); f != nil || err != nil {
				return f, err
			}
		}
	}
	if sr.lim.SinglesOnly {
		return nil, nil
	}
	for i := range steps {
		for j := i; j < len(steps); j++ {
			if j == i && !steps[i].Compose {
				continue
			}
			for vi := range steps[i].Variants {
				vj0 := 0
				if j == i {
					vj0 = vi + 1
				}
				for vj := vj0; vj < len(steps[j].Variants); vj++ {
					if f, err := sr.try(Pick{i, vi}, Pick{j, vj}); f != nil || err != nil {
						return f, err
					}
				}
			}
		}
	}
	return nil, nil
}

// try runs the pipeline with picks and returns the Found when the
// signature verifies.
func (sr *searcher[S]) try(picks ...Pick) (*Found, error) {
	if sr.stats.Runs%checkEvery == 0 {
		if err := sr.ctx.Err(); err != nil {
			return nil, err
		}
		if !sr.lim.Deadline.IsZero() && time.Now().After(sr.lim.Deadline) {
			return nil, ErrBudget
		}
	}
	if sr.lim.MaxChecks > 0 && sr.stats.Checks >= sr.lim.MaxChecks {
		return nil, ErrBudget
	}
	sr.stats.Runs++
	if !Run(sr.p, sr.s, picks) {
		return nil, nil
	}
	if sr.p.Identity != nil {
		if id := sr.p.Identity(sr.s); id != nil {
			// A 64-bit hash, not the bytes: a collision could only skip a
			// check (an explanation missed), never report a wrong one.
			h := maphash.Bytes(sr.seed, id)
			if _, dup := sr.seen[h]; dup {
				return nil, nil
			}
			if len(sr.seen) < maxSeen {
				sr.seen[h] = struct{}{}
			}
		}
	}
	sr.stats.Checks++
	if !sr.p.Check(sr.s) {
		return nil, nil
	}
	return describe(sr.p, sr.s, picks), nil
}

// maxSeen bounds the set of runs already checked.
const maxSeen = 1 << 16

func describe[S any](p *Pipeline[S], s *S, picks []Pick) *Found {
	f := &Found{Picks: append([]Pick(nil), picks...)}
	for _, pk := range picks {
		st := &p.Steps[pk.Step]
		va := &st.Variants[pk.Variant]
		d := Desc{Step: st.Name, ID: va.ID, Title: va.Title, Fix: va.Fix}
		if va.Describe != nil {
			d = va.Describe(s, d)
		}
		f.Steps = append(f.Steps, d)
	}
	return f
}

// Run runs the pipeline once on s with the variants in picks (in pipeline
// order) instead of their steps' baselines. It reports false when a
// picked variant does not apply to this request.
func Run[S any](p *Pipeline[S], s *S, picks []Pick) bool {
	p.Reset(s)
	k := 0
	for i := range p.Steps {
		st := &p.Steps[i]
		if k < len(picks) && picks[k].Step == i {
			for ; k < len(picks) && picks[k].Step == i; k++ {
				if !st.Variants[picks[k].Variant].Apply(s) {
					return false
				}
			}
			continue
		}
		if st.Baseline != nil {
			st.Baseline(s)
		}
	}
	return true
}

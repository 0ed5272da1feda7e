package mistake_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/mistake"
)

// toy is a client pipeline over words: it upper-cases (or not), joins with
// a separator and "signs" by prefixing a key; the signature is the result.
type toy struct {
	words []string
	upper bool
	sep   string
	key   string
	out   string
	want  string
}

func toyPipeline(words []string, want string) (*mistake.Pipeline[toy], *toy) {
	p := &mistake.Pipeline[toy]{
		Reset: func(s *toy) {
			s.words = append(s.words[:0], words...)
			s.upper, s.sep, s.key = false, "&", "k"
		},
		Identity: func(s *toy) []byte { return []byte(s.out) },
		Check:    func(s *toy) bool { return s.out == s.want },
		Steps: []mistake.Step[toy]{
			{Name: "format", Compose: true, Variants: []mistake.Variant[toy]{
				{ID: "upper", Title: "upper-cased", Apply: func(s *toy) bool { s.upper = true; return true }},
				{ID: "reverse", Title: "reversed", Apply: func(s *toy) bool {
					for i, j := 0, len(s.words)-1; i < j; i, j = i+1, j-1 {
						s.words[i], s.words[j] = s.words[j], s.words[i]
					}
					return len(s.words) > 1
				}},
				{ID: "noop", Title: "changes nothing", Apply: func(*toy) bool { return false }},
			}},
			{Name: "join", Variants: []mistake.Variant[toy]{
				{ID: "comma", Title: "joined with ','", Apply: func(s *toy) bool { s.sep = ","; return true }},
			}},
			{Name: "key", Baseline: func(s *toy) {
				w := strings.Join(s.words, s.sep)
				if s.upper {
					w = strings.ToUpper(w)
				}
				s.out = s.key + ":" + w
			}, Variants: []mistake.Variant[toy]{
				{ID: "key-newline", Title: "key with a newline", Apply: func(s *toy) bool {
					w := strings.Join(s.words, s.sep)
					if s.upper {
						w = strings.ToUpper(w)
					}
					s.out = s.key + "\n:" + w
					return true
				}},
			}},
		},
	}
	return p, &toy{want: want}
}

func TestSearch(t *testing.T) {
	words := []string{"a", "b"}
	tests := []struct {
		want string
		ids  string // "" when nothing reproduces it
	}{
		{"k:A&B", "upper"},
		{"k:a,b", "comma"},
		{"k\n:a&b", "key-newline"},
		{"k:B,A", ""},              // three steps: out of reach
		{"k:B&A", "upper+reverse"}, // two variants of a composing step
		{"k\n:a,b", "comma+key-newline"},
		{"k:a&b&c", ""},
	}
	for _, tt := range tests {
		p, s := toyPipeline(words, tt.want)
		f, stats, err := mistake.Search(context.Background(), p, s, mistake.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		if f != nil {
			for _, d := range f.Steps {
				ids = append(ids, d.ID)
			}
		}
		if got := strings.Join(ids, "+"); got != tt.ids {
			t.Errorf("%q: found %q, want %q (stats %+v)", tt.want, got, tt.ids, stats)
		}
		if f != nil && (!mistake.Run(p, s, f.Picks) || s.out != tt.want) {
			t.Errorf("%q: Run(Picks) gives %q", tt.want, s.out)
		}
	}
}

func TestSearchLimits(t *testing.T) {
	p, s := toyPipeline([]string{"a"}, "never")
	if _, _, err := mistake.Search(context.Background(), p, s, mistake.Limits{Deadline: time.Now().Add(-time.Second)}); !errors.Is(err, mistake.ErrBudget) {
		t.Errorf("past deadline: %v", err)
	}
	if _, st, err := mistake.Search(context.Background(), p, s, mistake.Limits{MaxChecks: 2}); !errors.Is(err, mistake.ErrBudget) || st.Checks != 2 {
		t.Errorf("MaxChecks 2: %v %+v", err, st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := mistake.Search(ctx, p, s, mistake.Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	f, st, err := mistake.Search(context.Background(), p, s, mistake.Limits{SinglesOnly: true})
	if f != nil || err != nil || st.Runs == 0 {
		t.Errorf("singles only: %v %v %+v", f, err, st)
	}
}

// Identical runs are checked once.
func TestSearchDedup(t *testing.T) {
	p, s := toyPipeline([]string{"a"}, "never")
	_, st, _ := mistake.Search(context.Background(), p, s, mistake.Limits{})
	if st.Checks >= st.Runs {
		t.Errorf("no run deduplicated: %+v", st)
	}
}

func ExampleSearch() {
	type run struct{ text, want string }
	p := &mistake.Pipeline[run]{
		Reset: func(r *run) { r.text = "b=2&a=1" },
		Check: func(r *run) bool { return r.text == r.want },
		Steps: []mistake.Step[run]{{
			Name: "order",
			Variants: []mistake.Variant[run]{{
				ID: "sorted", Title: "the client sorted the parameters",
				Apply: func(r *run) bool { r.text = "a=1&b=2"; return true },
			}},
		}},
	}
	f, _, err := mistake.Search(context.Background(), p, &run{want: "a=1&b=2"}, mistake.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Steps[0].Step, f.Steps[0].ID, "-", f.Steps[0].Title)
	// Output: order sorted - the client sorted the parameters
}

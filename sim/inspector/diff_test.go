package inspector

import (
	"strings"
	"testing"
)

// show writes runs with the differing ones in brackets.
func show(rs []Run) string {
	var b strings.Builder
	for _, r := range rs {
		if r.Diff {
			b.WriteString("[" + r.Text + "]")
		} else {
			b.WriteString(r.Text)
		}
	}
	return b.String()
}

func TestDiffRuns(t *testing.T) {
	tests := []struct {
		name, a, b, wantA, wantB string
	}{
		{"equal", "a=1&b=2", "a=1&b=2", "a=1&b=2", "a=1&b=2"},
		{"both empty", "", "", "", ""},
		{"one empty", "abc", "", "[abc]", ""},
		{"encoded against raw", "s=%E8%BF&t=1", `s=\xE8\xBF&t=1`, "s=[%]E8[%]BF&t=1", `s=[\x]E8[\x]BF&t=1`},
		{"appended", "a=1", "a=1&b=2", "a=1", "a=1[&b=2]"},
		{"separator", "a=1b=2", "a=1&b=2", "a=1b=2", "a=1[&]b=2"},
		{"sorted", "b=2&a=1", "a=1&b=2", "[b=2&]a=1", "a=1[&b=2]"},
		{"one-byte match is noise", "k=AxB", "k=CxD", "k=[AxB]", "k=[CxD]"},
		{"plus for space", "q=a%20b", "q=a+b", "q=a[%20]b", "q=a[+]b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra, rb := diffRuns(tt.a, tt.b)
			if got := show(ra); got != tt.wantA {
				t.Errorf("a: %s, want %s", got, tt.wantA)
			}
			if got := show(rb); got != tt.wantB {
				t.Errorf("b: %s, want %s", got, tt.wantB)
			}
			checkRuns(t, tt.a, tt.b, ra, rb)
		})
	}
}

// checkRuns asserts what any diff must satisfy: the runs rebuild their
// lines, neighbouring runs differ in kind, and the unmarked text of both
// lines is the same (a common subsequence).
func checkRuns(t *testing.T, a, b string, ra, rb []Run) {
	t.Helper()
	common := func(rs []Run, line string) string {
		var all, same strings.Builder
		for i, r := range rs {
			if r.Text == "" {
				t.Fatalf("empty run in %q", line)
			}
			if i > 0 && rs[i-1].Diff == r.Diff {
				t.Fatalf("runs %d and %d of %q are not merged", i-1, i, line)
			}
			all.WriteString(r.Text)
			if !r.Diff {
				same.WriteString(r.Text)
			}
		}
		if all.String() != line {
			t.Fatalf("runs rebuild %q, want %q", all.String(), line)
		}
		return same.String()
	}
	if ca, cb := common(ra, a), common(rb, b); ca != cb {
		t.Fatalf("unmarked text differs: %q vs %q", ca, cb)
	}
}

func TestDiffRunsLarge(t *testing.T) {
	// Beyond lcsCells the middle is marked whole: bounded work on 4 KiB payloads.
	a := "p=" + strings.Repeat("ab", 2048) + "&z"
	b := "p=" + strings.Repeat("ba", 2048) + "&z"
	ra, rb := diffRuns(a, b)
	checkRuns(t, a, b, ra, rb)
	if len(ra) != 3 || !ra[1].Diff || ra[0].Text != "p=" || ra[2].Text != "&z" {
		t.Errorf("runs %d: first %+v", len(ra), ra[0])
	}
}

func TestCompareFallsBackToDiffText(t *testing.T) {
	// No mistake: the windows of the verifier's text diff are compared.
	x := &Explanation{Diff: "first difference at byte 3 (sent 5 bytes, signed 4 bytes)\nsent:   abcde\nsigned: abde\n           ^"}
	c := compare(x)
	if c == nil || show(c.Sent) != "ab[c]de" || show(c.Signed) != "abde" || !strings.HasPrefix(c.Summary, "first difference at byte 3") {
		t.Fatalf("compare %+v", c)
	}
	if compare(&Explanation{Verdict: "unknown key"}) != nil {
		t.Error("compare without a diff or mistake")
	}
	same := &Explanation{Payload: "a=1", Mistake: &Mistake{ID: "sig-not-last", Signed: "a=1"}}
	if compare(same) != nil {
		t.Error("compare of identical payloads")
	}
}

func FuzzDiffRuns(f *testing.F) {
	f.Add("symbol=%E8%BF%99&timestamp=1", `symbol=\xE8\xBF\x99&timestamp=1`)
	f.Add("b=2&a=1", "a=1&b=2")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 2048 || len(b) > 2048 {
			return
		}
		ra, rb := diffRuns(a, b)
		checkRuns(t, a, b, ra, rb)
	})
}

func FuzzParseDiff(f *testing.F) {
	f.Add("first difference at byte 0 (sent 1 bytes, signed 1 bytes)\nsent:   a\nsigned: b\n        ^")
	f.Add("sent:\nsigned:")
	f.Add("\n\n\n")
	f.Fuzz(func(t *testing.T, d string) {
		x := &Explanation{Diff: d}
		c := compare(x) // must not panic
		if c != nil {
			_, sent, signed, ok := parseDiff(d)
			if !ok {
				t.Fatal("compare without parsed windows")
			}
			checkRuns(t, sent, signed, c.Sent, c.Signed)
		}
	})
}

package editdist

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 5, 0},
		{"account", "acount", 5, 1},
		{"kitten", "sitting", 10, 3},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 2},
		{"abc", "abcdefgh", 3, 3},
		{"same", "same", 1, 0},
		{"a", "b", 0, 0},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func FuzzDistance(f *testing.F) {
	f.Add("account", "acount", 4)
	f.Add("", "x", 1)
	f.Fuzz(func(t *testing.T, a, b string, limit int) {
		if limit > 1000 || limit < -1000 || len(a) > 300 || len(b) > 300 {
			return
		}
		d := Distance(a, b, limit)
		if d < 0 || (limit > 0 && d > limit) || Distance(b, a, limit) != d {
			t.Fatalf("Distance(%q, %q, %d) = %d", a, b, limit, d)
		}
	})
}

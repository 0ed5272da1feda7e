package secret_test

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/mbxkit/mbx/secret"
)

func TestMaskKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", "vmPU…Eh8A"},
		{"short", "…"},
		{"abcdefghijk", "…"},
		{"abcdefghijkl", "abcd…ijkl"},
		{"ÄÖÜabcdefghẞ", "ÄÖÜa…fghẞ"},               // runes, never half a character
		{"key\xff\x00with-bytes", "key?…ytes"},      // invalid UTF-8 and controls
		{"\x1b[31mredredredred\x07\n", "?[31…ed??"}, // no terminal escapes pass
	}
	for _, tt := range tests {
		got := secret.MaskKey(tt.in)
		if got != tt.want {
			t.Errorf("MaskKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("MaskKey(%q) = %q, not valid UTF-8", tt.in, got)
		}
	}
}

func FuzzMaskKey(f *testing.F) {
	f.Add("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A")
	f.Add("key\xff\x00with-bytes")
	f.Fuzz(func(t *testing.T, k string) {
		got := secret.MaskKey(k)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 9 {
			t.Fatalf("MaskKey(%q) = %q", k, got)
		}
		if utf8.RuneCountInString(k) < 12 && k != "" && got != "…" {
			t.Fatalf("short key %q shown as %q", k, got)
		}
	})
}

func ExampleMaskKey() {
	fmt.Println(secret.MaskKey("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"))
	fmt.Println(secret.MaskKey("short"))
	// Output:
	// vmPU…Eh8A
	// …
}

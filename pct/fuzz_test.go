package pct_test

import (
	"testing"

	"github.com/mbxkit/mbx/pct"
)

// FuzzEscape checks the encoder's two promises for any input: decoding gives
// the input back, and the output holds only unreserved bytes and %XX.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "BTCUSDT", "a b+c", "这是测试币456", "user@example.com", `{"a":[1,2]}`, "\xff\x00%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		esc := pct.Escape(s)
		back, err := pct.Unescape(esc)
		if err != nil {
			t.Fatalf("Unescape(Escape(%q)) error: %v", s, err)
		}
		if back != s {
			t.Fatalf("round trip: %q -> %q -> %q", s, esc, back)
		}
		for i := 0; i < len(esc); i++ {
			c := esc[i]
			if pct.IsUnreserved(c) {
				continue
			}
			if c != '%' || i+2 >= len(esc) || !isUpperHex(esc[i+1]) || !isUpperHex(esc[i+2]) {
				t.Fatalf("Escape(%q) = %q: byte %d (%q) is neither unreserved nor %%XX", s, esc, i, c)
			}
			i += 2
		}
		if len(esc) != pct.EscapedLen(s) {
			t.Fatalf("EscapedLen mismatch for %q", s)
		}
	})
}

// FuzzUnescape: the decoder never panics, and whatever it accepts re-encodes
// to a canonical form that decodes to the same bytes.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"%41", "%e8%bf%99", "%", "%zz", "a+b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec, err := pct.Unescape(s)
		if err != nil {
			return
		}
		again, err := pct.Unescape(pct.Escape(dec))
		if err != nil || again != dec {
			t.Fatalf("canonical round trip failed for %q", s)
		}
	})
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

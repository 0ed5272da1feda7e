package pct_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/pct"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"BTCUSDT", "BTCUSDT"},
		{"A-Z_a.z~09", "A-Z_a.z~09"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"user@example.com", "user%40example.com"},
		{"Bnb*60", "Bnb%2A60"},
		{"1,07", "1%2C07"},
		{`["BTCUSDT","BNBUSDT"]`, "%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D"},
		{`{"accountNumber":"1"}`, "%7B%22accountNumber%22%3A%221%22%7D"},
		{"１２３４５６", "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"},
		{"这是测试币456", "%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456"},
		{"币安人生USDT", "%E5%B8%81%E5%AE%89%E4%BA%BA%E7%94%9FUSDT"},
		{"[STAGE]: Main KS's wallet", "%5BSTAGE%5D%3A%20Main%20KS%27s%20wallet"},
		{"a/b=c&d?e#f%g", "a%2Fb%3Dc%26d%3Fe%23f%25g"},
		{"!'()*", "%21%27%28%29%2A"},
		{"\x00\x7f\xff", "%00%7F%FF"},
	}
	for _, tc := range tests {
		if got := pct.Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := pct.EscapedLen(tc.in); got != len(tc.want) {
			t.Errorf("EscapedLen(%q) = %d, want %d", tc.in, got, len(tc.want))
		}
		back, err := pct.Unescape(tc.want)
		if err != nil || back != tc.in {
			t.Errorf("Unescape(%q) = %q, %v; want %q", tc.want, back, err, tc.in)
		}
	}
}

// The encoder must differ from Go's url.QueryEscape exactly where form
// encoding differs from RFC 3986 (space), and agree with PathEscape nowhere
// it keeps reserved characters.
func TestEscapeDiffersFromFormEncoding(t *testing.T) {
	if got, form := pct.Escape("a b"), url.QueryEscape("a b"); got == form {
		t.Fatalf("space must be %%20, not %q", form)
	}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		esc := pct.Escape(s)
		isUnres := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.~", rune(c))
		if isUnres != (esc == s) || pct.IsUnreserved(byte(c)) != isUnres {
			t.Errorf("byte %#x: Escape=%q, unreserved=%v", c, esc, isUnres)
		}
		if !isUnres && esc != fmt.Sprintf("%%%02X", c) {
			t.Errorf("byte %#x: Escape=%q, want upper-case %%XX", c, esc)
		}
	}
}

func TestUnescapeErrors(t *testing.T) {
	for _, in := range []string{"%", "%4", "%G0", "abc%zz", "%%"} {
		_, err := pct.Unescape(in)
		var se *pct.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Unescape(%q): err = %v, want *SyntaxError", in, err)
		}
	}
	if got, _ := pct.Unescape("a+b%2b%2B"); got != "a+b++" {
		t.Errorf("Unescape keeps '+' literal and accepts both hex cases: got %q", got)
	}
	if got, _ := pct.FormUnescape("a+b%2B"); got != "a b+" {
		t.Errorf("FormUnescape: got %q, want %q", got, "a b+")
	}
}

func TestAppendEscapeNoAllocWithCapacity(t *testing.T) {
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		buf = pct.AppendEscape(buf[:0], "symbol=这是测试币456&email=a@b.c")
	})
	if allocs != 0 {
		t.Fatalf("AppendEscape allocated %.0f times with enough capacity", allocs)
	}
}

func ExampleEscape() {
	fmt.Println(pct.Escape("这是测试币456"))
	fmt.Println(pct.Escape("user+1@example.com"))
	fmt.Println(pct.Escape(`["BTCUSDT","BNBUSDT"]`))
	// Output:
	// %E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456
	// user%2B1%40example.com
	// %5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D
}

func BenchmarkAppendEscape(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = pct.AppendEscape(buf[:0], "BTCUSDT")
		buf = pct.AppendEscape(buf, "x-1700000000000-abcdef")
	}
}

package secret

import (
	"unicode"
	"unicode/utf8"
)

// maskMinRunes is the shortest key MaskKey shows any of: below it, 8 shown
// characters would be most of the key.
const maskMinRunes = 12

// MaskKey shows an API key as its first 4 and last 4 characters around "…";
// a key shorter than 12 characters shows only "…", and "" stays "". The
// characters are counted as runes, so a multi-byte character is never cut,
// and a shown character that is not printable (a control byte, invalid
// UTF-8) is shown as "?", so the result is always safe printable UTF-8.
//
// An API key is not a secret (it travels in a header), but it names an
// account: logs, CLI output and web pages show it masked. This is the one
// rule every package uses.
func MaskKey(k string) string {
	if k == "" {
		return ""
	}
	n := utf8.RuneCountInString(k)
	if n < maskMinRunes {
		return "…"
	}
	r := []rune(k) // invalid bytes become utf8.RuneError, shown as "?"
	out := make([]rune, 0, 9)
	show := func(c rune) {
		if c == utf8.RuneError || !unicode.IsPrint(c) {
			c = '?'
		}
		out = append(out, c)
	}
	for _, c := range r[:4] {
		show(c)
	}
	out = append(out, '…')
	for _, c := range r[n-4:] {
		show(c)
	}
	return string(out)
}

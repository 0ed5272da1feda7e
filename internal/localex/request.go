package localex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/pct"
)

// CheckParams rejects what no exchange accepts: an empty name, a name or
// value that is not UTF-8, a name given twice.
func CheckParams(ps []exchange.Param) error {
	seen := make(map[string]bool, len(ps))
	for i, p := range ps {
		switch {
		case p.Name == "":
			return fmt.Errorf("parameter %d has an empty name; write NAME=VALUE", i+1)
		case !utf8.ValidString(p.Name) || !utf8.ValidString(p.Value):
			return fmt.Errorf("parameter %q is not valid UTF-8; send text", p.Name)
		case seen[p.Name]:
			return fmt.Errorf("parameter %q is given twice; give it once", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// Query is name=value&... in the order given, each part percent-encoded
// with the one RFC 3986 encoder (pct), so that the bytes signed are the
// bytes sent.
func Query(ps []exchange.Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(pct.Escape(p.Name))
		b.WriteByte('=')
		b.WriteString(pct.Escape(p.Value))
	}
	return b.String()
}

// JSONBody is a JSON object of ps in the order given, every value a JSON
// string, serialised once: these bytes are both signed and sent. No params:
// no body.
func JSONBody(ps []exchange.Param) []byte {
	if len(ps) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, p.Name)
		b.WriteByte(':')
		writeJSONString(&b, p.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a valid UTF-8 string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}

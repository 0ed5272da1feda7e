package emulator

import (
	"strings"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
)

// wsPayload is the payload the exchange verifies (package verify's).
func wsPayload(ps []verify.Param) []byte { return verify.WSPayload(ps) }

// appendWSPayload builds the payloads clients sign by mistake, through the
// payload package as a client would: sorted or in the order sent, values
// through enc (nil: raw), without signature and the param named skip.
func appendWSPayload(dst []byte, ps []verify.Param, sorted bool, enc func(string) string, skip string) []byte {
	list := make([]params.Param, 0, len(ps))
	for _, p := range ps {
		if p.Name == "signature" || p.Name == skip {
			continue
		}
		v := p.Value
		if enc != nil {
			v = enc(v)
		}
		list = append(list, params.Param{Name: p.Name, Value: v})
	}
	if sorted {
		payload.SortParams(list)
	}
	return payload.AppendWSPayload(dst, list)
}

// encodeURIComponent is JavaScript's, as the client under test would call
// it: RFC 3986, but ! ' ( ) * stay.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for _, r := range s {
		c := string(r)
		if strings.ContainsAny(c, "!'()*") {
			b.WriteString(c)
			continue
		}
		b.WriteString(pct.Escape(c))
	}
	return b.String()
}

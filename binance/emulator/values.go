package emulator

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
)

// Binance's legal ranges, quoted in -1100 answers.
const (
	decimalRange     = `^([0-9]{1,20})(\.[0-9]{1,20})?$`
	integerRange     = `^[0-9]{1,20}$`
	spotClientIDRng  = `^[a-zA-Z0-9-_]{1,36}$`
	futClientIDRange = `^[\.A-Z\:/a-z0-9_-]{1,36}$`
	enumRange        = `^[a-zA-Z_]{1,20}$`
	emailRange       = `^[^\s@]{1,64}@[^\s@]{1,255}$`
	freeTextRange    = `^[^\x00-\x1F]{1,200}$`
)

// getter reads a parameter of a request or of one batchOrders item.
type getter func(name string) (string, bool)

func isDecimalText(v string) bool {
	ip, fp, hasFrac := strings.Cut(v, ".")
	if len(ip) < 1 || len(ip) > 20 || !allDigits(ip) {
		return false
	}
	return !hasFrac || (len(fp) >= 1 && len(fp) <= 20 && allDigits(fp))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isIntText(v string) bool { return len(v) >= 1 && len(v) <= 20 && allDigits(v) }

func isEnumText(v string) bool {
	if len(v) < 1 || len(v) > 20 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

func validClientID(v string, futures bool) bool {
	if len(v) < 1 || len(v) > 36 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if futures && (c == '.' || c == ':' || c == '/') {
			ok = true
		}
		if !ok {
			return false
		}
	}
	return true
}

func validFreeText(v string) bool {
	if len(v) == 0 || len(v) > 200 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			return false
		}
	}
	return true
}

func validEmail(v string) bool {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || len(local) > 64 || len(domain) > 255 || strings.Contains(domain, "@") {
		return false
	}
	return !strings.ContainsAny(v, " \t\r\n")
}

// decimalParam parses an optional decimal parameter.
func decimalParam(get getter, name string) (decimal.Decimal, bool, *verify.Rejection) {
	v, ok := get(name)
	if !ok {
		return decimal.Zero, false, nil
	}
	if !isDecimalText(v) {
		return decimal.Zero, true, illegal(name, decimalRange)
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Zero, true, illegal(name, decimalRange)
	}
	return d, true, nil
}

// intParam parses an optional non-negative integer parameter.
func intParam(get getter, name string) (int64, bool, *verify.Rejection) {
	v, ok := get(name)
	if !ok {
		return 0, false, nil
	}
	if !isIntText(v) {
		return 0, true, illegal(name, integerRange)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, true, illegal(name, integerRange)
	}
	return n, true, nil
}

// significantDecimals counts the decimals of a validated decimal text,
// trailing zeros excluded: "0.0100" -> 2.
func significantDecimals(v string) int32 {
	_, frac, ok := strings.Cut(v, ".")
	if !ok {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

// symbolParam reads and resolves a symbol: -1100 for a malformed name,
// -1121 for one the exchange does not list.
func (s *Server) symbolParam(get getter, name string) (*symbol, *verify.Rejection) {
	v, ok := get(name)
	if !ok || v == "" {
		return nil, mandatory(name)
	}
	if why := symbolSyntax(v); why != "" {
		return nil, rejection(http.StatusBadRequest, codes.IllegalChars,
			fmt.Sprintf(codes.MsgIllegalCharsFmt, name, symbolLegalRange), "symbol "+strconv.Quote(v)+": "+why)
	}
	sy := s.comp.bySym[v]
	if sy == nil {
		return nil, rejection(http.StatusBadRequest, codes.BadSymbol, codes.MsgInvalidSymbol,
			fmt.Sprintf("symbol %q is not listed on this exchange (see exchangeInfo)", v))
	}
	return sy, nil
}

// symbolsParam parses the JSON array of the symbols parameter, e.g.
// ["BTCUSDT","BNBUSDT"], exactly as Binance's legal range has it: no
// spaces, no escapes.
func (s *Server) symbolsParam(v string) ([]*symbol, *verify.Rejection) {
	bad := func(why string) ([]*symbol, *verify.Rejection) {
		return nil, rejection(http.StatusBadRequest, codes.IllegalChars,
			fmt.Sprintf(codes.MsgIllegalCharsFmt, "symbols", symbolsLegalRange), "symbols: "+why,
			`send a compact JSON array: symbols=["BTCUSDT","BNBUSDT"], percent-encoded; repeated symbols[]= parameters are rejected`)
	}
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return bad("not a JSON array")
	}
	if strings.ContainsAny(v, " \t\r\n\\") {
		return bad("spaces and backslash escapes are not allowed")
	}
	var names []string
	if err := json.Unmarshal([]byte(v), &names); err != nil {
		return bad("not a JSON array of strings")
	}
	out := make([]*symbol, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if why := symbolSyntax(n); why != "" {
			return bad(strconv.Quote(n) + ": " + why)
		}
		sy := s.comp.bySym[n]
		if sy == nil {
			return nil, rejection(http.StatusBadRequest, codes.BadSymbol, codes.MsgInvalidSymbol,
				fmt.Sprintf("symbol %q is not listed on this exchange (see exchangeInfo)", n))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, sy)
		}
	}
	return out, nil
}

// newClientID makes a client order id like Binance's: 22 letters and digits.
func newClientID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [22]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// f8 renders a decimal the way spot does: 8 decimals.
func f8(d decimal.Decimal) string { return d.StringFixed(assetPrecision) }

// hasRawParam reports whether the raw query (or form body) carries a
// parameter name, without parsing: weights depend on it before the
// request is verified.
func hasRawParam(raw, name string) bool {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, _, _ := strings.Cut(pair, "=")
		if k == name {
			return true
		}
	}
	return false
}

func (q *reqCtx) rawHas(name string) bool {
	return hasRawParam(q.rawQuery, name) || (!isJSON(q.ct) && hasRawParam(string(q.body), name))
}

func (q *reqCtx) rawValue(name string) string {
	for _, raw := range []string{q.rawQuery, string(q.body)} {
		for raw != "" {
			var pair string
			pair, raw, _ = strings.Cut(raw, "&")
			if k, v, _ := strings.Cut(pair, "="); k == name {
				return v
			}
		}
	}
	return ""
}

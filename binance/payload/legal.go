package payload

import (
	"errors"
	"fmt"
)

// ErrIllegalValue means a value is outside the legal range Binance enforces
// for that parameter (Binance answers -1100 or -1111 after a full round trip).
var ErrIllegalValue = errors.New("illegal value")

// LegalRange is a parameter's legal range, as Binance states it in -1100
// messages, with a check that needs no regexp on the signing path.
type LegalRange struct {
	Pattern string // as Binance prints it
	Check   func(string) bool
}

// rangeOf returns the value format Binance documents for well-known
// parameters. Checking them before sending turns a -1100 round trip (and its
// request weight) into a local error that says what to fix. A switch, not a
// map: it runs for every parameter on the signing path, and the compiler
// turns it into a few length and byte comparisons.
func rangeOf(name string) *LegalRange {
	switch name {
	case "newClientOrderId", "origClientOrderId", "listClientOrderId", "cancelNewClientOrderId":
		return &clientIDRange
	case "orderId", "origOrderId", "fromId", "orderListId", "startTime", "endTime":
		return &idRange
	case "quantity", "price", "stopPrice", "quoteOrderQty", "icebergQty", "activationPrice":
		return &decimalRange
	case "isIsolated":
		return &boolUpperRange
	}
	return nil
}

var (
	boolUpperRange = LegalRange{Pattern: "TRUE, FALSE", Check: func(s string) bool { return s == "TRUE" || s == "FALSE" }}
	clientIDRange  = LegalRange{Pattern: "^[a-zA-Z0-9-_]{1,36}$", Check: func(s string) bool {
		if len(s) < 1 || len(s) > 36 {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
		return true
	}}
	idRange = LegalRange{Pattern: "^[0-9]{1,20}$", Check: func(s string) bool {
		return len(s) >= 1 && len(s) <= 20 && allDigits(s)
	}}
	decimalRange = LegalRange{Pattern: "^([0-9]{1,20})(\\.[0-9]{1,20})?$", Check: func(s string) bool {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i < 1 || i > 20 {
			return false
		}
		if i == len(s) {
			return true
		}
		frac := s[i+1:]
		return s[i] == '.' && len(frac) >= 1 && len(frac) <= 20 && allDigits(frac)
	}}
)

// Legal returns the legal range mbx knows for a parameter.
func Legal(name string) (LegalRange, bool) {
	if r := rangeOf(name); r != nil {
		return *r, true
	}
	return LegalRange{}, false
}

// ValidateParam checks value against the legal range of name, if mbx knows one.
func ValidateParam(name, value string) error {
	r := rangeOf(name)
	if r == nil || r.Check(value) {
		return nil
	}
	hint := ""
	switch r.Pattern {
	case decimalRange.Pattern:
		hint = " (plain digits with '.' as the decimal point: no exponent like 1e-05, no ',' decimal comma, no sign)"
	case clientIDRange.Pattern:
		hint = " (letters, digits, '-' and '_' only, at most 36)"
	}
	return fmt.Errorf("%w: parameter %q = %q is outside Binance's legal range %s%s", ErrIllegalValue, name, value, r.Pattern, hint)
}

package verify

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value formats clients produce by mistake. Each returns the value as the
// client would have formatted it, and false when it would not change.

// isPlainDecimal is a number written without an exponent: 0.00001, -12, 3.5.
func isPlainDecimal(v string) bool {
	if v == "" || len(v) > 40 {
		return false
	}
	digits, dot := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == '-' && i == 0:
		default:
			return false
		}
	}
	return digits > 0
}

// plainOutside reads a plain decimal whose magnitude is below lo or at
// least hi: the numbers a float formatter writes with an exponent.
func plainOutside(v string, lo, hi float64) (float64, bool) {
	if !isPlainDecimal(v) {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f == 0 {
		return 0, false
	}
	a := math.Abs(f)
	return f, a < lo || a >= hi
}

// exponentPython is Python's repr (and Go's %v) of a float: an exponent
// below 1e-4 and from 1e16 up, e.g. 0.00001 → 1e-05.
func exponentPython(v string) (string, bool) {
	f, ok := plainOutside(v, 1e-4, 1e16)
	if !ok {
		return v, false
	}
	return strconv.FormatFloat(f, 'e', -1, 64), true
}

// exponentJS is JavaScript's String(number): an exponent below 1e-6 and
// from 1e21 up, without a leading zero in the exponent (1e-7).
func exponentJS(v string) (string, bool) {
	f, ok := plainOutside(v, 1e-6, 1e21)
	if !ok {
		return v, false
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[:1]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + exp, true
}

// decimalOf writes an exponent value out in full: 1e-05 → 0.00001.
func decimalOf(v string) (string, bool) {
	if !strings.ContainsAny(v, "eE") || len(v) > 40 {
		return v, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v, false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// float32Of is the value after a round trip through a 32-bit float, as a
// client storing prices in float32 formats it: 0.1 → 0.10000000149011612.
func float32Of(v string) (string, bool) {
	if !isPlainDecimal(v) || !strings.Contains(v, ".") {
		return v, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v, false
	}
	s := strconv.FormatFloat(float64(float32(f)), 'f', -1, 64)
	return s, s != v && s != strings.TrimRight(strings.TrimRight(v, "0"), ".")
}

// pythonBool is str(True) in Python: True and False, capitalised.
func pythonBool(v string) (string, bool) {
	switch v {
	case "true":
		return "True", true
	case "false":
		return "False", true
	}
	return v, false
}

// lowerBool is the reverse: the value sent as True, signed as true.
func lowerBool(v string) (string, bool) {
	switch v {
	case "True", "TRUE":
		return "true", true
	case "False", "FALSE":
		return "false", true
	}
	return v, false
}

func isJSONValue(v string) bool {
	return len(v) >= 2 && (v[0] == '[' || v[0] == '{') && len(v) <= maxSearchBytes && json.Valid([]byte(v))
}

// jsonSpaced is Python's json.dumps default: ", " and ": " between tokens.
func jsonSpaced(v string) (string, bool) { return jsonRespace(v, true) }

// jsonCompact is JSON with no space outside strings (the value was sent
// with spaces, signed compact).
func jsonCompact(v string) (string, bool) { return jsonRespace(v, false) }

func jsonRespace(v string, spaced bool) (string, bool) {
	if !isJSONValue(v) {
		return v, false
	}
	out := make([]byte, 0, len(v)+len(v)/4)
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if in {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(v) {
					i++
					out = append(out, v[i])
				}
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			in = true
		}
		out = append(out, c)
		if spaced && (c == ',' || c == ':') {
			out = append(out, ' ')
		}
	}
	s := string(out)
	return s, s != v
}

// jsonSortedKeys re-serialises compactly with object keys sorted (Python's
// sort_keys=True, Go's encoding of a map).
func jsonSortedKeys(v string) (string, bool) {
	if !isJSONValue(v) || !strings.Contains(v, "{") {
		return v, false
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return v, false
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return v, false
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if c, _ := jsonCompact(v); s == c {
		return v, false
	}
	return s, s != v
}

// jsonASCII writes every non-ASCII character as \uXXXX (Python's
// ensure_ascii=True default), surrogate pairs beyond U+FFFF.
func jsonASCII(v string) (string, bool) {
	if !isJSONValue(v) {
		return v, false
	}
	ascii := true
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return v, false
	}
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, len(v)*2)
	u := func(r rune) {
		out = append(out, '\\', 'u', hexd[r>>12&15], hexd[r>>8&15], hexd[r>>4&15], hexd[r&15])
	}
	for _, r := range v {
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xFFFF:
			r -= 0x10000
			u(0xD800 + (r>>10)&0x3FF)
			u(0xDC00 + r&0x3FF)
		default:
			u(r)
		}
	}
	return string(out), true
}

// jsonPython is json.dumps with its defaults: spaces and \u escapes.
func jsonPython(v string) (string, bool) {
	a, ok := jsonASCII(v)
	if !ok {
		return v, false
	}
	s, _ := jsonSpaced(a)
	return s, s != a
}

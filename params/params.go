// Package params is the ordered parameter list and the one right way to turn
// a Go value into the text an exchange expects.
//
// Order matters because a REST signature covers the bytes as sent: the list
// keeps the caller's order and never sorts. Formatting matters because the
// usual Go conversions produce text exchanges reject or misread: float
// exponents ("1e-05"), float32 rounding (167795936 becomes "1.6779594e+08"),
// Go's "%v" of a slice ("[a b]"). Each value type has exactly one rendering
// here; anything ambiguous is refused with an error naming the parameter.
package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Sentinel errors, matched with errors.Is on a *Error.
var (
	ErrDuplicate   = errors.New("duplicate parameter")
	ErrEmpty       = errors.New("empty value")
	ErrNil         = errors.New("nil value")
	ErrUnsupported = errors.New("unsupported value type")
	ErrBadNumber   = errors.New("not a finite number")
	ErrBadName     = errors.New("bad parameter name")
)

// Error names the parameter that could not be added and says how to fix it.
type Error struct {
	Name string // the parameter
	Err  error  // one of the sentinels above
	Fix  string // what to do instead
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("parameter %q: %v", e.Name, e.Err)
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Param is one name/value pair, the value already formatted.
type Param struct {
	Name  string
	Value string
}

// List is an ordered parameter list. The zero List is ready to use. Adding
// records the first error and ignores later additions, so a chain of Adds is
// checked once with Err, like bufio.Writer.
type List struct {
	ps  []Param
	err error
	// seen is a 64-bit Bloom filter of the names, so the duplicate check
	// usually costs one AND instead of a scan of every earlier name.
	seen uint64
}

func nameBit(name string) uint64 {
	return 1 << ((uint(len(name))*7 + uint(name[0])*3 + uint(name[len(name)-1])) & 63)
}

// Of builds a List from name/value pairs: Of("symbol", "BTCUSDT", "quantity", 1).
func Of(kv ...any) (List, error) {
	var l List
	if len(kv)%2 != 0 {
		return l, &Error{Name: fmt.Sprint(kv[len(kv)-1]), Err: ErrUnsupported, Fix: "give names and values in pairs"}
	}
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return l, &Error{Name: fmt.Sprint(kv[i]), Err: ErrBadName, Fix: "a parameter name must be a string"}
		}
		l.Add(name, kv[i+1])
	}
	return l, l.err
}

// Err is the first error met while adding, or nil.
func (l *List) Err() error { return l.err }

// Len is the number of parameters.
func (l *List) Len() int { return len(l.ps) }

// All returns the parameters in order. The slice is the List's own: do not modify it.
func (l *List) All() []Param { return l.ps }

// Grow makes room for n more parameters, so that adding them allocates once.
func (l *List) Grow(n int) {
	if n > 0 && cap(l.ps)-len(l.ps) < n {
		ps := make([]Param, len(l.ps), len(l.ps)+n)
		copy(ps, l.ps)
		l.ps = ps
	}
}

// Reset empties the list and clears its error, keeping its memory for reuse.
func (l *List) Reset() {
	l.ps = l.ps[:0]
	l.err = nil
	l.seen = 0
}

// Get returns the value of name and whether it is present.
func (l *List) Get(name string) (string, bool) {
	if name == "" || l.seen&nameBit(name) == 0 {
		return "", false
	}
	for i := range l.ps {
		if l.ps[i].Name == name {
			return l.ps[i].Value, true
		}
	}
	return "", false
}

// Has reports whether name is present.
func (l *List) Has(name string) bool {
	_, ok := l.Get(name)
	return ok
}

// Delete removes name, keeping the order of the rest; it reports whether it was there.
func (l *List) Delete(name string) bool {
	for i := range l.ps {
		if l.ps[i].Name == name {
			l.ps = append(l.ps[:i], l.ps[i+1:]...)
			l.seen = 0
			for _, p := range l.ps {
				l.seen |= nameBit(p.Name)
			}
			return true
		}
	}
	return false
}

func (l *List) fail(name string, err error, fix string) *List {
	if l.err == nil {
		l.err = &Error{Name: name, Err: err, Fix: fix}
	}
	return l
}

// AddString appends a string value as it is. Empty values are refused:
// Binance answers an empty parameter with -1022 or -1105, never with a
// helpful message.
func (l *List) AddString(name, value string) *List {
	if l.err != nil {
		return l
	}
	if name == "" {
		return l.fail(name, ErrBadName, "a parameter needs a name")
	}
	if value == "" {
		return l.fail(name, ErrEmpty, "omit the parameter instead of sending it empty")
	}
	bit := nameBit(name)
	if l.seen&bit != 0 {
		for i := range l.ps {
			if l.ps[i].Name == name {
				return l.fail(name, ErrDuplicate, "send each parameter once (lists go in one parameter as a JSON array)")
			}
		}
	}
	l.seen |= bit
	l.ps = append(l.ps, Param{Name: name, Value: value})
	return l
}

// AddInt appends an integer.
func (l *List) AddInt(name string, v int64) *List {
	if l.err != nil {
		return l
	}
	var buf [20]byte
	return l.AddString(name, string(strconv.AppendInt(buf[:0], v, 10)))
}

// AddBool appends true or false.
func (l *List) AddBool(name string, v bool) *List {
	return l.AddString(name, strconv.FormatBool(v))
}

// AddDecimal appends a decimal in plain digits.
func (l *List) AddDecimal(name string, d decimal.Decimal) *List {
	if l.err != nil {
		return l
	}
	var buf [48]byte
	if b, ok := AppendDecimal(buf[:0], d); ok {
		return l.AddString(name, string(b))
	}
	return l.AddString(name, d.String())
}

// AppendDecimal appends d as decimal.Decimal.String writes it (plain
// digits, trailing fractional zeros dropped) without allocating, for
// coefficients of up to 18 digits; ok is false otherwise (use d.String()).
func AppendDecimal(dst []byte, d decimal.Decimal) ([]byte, bool) {
	if !decimal.TrimTrailingZeros || decimal.UseScientificNotation || d.NumDigits() > 18 {
		return dst, false
	}
	coef, exp := d.CoefficientInt64(), int(d.Exponent())
	if exp > 0 {
		if coef == 0 {
			return append(dst, '0'), true
		}
		if exp > 18 {
			return dst, false
		}
		dst = strconv.AppendInt(dst, coef, 10)
		for range exp {
			dst = append(dst, '0')
		}
		return dst, true
	}
	if coef < 0 {
		dst = append(dst, '-')
		coef = -coef
	}
	var digits [20]byte
	ds := strconv.AppendUint(digits[:0], uint64(coef), 10)
	frac := -exp
	intLen := len(ds) - frac
	if intLen > 0 {
		dst = append(dst, ds[:intLen]...)
		ds = ds[intLen:]
	} else {
		dst = append(dst, '0')
	}
	// ds is now the fraction without its leading zeros (-intLen of them).
	end := len(ds)
	for end > 0 && ds[end-1] == '0' {
		end--
	}
	if end == 0 {
		return dst, true
	}
	dst = append(dst, '.')
	for i := intLen; i < 0; i++ {
		dst = append(dst, '0')
	}
	return append(dst, ds[:end]...), true
}

// Add formats v with Format and appends it.
func (l *List) Add(name string, v any) *List {
	if l.err != nil {
		return l
	}
	s, err := Format(v)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Name = name
			return l.fail(name, pe.Err, pe.Fix)
		}
		return l.fail(name, err, "")
	}
	return l.AddString(name, s)
}

// Format renders v the one way mbx sends it:
//   - string: as it is;
//   - bool: true or false;
//   - signed and unsigned integers: decimal digits;
//   - float64: the shortest decimal that reads back as the same float64, in
//     plain digits, never an exponent (0.00001, not 1e-05);
//   - decimal.Decimal, *big.Int, *big.Rat (exact), json.Number: plain digits;
//   - time.Time: Unix milliseconds (Binance's unit for times);
//   - slices, arrays, maps and structs: compact JSON (["BTCUSDT","BNBUSDT"]),
//     with no HTML escaping.
//
// float32 is refused: converting it loses digits (167795936 would go out as
// 167795940); pass a float64, a string or a decimal. NaN and infinities are
// refused. A nil value is refused: omit the parameter instead.
func Format(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", &Error{Err: ErrNil, Fix: "omit the parameter instead of sending nil"}
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.FormatInt(int64(x), 10), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return FormatFloat(x)
	case float32:
		return "", &Error{Err: ErrUnsupported, Fix: "float32 loses digits (167795936 becomes 167795940); pass a float64, a string or a decimal.Decimal"}
	case decimal.Decimal:
		return x.String(), nil
	case *decimal.Decimal:
		if x == nil {
			return "", &Error{Err: ErrNil, Fix: "omit the parameter instead of sending nil"}
		}
		return x.String(), nil
	case json.Number:
		d, err := decimal.NewFromString(string(x))
		if err != nil {
			return "", &Error{Err: ErrBadNumber, Fix: "json.Number " + strconv.Quote(string(x)) + " is not a number"}
		}
		return d.String(), nil
	case *big.Int:
		if x == nil {
			return "", &Error{Err: ErrNil, Fix: "omit the parameter instead of sending nil"}
		}
		return x.String(), nil
	case *big.Rat:
		if x == nil {
			return "", &Error{Err: ErrNil, Fix: "omit the parameter instead of sending nil"}
		}
		return formatRat(x)
	case time.Time:
		if x.IsZero() {
			return "", &Error{Err: ErrEmpty, Fix: "a zero time.Time is almost certainly a bug; omit the parameter"}
		}
		return strconv.FormatInt(x.UnixMilli(), 10), nil
	case json.RawMessage:
		return compactJSON(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return "", &Error{Err: ErrNil, Fix: "omit the parameter instead of sending nil"}
		}
		return Format(rv.Elem().Interface())
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return "", &Error{Err: ErrNil, Fix: "omit the parameter instead of sending nil"}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", &Error{Err: ErrUnsupported, Fix: "value does not encode as JSON: " + err.Error()}
		}
		return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), nil
	case reflect.Float64:
		return FormatFloat(rv.Float())
	}
	return "", &Error{Err: ErrUnsupported, Fix: fmt.Sprintf("cannot send a %T; pass a string, number, bool, decimal.Decimal or a JSON-encodable slice/map/struct", v)}
}

// FormatFloat renders f as the shortest plain decimal that reads back as f.
func FormatFloat(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", &Error{Err: ErrBadNumber, Fix: "NaN and infinity cannot be sent; check the computation that produced it"}
	}
	if f == 0 {
		return "0", nil // also folds -0
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

func formatRat(r *big.Rat) (string, error) {
	if r.IsInt() {
		return r.Num().String(), nil
	}
	// A rational has a finite decimal form only when the reduced denominator
	// has no prime factors but 2 and 5; anything else would be rounded.
	d := new(big.Int).Set(r.Denom())
	twos, fives := 0, 0
	two, five, m := big.NewInt(2), big.NewInt(5), new(big.Int)
	for m.Mod(d, two).Sign() == 0 {
		d.Quo(d, two)
		twos++
	}
	for m.Mod(d, five).Sign() == 0 {
		d.Quo(d, five)
		fives++
	}
	digits := max(twos, fives)
	if d.Cmp(big.NewInt(1)) != 0 {
		return "", &Error{Err: ErrBadNumber, Fix: "the fraction " + r.String() + " has no exact decimal form; round it first"}
	}
	return r.FloatString(digits), nil
}

func compactJSON(raw []byte) (string, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", &Error{Err: ErrUnsupported, Fix: "json.RawMessage is not valid JSON: " + err.Error()}
	}
	return buf.String(), nil
}

package params_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/params"
	"github.com/shopspring/decimal"
)

type side string

// Failure class 5 (FMT): every value type has one rendering, and the
// renderings that broke real clients are impossible.
func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"tiny float is not an exponent (5.1)", 0.00003, "0.00003"},
		{"3e-06 (5.2)", 3e-06, "0.000003"},
		{"float repr (5.3)", 0.000096, "0.000096"},
		{"1.7e-07 (5.4)", 1.7e-07, "0.00000017"},
		{"0.00001", 0.00001, "0.00001"},
		{"float64 keeps integers exact", float64(167795936), "167795936"},
		{"no binary noise (5.13)", 0.015, "0.015"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"large", 12345678901234.5, "12345678901234.5"},
		{"int", 5000, "5000"},
		{"int64 ms", int64(1499827319559), "1499827319559"},
		{"uint8", uint8(7), "7"},
		{"bool is lower-case (5.18)", true, "true"},
		{"decimal", decimal.RequireFromString("0.00000500"), "0.000005"},
		{"decimal pointer", ptr(decimal.RequireFromString("67012.34")), "67012.34"},
		{"big rat exact", big.NewRat(1, 8), "0.125"},
		{"big rat tenth", big.NewRat(1, 10), "0.1"},
		{"big int", big.NewInt(1 << 62), "4611686018427387904"},
		{"json number", json.Number("1e-5"), "0.00001"},
		{"time is unix ms", time.UnixMilli(1499827319559), "1499827319559"},
		{"string raw", "这是测试币456", "这是测试币456"},
		{"named string", side("BUY"), "BUY"},
		{"array is compact JSON (4.1)", []string{"BTCUSDT", "BNBUSDT"}, `["BTCUSDT","BNBUSDT"]`},
		{"object is compact JSON", map[string]string{"accountNumber": "1"}, `{"accountNumber":"1"}`},
		{"struct JSON no HTML escape", struct {
			Symbol string `json:"symbol"`
			Note   string `json:"note"`
		}{"BTCUSDT", "<a&b>"}, `{"symbol":"BTCUSDT","note":"<a&b>"}`},
		{"raw JSON compacted", json.RawMessage(`{ "a" : [1, 2] }`), `{"a":[1,2]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := params.Format(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Format(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestFormatRefuses(t *testing.T) {
	var nilSlice []string
	var nilDec *decimal.Decimal
	tests := []struct {
		name string
		in   any
		err  error
		fix  string
	}{
		{"float32 rounds (167795936 -> 167795940)", float32(167795936), params.ErrUnsupported, "float32"},
		{"NaN (5.16)", math.NaN(), params.ErrBadNumber, "NaN"},
		{"Inf", math.Inf(1), params.ErrBadNumber, "infinity"},
		{"nil (5.19)", nil, params.ErrNil, "omit"},
		{"nil slice", nilSlice, params.ErrNil, "omit"},
		{"nil decimal pointer", nilDec, params.ErrNil, "omit"},
		{"third is not decimal", big.NewRat(1, 3), params.ErrBadNumber, "no exact decimal"},
		{"channel", make(chan int), params.ErrUnsupported, "chan"},
		{"zero time", time.Time{}, params.ErrEmpty, "zero"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l params.List
			l.Add("quantity", tc.in)
			err := l.Err()
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var pe *params.Error
			if !errors.As(err, &pe) || pe.Name != "quantity" {
				t.Fatalf("error does not name the parameter: %v", err)
			}
			if !strings.Contains(err.Error(), tc.fix) || !strings.Contains(err.Error(), `"quantity"`) {
				t.Fatalf("error %q lacks the fix %q or the name", err, tc.fix)
			}
		})
	}
}

func TestListKeepsOrderAndRefusesDuplicatesAndEmpty(t *testing.T) {
	var l params.List
	l.Add("symbol", "BTCUSDT").Add("side", "BUY").AddInt("recvWindow", 5000).AddBool("test", false)
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range l.All() {
		names = append(names, p.Name+"="+p.Value)
	}
	if got := strings.Join(names, "&"); got != "symbol=BTCUSDT&side=BUY&recvWindow=5000&test=false" {
		t.Fatalf("order not kept: %s", got)
	}
	l.Add("symbol", "ETHUSDT")
	if !errors.Is(l.Err(), params.ErrDuplicate) || !strings.Contains(l.Err().Error(), `"symbol"`) {
		t.Fatalf("duplicate not refused: %v", l.Err())
	}
	l.Add("later", "x") // ignored after the first error
	if l.Has("later") {
		t.Fatal("add after error must be ignored")
	}
	l.Reset()
	l.AddString("orderId", "")
	if !errors.Is(l.Err(), params.ErrEmpty) {
		t.Fatalf("empty value not refused (FAQ: orderId=&timestamp= gives -1022): %v", l.Err())
	}
	l.Reset()
	l.AddString("", "x")
	if !errors.Is(l.Err(), params.ErrBadName) {
		t.Fatalf("empty name: %v", l.Err())
	}
	l.Reset()
	l.Add("a", 1).Add("b", 2)
	if !l.Delete("a") || l.Delete("zz") || l.Len() != 1 {
		t.Fatal("Delete wrong")
	}
	if _, err := params.Of("a", 1, "b"); err == nil {
		t.Fatal("odd Of accepted")
	}
	if l2, err := params.Of("symbols", []string{"A", "B"}, "limit", 5); err != nil || l2.Len() != 2 {
		t.Fatal(err)
	}
}

func ExampleList() {
	var l params.List
	l.Add("symbol", "BTCUSDT").Add("quantity", 0.00001).Add("symbols", []string{"BTCUSDT", "BNBUSDT"})
	if err := l.Err(); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range l.All() {
		fmt.Println(p.Name, p.Value)
	}
	l.Add("price", float32(0.1))
	fmt.Println(l.Err())
	// Output:
	// symbol BTCUSDT
	// quantity 0.00001
	// symbols ["BTCUSDT","BNBUSDT"]
	// parameter "price": unsupported value type; float32 loses digits (167795936 becomes 167795940); pass a float64, a string or a decimal.Decimal
}

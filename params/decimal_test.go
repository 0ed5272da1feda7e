package params

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestAppendDecimalMatchesString(t *testing.T) {
	for _, s := range []string{"0", "0.0", "0.00000000", "1", "-1", "10", "1e3", "-2.5e2", "0.0015", "67012.34", "67012.34000000",
		"-0.00001", "123456789012345678", "0.000000000000000001", "99999999999999999.9", "1.10", "-100.000", "5e-20", "-0.5"} {
		d := decimal.RequireFromString(s)
		got, ok := AppendDecimal(nil, d)
		if !ok {
			t.Errorf("%s: not formatted", s)
			continue
		}
		if string(got) != d.String() {
			t.Errorf("%s: AppendDecimal %q, String %q", s, got, d.String())
		}
	}
	if _, ok := AppendDecimal(nil, decimal.RequireFromString("1234567890123456789012")); ok {
		t.Error("22 digits formatted by the short path")
	}
}

func FuzzAppendDecimal(f *testing.F) {
	for _, s := range []string{"0.0015", "-67012.34000000", "1e5", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := decimal.NewFromString(s)
		if err != nil || d.Exponent() < -1000 || d.Exponent() > 1000 {
			return
		}
		if got, ok := AppendDecimal(nil, d); ok && string(got) != d.String() {
			t.Fatalf("%q: AppendDecimal %q, String %q", s, got, d.String())
		}
	})
}

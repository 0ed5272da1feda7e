package binance_test

import (
	"fmt"
	"testing"

	"github.com/mbxkit/mbx/binance"
)

// Binance's documented limits per family, as the governor gets them.
func TestDefaultLimits(t *testing.T) {
	want := map[string]string{
		"api":  "[REQUEST_WEIGHT 6000/1m RAW_REQUESTS 300000/5m ORDERS 50/10s ORDERS 160000/1d]",
		"sapi": "[SAPI_IP 12000/1m SAPI_UID 180000/1m]",
		"fapi": "[REQUEST_WEIGHT 2400/1m ORDERS 300/10s ORDERS 1200/1m]",
		"papi": "[REQUEST_WEIGHT 6000/1m ORDERS 1200/1m]",
	}
	for _, fam := range binance.Families() {
		f := string(fam)
		ls := binance.DefaultLimits(f)
		if len(ls) == 0 {
			t.Errorf("no default limits for %s", f)
		}
		for _, l := range ls {
			if l.Max <= 0 || l.Interval <= 0 || l.Kind == "" {
				t.Errorf("%s: invalid limit %+v", f, l)
			}
		}
		if w, ok := want[f]; ok && fmt.Sprint(ls) != w {
			t.Errorf("binance.DefaultLimits(%q) = %v; want %s", f, ls, w)
		}
	}
	if binance.DefaultLimits("xapi") != nil {
		t.Errorf("unknown family has limits")
	}
	// A fresh slice each time: callers may modify it.
	a := binance.DefaultLimits("api")
	a[0].Max = 1
	if binance.DefaultLimits("api")[0].Max != 6000 {
		t.Errorf("DefaultLimits shares its slice")
	}
}

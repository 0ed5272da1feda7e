package catalog

import (
	"net/url"
	"slices"
	"testing"
)

// FuzzClosest: any path gets either "" or a catalogued path, never a panic.
func FuzzClosest(f *testing.F) {
	for _, s := range []string{"/api/v3/acount", "", "/", "/sapi/v1/capital/config/getAll", "/fapi/v1/\xff\xfe", "/api/v3/order/test/extra"} {
		f.Add(s)
	}
	tab := Default()
	f.Fuzz(func(t *testing.T, path string) {
		c := tab.Closest(path)
		if c != "" && !slices.Contains(tab.Paths(), c) {
			t.Fatalf("Closest(%q) = %q, not a catalogued path", path, c)
		}
	})
}

// FuzzWeight: any query prices every endpoint at one of its documented
// weights.
func FuzzWeight(f *testing.F) {
	for _, s := range []string{"limit=5000", "limit=-1", "symbol=BTCUSDT&orderId=1", "computeCommissionRates=true", "limit=99999999999999999999"} {
		f.Add(s)
	}
	tab := Default()
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, e := range tab.All() {
			got := e.Weight.OfValues(q)
			ok := got == e.Weight.Base
			for _, c := range e.Weight.If {
				ok = ok || got == c.Weight
			}
			for _, tr := range e.Weight.Tiers {
				ok = ok || got == tr.Weight
			}
			if !ok {
				t.Fatalf("%s?%s weighs %d, not one of its weights", e.Key(), raw, got)
			}
		}
	})
}

package market_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
)

// FuzzTake checks, for any spec, price and order, that the book is ordered
// and positive and that a taker order never fills more than it asks for or
// beyond its limit price.
func FuzzTake(f *testing.F) {
	f.Add("0.01", "0.00001", "60000", "0.5", "0", "0", true, int64(0))
	f.Add("0.000001", "0.001", "0.0015", "3", "0", "0.0014", false, int64(1e9))
	f.Add("1", "1", "1", "0", "100", "0", true, int64(-5))
	f.Fuzz(func(t *testing.T, tick, step, price, qty, quote, limit string, buy bool, sec int64) {
		dec := func(s string) (decimal.Decimal, bool) {
			v, err := decimal.NewFromString(s)
			if err != nil || v.IsNegative() || v.Exponent() < -12 || v.Exponent() > 12 || v.GreaterThan(decimal.New(1, 12)) {
				return v, false
			}
			return v, true
		}
		tk, ok1 := dec(tick)
		st, ok2 := dec(step)
		p, ok3 := dec(price)
		q, ok4 := dec(qty)
		qq, ok5 := dec(quote)
		l, ok6 := dec(limit)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !p.IsPositive() || !tk.IsPositive() || tk.LessThan(decimal.New(1, -8)) || st.LessThan(decimal.New(1, -8)) {
			return
		}
		m, err := market.New(market.Spec{Symbol: "F", Tick: tk, Step: st})
		if err != nil {
			return
		}
		now := time.Unix(sec%(1<<40), 0)
		b := m.BookAt(p, now, 50)
		for i := 1; i < len(b.Asks); i++ {
			if !b.Asks[i].Price.GreaterThan(b.Asks[i-1].Price) || !b.Asks[i].Qty.IsPositive() {
				t.Fatalf("ask %d: %+v after %+v", i, b.Asks[i], b.Asks[i-1])
			}
		}
		for _, bid := range b.Bids {
			if !bid.Price.IsPositive() {
				t.Fatalf("bid at %s", bid.Price)
			}
		}
		fills, filled := m.Take(b, buy, q, qq, l)
		if q.IsPositive() && filled.GreaterThan(q) {
			t.Fatalf("filled %s of %s", filled, q)
		}
		cost := decimal.Zero
		for _, f := range fills {
			cost = cost.Add(f.Price.Mul(f.Qty))
			if l.IsPositive() && (buy && f.Price.GreaterThan(l) || !buy && f.Price.LessThan(l)) {
				t.Fatalf("fill at %s beyond limit %s", f.Price, l)
			}
		}
		if !q.IsPositive() && cost.GreaterThan(qq) {
			t.Fatalf("spent %s of %s", cost, qq)
		}
	})
}

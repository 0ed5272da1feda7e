package market_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func btc(t testing.TB) *market.Market {
	t.Helper()
	m, err := market.New(market.Spec{Symbol: "BTCUSDT", Tick: d("0.01"), Step: d("0.00001"), MinQty: d("0.00001"), LevelNotional: d("2000")})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var now = time.Date(2026, 12, 2, 18, 30, 15, 250e6, time.UTC)

func TestNewRejectsBadSpecs(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec market.Spec
	}{
		{"zero tick", market.Spec{Symbol: "X", Tick: d("0"), Step: d("1")}},
		{"negative step", market.Spec{Symbol: "X", Tick: d("1"), Step: d("-1")}},
		{"volatility above 1", market.Spec{Symbol: "X", Tick: d("1"), Step: d("1"), Volatility: 2}},
	} {
		if _, err := market.New(tt.spec); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestDeterministicAndSeeded(t *testing.T) {
	a, b := btc(t), btc(t)
	ka := a.Klines("1m", d("60000"), now, time.Time{}, time.Time{}, 50)
	kb := b.Klines("1m", d("60000"), now, time.Time{}, time.Time{}, 50)
	for i := range ka {
		if !ka[i].Open.Equal(kb[i].Open) || !ka[i].Volume.Equal(kb[i].Volume) {
			t.Fatalf("candle %d differs between two markets of the same spec", i)
		}
	}
	other, _ := market.New(market.Spec{Symbol: "BTCUSDT", Tick: d("0.01"), Step: d("0.00001"), Seed: 7})
	ko := other.Klines("1m", d("60000"), now, time.Time{}, time.Time{}, 50)
	if ko[0].Open.Equal(ka[0].Open) && ko[10].Open.Equal(ka[10].Open) {
		t.Error("another seed gives the same walk")
	}
}

func TestKlinesEveryInterval(t *testing.T) {
	m := btc(t)
	price := d("60000")
	tick := d("0.01")
	for _, name := range market.IntervalNames() {
		t.Run(name, func(t *testing.T) {
			iv, err := market.ParseInterval(name)
			if err != nil {
				t.Fatal(err)
			}
			ks := m.Klines(iv, price, now, time.Time{}, time.Time{}, 30)
			if len(ks) != 30 {
				t.Fatalf("%d candles, want 30", len(ks))
			}
			last := ks[len(ks)-1]
			if !last.Close.Equal(price) || last.OpenTime.After(now) || !last.CloseTime.After(now) {
				t.Errorf("the current candle %+v should hold now and close at the price", last)
			}
			for i, k := range ks {
				if k.High.LessThan(decimal.Max(k.Open, k.Close)) || k.Low.GreaterThan(decimal.Min(k.Open, k.Close)) || !k.Low.IsPositive() {
					t.Errorf("candle %d: high/low %s/%s do not bound %s/%s", i, k.High, k.Low, k.Open, k.Close)
				}
				if !k.Open.Mod(tick).IsZero() || !k.High.Mod(tick).IsZero() {
					t.Errorf("candle %d: prices off the tick", i)
				}
				if !k.Volume.IsPositive() || k.TakerBuyBase.GreaterThan(k.Volume) || k.Trades < 1 {
					t.Errorf("candle %d: volume %s taker %s trades %d", i, k.Volume, k.TakerBuyBase, k.Trades)
				}
				if i > 0 {
					prev := ks[i-1]
					if !prev.CloseTime.Add(time.Millisecond).Equal(k.OpenTime) || !prev.Close.Equal(k.Open) {
						t.Errorf("candle %d does not continue candle %d: %v/%s then %v/%s", i, i-1, prev.CloseTime, prev.Close, k.OpenTime, k.Open)
					}
				}
			}
			switch name {
			case "1w":
				if last.OpenTime.Weekday() != time.Monday {
					t.Errorf("weekly candle opens on %v, want Monday", last.OpenTime.Weekday())
				}
			case "1M":
				if last.OpenTime.Day() != 1 || ks[0].OpenTime.AddDate(0, 29, 0) != last.OpenTime {
					t.Errorf("monthly candles open %v .. %v", ks[0].OpenTime, last.OpenTime)
				}
			}
		})
	}
	if _, err := market.ParseInterval("2m"); err == nil {
		t.Error("2m accepted")
	}
}

func TestKlinesFromStartTime(t *testing.T) {
	m := btc(t)
	start := now.Add(-10 * time.Minute).Add(time.Second)
	ks := m.Klines("1m", d("60000"), now, start, time.Time{}, 500)
	// The candle opening at or after start, up to the current one.
	if len(ks) != 10 || ks[0].OpenTime.Before(start) || !ks[9].OpenTime.Equal(now.Truncate(time.Minute)) {
		t.Fatalf("%d candles from %v: first %v last %v", len(ks), start, ks[0].OpenTime, ks[len(ks)-1].OpenTime)
	}
	end := now.Add(-5 * time.Minute)
	ks = m.Klines("1m", d("60000"), now, start, end, 500)
	if len(ks) != 5 || ks[4].OpenTime.After(end) {
		t.Fatalf("%d candles up to %v", len(ks), end)
	}
}

func TestBookAndTake(t *testing.T) {
	m := btc(t)
	price := d("60000")
	b := m.BookAt(price, now, 100)
	if len(b.Asks) != 100 || len(b.Bids) != 100 {
		t.Fatalf("%d asks, %d bids", len(b.Asks), len(b.Bids))
	}
	if !b.Asks[0].Price.Equal(price) || !b.Bids[0].Price.LessThan(price) {
		t.Fatalf("top of book %s / %s around %s", b.Bids[0].Price, b.Asks[0].Price, price)
	}
	for i := 1; i < 100; i++ {
		if !b.Asks[i].Price.GreaterThan(b.Asks[i-1].Price) || !b.Bids[i].Price.LessThan(b.Bids[i-1].Price) {
			t.Fatalf("level %d out of order", i)
		}
		if !b.Asks[i].Qty.Mod(d("0.00001")).IsZero() || !b.Asks[i].Qty.IsPositive() {
			t.Fatalf("level %d quantity %s", i, b.Asks[i].Qty)
		}
	}
	if again := m.BookAt(price, now, 100); !again.Asks[5].Qty.Equal(b.Asks[5].Qty) || again.LastUpdateID != b.LastUpdateID {
		t.Error("the same second gives another book")
	}

	tests := []struct {
		name            string
		buy             bool
		qty, quote, lim string
		wantFilled      string
		wantLevels      int
		wantAllBelowLim bool
	}{
		{"small market buy takes the best ask", true, "0.001", "0", "0", "0.001", 1, false},
		{"large market buy walks the book", true, "1", "0", "0", "1", -1, false},
		{"limit buy stops at its price", true, "5", "0", b.Asks[2].Price.String(), b.Asks[0].Qty.Add(b.Asks[1].Qty).Add(b.Asks[2].Qty).String(), 3, true},
		{"market sell takes the best bid", false, "0.001", "0", "0", "0.001", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fills, filled := m.Take(b, tt.buy, d(tt.qty), d(tt.quote), d(tt.lim))
			if !filled.Equal(d(tt.wantFilled)) {
				t.Errorf("filled %s, want %s", filled, tt.wantFilled)
			}
			if tt.wantLevels >= 0 && len(fills) != tt.wantLevels {
				t.Errorf("%d fills, want %d", len(fills), tt.wantLevels)
			}
			sum := decimal.Zero
			for i, f := range fills {
				sum = sum.Add(f.Qty)
				if i > 0 && (tt.buy && !f.Price.GreaterThan(fills[i-1].Price) || !tt.buy && !f.Price.LessThan(fills[i-1].Price)) {
					t.Errorf("fill %d at %s is not worse than the one before", i, f.Price)
				}
			}
			if !sum.Equal(filled) {
				t.Errorf("fills add to %s, filled says %s", sum, filled)
			}
		})
	}
	// Spending quote never spends more than asked.
	fills, filled := m.Take(b, true, decimal.Zero, d("10000"), decimal.Zero)
	cost := decimal.Zero
	for _, f := range fills {
		cost = cost.Add(f.Price.Mul(f.Qty))
	}
	if cost.GreaterThan(d("10000")) || !filled.IsPositive() || cost.LessThan(d("9900")) {
		t.Errorf("quote 10000 bought %s for %s", filled, cost)
	}
}

func TestTradesAndWindow(t *testing.T) {
	m := btc(t)
	price := d("60000")
	tr := m.Trades(price, now, -1, 20)
	if len(tr) != 20 || tr[19].ID != market.LastTradeID(now) || !tr[19].Price.Equal(price) {
		t.Fatalf("latest trades end with %+v", tr[len(tr)-1])
	}
	for i := 1; i < len(tr); i++ {
		if tr[i].ID != tr[i-1].ID+1 || !tr[i].Time.After(tr[i-1].Time) {
			t.Fatalf("trade %d does not follow trade %d", i, i-1)
		}
	}
	from := m.Trades(price, now, tr[3].ID, 5)
	if len(from) != 5 || from[0].ID != tr[3].ID || !from[0].Price.Equal(tr[3].Price) {
		t.Fatalf("trades from id %d: %+v", tr[3].ID, from)
	}
	st := m.Window(price, now, 24*time.Hour)
	if !st.Last.Equal(price) || st.High.LessThan(price) || st.Low.GreaterThan(price) || !st.Volume.IsPositive() || st.Count != st.LastID-st.FirstID+1 || st.Count < 86000 {
		t.Fatalf("24h window %+v", st)
	}
	if avg := m.AvgPrice(price, now, 5); avg.Sub(price).Abs().GreaterThan(d("600")) {
		t.Errorf("5-minute average %s far from %s", avg, price)
	}
}

package market

import (
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// Interval is a kline interval as Binance names it ("1s" to "1M").
type Interval string

// Intervals are Binance's kline intervals, shortest first.
var intervals = [...]struct {
	name string
	d    time.Duration
}{
	{"1s", time.Second}, {"1m", time.Minute}, {"3m", 3 * time.Minute}, {"5m", 5 * time.Minute},
	{"15m", 15 * time.Minute}, {"30m", 30 * time.Minute}, {"1h", time.Hour}, {"2h", 2 * time.Hour},
	{"4h", 4 * time.Hour}, {"6h", 6 * time.Hour}, {"8h", 8 * time.Hour}, {"12h", 12 * time.Hour},
	{"1d", 24 * time.Hour}, {"3d", 72 * time.Hour}, {"1w", 7 * 24 * time.Hour}, {"1M", 0},
}

// IntervalNames lists the kline intervals Binance accepts, shortest first.
func IntervalNames() []string {
	out := make([]string, 0, len(intervals))
	for _, iv := range intervals {
		out = append(out, iv.name)
	}
	return out
}

// ParseInterval checks an interval name.
func ParseInterval(s string) (Interval, error) {
	for _, iv := range intervals {
		if iv.name == s {
			return Interval(s), nil
		}
	}
	return "", fmt.Errorf("market: unknown interval %q; use one of %v", s, IntervalNames())
}

// start is the open time of the candle holding t: weeks open on Monday,
// months on the 1st, everything in UTC, as Binance's klines do.
func (iv Interval) start(t time.Time) time.Time {
	t = t.UTC()
	switch iv {
	case "1M":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "1w":
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case "3d":
		// 3-day candles count from the epoch.
		const day = 86400
		s := t.Unix() / (3 * day) * 3 * day
		return time.Unix(s, 0).UTC()
	}
	return t.Truncate(iv.duration())
}

func (iv Interval) duration() time.Duration {
	for _, x := range intervals {
		if x.name == string(iv) {
			return x.d
		}
	}
	return time.Minute
}

// next is the open time of the candle after the one opening at open.
func (iv Interval) next(open time.Time) time.Time {
	switch iv {
	case "1M":
		return open.AddDate(0, 1, 0)
	case "1w":
		return open.AddDate(0, 0, 7)
	}
	return open.Add(iv.duration())
}

// prev is the open time of the candle before the one opening at open.
func (iv Interval) prev(open time.Time) time.Time {
	switch iv {
	case "1M":
		return open.AddDate(0, -1, 0)
	case "1w":
		return open.AddDate(0, 0, -7)
	}
	return open.Add(-iv.duration())
}

// Kline is one candle, as Binance's klines array lists it.
type Kline struct {
	OpenTime, CloseTime         time.Time
	Open, High, Low, Close      decimal.Decimal
	Volume, QuoteVolume         decimal.Decimal
	Trades                      int64
	TakerBuyBase, TakerBuyQuote decimal.Decimal
}

// samples is how many points inside a candle its high and low look at.
const samples = 12

// kline builds the candle opening at open; the one holding now ends at now.
func (m *Market) kline(iv Interval, price decimal.Decimal, now, open time.Time) Kline {
	closeT := iv.next(open)
	end := closeT
	if end.After(now) {
		end = now
	}
	k := Kline{OpenTime: open, CloseTime: closeT.Add(-time.Millisecond)}
	k.Open = m.PriceAt(price, now, open)
	k.Close = m.PriceAt(price, now, end)
	k.High, k.Low = decimal.Max(k.Open, k.Close), decimal.Min(k.Open, k.Close)
	span := end.Sub(open)
	for i := 1; i < samples; i++ {
		p := m.PriceAt(price, now, open.Add(span*time.Duration(i)/samples))
		k.High, k.Low = decimal.Max(k.High, p), decimal.Min(k.Low, p)
	}
	secs := span.Seconds()
	if secs <= 0 {
		secs = 0.001
	}
	mid, _ := k.Open.Add(k.Close).Div(decimal.NewFromInt(2)).Float64()
	f := 0.4 + 1.2*m.unit(7, open.Unix(), int64(iv.duration()))
	vol := m.volumeRate(mid) * secs * f
	k.Volume = m.roundStep(vol)
	k.QuoteVolume = k.Volume.Mul(decimal.NewFromFloat(mid)).Round(8)
	k.Trades = int64(math.Ceil(secs*f)) + 1
	share := decimal.NewFromFloat(0.35 + 0.3*m.unit(8, open.Unix())).Round(4)
	k.TakerBuyBase = k.Volume.Mul(share).Truncate(-m.stepExp)
	k.TakerBuyQuote = k.QuoteVolume.Mul(share).Round(8)
	return k
}

// Klines lists the candles of interval iv that open between start and end
// (zero: unbounded), oldest first, at most limit of them: the most recent
// ones, or the first ones after start when start is set. Nothing opens
// after now.
func (m *Market) Klines(iv Interval, price decimal.Decimal, now, start, end time.Time, limit int) []Kline {
	limit = max(limit, 1)
	last := iv.start(now)
	if !end.IsZero() && end.Before(now) {
		last = iv.start(end)
	}
	var opens []time.Time
	if !start.IsZero() {
		o := iv.start(start)
		if o.Before(start) {
			o = iv.next(o)
		}
		for ; !o.After(last) && len(opens) < limit; o = iv.next(o) {
			opens = append(opens, o)
		}
	} else {
		for o := last; len(opens) < limit; o = iv.prev(o) {
			opens = append(opens, o)
		}
		for i, j := 0, len(opens)-1; i < j; i, j = i+1, j-1 {
			opens[i], opens[j] = opens[j], opens[i]
		}
	}
	out := make([]Kline, 0, len(opens))
	for _, o := range opens {
		out = append(out, m.kline(iv, price, now, o))
	}
	return out
}

// Trade is one public trade.
type Trade struct {
	ID           int64
	Price, Qty   decimal.Decimal
	Time         time.Time
	IsBuyerMaker bool
}

// The market trades once a second, at the start of the second: trade ids
// are seconds since this epoch, so they are small, positive and stable.
var tradeEpoch = time.Date(2017, 7, 14, 0, 0, 0, 0, time.UTC).Unix()

// TradeByID is the public trade with id.
func (m *Market) TradeByID(price decimal.Decimal, now time.Time, id int64) Trade {
	sec := id + tradeEpoch
	t := time.Unix(sec, 0).UTC()
	p := m.PriceAt(price, now, t)
	lq := m.levelQty(mustFloat(p))
	return Trade{ID: id, Price: p, Qty: m.roundStep(lq * 0.02 * (0.2 + 3*m.unit(9, sec))), Time: t, IsBuyerMaker: m.hash(10, sec)&1 == 1}
}

// LastTradeID is the id of the latest trade at now.
func LastTradeID(now time.Time) int64 { return now.Unix() - tradeEpoch }

// TradeIDAt is the id of the first trade at or after t.
func TradeIDAt(t time.Time) int64 {
	s := t.Unix()
	if t.After(time.Unix(s, 0)) {
		s++
	}
	return s - tradeEpoch
}

// Trades lists limit trades, oldest first: from fromID on when fromID >= 0,
// else the latest ones. No trade is after now.
func (m *Market) Trades(price decimal.Decimal, now time.Time, fromID int64, limit int) []Trade {
	last := LastTradeID(now)
	first := last - int64(limit) + 1
	if fromID >= 0 {
		first = fromID
	}
	first = max(first, 0)
	out := make([]Trade, 0, limit)
	for id := first; id <= last && len(out) < limit; id++ {
		out = append(out, m.TradeByID(price, now, id))
	}
	return out
}

func mustFloat(d decimal.Decimal) float64 {
	f, _ := d.Float64()
	return f
}

// Stats are a window's statistics, as the ticker endpoints report them.
type Stats struct {
	Open, High, Low, Last  decimal.Decimal
	Volume, QuoteVolume    decimal.Decimal
	WeightedAvg            decimal.Decimal
	OpenTime, CloseTime    time.Time
	FirstID, LastID, Count int64
}

// Window computes the statistics of the window ending at now.
func (m *Market) Window(price decimal.Decimal, now time.Time, window time.Duration) Stats {
	from := now.Add(-window)
	iv := Interval("1m")
	switch {
	case window > 3*24*time.Hour:
		iv = "1h"
	case window > 6*time.Hour:
		iv = "15m"
	case window > time.Hour:
		iv = "5m"
	}
	ks := m.Klines(iv, price, now, from, time.Time{}, 1000)
	st := Stats{Open: m.PriceAt(price, now, from), Last: price, OpenTime: from, CloseTime: now,
		Volume: decimal.Zero, QuoteVolume: decimal.Zero}
	st.High, st.Low = decimal.Max(st.Open, st.Last), decimal.Min(st.Open, st.Last)
	for _, k := range ks {
		st.High, st.Low = decimal.Max(st.High, k.High), decimal.Min(st.Low, k.Low)
		st.Volume = st.Volume.Add(k.Volume)
		st.QuoteVolume = st.QuoteVolume.Add(k.QuoteVolume)
	}
	st.WeightedAvg = st.Last
	if st.Volume.IsPositive() {
		st.WeightedAvg = st.QuoteVolume.Div(st.Volume).Round(-m.tickExp)
	}
	st.FirstID, st.LastID = TradeIDAt(from), LastTradeID(now)
	st.Count = st.LastID - st.FirstID + 1
	return st
}

// AvgPrice is the mean price of the last mins minutes' 1m closes (Binance's
// avgPrice), rounded to 8 decimals.
func (m *Market) AvgPrice(price decimal.Decimal, now time.Time, mins int) decimal.Decimal {
	ks := m.Klines("1m", price, now, time.Time{}, time.Time{}, max(mins, 1))
	sum := decimal.Zero
	for _, k := range ks {
		sum = sum.Add(k.Close)
	}
	return sum.Div(decimal.NewFromInt(int64(len(ks)))).Round(8)
}

// Package market is the local exchange's simulated market: for one symbol,
// a seeded, deterministic price process and an order book around it, from
// which it derives Binance's market data (depth, trades, aggTrades, klines,
// tickers, average price) and the fills of taker orders.
//
// The process is anchored at the symbol's current price (the one the
// configuration or the admin API sets): the latest whole second always
// trades at that price, and history is the seeded walk that ends there. The
// same seed, price and clock give the same answer, so tests can assert
// exact values. The package is pure: no clock, no locks, no I/O.
package market

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// Spec describes one symbol's market.
type Spec struct {
	Symbol string
	// Tick and Step are the PRICE_FILTER tickSize and LOT_SIZE stepSize:
	// every price and quantity the market produces is a multiple of them.
	Tick, Step decimal.Decimal
	// MinQty is the smallest quantity of a book level.
	MinQty decimal.Decimal
	// LevelNotional is the typical quote value of one book level (default:
	// 2000 / price × price, i.e. levels of about 2000 quote units).
	LevelNotional decimal.Decimal
	// Seed varies the walk; 0 derives it from Symbol.
	Seed uint64
	// Volatility is the standard deviation of the log price over one day
	// (default 0.02).
	Volatility float64
}

// ErrBadSpec is returned for a Spec the market cannot work with.
var ErrBadSpec = errors.New("market: bad spec")

// Market is one symbol's simulated market. It is immutable and safe for
// concurrent use.
type Market struct {
	spec     Spec
	seed     uint64
	vol      float64
	tickF    float64
	tickExp  int32
	stepExp  int32
	notional float64
}

// New checks spec and returns its market.
func New(spec Spec) (*Market, error) {
	if !spec.Tick.IsPositive() || !spec.Step.IsPositive() {
		return nil, fmt.Errorf("%w: %s: tick and step must be greater than 0", ErrBadSpec, spec.Symbol)
	}
	if spec.MinQty.IsNegative() || spec.LevelNotional.IsNegative() || spec.Volatility < 0 || math.IsNaN(spec.Volatility) || spec.Volatility > 1 {
		return nil, fmt.Errorf("%w: %s: minQty, levelNotional must be >= 0 and volatility in [0, 1]", ErrBadSpec, spec.Symbol)
	}
	m := &Market{spec: spec, seed: spec.Seed, vol: spec.Volatility}
	if m.seed == 0 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(spec.Symbol))
		m.seed = h.Sum64()
	}
	if m.vol == 0 {
		m.vol = 0.02
	}
	m.tickF, _ = spec.Tick.Float64()
	m.tickExp = -decimals(spec.Tick)
	m.stepExp = -decimals(spec.Step)
	m.notional, _ = spec.LevelNotional.Float64()
	return m, nil
}

// Spec returns the market's spec.
func (m *Market) Spec() Spec { return m.spec }

// decimals is the number of decimal places of d without trailing zeros.
func decimals(d decimal.Decimal) int32 {
	e := -d.Exponent()
	s := d.Coefficient().String()
	for e > 0 && len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
		e--
	}
	return max(e, 0)
}

// hash mixes the seed with integers into a uniform uint64 (splitmix64 over
// an FNV of the inputs): the one source of "randomness".
func (m *Market) hash(xs ...int64) uint64 {
	var b [8]byte
	h := fnv.New64a()
	binary.LittleEndian.PutUint64(b[:], m.seed)
	_, _ = h.Write(b[:])
	for _, x := range xs {
		binary.LittleEndian.PutUint64(b[:], uint64(x))
		_, _ = h.Write(b[:])
	}
	z := h.Sum64() + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit is hash mapped to [0, 1).
func (m *Market) unit(xs ...int64) float64 {
	return float64(m.hash(xs...)>>11) / (1 << 53)
}

// scales of the value noise, in seconds, from a few seconds to a month: each
// contributes in proportion to the square root of its length, as a random
// walk's moves do.
var scales = [...]float64{5, 60, 900, 4 * 3600, 86400, 7 * 86400, 30 * 86400}

// walk is the log-price offset at t (seconds since the epoch): smooth value
// noise summed over scales, in units of one day's standard deviation.
func (m *Market) walk(t float64) float64 {
	var w float64
	for i, s := range scales {
		x := t / s
		k := math.Floor(x)
		f := x - k
		f = f * f * (3 - 2*f) // smoothstep
		a := 2*m.unit(int64(i), int64(k)) - 1
		b := 2*m.unit(int64(i), int64(k)+1) - 1
		w += (a + (b-a)*f) * math.Sqrt(s/86400)
	}
	return w
}

// PriceAt is the price at t given that the latest whole second before now
// traded at price: rounded to the tick, never below one tick.
func (m *Market) PriceAt(price decimal.Decimal, now, t time.Time) decimal.Decimal {
	ref := float64(now.Unix())
	at := float64(t.UnixMilli()) / 1000
	if at >= ref {
		return price
	}
	p, _ := price.Float64()
	return m.roundTick(p * math.Exp(m.vol*(m.walk(at)-m.walk(ref))))
}

func (m *Market) roundTick(p float64) decimal.Decimal {
	n := math.Round(p / m.tickF)
	if n < 1 || math.IsNaN(n) {
		n = 1
	}
	if n > 1e15 {
		n = 1e15
	}
	return m.spec.Tick.Mul(decimal.NewFromFloat(n)).Truncate(-m.tickExp)
}

// roundStep rounds a positive quantity down to the step, at least one step.
func (m *Market) roundStep(q float64) decimal.Decimal {
	stepF, _ := m.spec.Step.Float64()
	n := math.Floor(q / stepF)
	if n < 1 || math.IsNaN(n) {
		n = 1
	}
	if n > 1e15 {
		n = 1e15
	}
	return m.spec.Step.Mul(decimal.NewFromFloat(n)).Truncate(-m.stepExp)
}

// volumeRate is the traded base quantity per second around price: about
// ten book levels' worth.
func (m *Market) volumeRate(p float64) float64 {
	return m.levelQty(p) * 0.05
}

// levelQty is the typical base quantity of one book level at price p.
func (m *Market) levelQty(p float64) float64 {
	n := m.notional
	if n <= 0 {
		n = 2000
	}
	q := n / p
	if mq, _ := m.spec.MinQty.Float64(); q < mq*10 {
		q = mq * 10
	}
	return q
}

package market

import (
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// MaxLevels is the depth of each side of the book (Binance's largest depth
// limit).
const MaxLevels = 5000

// Level is one price level of the book.
type Level struct {
	Price, Qty decimal.Decimal
}

// Book is the order book at one moment: bids best (highest) first, asks
// best (lowest) first.
type Book struct {
	// LastUpdateID changes every second, as a live book's does.
	LastUpdateID int64
	Bids, Asks   []Level
}

// spacing is the distance between two levels: two basis points of the
// price, rounded to ticks, at least one tick.
func (m *Market) spacing(p float64) decimal.Decimal {
	n := math.Round(p * 0.00002 / m.tickF)
	if n < 1 || math.IsNaN(n) {
		n = 1
	}
	return m.spec.Tick.Mul(decimal.NewFromFloat(n))
}

// BookAt is the book at now around price, limit levels a side (1 to
// MaxLevels). The best ask is the price itself and the best bid one level
// below, so a small taker BUY trades at the last price. Level sizes are
// seeded per second and grow with the distance from the top.
func (m *Market) BookAt(price decimal.Decimal, now time.Time, limit int) Book {
	limit = min(max(limit, 1), MaxLevels)
	p, _ := price.Float64()
	sp := m.spacing(p)
	sec := now.Unix()
	b := Book{LastUpdateID: sec*10 + int64(m.hash(sec)%10), Bids: make([]Level, 0, limit), Asks: make([]Level, 0, limit)}
	base := m.levelQty(p)
	qty := func(side, i int64) decimal.Decimal {
		f := 0.3 + 1.7*m.unit(side, i, sec)
		return m.roundStep(base * f * (1 + float64(i)/50))
	}
	for i := range int64(limit) {
		off := sp.Mul(decimal.NewFromInt(i))
		b.Asks = append(b.Asks, Level{Price: price.Add(off), Qty: qty(1, i)})
		bp := price.Sub(off).Sub(sp)
		if bp.IsPositive() {
			b.Bids = append(b.Bids, Level{Price: bp, Qty: qty(2, i)})
		}
	}
	return b
}

// Fill is the part of a taker order one level fills.
type Fill struct {
	Price, Qty decimal.Decimal
}

// Take walks one side of the book for a taker order: a BUY takes asks up to
// limitPrice, a SELL bids down to it (a zero limitPrice means a market
// order). It takes qty of base or, when qty is zero, spends (BUY) or
// receives (SELL) quote of the quote asset; quantities stay multiples of the
// step. It returns the fills, best price first, and the base quantity
// filled; less than asked when the book runs out first.
func (m *Market) Take(book Book, buy bool, qty, quote, limitPrice decimal.Decimal) ([]Fill, decimal.Decimal) {
	levels := book.Bids
	if buy {
		levels = book.Asks
	}
	var fills []Fill
	filled := decimal.Zero
	for _, l := range levels {
		if limitPrice.IsPositive() && (buy && l.Price.GreaterThan(limitPrice) || !buy && l.Price.LessThan(limitPrice)) {
			break
		}
		var take decimal.Decimal
		if qty.IsPositive() {
			take = decimal.Min(l.Qty, qty.Sub(filled))
		} else {
			can := quote.Div(l.Price).Truncate(-m.stepExp)
			can = can.Sub(can.Mod(m.spec.Step))
			take = decimal.Min(l.Qty, can)
		}
		if !take.IsPositive() {
			break
		}
		fills = append(fills, Fill{Price: l.Price, Qty: take})
		filled = filled.Add(take)
		if !qty.IsPositive() {
			quote = quote.Sub(take.Mul(l.Price))
		}
		if qty.IsPositive() && filled.Equal(qty) {
			break
		}
	}
	return fills, filled
}

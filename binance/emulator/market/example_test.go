package market_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
)

// A market around BTCUSDT at 60000: the book's best ask is the price, a
// taker BUY of 0.001 fills there, and the current candle closes at it.
func ExampleNew() {
	m, err := market.New(market.Spec{Symbol: "BTCUSDT", Tick: decimal.RequireFromString("0.01"),
		Step: decimal.RequireFromString("0.00001"), LevelNotional: decimal.NewFromInt(2000)})
	if err != nil {
		fmt.Println(err)
		return
	}
	price := decimal.NewFromInt(60000)
	now := time.Date(2026, 12, 2, 18, 30, 0, 0, time.UTC)
	book := m.BookAt(price, now, 5)
	fills, filled := m.Take(book, true, decimal.RequireFromString("0.001"), decimal.Zero, decimal.Zero)
	ks := m.Klines("1h", price, now, time.Time{}, time.Time{}, 3)
	fmt.Println("best ask", book.Asks[0].Price, "bid below it:", book.Bids[0].Price.LessThan(price))
	fmt.Println("filled", filled, "at", fills[0].Price)
	fmt.Println(len(ks), "candles, the last closes at", ks[2].Close)
	// Output:
	// best ask 60000 bid below it: true
	// filled 0.001 at 60000
	// 3 candles, the last closes at 60000
}

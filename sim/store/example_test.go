package store_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/mbxkit/mbx/sim/store"
	"github.com/shopspring/decimal"
)

// A resting limit order locks its funds until a later price crosses it.
func ExampleStore_PlaceOrder() {
	ctx := context.Background()
	s, err := store.Open(ctx, ":memory:") // a file path in mbx serve
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureAccount(ctx, "key-1", map[string]decimal.Decimal{"USDT": decimal.NewFromInt(1000)}); err != nil {
		log.Fatal(err)
	}
	m := store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: decimal.NewFromInt(100)}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	o, err := s.PlaceOrder(ctx, "key-1", m, store.NewOrder{
		Symbol: "BTCUSDT", Side: store.SideBuy, Type: store.TypeLimit, TimeInForce: store.GTC,
		Price: decimal.RequireFromString("95.5"), Quantity: decimal.NewFromInt(2),
		ClientOrderID: "my-first-order", Now: now,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.OrderID, o.Status)
	printBalances(ctx, s)

	m.Price = decimal.NewFromInt(95)
	filled, err := s.SetPrice(ctx, m, now.Add(time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(filled[0].OrderID, filled[0].Status, "at", filled[0].Fills[0].Price)
	printBalances(ctx, s)
	// Output:
	// 1 NEW
	// USDT free 809 locked 191
	// 1 FILLED at 95.5
	// BTC free 2 locked 0
	// USDT free 809 locked 0
}

func printBalances(ctx context.Context, s *store.Store) {
	bs, err := s.Balances(ctx, "key-1")
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range bs {
		fmt.Println(b.Asset, "free", b.Free, "locked", b.Locked)
	}
}

// A MARKET BUY of 0.3 BTC takes two levels of the book: two fills, and the
// balances move by exactly what they cost.
func ExampleStore_PlaceTakerOrder() {
	ctx := context.Background()
	s, err := store.Open(ctx, ":memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	_ = s.EnsureAccount(ctx, "alice", map[string]decimal.Decimal{"USDT": decimal.NewFromInt(100000)})
	m := store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: decimal.NewFromInt(50000)}
	o, err := s.PlaceTakerOrder(ctx, "alice", m, store.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "MARKET",
		Quantity: decimal.RequireFromString("0.3"), ClientOrderID: "taker-1", Now: time.Unix(1700000000, 0)},
		[]store.BookFill{{Price: decimal.NewFromInt(50000), Qty: decimal.RequireFromString("0.1")},
			{Price: decimal.NewFromInt(50010), Qty: decimal.RequireFromString("0.2")}}, decimal.Zero)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Status, o.ExecutedQty, o.CummulativeQuoteQty, len(o.Fills))
	bs, _ := s.Balances(ctx, "alice")
	for _, b := range bs {
		fmt.Println(b.Asset, b.Free)
	}
	// Output:
	// FILLED 0.3 15002 2
	// BTC 0.3
	// USDT 84998
}

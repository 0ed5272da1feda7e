package store_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/mbxkit/mbx/sim/store"
	"github.com/shopspring/decimal"
)

// A transfer debits one account and credits the other in one transaction:
// a crash in between cannot lose the funds.
func ExampleStore_Transfer() {
	ctx := context.Background()
	s, err := store.Open(ctx, ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for acct, usdt := range map[string]int64{"alice": 100, "bob": 0} {
		if err := s.EnsureAccount(ctx, acct, map[string]decimal.Decimal{"USDT": decimal.NewFromInt(usdt)}); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := s.Transfer(ctx, "alice", "bob", "USDT", decimal.RequireFromString("12.5"), "rent"); err != nil {
		log.Fatal(err)
	}
	for _, acct := range []string{"alice", "bob"} {
		bs, _ := s.Balances(ctx, acct)
		fmt.Println(acct, bs[0].Asset, bs[0].Free)
	}
	// Output:
	// alice USDT 87.5
	// bob USDT 12.5
}

// ListOrders filters in SQL before the limit, so paging forward from an id
// reaches the oldest orders however many there are.
func ExampleStore_ListOrders() {
	ctx := context.Background()
	s, err := store.Open(ctx, ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureAccount(ctx, "key-1", map[string]decimal.Decimal{"USDT": decimal.NewFromInt(1000)}); err != nil {
		log.Fatal(err)
	}
	m := store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: decimal.NewFromInt(100)}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if _, err := s.PlaceOrder(ctx, "key-1", m, store.NewOrder{Symbol: "BTCUSDT", Side: store.SideBuy,
			Type: store.TypeLimit, TimeInForce: store.GTC, Price: decimal.NewFromInt(90), Quantity: decimal.NewFromInt(1),
			ClientOrderID: fmt.Sprint("o", i), Now: now.Add(time.Duration(i) * time.Second)}); err != nil {
			log.Fatal(err)
		}
	}
	page, err := s.ListOrders(ctx, "key-1", store.ListQuery{Symbol: "BTCUSDT", FromID: 2, Limit: 2})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range page {
		fmt.Println(o.OrderID, o.ClientOrderID)
	}
	// Output:
	// 2 o1
	// 3 o2
}

package binance_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/binancetest"
)

// New builds a client for an environment (Prod, Testnet ...) or, as here, a
// base URL: the local exchange that binancetest runs.
func ExampleNew() {
	ctx := context.Background()
	ex, err := binancetest.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()

	k := ex.Key()
	c, err := binance.New(binance.Options{BaseURL: ex.URL, APIKey: k.APIKey, Signer: k.Signer})
	if err != nil {
		fmt.Println(err)
		return
	}
	acct, err := c.Account(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(acct.CanTrade)
	// Output: true
}

func ExampleClient_Account() {
	ctx := context.Background()
	ex, err := binancetest.Start(ctx, binancetest.WithBalances(map[string]string{"USDT": "250.5", "BTC": "0"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()

	acct, err := ex.Client().Account(ctx) // zero balances are left out
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range acct.Balances {
		fmt.Println(b.Asset, b.Free)
	}
	// Output: USDT 250.5
}

// PlaceOrder signs and sends an order; its client order id is generated
// once and kept across retries, so a retried order is never placed twice.
func ExampleClient_PlaceOrder() {
	ctx := context.Background()
	ex, err := binancetest.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()

	o, err := ex.Client().PlaceOrder(ctx, binance.NewOrder{
		Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
		Quantity: decimal.RequireFromString("0.01"), Price: decimal.RequireFromString("50000"), // below the price: it rests
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Symbol, o.Side, o.Type, o.Status)
	// Output: BTCUSDT BUY LIMIT NEW
}

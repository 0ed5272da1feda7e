package binancetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mbxkit/mbx/binance/binancetest"
)

// A bot's test against the local exchange, in five lines. (This example is
// compiled, not run: it needs the *testing.T of a real test.)
func ExampleNewServer() {
	TestBot := func(t *testing.T) {
		ex := binancetest.NewServer(t, binancetest.WithBalances(map[string]string{"USDT": "500"}))
		acct, err := ex.Client().Account(context.Background())
		if err != nil || acct.Balances[0].Free.String() != "500" {
			t.Fatalf("account: %v %+v", err, acct)
		}
	}
	_ = TestBot
}

func ExampleStart() {
	ex, err := binancetest.Start(context.Background(), binancetest.WithKey("ed25519", map[string]string{"BTC": "0.5"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()
	c, err := ex.NewClient(ex.Keys[1], nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	acct, err := c.Account(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ex.Keys[1].Type, acct.Balances[0].Asset, acct.Balances[0].Free)
	// Output: ed25519 BTC 0.5
}

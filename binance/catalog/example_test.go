package catalog_test

import (
	"fmt"
	"net/url"

	"github.com/mbxkit/mbx/binance/catalog"
)

func ExampleTable_Lookup() {
	e, _ := catalog.Default().Lookup("GET", "/api/v3/myTrades")
	fmt.Println(e.Security, e.Permission, e.Budget)
	fmt.Println(e.Weight.OfValues(url.Values{"symbol": {"BTCUSDT"}}))
	fmt.Println(e.Weight.OfValues(url.Values{"symbol": {"BTCUSDT"}, "orderId": {"42"}}))
	// Output:
	// USER_DATA USER_DATA REQUEST_WEIGHT
	// 20
	// 5
}

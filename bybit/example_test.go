package bybit_test

import (
	"fmt"
	"time"

	"github.com/mbxkit/mbx/bybit"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
)

func ExampleExchange_Sign() {
	s, err := bybit.New().Sign(exchange.Request{
		Method: "GET",
		Path:   "/v5/account/wallet-balance",
		Params: []exchange.Param{{Name: "accountType", Value: "UNIFIED"}, {Name: "coin", Value: "BTC"}},
		Time:   time.UnixMilli(1658384314791),
	}, exchange.Credentials{APIKey: "XXXXXXXXXX", Secret: secret.FromString("b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Target())
	fmt.Printf("%s\n", s.Payload)
	for _, h := range s.Headers {
		fmt.Println(h.Name+":", h.Value)
	}
	// Output:
	// /v5/account/wallet-balance?accountType=UNIFIED&coin=BTC
	// 1658384314791XXXXXXXXXX5000accountType=UNIFIED&coin=BTC
	// X-BAPI-API-KEY: XXXXXXXXXX
	// X-BAPI-TIMESTAMP: 1658384314791
	// X-BAPI-RECV-WINDOW: 5000
	// X-BAPI-SIGN: bdcebb7921feca012186f39443aa20f92a908ff44675c44e4d58bd2268c5ff77
}

package kucoin_test

import (
	"fmt"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/kucoin"
	"github.com/mbxkit/mbx/secret"
)

// Sign a KuCoin request: the query is part of the prehash exactly as sent,
// and a version 2 key sends its passphrase signed with the secret.
func Example() {
	c := exchange.Credentials{
		APIKey:     "5c2db93503aa674c74a31734",
		Secret:     secret.FromString("f03a5284-5c39-4aaa-9b20-dea10bdcf8e3"),
		Passphrase: secret.FromString("mbx-doc-passphrase"),
		KeyVersion: "2",
	}
	s, err := kucoin.New().Sign(exchange.Request{
		Method: "GET",
		Path:   "/api/v1/accounts",
		Params: []exchange.Param{{Name: "currency", Value: "BTC"}, {Name: "type", Value: "trade"}},
		Time:   time.UnixMilli(1700000000000),
	}, c)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(s.Payload))
	for _, h := range s.Headers {
		fmt.Printf("%s: %s\n", h.Name, h.Value)
	}
	// Output:
	// 1700000000000GET/api/v1/accounts?currency=BTC&type=trade
	// KC-API-KEY: 5c2db93503aa674c74a31734
	// KC-API-SIGN: OKVXf6E+Fl5AWj+9Xum6YACCvlS3JQSlgDy6DN6vhYY=
	// KC-API-TIMESTAMP: 1700000000000
	// KC-API-PASSPHRASE: ww8AOiEnpPoV7AmFGgykZckO6DyMlOih2RjYR3W15l4=
	// KC-API-KEY-VERSION: 2
}

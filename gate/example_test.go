package gate_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/gate"
	"github.com/mbxkit/mbx/secret"
)

// Sign a Gate.io v4 request: the signature string has five lines, the
// body's SHA-512 (of the empty string here) on the fourth and the
// timestamp in seconds on the last.
func Example() {
	c := exchange.Credentials{
		APIKey: "0d4e5e6b8f6a4c3b2a1f0e9d8c7b6a5f",
		Secret: secret.FromString("9a1b8e0f3c2d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f"),
	}
	s, err := gate.New().Sign(exchange.Request{
		Method: "GET",
		Path:   "/api/v4/spot/accounts",
		Params: []exchange.Param{{Name: "currency", Value: "USDT"}},
		Time:   time.Unix(1700000000, 0),
	}, c)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(string(s.Payload), "\n") {
		fmt.Printf("%.40s\n", line)
	}
	fmt.Println(s.Target())
	fmt.Printf("SIGN: %.32s...\n", s.Signature)
	// Output:
	// GET
	// /api/v4/spot/accounts
	// currency=USDT
	// cf83e1357eefb8bdf1542850d66d8007d620e405
	// 1700000000
	// /api/v4/spot/accounts?currency=USDT
	// SIGN: 475303f9b200524980cb30a041f93f81...
}

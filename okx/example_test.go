package okx_test

import (
	"fmt"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/okx"
	"github.com/mbxkit/mbx/secret"
)

func ExampleExchange_Sign() {
	when, _ := time.Parse(time.RFC3339, "2020-12-08T09:08:57.715Z")
	s, err := okx.New().Sign(exchange.Request{
		Method: "GET",
		Path:   "/api/v5/account/balance",
		Params: []exchange.Param{{Name: "ccy", Value: "BTC"}},
		Time:   when,
	}, exchange.Credentials{
		APIKey:     "985d5b66-57ce-40fb-b714-afc0b9787083",
		Secret:     secret.FromString("22582BD0CFF14C41EDBF1AB98506286D"),
		Passphrase: secret.FromString("Passphrase-1"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", s.Payload)
	fmt.Println(s.Signature)
	// Output:
	// 2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC
	// HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=
}

func ExampleExchange_Sign_missingPassphrase() {
	_, err := okx.New().Sign(exchange.Request{Method: "GET", Path: "/api/v5/account/balance", Time: time.Now()},
		exchange.Credentials{APIKey: "k", Secret: secret.FromString("s")})
	fmt.Println(err)
	// Output:
	// okx: no passphrase; OKX requires the passphrase chosen when the API key was created (--api-passphrase-file)
}

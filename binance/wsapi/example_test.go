package wsapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/wsapi"
	"github.com/mbxkit/mbx/sign"
)

// startExchange runs the local exchange with one Ed25519 key, for the
// examples.
func startExchange(ctx context.Context, apiKey string, key sign.Signer) (*emulator.Server, string) {
	pub, err := sign.MarshalPublicKeyPEM(key)
	if err != nil {
		log.Fatal(err)
	}
	cfg := emulator.DefaultConfig()
	cfg.Keys = []emulator.KeyConfig{{APIKey: apiKey, Type: "ed25519", PublicKey: string(pub),
		Permissions: []string{emulator.PermUserData, emulator.PermTrade}, Balances: map[string]string{"USDT": "1000"}}}
	srv, err := emulator.New(ctx, cfg, emulator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	return srv, base
}

// Log on once with an Ed25519 key; signed calls then carry only a
// timestamp. Against Binance, use wsapi.ProdURL and a key registered there.
func ExampleDial() {
	ctx := context.Background()
	key, _ := sign.NewEd25519FromSeed(bytes.Repeat([]byte{1}, 32))
	srv, base := startExchange(ctx, "example-ed25519-key", key)
	defer srv.Close()
	url, _ := wsapi.URLFromREST(base) // ws://127.0.0.1:PORT/ws-api/v3

	c, err := wsapi.Dial(ctx, wsapi.Options{URL: url, APIKey: "example-ed25519-key", Signer: key, Logon: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	st, err := c.SessionStatus(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged on:", c.LoggedOn(), st.APIKey)
	// Output: logged on: true example-ed25519-key
}

// Place an order without ever placing it twice: after a dropped connection
// or an unknown outcome the client looks the order up by its client id on
// a new connection and sends it again only if the exchange never got it.
func ExampleClient_PlaceOrder() {
	ctx := context.Background()
	key, _ := sign.NewEd25519FromSeed(bytes.Repeat([]byte{2}, 32))
	srv, base := startExchange(ctx, "example-key-2", key)
	defer srv.Close()
	url, _ := wsapi.URLFromREST(base)
	c, err := wsapi.Dial(ctx, wsapi.Options{URL: url, APIKey: "example-key-2", Signer: key, Logon: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	o, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
		Quantity: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("10000"),
		ClientOrderID: "my-intent-1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.Symbol, o.Status, o.ClientOrderID)
	cx, err := c.CancelOrder(ctx, "BTCUSDT", 0, "my-intent-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cx.Status)
	// Output:
	// BTCUSDT NEW my-intent-1
	// CANCELED
}

// Share the REST client's clock and weight governor, so REST and WebSocket
// calls from one IP draw on one budget as Binance counts them.
func ExampleOptions_sharedWithREST() {
	rest, err := binance.New(binance.Options{Env: binance.Prod})
	if err != nil {
		log.Fatal(err)
	}
	ck, _ := rest.Clock(binance.Spot)
	opt := wsapi.Options{URL: wsapi.ProdURL, Clock: ck, Governor: rest.Governor()}
	fmt.Println(opt.URL)
	// Output: wss://ws-api.binance.com:443/ws-api/v3
}

func ExampleURLFromREST() {
	for _, base := range []string{"https://api.binance.com", "https://testnet.binance.vision", "http://127.0.0.1:8080"} {
		u, _ := wsapi.URLFromREST(base)
		fmt.Println(u)
	}
	// Output:
	// wss://ws-api.binance.com:443/ws-api/v3
	// wss://ws-api.testnet.binance.vision/ws-api/v3
	// ws://127.0.0.1:8080/ws-api/v3
}

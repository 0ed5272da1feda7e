package emulator_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/mbxkit/mbx/binance/emulator"
)

// The WebSocket API at ws://HOST:PORT/ws-api/v3 answers Binance's frames;
// the connection costs 2 weight and every method its own, from the same
// budget as REST.
func Example_webSocketAPI() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := func() time.Time { return time.UnixMilli(1656400526260) }
	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+emulator.WSAPIPath, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()
	for _, req := range []string{
		`{"id":1,"method":"time"}`,
		`{"id":"no-limits","method":"ping","params":{"returnRateLimits":false}}`,
		`{"id":3,"method":"account.status","params":{"timestamp":1656400526260}}`,
	} {
		if err := c.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
			fmt.Println(err)
			return
		}
		_, answer, err := c.Read(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(string(answer))
	}
	// Output:
	// {"id":1,"status":200,"result":{"serverTime":1656400526260},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":3}]}
	// {"id":"no-limits","status":200,"result":{}}
	// {"id":3,"status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed."},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":24}]}
}

// Taking a permission away at run time revokes a WebSocket API session
// logged on with the key, and REST sees the change at once.
func ExampleServer_SetKeyPermissions() {
	srv, err := emulator.New(context.Background(), emulator.DefaultConfig(), emulator.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	if err := srv.SetKeyPermissions(emulator.DocsAPIKey, []string{emulator.PermUserData}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(srv.Keys()[0].Permissions)
	fmt.Println(srv.SetKeyPermissions(emulator.DocsAPIKey, []string{"SPOT"}))
	// Output:
	// [USER_DATA]
	// emulator: set permissions: permissions[0] "SPOT" is not a permission; use USER_DATA, TRADE, WITHDRAW, FUTURES, UNIVERSAL_TRANSFER, MARGIN, OPTIONS
}

package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
)

// Start the local exchange in-process on a free loopback port, as tests
// and `mbx doctor` do, and ask it for its time.
func Example() {
	ctx := context.Background()
	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{}) // in memory, docs' example key
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

	resp, err := http.Get(base + "/api/v3/time")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var body struct {
		ServerTime int64 `json:"serverTime"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", resp.StatusCode)
	fmt.Println("weight used:", resp.Header.Get("X-MBX-USED-WEIGHT-1M"))
	fmt.Println("clock within 1m of ours:", time.Since(time.UnixMilli(body.ServerTime)).Abs() < time.Minute)
	fmt.Println("accepts the docs' key:", srv.Keys()[0].APIKey == emulator.DocsAPIKey)
	// Output:
	// status: 200
	// weight used: 1
	// clock within 1m of ours: true
	// accepts the docs' key: true
}

// An endpoint without modelled state still runs every check, then answers
// Binance's documented example, marked by X-MBX-EMULATED.
func ExampleHeaderEmulated() {
	ctx := context.Background()
	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{})
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
	resp, err := http.Get(base + "/sapi/v1/system/status")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get(emulator.HeaderEmulated))
	// Output: 200 example
}

package inspector_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/emulator/inspector"
)

// The exchange takes the inspector in its Options and the inspector reads
// the exchange: fill the handler in before Start.
func ExampleNew() {
	ctx := context.Background()
	var insp http.Handler
	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{
		Inspector: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { insp.ServeHTTP(w, r) }),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	insp = inspector.New(srv, inspector.Options{})
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}

	resp, err := http.Get(base + "/mbx/api/recent")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(body))
	// Open base + "/mbx/" in a browser for the page.

	// Output:
	// 200 []
}

func ExampleMaskKey() {
	fmt.Println(inspector.MaskKey("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"))
	// Output: vmPU…Eh8A
}

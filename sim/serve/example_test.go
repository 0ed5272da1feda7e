package serve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/mbxkit/mbx/sim/serve"
)

func ExampleStart() {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	s, err := serve.Start(context.Background(), "127.0.0.1:0", h, serve.Options{Name: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Shutdown()
	resp, err := http.Get(s.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: ok
}

package payload_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

func ExampleREST() {
	key, _ := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	r := payload.REST{Method: http.MethodPost}
	r.Query.Add("symbol", "这是测试币456").Add("side", "BUY").Add("type", "MARKET").Add("quantity", 0.00001)
	signed, err := r.Sign(key, payload.Options{
		Now:        func() time.Time { return time.UnixMilli(1499827319559) },
		RecvWindow: 5 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signed.Payload)
	fmt.Println(signed.Signature) // checked with: openssl dgst -sha256 -hmac SECRET
	// Output:
	// symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456&side=BUY&type=MARKET&quantity=0.00001&recvWindow=5000&timestamp=1499827319559
	// 048bb977fa365d3c39135234b9ffcbb9f623d14908df568e5f0437d2c8987b2d
}

func ExampleWS() {
	key, _ := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	var w payload.WS
	w.Params.Add("symbol", "BTCUSDT").Add("side", "SELL").Add("type", "LIMIT").Add("timeInForce", "GTC").
		Add("quantity", "0.01000000").Add("price", "52000.00").Add("recvWindow", 100).Add("timestamp", 1645423376532)
	signed, _ := w.Sign(key, "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", payload.Options{})
	fmt.Println(signed.Signature)
	// Output: aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24
}

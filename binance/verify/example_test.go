package verify_test

import (
	"fmt"
	"time"

	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The docs' mixed example: order parameters in the query string, quantity,
// price, recvWindow, timestamp and the signature in the form body.
func ExampleVerify() {
	h, err := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	if err != nil {
		panic(err)
	}
	key := verify.Key{APIKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", Verifier: h}
	req := &verify.Request{
		Method:      "POST",
		Path:        "/api/v3/order",
		RawQuery:    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
		Body:        []byte("quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"),
		ContentType: "application/x-www-form-urlencoded",
		APIKey:      key.APIKey,
		HasAPIKey:   true,
	}
	if rej := verify.CheckAPIKeyHeader(req.APIKey, req.HasAPIKey); rej != nil {
		fmt.Println(rej)
		return
	}
	res, rej := verify.Verify(req, key, verify.Options{ServerTime: time.UnixMilli(1499827319700)})
	if rej != nil {
		fmt.Println(rej)
		return
	}
	fmt.Printf("payload:   %s\n", res.Payload)
	fmt.Printf("signature: in the %s\n", res.SignatureIn)
	fmt.Printf("window:    %v\n", res.RecvWindow)
	fmt.Printf("quantity:  %s\n", must(res.Params.Get("quantity")))
	// Output:
	// payload:   symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559
	// signature: in the body
	// window:    5s
	// quantity:  1
}

func must(v string, _ bool) string { return v }

// A client signed the e-mail address before percent-encoding it, then sent
// it encoded: Binance answers -1022, and Explain names the mistake.
func ExampleExplain() {
	h, err := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	if err != nil {
		panic(err)
	}
	key := verify.Key{APIKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", Verifier: h}
	signed := "email=sub%40example.com&asset=USDT&amount=10&timestamp=1499827319559"
	mac, _ := h.AppendSign(nil, []byte("email=sub@example.com&asset=USDT&amount=10&timestamp=1499827319559"))
	req := &verify.Request{Method: "POST", Path: "/sapi/v1/sub-account/universalTransfer",
		RawQuery: fmt.Sprintf("%s&signature=%x", signed, mac)}

	e := verify.Explain(req, key, verify.Options{ServerTime: time.UnixMilli(1499827319600)})
	fmt.Println(e.Code, e.Mistake.ID)
	fmt.Println(e.Diff)
	// Output:
	// -1022 signed-decoded
	// first difference at byte 9 (sent 68 bytes, signed 66 bytes)
	// sent:   email=sub%40example.com&asset=USDT&amount=10&time...
	// signed: email=sub@example.com&asset=USDT&amount=10&timest...
	//                  ^
}

func ExampleVisible() {
	fmt.Println(verify.Visible([]byte("symbol=币\n")))
	// Output: symbol=\xE5\xB8\x81\n
}

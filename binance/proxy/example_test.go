package proxy_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// A proxy in front of the local exchange answers a bot that signed the raw
// UTF-8 text but sent it percent-encoded, without forwarding it.
func Example() {
	ctx := context.Background()
	exchange, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer exchange.Close()
	upstream, _ := exchange.Start(ctx, "127.0.0.1:0")

	key, _ := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	p, err := proxy.New(proxy.Options{Upstream: upstream, Keys: []verify.Key{{APIKey: emulator.DocsAPIKey, Verifier: key}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	base, _ := p.Start(ctx, "127.0.0.1:0")

	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	sent := "symbol=%E5%B8%81456&timestamp=" + ts
	mac, _ := key.AppendSign(nil, []byte("symbol=币456&timestamp="+ts)) // the bot's mistake
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v3/openOrders", nil)
	req.URL.RawQuery = sent + "&signature=" + hex.EncodeToString(mac)
	req.Header.Set("X-MBX-APIKEY", emulator.DocsAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	fmt.Println(resp.Header.Get(proxy.HeaderExplain)[:21])
	fmt.Println("forwarded:", p.Stats().Forwarded)
	// Output:
	// 400 {"code":-1022,"msg":"Signature for this request is not valid."}
	// -1022 signed-decoded:
	// forwarded: 0
}

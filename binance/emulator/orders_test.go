package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mbxkit/mbx/params"
)

func tradingConfig() Config {
	cfg := DefaultConfig()
	cfg.Keys[0].Permissions = []string{PermUserData, PermTrade, PermFutures}
	return cfg
}

func balanceOf(t *testing.T, e *exchange, k testKey, asset string) (free, locked string) {
	t.Helper()
	a := e.signed(k, "GET", "/api/v3/account", params.List{}, params.List{})
	wantOK(t, a)
	var acct accountResp
	a.json(t, &acct)
	for _, b := range acct.Balances {
		if b.Asset == asset {
			return b.Free, b.Locked
		}
	}
	t.Fatalf("no %s balance in %s", asset, a.Body)
	return "", ""
}

func lastEntry(e *exchange) Entry {
	r := e.srv.Recent()
	return r[len(r)-1]
}

func TestSpotOrderLifecycle(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	order := func(pairs ...any) answer {
		t.Helper()
		return e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, pairs...))
	}

	// A LIMIT BUY below the market rests and locks its quote.
	a := order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC",
		"quantity", "0.01", "price", "50000", "newClientOrderId", "rest-1", "newOrderRespType", "RESULT")
	wantOK(t, a)
	var placed spotResult
	a.json(t, &placed)
	if placed.Status != "NEW" || placed.ClientOrderID != "rest-1" || placed.OrigQty != "0.01000000" || placed.OrderListID != -1 {
		t.Fatalf("placed = %s", a.Body)
	}
	if a.Header.Get("X-MBX-ORDER-COUNT-10S") != "1" || a.Header.Get("X-MBX-ORDER-COUNT-1D") != "1" {
		t.Errorf("order counts = %q %q", a.Header.Get("X-MBX-ORDER-COUNT-10S"), a.Header.Get("X-MBX-ORDER-COUNT-1D"))
	}
	if w := lastEntry(e).Weight; w != 0 {
		t.Errorf("successful order charged weight %d, want 0", w)
	}
	if free, locked := balanceOf(t, e, k, "USDT"); free != "9500.00000000" || locked != "500.00000000" {
		t.Fatalf("USDT = %s free, %s locked", free, locked)
	}

	a = e.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "origClientOrderId", "rest-1"), params.List{})
	wantOK(t, a)
	var got spotOrderJSON
	a.json(t, &got)
	if got.OrderID != placed.OrderID || got.Status != "NEW" || !got.IsWorking {
		t.Fatalf("order = %s", a.Body)
	}
	a = e.signed(k, "GET", "/api/v3/openOrders", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"clientOrderId":"rest-1"`) || lastEntry(e).Weight != 6 {
		t.Fatalf("openOrders = %s (weight %d)", a.Body, lastEntry(e).Weight)
	}

	// The price falls to the order: it fills at its limit price.
	a = e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"49000"}`)
	wantOK(t, a)
	if !strings.Contains(string(a.Body), fmt.Sprintf(`"filledOrderIds": [
    %d
  ]`, placed.OrderID)) {
		t.Fatalf("price update = %s", a.Body)
	}
	a = e.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", placed.OrderID), params.List{})
	wantOK(t, a)
	a.json(t, &got)
	if got.Status != "FILLED" || got.ExecutedQty != "0.01000000" || got.CummulativeQuoteQty != "500.00000000" {
		t.Fatalf("filled order = %s", a.Body)
	}
	if free, locked := balanceOf(t, e, k, "USDT"); free != "9500.00000000" || locked != "0.00000000" {
		t.Fatalf("USDT after fill = %s free, %s locked", free, locked)
	}
	if free, _ := balanceOf(t, e, k, "BTC"); free != "1.01000000" {
		t.Fatalf("BTC after fill = %s", free)
	}
	a = e.signed(k, "GET", "/api/v3/myTrades", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	var trades []tradeJSON
	a.json(t, &trades)
	if len(trades) != 1 || trades[0].OrderID != placed.OrderID || trades[0].Price != "50000.00000000" || !trades[0].IsBuyer || !trades[0].IsMaker {
		t.Fatalf("trades = %s", a.Body)
	}
	if lastEntry(e).Weight != 20 {
		t.Errorf("myTrades weight = %d, want 20", lastEntry(e).Weight)
	}

	// A resting SELL locks base; cancelling releases it.
	a = order("symbol", "BTCUSDT", "side", "SELL", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.5", "price", "70000")
	wantOK(t, a)
	var sell spotFull
	a.json(t, &sell)
	if sell.Status != "NEW" || sell.Fills == nil || len(sell.Fills) != 0 || len(sell.ClientOrderID) != 22 {
		t.Fatalf("sell = %s", a.Body)
	}
	if _, locked := balanceOf(t, e, k, "BTC"); locked != "0.50000000" {
		t.Fatalf("BTC locked = %s", locked)
	}
	a = e.signed(k, "DELETE", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", sell.OrderID), params.List{})
	wantOK(t, a)
	var cancelled spotCancelJSON
	a.json(t, &cancelled)
	if cancelled.Status != "CANCELED" || cancelled.OrigClientOrderID != sell.ClientOrderID || lastEntry(e).Weight != 0 {
		t.Fatalf("cancel = %s", a.Body)
	}
	if free, locked := balanceOf(t, e, k, "BTC"); free != "1.01000000" || locked != "0.00000000" {
		t.Fatalf("BTC after cancel = %s free, %s locked", free, locked)
	}
	a = e.signed(k, "DELETE", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", sell.OrderID), params.List{})
	wantCode(t, a, 400, -2011, "Unknown order sent.")
	if lastEntry(e).Weight != 1 {
		t.Errorf("failed cancel weight = %d, want 1", lastEntry(e).Weight)
	}
	wantCode(t, e.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", 999999), params.List{}), 400, -2013, "Order does not exist.")

	// MARKET by quote amount, FULL answer with its fill.
	a = order("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quoteOrderQty", "98")
	wantOK(t, a)
	var mkt spotFull
	a.json(t, &mkt)
	if mkt.Status != "FILLED" || len(mkt.Fills) != 1 || mkt.Fills[0].Price != "49000.00000000" || mkt.ExecutedQty != "0.00200000" {
		t.Fatalf("market = %s", a.Body)
	}

	// Maker-only that would take, duplicate client ids.
	wantCode(t, order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT_MAKER", "quantity", "0.001", "price", "49500"),
		400, -2010, "Order would immediately match and take.")
	wantOK(t, order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.001", "price", "40000", "newClientOrderId", "dup"))
	wantCode(t, order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.001", "price", "40000", "newClientOrderId", "dup"),
		400, -2010, "Duplicate order sent.")
	wantOK(t, order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT_MAKER", "quantity", "0.001", "price", "41000", "newOrderRespType", "ACK"))

	a = e.signed(k, "GET", "/api/v3/allOrders", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	var all []spotOrderJSON
	a.json(t, &all)
	if len(all) != 5 || all[0].OrderID != placed.OrderID {
		t.Fatalf("allOrders = %s", a.Body)
	}
	a = e.signed(k, "GET", "/api/v3/allOrders", kv(t, "symbol", "BTCUSDT", "limit", 2), params.List{})
	wantOK(t, a)
	a.json(t, &all)
	if len(all) != 2 || all[1].ClientOrderID == "dup" {
		t.Fatalf("allOrders limit 2 = %s", a.Body)
	}

	a = e.signed(k, "GET", "/api/v3/rateLimit/order", params.List{}, params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"interval":"SECOND","intervalNum":10,"limit":50,"count":5`) {
		t.Fatalf("rateLimit/order = %s", a.Body)
	}

	// Cancel everything open on the symbol, then nothing is left.
	a = e.signed(k, "DELETE", "/api/v3/openOrders", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	var cs []spotCancelJSON
	a.json(t, &cs)
	if len(cs) != 2 {
		t.Fatalf("cancel all = %s", a.Body)
	}
	wantCode(t, e.signed(k, "DELETE", "/api/v3/openOrders", kv(t, "symbol", "BTCUSDT"), params.List{}), 400, -2011, "")
	if free, locked := balanceOf(t, e, k, "USDT"); locked != "0.00000000" || free != "9402.00000000" {
		t.Fatalf("USDT at the end = %s free, %s locked", free, locked)
	}
}

func TestExchangeInfo(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	a := e.get("/api/v3/exchangeInfo", params.List{})
	wantOK(t, a)
	var info exchangeInfoResp
	a.json(t, &info)
	if len(info.Symbols) != len(DefaultSymbols()) || len(info.RateLimits) != 4 || info.RateLimits[0].Limit != 6000 {
		t.Fatalf("exchangeInfo = %.300s", a.Body)
	}
	if lastEntry(e).Weight != 20 {
		t.Errorf("weight = %d, want 20", lastEntry(e).Weight)
	}
	a = e.get("/api/v3/exchangeInfo", kv(t, "symbols", []string{"币安人生USDT", "这是测试币456"}))
	wantOK(t, a)
	a.json(t, &info)
	if len(info.Symbols) != 2 || info.Symbols[1].BaseAsset != "这是测试币" || info.Symbols[1].QuoteAsset != "456" {
		t.Fatalf("exchangeInfo symbols = %.400s", a.Body)
	}
	f := info.Symbols[0].Filters[0].(map[string]any)
	if f["filterType"] != "PRICE_FILTER" || f["tickSize"] != "0.00010000" {
		t.Fatalf("filters = %v", info.Symbols[0].Filters)
	}
	wantCode(t, e.get("/api/v3/exchangeInfo", kv(t, "symbol", "NOPE")), 400, -1121, "Invalid symbol.")
	wantCode(t, e.get("/api/v3/exchangeInfo", kv(t, "symbol", "BTCUSDT", "symbols", []string{"BTCUSDT"})), 400, -1128, "")
	wantOK(t, e.get("/api/v3/ping", params.List{}))
}

func TestFuturesEndpoints(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	a := e.get("/fapi/v1/time", params.List{})
	wantOK(t, a)
	if !strings.HasPrefix(string(a.Body), `{"serverTime":`) {
		t.Fatalf("time = %s", a.Body)
	}

	a = e.signed(k, "POST", "/fapi/v1/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT",
		"timeInForce", "GTX", "quantity", "0.01", "price", "50000", "newClientOrderId", "fut-1"))
	wantOK(t, a)
	var fo futOrderJSON
	a.json(t, &fo)
	if fo.Status != "NEW" || fo.TimeInForce != "GTX" || fo.Type != "LIMIT" || fo.ClientOrderID != "fut-1" || fo.PositionSide != "BOTH" {
		t.Fatalf("futures order = %s", a.Body)
	}
	if a.Header.Get("X-MBX-ORDER-COUNT-10S") != "1" || a.Header.Get("X-MBX-ORDER-COUNT-1M") != "1" {
		t.Errorf("order count headers = %v", a.Header)
	}
	// Spot does not see futures orders.
	wantCode(t, e.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", fo.OrderID), params.List{}), 400, -2013, "")
	a = e.signed(k, "GET", "/fapi/v1/order", kv(t, "symbol", "BTCUSDT", "origClientOrderId", "fut-1"), params.List{})
	wantOK(t, a)
	a = e.signed(k, "DELETE", "/fapi/v1/order", kv(t, "symbol", "BTCUSDT", "orderId", fo.OrderID), params.List{})
	wantOK(t, a)
	a.json(t, &fo)
	if fo.Status != "CANCELED" {
		t.Fatalf("cancel = %s", a.Body)
	}
	wantCode(t, e.signed(k, "POST", "/fapi/v1/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT",
		"timeInForce", "GTX", "quantity", "0.01", "price", "70000")), 400, -5022, "")
	wantCode(t, e.signed(k, "POST", "/fapi/v1/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET",
		"quantity", "0.00001")), 400, -4164, "Order's notional must be no smaller than 5 (unless you choose reduce only).")

	batch := []map[string]string{
		{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "50000", "timeInForce": "GTC"},
		{"symbol": "BTCUSDT", "side": "BUY", "type": "NONSENSE", "quantity": "0.01"},
		{"symbol": "币安人生USDT", "side": "SELL", "type": "MARKET", "quantity": "100"},
	}
	a = e.signed(k, "POST", "/fapi/v1/batchOrders", params.List{}, kv(t, "batchOrders", batch))
	wantOK(t, a)
	var items []map[string]any
	a.json(t, &items)
	if len(items) != 3 || items[0]["status"] != "NEW" || items[1]["code"] != float64(-1116) || items[2]["status"] != "FILLED" {
		t.Fatalf("batch = %s", a.Body)
	}
	wantCode(t, e.signed(k, "POST", "/fapi/v1/batchOrders", params.List{}, kv(t, "batchOrders", "[{'symbol':'BTCUSDT'}]")), 400, -1130, "")

	wantCode(t, e.signed(k, "POST", "/fapi/v1/leverage", params.List{}, kv(t, "symbol", "BTCUSDT", "leverage", 200)), 400, -4028, "Leverage 200 is not valid")
	wantOK(t, e.signed(k, "POST", "/fapi/v1/leverage", params.List{}, kv(t, "symbol", "币安人生USDT", "leverage", 7)))
	a = e.signed(k, "GET", "/fapi/v2/account", params.List{}, params.List{})
	wantOK(t, a)
	var acct futAccountResp
	a.json(t, &acct)
	found := false
	for _, p := range acct.Positions {
		if p.Symbol == "币安人生USDT" && p.Leverage == "7" {
			found = true
		}
	}
	if !found || acct.TotalWalletBalance != "10000.00000000" {
		t.Fatalf("futures account = %.600s", a.Body)
	}
}

// A restarted exchange on the same data directory finds every order it
// acknowledged; --reset starts clean.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	k := docsKey(t)
	e := startExchange(t, tradingConfig(), Options{DataDir: dir})
	a := e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT",
		"timeInForce", "GTC", "quantity", "0.01", "price", "50000", "newClientOrderId", "survivor"))
	wantOK(t, a)
	var placed spotFull
	a.json(t, &placed)
	wantOK(t, e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001")))
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := startExchange(t, tradingConfig(), Options{DataDir: dir})
	a = e2.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "origClientOrderId", "survivor"), params.List{})
	wantOK(t, a)
	var got spotOrderJSON
	a.json(t, &got)
	if got.OrderID != placed.OrderID || got.Status != "NEW" {
		t.Fatalf("after restart: %s", a.Body)
	}
	if free, locked := balanceOf(t, e2, k, "USDT"); free != "9440.00000000" || locked != "500.00000000" {
		t.Fatalf("USDT after restart = %s free, %s locked", free, locked)
	}
	a = e2.signed(k, "GET", "/api/v3/myTrades", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	if strings.Count(string(a.Body), `"orderId"`) != 1 {
		t.Fatalf("trades after restart = %s", a.Body)
	}
	if err := e2.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e3 := startExchange(t, tradingConfig(), Options{DataDir: dir, Reset: true})
	wantCode(t, e3.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "origClientOrderId", "survivor"), params.List{}), 400, -2013, "")
	if free, locked := balanceOf(t, e3, k, "USDT"); free != "10000.00000000" || locked != "0.00000000" {
		t.Fatalf("USDT after reset = %s free, %s locked", free, locked)
	}
}

// The admin reset puts balances, orders and prices back to the config.
func TestAdminReset(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	wantOK(t, e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01")))
	wantOK(t, e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"1000"}`))
	wantOK(t, e.admin("POST", "/reset", ""))
	if free, _ := balanceOf(t, e, k, "USDT"); free != "10000.00000000" {
		t.Fatalf("USDT after reset = %s", free)
	}
	a := e.get("/api/v3/ticker/price", kv(t, "symbol", "BTCUSDT"))
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"price":"60000.00000000"`) {
		t.Fatalf("price after reset = %s", a.Body)
	}
	a = e.admin("POST", "/price", `{"symbol":"NOPE","price":"1"}`)
	if a.Status != http.StatusBadRequest || !strings.Contains(string(a.Body), "unknown symbol") {
		t.Fatalf("unknown symbol price = %d %s", a.Status, a.Body)
	}
	if _, err := e.srv.SetPrice(context.Background(), "BTCUSDT", mustDec(t, "-1")); err == nil {
		t.Fatal("SetPrice accepted a negative price")
	}
}

func TestTimeUnitHeader(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	get := func(path, unit string) answer {
		req, err := http.NewRequest("GET", e.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-MBX-TIME-UNIT", unit)
		return e.do(req)
	}
	var st serverTimeResp
	a := get("/api/v3/time", "MICROSECOND")
	wantOK(t, a)
	a.json(t, &st)
	if st.ServerTime != e.clock.Now().UnixMicro() {
		t.Fatalf("serverTime = %d, want µs %d", st.ServerTime, e.clock.Now().UnixMicro())
	}
	a = get("/api/v3/time", "millisecond")
	wantOK(t, a)
	a.json(t, &st)
	if st.ServerTime != e.clock.Now().UnixMilli() {
		t.Fatalf("serverTime = %d, want ms", st.ServerTime)
	}
	wantCode(t, get("/api/v3/time", "NANOSECOND"), 400, -1194, "Invalid value for time unit; expected either MICROSECOND or MILLISECOND.")
	wantOK(t, get("/fapi/v1/time", "NANOSECOND")) // futures ignore the header

	// Order answers are in milliseconds by default.
	a = e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001"))
	wantOK(t, a)
	var ack spotAck
	a.json(t, &ack)
	if ack.TransactTime != e.clock.Now().UnixMilli() {
		t.Fatalf("transactTime = %d", ack.TransactTime)
	}
}

func TestUniversalTransferMovesFunds(t *testing.T) {
	cfg, keys := authConfig(t)
	e := startExchange(t, cfg, Options{})
	main, sub := keys["hmac"], keys["sub"]
	wantOK(t, e.signed(main, "POST", "/sapi/v1/sub-account/universalTransfer", params.List{}, kv(t,
		"toEmail", "sub+1@example.com", "fromAccountType", "SPOT", "toAccountType", "SPOT", "asset", "USDT", "amount", "12.5")))
	if free, _ := balanceOf(t, e, main, "USDT"); free != "9987.50000000" {
		t.Fatalf("main USDT = %s", free)
	}
	if free, _ := balanceOf(t, e, sub, "USDT"); free != "10012.50000000" {
		t.Fatalf("sub USDT = %s", free)
	}
	// Back again, named by both e-mails; too much is refused and moves nothing.
	wantOK(t, e.signed(main, "POST", "/sapi/v1/sub-account/universalTransfer", params.List{}, kv(t,
		"fromEmail", "sub+1@example.com", "toEmail", "main@example.com", "fromAccountType", "SPOT", "toAccountType", "SPOT", "asset", "USDT", "amount", "2.5")))
	wantCode(t, e.signed(main, "POST", "/sapi/v1/sub-account/universalTransfer", params.List{}, kv(t,
		"toEmail", "sub+1@example.com", "fromAccountType", "SPOT", "toAccountType", "SPOT", "asset", "USDT", "amount", "1000000")),
		400, -2018, "Balance is insufficient.")
	if free, _ := balanceOf(t, e, sub, "USDT"); free != "10010.00000000" {
		t.Fatalf("sub USDT = %s", free)
	}
}

// Many clients at once: every order is placed exactly once and the cached
// balances always match the ledger.
func TestConcurrentOrdersAndReads(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	const workers, each = 6, 8
	var wg sync.WaitGroup
	errs := make(chan string, workers*each*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				a := e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001"))
				if a.Err != nil || a.Status != 200 {
					errs <- fmt.Sprintf("order: %v %d %s", a.Err, a.Status, a.Body)
				}
				a = e.signed(k, "GET", "/api/v3/account", params.List{}, params.List{})
				if a.Err != nil || a.Status != 200 {
					errs <- fmt.Sprintf("account: %v %d %s", a.Err, a.Status, a.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if free, _ := balanceOf(t, e, k, "BTC"); free != "1.04800000" {
		t.Fatalf("BTC = %s, want 1.048", free)
	}
	if free, _ := balanceOf(t, e, k, "USDT"); free != "7120.00000000" {
		t.Fatalf("USDT = %s, want 7120", free)
	}
}

// The hand-written account answer has exactly the shape of accountResp.
func TestAccountJSONShape(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	for _, omit := range []string{"false", "true"} {
		a := e.signed(k, "GET", "/api/v3/account", kv(t, "omitZeroBalances", omit), params.List{})
		wantOK(t, a)
		var acct accountResp
		a.json(t, &acct)
		again, err := json.Marshal(acct)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(a.Body) {
			t.Fatalf("account body\n%s\nre-encoded\n%s", a.Body, again)
		}
		if acct.UID == 0 || !acct.CanTrade || acct.CanWithdraw || acct.UpdateTime != e.clock.Now().UnixMilli() {
			t.Fatalf("account = %s", a.Body)
		}
		if omit == "true" && len(acct.Balances) != len(DefaultKey().Balances) {
			t.Fatalf("omitZeroBalances: %d balances", len(acct.Balances))
		}
	}
	// After a trade the cache must not serve the old balances.
	wantOK(t, e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, "symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "1")))
	a := e.signed(k, "GET", "/api/v3/account", kv(t, "omitZeroBalances", "true"), params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `{"asset":"ETH","free":"1.00000000","locked":"0.00000000"}`) {
		t.Fatalf("account after buying ETH = %s", a.Body)
	}
}

package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
	"github.com/mbxkit/mbx/params"
)

// TestMarketDataWeightsAndShapes asks every market-data route once and
// checks Binance's weight and the answer's shape.
func TestMarketDataWeightsAndShapes(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	tests := []struct {
		path   string
		query  []any
		weight int
		check  func(t *testing.T, body []byte)
	}{
		{"/api/v3/depth", []any{"symbol", "BTCUSDT", "limit", 5}, 5, func(t *testing.T, b []byte) {
			var d depthResp
			decodeJSON(t, b, &d)
			if len(d.Bids) != 5 || len(d.Asks) != 5 || d.Asks[0][0] != "60000.00000000" || d.Bids[0][0] >= d.Asks[0][0] {
				t.Errorf("depth %s", b)
			}
		}},
		{"/api/v3/depth", []any{"symbol", "BTCUSDT", "limit", 500}, 25, nil},
		{"/api/v3/depth", []any{"symbol", "BTCUSDT", "limit", 1000}, 50, nil},
		{"/api/v3/depth", []any{"symbol", "BTCUSDT", "limit", 5000}, 250, nil},
		{"/api/v3/trades", []any{"symbol", "ETHUSDT", "limit", 3}, 25, func(t *testing.T, b []byte) {
			var tr []publicTradeJSON
			decodeJSON(t, b, &tr)
			if len(tr) != 3 || tr[2].Price != "3000.00000000" || tr[2].ID != tr[1].ID+1 || tr[2].IsBestMatch == nil {
				t.Errorf("trades %s", b)
			}
		}},
		{"/api/v3/aggTrades", []any{"symbol", "BTCUSDT", "limit", 2}, 4, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"M":true`) || strings.Count(string(b), `"a":`) != 2 {
				t.Errorf("aggTrades %s", b)
			}
		}},
		{"/api/v3/klines", []any{"symbol", "BTCUSDT", "interval", "1h", "limit", 3}, 2, func(t *testing.T, b []byte) {
			var ks [][]any
			decodeJSON(t, b, &ks)
			if len(ks) != 3 || len(ks[0]) != 12 || ks[2][4] != "60000.00000000" {
				t.Errorf("klines %s", b)
			}
		}},
		{"/api/v3/uiKlines", []any{"symbol", "LTCBTC", "interval", "1M", "limit", 2}, 2, nil},
		{"/api/v3/ticker/24hr", []any{"symbol", "BTCUSDT"}, 2, func(t *testing.T, b []byte) {
			var m map[string]any
			decodeJSON(t, b, &m)
			if m["lastPrice"] != "60000.00000000" || m["askPrice"] != "60000.00000000" || m["count"].(float64) < 86000 {
				t.Errorf("24hr %s", b)
			}
		}},
		{"/api/v3/ticker/24hr", nil, 80, func(t *testing.T, b []byte) {
			var l []map[string]any
			decodeJSON(t, b, &l)
			if len(l) != len(DefaultSymbols()) {
				t.Errorf("24hr for all: %d tickers", len(l))
			}
		}},
		{"/api/v3/ticker/24hr", []any{"symbols", `["BTCUSDT","ETHUSDT"]`, "type", "MINI"}, 2, func(t *testing.T, b []byte) {
			if strings.Contains(string(b), "priceChange") || strings.Count(string(b), `"symbol"`) != 2 {
				t.Errorf("MINI tickers %s", b)
			}
		}},
		{"/api/v3/ticker", []any{"symbols", `["BTCUSDT","ETHUSDT"]`, "windowSize", "15m"}, 8, nil},
		{"/api/v3/ticker/tradingDay", []any{"symbol", "BNBUSDT"}, 4, nil},
		{"/api/v3/ticker/bookTicker", []any{"symbol", "BTCUSDT"}, 2, nil},
		{"/api/v3/ticker/bookTicker", nil, 4, nil},
		{"/api/v3/avgPrice", []any{"symbol", "BTCUSDT"}, 2, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"mins":5`) {
				t.Errorf("avgPrice %s", b)
			}
		}},
		{"/fapi/v1/exchangeInfo", nil, 1, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"symbol":"BTCUSDT","contractType":"PERPETUAL"`) && !strings.Contains(string(b), `"contractType":"PERPETUAL"`) || strings.Contains(string(b), "LTCBTC") {
				t.Errorf("fapi exchangeInfo %.300s", b)
			}
		}},
		{"/dapi/v1/exchangeInfo", nil, 1, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"BTCUSD_PERP"`) || !strings.Contains(string(b), `"contractSize":100`) {
				t.Errorf("dapi exchangeInfo %.300s", b)
			}
		}},
		{"/fapi/v1/depth", []any{"symbol", "BTCUSDT", "limit", 5}, 2, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"asks":[["60000.00",`) {
				t.Errorf("fapi depth %s", b)
			}
		}},
		{"/fapi/v1/depth", []any{"symbol", "BTCUSDT"}, 10, nil},
		{"/fapi/v1/klines", []any{"symbol", "BTCUSDT", "interval", "1m", "limit", 99}, 1, nil},
		{"/fapi/v1/klines", []any{"symbol", "BTCUSDT", "interval", "1m", "limit", 1500}, 10, nil},
		{"/fapi/v1/ticker/24hr", nil, 40, nil},
		{"/fapi/v1/ticker/price", []any{"symbol", "BTCUSDT"}, 1, nil},
		{"/fapi/v1/premiumIndex", []any{"symbol", "BTCUSDT"}, 1, nil},
		{"/dapi/v1/depth", []any{"symbol", "BTCUSD_PERP", "limit", 10}, 2, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"asks":[["60000.0","`) {
				t.Errorf("dapi depth %s", b)
			}
		}},
		{"/dapi/v1/klines", []any{"symbol", "BTCUSD_PERP", "interval", "1d", "limit", 5}, 1, nil},
		{"/dapi/v1/ticker/24hr", []any{"symbol", "BTCUSD_PERP"}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.path, tt.query), func(t *testing.T) {
			a := e.get(tt.path, kv(t, tt.query...))
			wantOK(t, a)
			if w := lastEntry(e).Weight; w != tt.weight {
				t.Errorf("weight %d, want %d", w, tt.weight)
			}
			if tt.check != nil {
				tt.check(t, a.Body)
			}
		})
	}
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}

func TestMarketDataRejects(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	tests := []struct {
		path         string
		query        []any
		status, code int
	}{
		{"/api/v3/klines", []any{"symbol", "BTCUSDT", "interval", "2m"}, 400, -1120},
		{"/api/v3/klines", []any{"symbol", "BTCUSDT"}, 400, -1102},
		{"/api/v3/depth", []any{"symbol", "BTCUSDT", "limit", 5001}, 400, -1100},
		{"/api/v3/depth", []any{"symbol", "NOPE"}, 400, -1121},
		{"/fapi/v1/depth", []any{"symbol", "LTCBTC"}, 400, -1121},
		{"/fapi/v1/depth", []any{"symbol", "BTCUSDT", "limit", 7}, 400, -1130},
		{"/dapi/v1/klines", []any{"symbol", "BTCUSDT", "interval", "1m"}, 400, -1121},
		{"/api/v3/ticker", []any{"symbol", "BTCUSDT", "windowSize", "8d"}, 400, -1130},
		{"/api/v3/ticker", nil, 400, -1102},
		{"/api/v3/ticker/24hr", []any{"symbol", "BTCUSDT", "type", "HALF"}, 400, -1100},
		{"/api/v3/aggTrades", []any{"symbol", "BTCUSDT", "fromId", 1, "startTime", 1}, 400, -1128},
	}
	for _, tt := range tests {
		a := e.get(tt.path, kv(t, tt.query...))
		wantCode(t, a, tt.status, tt.code, "")
	}
}

// TestKlinesEveryIntervalHTTP asks klines and uiKlines of every interval.
func TestKlinesEveryIntervalHTTP(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	for _, iv := range market.IntervalNames() {
		for _, path := range []string{"/api/v3/klines", "/api/v3/uiKlines", "/fapi/v1/klines", "/dapi/v1/klines"} {
			sym := "BTCUSDT"
			if strings.HasPrefix(path, "/dapi") {
				sym = "BTCUSD_PERP"
			}
			a := e.get(path, kv(t, "symbol", sym, "interval", iv, "limit", 2))
			wantOK(t, a)
			var ks [][]any
			decodeJSON(t, a.Body, &ks)
			if len(ks) != 2 || ks[0][6].(float64)+1 != ks[1][0].(float64) {
				t.Errorf("%s %s: %s", path, iv, a.Body)
			}
		}
	}
}

// TestTakerFillsAgainstBook: a MARKET order larger than the best level
// fills across levels, each with its trade; a crossing LIMIT GTC rests the
// rest as PARTIALLY_FILLED; LIMIT_MAKER that would take is -2010.
func TestTakerFillsAgainstBook(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	order := func(pairs ...any) answer {
		t.Helper()
		return e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, pairs...))
	}
	book := e.get("/api/v3/depth", kv(t, "symbol", "BTCUSDT", "limit", 5))
	var d depthResp
	decodeJSON(t, book.Body, &d)

	a := order("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.1")
	wantOK(t, a)
	var full spotFull
	a.json(t, &full)
	if full.Status != "FILLED" || full.ExecutedQty != "0.10000000" || len(full.Fills) < 2 {
		t.Fatalf("market buy %s", a.Body)
	}
	sum := decimal.Zero
	for i, f := range full.Fills {
		sum = sum.Add(decimal.RequireFromString(f.Price).Mul(decimal.RequireFromString(f.Qty)))
		if i < len(d.Asks) && f.Price != d.Asks[i][0] || f.TradeID == 0 || f.CommissionAsset != "BTC" {
			t.Errorf("fill %d %+v, book level %v", i, f, d.Asks[i])
		}
	}
	if full.CummulativeQuoteQty != f8(sum) {
		t.Errorf("cummulativeQuoteQty %s, fills sum to %s", full.CummulativeQuoteQty, sum)
	}
	if free, _ := balanceOf(t, e, k, "USDT"); free != f8(decimal.NewFromInt(10000).Sub(sum)) {
		t.Errorf("USDT free %s after paying %s", free, sum)
	}

	// A LIMIT buy at the second ask level takes two levels and rests.
	lim := d.Asks[1][0]
	want := decimal.RequireFromString(d.Asks[0][1]).Add(decimal.RequireFromString(d.Asks[1][1]))
	a = order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", want.Add(decimal.RequireFromString("0.01")).String(), "price", lim)
	wantOK(t, a)
	a.json(t, &full)
	if full.Status != "PARTIALLY_FILLED" || full.ExecutedQty != f8(want) || len(full.Fills) != 2 {
		t.Fatalf("crossing limit %s (want %s executed)", a.Body, want)
	}
	a = order("symbol", "BTCUSDT", "side", "SELL", "type", "LIMIT_MAKER", "quantity", "0.001", "price", d.Bids[0][0])
	wantCode(t, a, 400, -2010, "Order would immediately match and take.")
	a = order("symbol", "BTCUSDT", "side", "SELL", "type", "LIMIT", "timeInForce", "FOK", "quantity", "500", "price", d.Bids[0][0])
	wantCode(t, a, 400, -2010, "")
}

// TestFuturesPositionFromTrades: a futures buy then a sell at a higher
// price realise the difference in the wallet; positionRisk and account
// agree.
func TestFuturesPositionFromTrades(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	fut := func(pairs ...any) {
		t.Helper()
		wantOK(t, e.signed(k, "POST", "/fapi/v1/order", params.List{}, kv(t, pairs...)))
	}
	fut("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01")
	a := e.signed(k, "GET", "/fapi/v2/positionRisk", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	var pr []map[string]any
	a.json(t, &pr)
	if len(pr) != 1 || pr[0]["positionAmt"] != "0.01" || pr[0]["entryPrice"] != "60000.00" {
		t.Fatalf("positionRisk %s", a.Body)
	}
	wantOK(t, e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"61000"}`))
	// Unrealised: (61000 - 60000) × 0.01 = 10.
	a = e.signed(k, "GET", "/fapi/v3/account", params.List{}, params.List{})
	wantOK(t, a)
	var acct futAccountResp
	a.json(t, &acct)
	if acct.TotalUnrealizedProfit != "10.00000000" || acct.TotalWalletBalance != "10000.00000000" {
		t.Fatalf("account %.400s", a.Body)
	}
	// Selling at the best bid (one level under 61000) realises the rest.
	fut("symbol", "BTCUSDT", "side", "SELL", "type", "MARKET", "quantity", "0.01")
	a = e.signed(k, "GET", "/fapi/v2/balance", params.List{}, params.List{})
	wantOK(t, a)
	var bal []map[string]any
	a.json(t, &bal)
	bids := e.get("/fapi/v1/depth", kv(t, "symbol", "BTCUSDT", "limit", 5))
	var d depthResp
	decodeJSON(t, bids.Body, &d)
	pnl := decimal.RequireFromString(d.Bids[0][0]).Sub(decimal.NewFromInt(60000)).Mul(decimal.RequireFromString("0.01"))
	if len(bal) != 1 || bal[0]["balance"] != decimal.NewFromInt(10000).Add(pnl).StringFixed(8) {
		t.Fatalf("balance %s, want 10000 + %s", a.Body, pnl)
	}
	a = e.signed(k, "GET", "/fapi/v1/userTrades", kv(t, "symbol", "BTCUSDT"), params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"realizedPnl":"`+pnl.StringFixed(8)+`"`) {
		t.Errorf("userTrades %s: no realizedPnl %s", a.Body, pnl)
	}
}

func TestFuturesSettingsAndListenKey(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	wantOK(t, e.signed(k, "POST", "/fapi/v1/marginType", params.List{}, kv(t, "symbol", "BTCUSDT", "marginType", "ISOLATED")))
	wantCode(t, e.signed(k, "POST", "/fapi/v1/marginType", params.List{}, kv(t, "symbol", "BTCUSDT", "marginType", "ISOLATED")), 400, -4046, "No need to change margin type.")
	a := e.raw("POST", "/fapi/v1/listenKey", "", "", "", k.apiKey)
	wantOK(t, a)
	var lk listenKeyResp
	a.json(t, &lk)
	if len(lk.ListenKey) != 64 {
		t.Fatalf("listenKey %s", a.Body)
	}
	wantOK(t, e.raw("PUT", "/fapi/v1/listenKey", "", "", "", k.apiKey))
	wantOK(t, e.raw("DELETE", "/fapi/v1/listenKey", "listenKey="+lk.ListenKey, "", "", k.apiKey))
	wantCode(t, e.raw("PUT", "/fapi/v1/listenKey", "", "", "", k.apiKey), 400, -1125, "This listenKey does not exist.")
	wantCode(t, e.raw("POST", "/fapi/v1/listenKey", "", "", "", ""), 401, -2014, "")
}

func TestCapitalConfigAgreesWithAccount(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	a := e.signed(k, "GET", "/sapi/v1/capital/config/getall", params.List{}, params.List{})
	wantOK(t, a)
	var coins []coinJSON
	a.json(t, &coins)
	byCoin := map[string]coinJSON{}
	for _, c := range coins {
		byCoin[c.Coin] = c
	}
	free, locked := balanceOf(t, e, k, "USDT")
	if c := byCoin["USDT"]; c.Free != free || c.Locked != locked || len(c.NetworkList) == 0 {
		t.Errorf("USDT coin %+v, account says %s/%s", c, free, locked)
	}
	if _, ok := byCoin["LTC"]; !ok {
		t.Error("LTC (a listed base asset) missing")
	}
	a = e.signed(k, "GET", "/sapi/v1/margin/allPairs", params.List{}, params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"symbol":"BTCUSDT"`) || strings.Contains(string(a.Body), "币安人生") {
		t.Errorf("margin pairs %s", a.Body)
	}
	wantOK(t, e.signed(k, "GET", "/sapi/v1/margin/isolated/allPairs", params.List{}, params.List{}))
}

// TestStopOrders: each stop type rests unworking, answers stopPrice, and
// starts when the price reaches it; one the price already reached is
// -2010.
func TestStopOrders(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	order := func(pairs ...any) answer {
		t.Helper()
		return e.signed(k, "POST", "/api/v3/order", params.List{}, kv(t, pairs...))
	}
	get := func(id int64) spotOrderJSON {
		t.Helper()
		a := e.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", id), params.List{})
		wantOK(t, a)
		var o spotOrderJSON
		a.json(t, &o)
		return o
	}
	place := func(pairs ...any) int64 {
		t.Helper()
		a := order(pairs...)
		wantOK(t, a)
		var ack spotAck
		a.json(t, &ack)
		if strings.Contains(string(a.Body), `"status"`) {
			t.Errorf("a stop order answers ACK by default: %s", a.Body)
		}
		return ack.OrderID
	}
	// Below the market: a STOP_LOSS SELL (market) and a STOP_LOSS_LIMIT SELL.
	sl := place("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS", "quantity", "0.1", "stopPrice", "59000")
	sll := place("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS_LIMIT", "timeInForce", "GTC", "quantity", "0.1", "price", "58500", "stopPrice", "59000")
	// Above: a TAKE_PROFIT SELL and a STOP_LOSS_LIMIT BUY far above.
	tp := place("symbol", "BTCUSDT", "side", "SELL", "type", "TAKE_PROFIT", "quantity", "0.1", "stopPrice", "65000")
	tpl := place("symbol", "BTCUSDT", "side", "BUY", "type", "TAKE_PROFIT_LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "50000", "stopPrice", "55000")
	if o := get(sl); o.Status != "NEW" || o.IsWorking || o.StopPrice != "59000.00000000" || o.WorkingTime != -1 || o.Type != "STOP_LOSS" {
		t.Fatalf("waiting stop %+v", o)
	}
	if _, locked := balanceOf(t, e, k, "BTC"); locked != "0.30000000" {
		t.Errorf("BTC locked %s, want the three SELL stops' 0.3", locked)
	}
	wantCode(t, order("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS", "quantity", "0.1", "stopPrice", "61000"), 400, -2010, "Stop price would trigger immediately.")
	wantCode(t, order("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS", "quantity", "0.1"), 400, -1102, "")
	wantCode(t, order("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS_LIMIT", "quantity", "0.1", "stopPrice", "59000", "price", "58000"), 400, -1102, "")

	// The price falls to 59000: both stop-losses start; the market one
	// fills against the bids, the limit one at 58500 too (bids are above).
	a := e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"59000"}`)
	wantOK(t, a)
	var up PriceUpdate
	a.json(t, &up)
	if len(up.Triggered) != 2 || up.Triggered[0] != sl || up.Triggered[1] != sll {
		t.Fatalf("price update %s", a.Body)
	}
	for _, id := range []int64{sl, sll} {
		if o := get(id); o.Status != "FILLED" || !o.IsWorking || o.WorkingTime <= 0 || o.ExecutedQty != "0.10000000" {
			t.Errorf("triggered stop %+v", o)
		}
	}
	if o := get(tp); o.Status != "NEW" || o.IsWorking {
		t.Errorf("untouched take-profit %+v", o)
	}
	// Down to 55000: the TAKE_PROFIT_LIMIT BUY starts and rests at 50000
	// (the book is above its price).
	wantOK(t, e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"55000"}`))
	if o := get(tpl); o.Status != "NEW" || !o.IsWorking {
		t.Errorf("working take-profit limit %+v", o)
	}
	// Down to 50000: it fills as a resting LIMIT would.
	wantOK(t, e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"50000"}`))
	if o := get(tpl); o.Status != "FILLED" || o.CummulativeQuoteQty != "500.00000000" {
		t.Errorf("filled take-profit limit %+v", o)
	}
	// The take-profit SELL still waits and cancels like any order.
	a = e.signed(k, "DELETE", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", tp), params.List{})
	wantOK(t, a)
	if _, locked := balanceOf(t, e, k, "BTC"); locked != "0.00000000" {
		t.Errorf("BTC locked %s after every stop finished", locked)
	}
	a = e.get("/api/v3/exchangeInfo", kv(t, "symbol", "BTCUSDT"))
	if !strings.Contains(string(a.Body), `"TAKE_PROFIT_LIMIT"`) {
		t.Errorf("exchangeInfo orderTypes: %.300s", a.Body)
	}
}

// TestOCO: a SELL OCO locks its quantity once; the price rising to the
// LIMIT_MAKER leg fills it and expires the stop; a second list is ended by
// the stop starting; a third is canceled with one leg.
func TestOCO(t *testing.T) {
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	oco := func(pairs ...any) orderListJSON {
		t.Helper()
		a := e.signed(k, "POST", "/api/v3/orderList/oco", params.List{}, kv(t, pairs...))
		wantOK(t, a)
		var l orderListJSON
		a.json(t, &l)
		if len(l.Orders) != 2 || l.ListStatusType != "EXEC_STARTED" || len(l.OrderReports) != 2 {
			t.Fatalf("oco %s", a.Body)
		}
		return l
	}
	status := func(id int64) spotOrderJSON {
		t.Helper()
		a := e.signed(k, "GET", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", id), params.List{})
		wantOK(t, a)
		var o spotOrderJSON
		a.json(t, &o)
		return o
	}
	sell := []any{"symbol", "BTCUSDT", "side", "SELL", "quantity", "0.5", "aboveType", "LIMIT_MAKER", "abovePrice", "62000",
		"belowType", "STOP_LOSS_LIMIT", "belowStopPrice", "58000", "belowPrice", "57500", "belowTimeInForce", "GTC"}
	l1 := oco(append(sell, "listClientOrderId", "list-1")...)
	if _, locked := balanceOf(t, e, k, "BTC"); locked != "0.50000000" {
		t.Fatalf("BTC locked %s, want the list's 0.5 once", locked)
	}
	for _, o := range l1.Orders {
		if got := status(o.OrderID); got.OrderListID != l1.OrderListID {
			t.Errorf("order %d: orderListId %d, want %d", o.OrderID, got.OrderListID, l1.OrderListID)
		}
	}
	a := e.signed(k, "GET", "/api/v3/openOrderList", params.List{}, params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"listClientOrderId":"list-1"`) {
		t.Errorf("openOrderList %s", a.Body)
	}
	wantOK(t, e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"62000"}`))
	maker, stop := status(l1.Orders[0].OrderID), status(l1.Orders[1].OrderID)
	if maker.Type != "LIMIT_MAKER" || maker.Status != "FILLED" || stop.Status != "EXPIRED" {
		t.Fatalf("after the rise: maker %+v, stop %+v", maker, stop)
	}
	if free, locked := balanceOf(t, e, k, "BTC"); free != "0.50000000" || locked != "0.00000000" {
		t.Fatalf("BTC %s free %s locked after the maker leg filled", free, locked)
	}
	a = e.signed(k, "GET", "/api/v3/orderList", kv(t, "orderListId", l1.OrderListID), params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"listOrderStatus":"ALL_DONE"`) {
		t.Errorf("orderList %s", a.Body)
	}

	// The price falls through the stop: the stop leg sells, the maker expires.
	sell2 := []any{"symbol", "BTCUSDT", "side", "SELL", "quantity", "0.2", "aboveType", "LIMIT_MAKER", "abovePrice", "64000",
		"belowType", "STOP_LOSS", "belowStopPrice", "61000"}
	l2 := oco(sell2...)
	wantOK(t, e.admin("POST", "/price", `{"symbol":"BTCUSDT","price":"60500"}`))
	if m, s := status(l2.Orders[0].OrderID), status(l2.Orders[1].OrderID); m.Status != "EXPIRED" || s.Status != "FILLED" {
		t.Fatalf("after the fall: maker %+v, stop %+v", m, s)
	}
	if free, locked := balanceOf(t, e, k, "BTC"); free != "0.30000000" || locked != "0.00000000" {
		t.Fatalf("BTC %s free %s locked after the stop leg sold", free, locked)
	}

	// Canceling one leg cancels the list.
	l3 := oco("symbol", "BTCUSDT", "side", "SELL", "quantity", "0.1", "aboveType", "LIMIT_MAKER", "abovePrice", "64000",
		"belowType", "STOP_LOSS", "belowStopPrice", "59000")
	wantOK(t, e.signed(k, "DELETE", "/api/v3/order", kv(t, "symbol", "BTCUSDT", "orderId", l3.Orders[1].OrderID), params.List{}))
	if m := status(l3.Orders[0].OrderID); m.Status != "CANCELED" {
		t.Fatalf("the other leg %+v", m)
	}
	if _, locked := balanceOf(t, e, k, "BTC"); locked != "0.00000000" {
		t.Fatalf("BTC locked %s after the cancel", locked)
	}
	l4 := oco("symbol", "BTCUSDT", "side", "SELL", "quantity", "0.1", "aboveType", "LIMIT_MAKER", "abovePrice", "64000",
		"belowType", "STOP_LOSS", "belowStopPrice", "59000", "listClientOrderId", "list-4")
	a = e.signed(k, "DELETE", "/api/v3/orderList", kv(t, "symbol", "BTCUSDT", "listClientOrderId", "list-4"), params.List{})
	wantOK(t, a)
	if !strings.Contains(string(a.Body), `"status":"CANCELED"`) || status(l4.Orders[0].OrderID).Status != "CANCELED" {
		t.Fatalf("cancel list %s", a.Body)
	}

	// Bad lists.
	wantCode(t, e.signed(k, "POST", "/api/v3/orderList/oco", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "SELL", "quantity", "0.1",
		"aboveType", "STOP_LOSS", "aboveStopPrice", "59000", "belowType", "LIMIT_MAKER", "belowPrice", "64000")), 400, -1014, "")
	wantCode(t, e.signed(k, "POST", "/api/v3/orderList/oco", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "SELL", "quantity", "0.1",
		"aboveType", "LIMIT_MAKER", "abovePrice", "60000", "belowType", "STOP_LOSS", "belowStopPrice", "59000")), 400, -2010, "")
	wantCode(t, e.signed(k, "POST", "/api/v3/orderList/oco", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "SELL", "quantity", "0.1",
		"aboveType", "LIMIT_MAKER", "abovePrice", "64000", "belowType", "STOP_LOSS")), 400, -1102, "")
}

func TestCoinMSymbolsConfig(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
		want                []string
	}{
		{"default", "", "", []string{"BTCUSD_PERP", "ETHUSD_PERP"}},
		{"configured", `coinm_symbols:
  - {symbol: BNBUSD_PERP, base: BNB, quote: USD, price: "600.000", tick_size: "0.001", step_size: "1", min_qty: "1"}
`, "", []string{"BNBUSD_PERP"}},
		{"not a contract name", `coinm_symbols:
  - {symbol: BNBUSD, base: BNB, quote: USD, price: "600", tick_size: "1", step_size: "1"}
`, "coinm_symbols[0].symbol", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.yaml), "")
			if err == nil {
				_, err = cfg.compile()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := startExchange(t, cfg, Options{})
			a := e.get("/dapi/v1/exchangeInfo", params.List{})
			wantOK(t, a)
			var info struct{ Symbols []struct{ Symbol string } }
			a.json(t, &info)
			var got []string
			for _, s := range info.Symbols {
				got = append(got, s.Symbol)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("dapi symbols %v, want %v", got, tt.want)
			}
		})
	}
}

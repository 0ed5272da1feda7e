package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/emulator/market"
	"github.com/mbxkit/mbx/binance/verify"
)

// Market data from the simulated market (package market), for spot
// (/api/v3), USDⓈ-M (/fapi/v1) and COIN-M (/dapi/v1). Routes, weights and
// parameters are the catalogue's (handlers() in endpoints.go).

// codeBadInterval is Binance's -1120 BAD_INTERVAL.
const codeBadInterval codes.Code = -1120

func invalidSymbol(v string) *verify.Rejection {
	return rejection(http.StatusBadRequest, codes.BadSymbol, codes.MsgInvalidSymbol,
		fmt.Sprintf("symbol %q is not listed on this market (see its exchangeInfo)", v))
}

// depthLimit reads limit: spot 1 to 5000 (default 100), futures one of
// 5, 10, 20, 50, 100, 500, 1000 (default 500).
func (q *reqCtx) depthLimit() (int, *verify.Rejection) {
	spot := productOf(q.ep.path) == prodSpot
	def := 500
	if spot {
		def = 100
	}
	n, ok, rej := intParam(q.get, "limit")
	switch {
	case rej != nil:
		return 0, rej
	case !ok:
		return def, nil
	case spot && (n < 1 || n > market.MaxLevels):
		return 0, illegal("limit", "1 to 5000")
	case spot:
		return int(n), nil
	}
	for _, l := range []int64{5, 10, 20, 50, 100, 500, 1000} {
		if n == l {
			return int(n), nil
		}
	}
	return 0, badRequest(codes.InvalidParameter, "Illegal characters found in parameter 'limit'; legal range is '5, 10, 20, 50, 100, 500, 1000'.")
}

// fmtPrice renders a price as the market does: spot with 8 decimals,
// futures with the tick's decimals.
func (q *reqCtx) fmtPrice(sy *symbol, d decimal.Decimal) string {
	if productOf(q.ep.path) == prodSpot {
		return f8(d)
	}
	return d.StringFixed(sy.tickDecimals)
}

func (q *reqCtx) fmtQty(sy *symbol, d decimal.Decimal) string {
	if productOf(q.ep.path) == prodSpot {
		return f8(d)
	}
	return d.StringFixed(sy.stepDecimals)
}

type depthResp struct {
	LastUpdateID int64       `json:"lastUpdateId"`
	E            int64       `json:"E,omitempty"`
	T            int64       `json:"T,omitempty"`
	Bids         [][2]string `json:"bids"`
	Asks         [][2]string `json:"asks"`
}

func (q *reqCtx) depth() (any, *verify.Rejection) {
	sy, rej := q.marketSymbol("symbol")
	if rej != nil {
		return nil, rej
	}
	n, rej := q.depthLimit()
	if rej != nil {
		return nil, rej
	}
	b := sy.mkt.BookAt(sy.currentPrice(), q.now, n)
	out := depthResp{LastUpdateID: b.LastUpdateID, Bids: make([][2]string, 0, len(b.Bids)), Asks: make([][2]string, 0, len(b.Asks))}
	if productOf(q.ep.path) != prodSpot {
		out.E, out.T = q.now.UnixMilli(), q.now.UnixMilli()
	}
	for _, l := range b.Bids {
		out.Bids = append(out.Bids, [2]string{q.fmtPrice(sy, l.Price), q.fmtQty(sy, l.Qty)})
	}
	for _, l := range b.Asks {
		out.Asks = append(out.Asks, [2]string{q.fmtPrice(sy, l.Price), q.fmtQty(sy, l.Qty)})
	}
	return out, nil
}

// listLimit reads limit with a default and a maximum (above it: -1100 on
// futures, clipped on spot as Binance does).
func (q *reqCtx) listLimit(def, most int) (int, *verify.Rejection) {
	n, ok, rej := intParam(q.get, "limit")
	switch {
	case rej != nil:
		return 0, rej
	case !ok:
		return def, nil
	case n < 1:
		return 0, illegal("limit", fmt.Sprintf("1 to %d", most))
	case n > int64(most):
		return most, nil
	}
	return int(n), nil
}

type publicTradeJSON struct {
	ID           int64  `json:"id"`
	Price        string `json:"price"`
	Qty          string `json:"qty"`
	QuoteQty     string `json:"quoteQty"`
	Time         int64  `json:"time"`
	IsBuyerMaker bool   `json:"isBuyerMaker"`
	IsBestMatch  *bool  `json:"isBestMatch,omitempty"`
}

func (q *reqCtx) recentTrades() (any, *verify.Rejection) {
	ml, rej := q.readMarketList("fromId")
	if rej != nil {
		return nil, rej
	}
	sy, from, hasFrom, n := ml.sy, ml.from, ml.hasFrom, ml.limit
	if !hasFrom {
		from = -1
	}
	spot := productOf(q.ep.path) == prodSpot
	trades := sy.mkt.Trades(sy.currentPrice(), q.now, from, n)
	out := make([]publicTradeJSON, 0, len(trades))
	best := true
	for _, t := range trades {
		j := publicTradeJSON{ID: t.ID, Price: q.fmtPrice(sy, t.Price), Qty: q.fmtQty(sy, t.Qty),
			QuoteQty: q.fmtPrice(sy, t.Price.Mul(t.Qty)), Time: q.unit.stamp(t.Time), IsBuyerMaker: t.IsBuyerMaker}
		if spot {
			j.IsBestMatch = &best
		}
		out = append(out, j)
	}
	return out, nil
}

type aggTradeJSON struct {
	A  int64  `json:"a"`
	P  string `json:"p"`
	Q  string `json:"q"`
	F  int64  `json:"f"`
	L  int64  `json:"l"`
	T  int64  `json:"T"`
	M  bool   `json:"m"`
	BM *bool  `json:"M,omitempty"`
}

// aggTrades: the market's trades are one a second, so each is its own
// aggregate (a = f = l = the trade id).
func (q *reqCtx) aggTrades() (any, *verify.Rejection) {
	ml, rej := q.readMarketList("fromId")
	if rej != nil {
		return nil, rej
	}
	sy, from, hasFrom, n := ml.sy, ml.from, ml.hasFrom, ml.limit
	start, hasStart, rej := intParam(q.get, "startTime")
	if rej != nil {
		return nil, rej
	}
	end, hasEnd, rej := intParam(q.get, "endTime")
	if rej != nil {
		return nil, rej
	}
	if hasFrom && (hasStart || hasEnd) {
		return nil, badRequest(codes.OptionalParamsBad, "Combination of optional parameters invalid.", "send fromId or startTime/endTime, not both")
	}
	if hasStart && hasEnd && (end < start || end-start > int64(time.Hour/time.Millisecond)) {
		return nil, badRequest(codes.InvalidParameter, "startTime and endTime must be at most 1 hour apart.", "send a window of at most one hour")
	}
	now := q.now
	switch {
	case hasFrom:
	case hasStart:
		from = market.TradeIDAt(time.UnixMilli(start))
	case hasEnd:
		from = market.TradeIDAt(time.UnixMilli(end)) - int64(n) + 1
	default:
		from = -1
	}
	if hasEnd && time.UnixMilli(end).Before(now) {
		now = time.UnixMilli(end)
	}
	price := sy.currentPrice()
	var trades []market.Trade
	if now.Before(q.now) {
		// Trades up to endTime, priced by the walk that ends at the real now.
		last := market.LastTradeID(now)
		for id := max(from, 0); id <= last && len(trades) < n; id++ {
			trades = append(trades, sy.mkt.TradeByID(price, q.now, id))
		}
	} else {
		trades = sy.mkt.Trades(price, q.now, from, n)
	}
	out := make([]aggTradeJSON, 0, len(trades))
	best := true
	for _, t := range trades {
		a := aggTradeJSON{A: t.ID, P: q.fmtPrice(sy, t.Price), Q: q.fmtQty(sy, t.Qty), F: t.ID, L: t.ID, T: q.unit.stamp(t.Time), M: t.IsBuyerMaker}
		if productOf(q.ep.path) == prodSpot {
			a.BM = &best
		}
		out = append(out, a)
	}
	return out, nil
}

func (q *reqCtx) klines() (any, *verify.Rejection) {
	sy, rej := q.marketSymbol("symbol")
	if rej != nil {
		return nil, rej
	}
	ivName, _ := q.get("interval")
	iv, err := market.ParseInterval(ivName)
	if err != nil {
		return nil, badRequest(codeBadInterval, "Invalid interval.", err.Error())
	}
	most := 1000
	if productOf(q.ep.path) != prodSpot {
		most = 1500
	}
	n, rej := q.listLimit(500, most)
	if rej != nil {
		return nil, rej
	}
	start, end, rej := timeRange(q.get)
	if rej != nil {
		return nil, rej
	}
	if v, ok := q.get("timeZone"); ok && v != "0" && v != "+0" && v != "0:00" && v != "+00:00" && v != "00:00" {
		// Other time zones shift daily and longer candles; the local
		// exchange draws them in UTC.
		return nil, badRequest(codes.InvalidParameter, "Invalid timeZone.", "the local exchange draws candles in UTC; leave timeZone out or send 0")
	}
	var from, to time.Time
	if q.has("startTime") {
		from = time.UnixMilli(start).UTC()
	}
	if q.has("endTime") {
		to = time.UnixMilli(end).UTC()
	}
	ks := sy.mkt.Klines(iv, sy.currentPrice(), q.now, from, to, n)
	out := make([]any, 0, len(ks))
	for _, k := range ks {
		out = append(out, []any{q.unit.stamp(k.OpenTime), q.fmtPrice(sy, k.Open), q.fmtPrice(sy, k.High), q.fmtPrice(sy, k.Low),
			q.fmtPrice(sy, k.Close), q.fmtQty(sy, k.Volume), q.unit.stamp(k.CloseTime), q.fmtPrice(sy, k.QuoteVolume), k.Trades,
			q.fmtQty(sy, k.TakerBuyBase), q.fmtPrice(sy, k.TakerBuyQuote), "0"})
	}
	return out, nil
}

// changePct is (last-open)/open in percent with 3 decimals, as Binance shows it.
func changePct(open, last decimal.Decimal) string {
	if open.IsZero() {
		return "0.000"
	}
	return last.Sub(open).Div(open).Mul(decimal.NewFromInt(100)).StringFixed(3)
}

// tickerJSON builds a ticker object: the fields of a 24hr, rolling or
// trading-day ticker, FULL or MINI.
func (q *reqCtx) tickerJSON(sy *symbol, st market.Stats, full, with24Fields bool) filterJSON {
	fp := func(d decimal.Decimal) string { return q.fmtPrice(sy, d) }
	t := filterJSON{"symbol": sy.name, "openPrice": fp(st.Open), "highPrice": fp(st.High), "lowPrice": fp(st.Low),
		"lastPrice": fp(st.Last), "volume": q.fmtQty(sy, st.Volume), "quoteVolume": fp(st.QuoteVolume),
		"openTime": q.unit.stamp(st.OpenTime), "closeTime": q.unit.stamp(st.CloseTime),
		"firstId": st.FirstID, "lastId": st.LastID, "count": st.Count}
	if !full {
		return t
	}
	t["priceChange"] = fp(st.Last.Sub(st.Open))
	t["priceChangePercent"] = changePct(st.Open, st.Last)
	t["weightedAvgPrice"] = fp(st.WeightedAvg)
	if with24Fields {
		b := sy.mkt.BookAt(sy.currentPrice(), q.now, 1)
		last := sy.mkt.TradeByID(st.Last, q.now, st.LastID)
		t["lastQty"] = q.fmtQty(sy, last.Qty)
		if productOf(q.ep.path) == prodSpot {
			t["prevClosePrice"] = fp(st.Open)
			if len(b.Bids) > 0 {
				t["bidPrice"], t["bidQty"] = fp(b.Bids[0].Price), q.fmtQty(sy, b.Bids[0].Qty)
			}
			t["askPrice"], t["askQty"] = fp(b.Asks[0].Price), q.fmtQty(sy, b.Asks[0].Qty)
		}
	}
	if productOf(q.ep.path) == prodCoinM {
		pair, _, _ := strings.Cut(sy.name, "_")
		t["pair"] = pair
		t["baseVolume"] = t["quoteVolume"]
	}
	return t
}

// tickerType reads type=FULL|MINI (spot).
func (q *reqCtx) tickerType() (bool, *verify.Rejection) {
	v, ok := q.get("type")
	switch {
	case !ok || v == "FULL":
		return true, nil
	case v == "MINI":
		return false, nil
	}
	return false, illegal("type", "FULL, MINI")
}

// eachSymbol answers one object for symbol=..., else an array.
func (q *reqCtx) eachSymbol(fn func(sy *symbol) any) (any, *verify.Rejection) {
	syms, rej := q.marketSymbols()
	if rej != nil {
		return nil, rej
	}
	if q.has("symbol") {
		return fn(syms[0]), nil
	}
	out := make([]any, 0, len(syms))
	for _, sy := range syms {
		out = append(out, fn(sy))
	}
	return out, nil
}

func (q *reqCtx) ticker24() (any, *verify.Rejection) {
	full, rej := q.tickerType()
	if rej != nil {
		return nil, rej
	}
	return q.eachSymbol(func(sy *symbol) any {
		return q.tickerJSON(sy, sy.mkt.Window(sy.currentPrice(), q.now, 24*time.Hour), full, true)
	})
}

// windowSize parses 1m-59m, 1h-23h, 1d-7d (default 1d).
func windowSize(v string) (time.Duration, bool) {
	if v == "" {
		return 24 * time.Hour, true
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n < 1 {
		return 0, false
	}
	switch v[len(v)-1] {
	case 'm':
		return time.Duration(n) * time.Minute, n <= 59
	case 'h':
		return time.Duration(n) * time.Hour, n <= 23
	case 'd':
		return time.Duration(n) * 24 * time.Hour, n <= 7
	}
	return 0, false
}

func (q *reqCtx) tickerRolling() (any, *verify.Rejection) {
	full, rej := q.tickerType()
	if rej != nil {
		return nil, rej
	}
	v, _ := q.get("windowSize")
	w, ok := windowSize(v)
	if !ok {
		return nil, badRequest(codes.InvalidParameter, "Invalid windowSize.", "windowSize is 1m to 59m, 1h to 23h or 1d to 7d")
	}
	if !q.has("symbol") && !q.has("symbols") {
		return nil, badRequest(codes.MandatoryParamEmpty, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!")
	}
	return q.eachSymbol(func(sy *symbol) any {
		return q.tickerJSON(sy, sy.mkt.Window(sy.currentPrice(), q.now, w), full, false)
	})
}

func (q *reqCtx) tickerTradingDay() (any, *verify.Rejection) {
	full, rej := q.tickerType()
	if rej != nil {
		return nil, rej
	}
	if !q.has("symbol") && !q.has("symbols") {
		return nil, badRequest(codes.MandatoryParamEmpty, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!")
	}
	day := q.now.UTC().Truncate(24 * time.Hour)
	return q.eachSymbol(func(sy *symbol) any {
		return q.tickerJSON(sy, sy.mkt.Window(sy.currentPrice(), q.now, q.now.Sub(day)), full, false)
	})
}

func (q *reqCtx) bookTicker() (any, *verify.Rejection) {
	return q.eachSymbol(func(sy *symbol) any {
		b := sy.mkt.BookAt(sy.currentPrice(), q.now, 1)
		t := filterJSON{"symbol": sy.name, "bidPrice": "0", "bidQty": "0",
			"askPrice": q.fmtPrice(sy, b.Asks[0].Price), "askQty": q.fmtQty(sy, b.Asks[0].Qty)}
		if len(b.Bids) > 0 {
			t["bidPrice"], t["bidQty"] = q.fmtPrice(sy, b.Bids[0].Price), q.fmtQty(sy, b.Bids[0].Qty)
		}
		if productOf(q.ep.path) != prodSpot {
			t["time"], t["lastUpdateId"] = q.now.UnixMilli(), b.LastUpdateID
		}
		return t
	})
}

func (q *reqCtx) futTickerPrice() (any, *verify.Rejection) {
	return q.eachSymbol(func(sy *symbol) any {
		return filterJSON{"symbol": sy.name, "price": q.fmtPrice(sy, sy.currentPrice()), "time": q.now.UnixMilli()}
	})
}

func (q *reqCtx) premiumIndex() (any, *verify.Rejection) {
	next := q.now.UTC().Truncate(8 * time.Hour).Add(8 * time.Hour)
	return q.eachSymbol(func(sy *symbol) any {
		p := q.fmtPrice(sy, sy.currentPrice())
		return filterJSON{"symbol": sy.name, "markPrice": p, "indexPrice": p, "estimatedSettlePrice": p,
			"lastFundingRate": "0.00010000", "interestRate": "0.00010000", "nextFundingTime": next.UnixMilli(), "time": q.now.UnixMilli()}
	})
}

func (q *reqCtx) avgPrice() (any, *verify.Rejection) {
	sy, rej := q.marketSymbol("symbol")
	if rej != nil {
		return nil, rej
	}
	return struct {
		Mins      int    `json:"mins"`
		Price     string `json:"price"`
		CloseTime int64  `json:"closeTime"`
	}{5, f8(sy.mkt.AvgPrice(sy.currentPrice(), q.now, 5)), q.unit.stamp(q.now)}, nil
}

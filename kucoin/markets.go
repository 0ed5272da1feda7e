package kucoin

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/sim/store"
)

// market is one listed spot symbol with the deterministic price the
// local exchange matches against.
type market struct {
	symbol, base, quote      string
	price                    string
	baseMin, quoteMin        string
	baseIncrement, priceIncr string
}

// markets are the symbols the local exchange lists: static, realistic data
// for the endpoints clients read to load markets; they carry no state.
var markets = [...]market{
	{"BTC-USDT", "BTC", "USDT", "60000", "0.00001", "0.1", "0.00000001", "0.1"},
	{"ETH-USDT", "ETH", "USDT", "3000", "0.0001", "0.1", "0.0000001", "0.01"},
	{"ETH-BTC", "ETH", "BTC", "0.05", "0.0001", "0.000001", "0.0000001", "0.00001"},
}

func marketBySymbol(s string) (store.Market, bool) {
	for _, m := range markets {
		if m.symbol == s {
			return store.Market{Symbol: m.symbol, Base: m.base, Quote: m.quote, Price: decimal.RequireFromString(m.price)}, true
		}
	}
	return store.Market{}, false
}

func symbolNames() string {
	names := make([]string, len(markets))
	for i, m := range markets {
		names[i] = m.symbol
	}
	return strings.Join(names, ", ")
}

func quoteOf(symbol string) string {
	_, q, _ := strings.Cut(symbol, "-")
	return q
}

// publicRoutes answer without authentication.
func (e *Emulator) publicRoutes() map[string]func() any {
	return map[string]func() any{
		"GET " + TimePath:                func() any { return e.Now().UnixMilli() },
		"GET /api/v2/symbols":            func() any { return symbolsJSON() },
		"GET /api/v1/symbols":            func() any { return symbolsJSON() },
		"GET /api/v3/currencies":         func() any { return currenciesJSON() },
		"GET /api/v1/market/allTickers":  func() any { return tickersJSON(e) },
		"GET /api/v1/contracts/active":   func() any { return []any{} },
		"GET /api/ua/v1/market/currency": func() any { return []any{} },
	}
}

func symbolsJSON() []map[string]any {
	out := make([]map[string]any, 0, len(markets))
	for _, m := range markets {
		out = append(out, map[string]any{
			"symbol": m.symbol, "name": m.symbol, "baseCurrency": m.base, "quoteCurrency": m.quote,
			"feeCurrency": m.quote, "market": m.quote, "baseMinSize": m.baseMin, "quoteMinSize": m.quoteMin,
			"baseMaxSize": "10000000000", "quoteMaxSize": "99999999", "baseIncrement": m.baseIncrement,
			"quoteIncrement": "0.000001", "priceIncrement": m.priceIncr, "priceLimitRate": "0.1",
			"minFunds": "0.1", "isMarginEnabled": false, "enableTrading": true, "feeCategory": 1,
			"makerFeeCoefficient": "1.00", "takerFeeCoefficient": "1.00", "st": false,
		})
	}
	return out
}

func currenciesJSON() []map[string]any {
	var out []map[string]any
	for _, c := range []struct{ code, name string }{{"BTC", "Bitcoin"}, {"ETH", "Ethereum"}, {"USDT", "Tether"}} {
		out = append(out, map[string]any{
			"currency": c.code, "name": c.code, "fullName": c.name, "precision": 8, "confirms": nil,
			"contractAddress": nil, "isMarginEnabled": false, "isDebitEnabled": false,
			"chains": []map[string]any{{
				"chainName": c.code, "withdrawalMinSize": "0.001", "depositMinSize": "0.0001", "withdrawalMinFee": "0.0005",
				"isWithdrawEnabled": true, "isDepositEnabled": true, "confirms": 2, "preConfirms": 2,
				"contractAddress": "", "withdrawPrecision": 8, "chainId": strings.ToLower(c.code),
			}},
		})
	}
	return out
}

func tickersJSON(e *Emulator) map[string]any {
	var ticker []map[string]any
	for _, m := range markets {
		ticker = append(ticker, map[string]any{
			"symbol": m.symbol, "symbolName": m.symbol, "buy": m.price, "sell": m.price, "last": m.price,
			"changeRate": "0", "changePrice": "0", "high": m.price, "low": m.price, "vol": "0", "volValue": "0",
			"averagePrice": m.price, "takerFeeRate": "0.001", "makerFeeRate": "0.001",
			"takerCoefficient": "1", "makerCoefficient": "1",
		})
	}
	return map[string]any{"time": e.Now().UnixMilli(), "ticker": ticker}
}

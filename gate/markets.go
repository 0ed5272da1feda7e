package gate

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/sim/store"
)

// pair is one listed spot currency pair with the deterministic price the
// local exchange matches against.
type pair struct {
	id, base, quote string
	price           string
	amountPrec      int
	pricePrec       int
}

// pairs are static, realistic data for the endpoints clients read to load
// markets; they carry no state.
var pairs = [...]pair{
	{"BTC_USDT", "BTC", "USDT", "60000", 6, 1},
	{"ETH_USDT", "ETH", "USDT", "3000", 4, 2},
	{"ETH_BTC", "ETH", "BTC", "0.05", 4, 6},
}

func marketByPair(id string) (store.Market, bool) {
	for _, p := range pairs {
		if p.id == id {
			return store.Market{Symbol: p.id, Base: p.base, Quote: p.quote, Price: decimal.RequireFromString(p.price)}, true
		}
	}
	return store.Market{}, false
}

func pairNames() string {
	names := make([]string, len(pairs))
	for i, p := range pairs {
		names[i] = p.id
	}
	return strings.Join(names, ", ")
}

// publicRoutes answer without authentication.
func (e *Emulator) publicRoutes() map[string]func() any {
	return map[string]func() any{
		"GET " + TimePath:                            func() any { return map[string]int64{"server_time": e.Now().UnixMilli()} },
		"GET " + Prefix + "/spot/currency_pairs":     func() any { return pairsJSON() },
		"GET " + Prefix + "/spot/currencies":         func() any { return currenciesJSON() },
		"GET " + Prefix + "/margin/currency_pairs":   func() any { return []any{} },
		"GET " + Prefix + "/futures/usdt/contracts":  func() any { return []any{} },
		"GET " + Prefix + "/futures/btc/contracts":   func() any { return []any{} },
		"GET " + Prefix + "/delivery/usdt/contracts": func() any { return []any{} },
		"GET " + Prefix + "/options/underlyings":     func() any { return []any{} },
		"GET " + Prefix + "/spot/tickers":            func() any { return tickersJSON() },
	}
}

func pairsJSON() []map[string]any {
	out := make([]map[string]any, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, map[string]any{
			"id": p.id, "base": p.base, "base_name": p.base, "quote": p.quote, "quote_name": p.quote,
			"fee": "0.2", "min_base_amount": "0.0001", "min_quote_amount": "1", "max_base_amount": "10000",
			"max_quote_amount": "10000000", "amount_precision": p.amountPrec, "precision": p.pricePrec,
			"trade_status": "tradable", "sell_start": 1516378650, "buy_start": 1516378650, "delisting_time": 0,
			"type": "normal", "st_tag": false,
		})
	}
	return out
}

func currenciesJSON() []map[string]any {
	var out []map[string]any
	for _, c := range []string{"BTC", "ETH", "USDT"} {
		out = append(out, map[string]any{
			"currency": c, "name": c, "delisted": false, "withdraw_disabled": false, "withdraw_delayed": false,
			"deposit_disabled": false, "trade_disabled": false, "fixed_rate": "", "chain": c,
			"chains": []map[string]any{{"name": c, "addr": "", "withdraw_disabled": false, "withdraw_delayed": false, "deposit_disabled": false}},
		})
	}
	return out
}

func tickersJSON() []map[string]any {
	var out []map[string]any
	for _, p := range pairs {
		out = append(out, map[string]any{
			"currency_pair": p.id, "last": p.price, "lowest_ask": p.price, "highest_bid": p.price,
			"change_percentage": "0", "base_volume": "0", "quote_volume": "0", "high_24h": p.price, "low_24h": p.price,
		})
	}
	return out
}

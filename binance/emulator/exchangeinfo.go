package emulator

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
	"github.com/mbxkit/mbx/binance/verify"
)

// newMarket builds a symbol's simulated market: levels of about 400
// minimum notionals (2000 USDT on a USDT pair).
func newMarket(s *symbol) (*market.Market, error) {
	lvl := s.minNotional.Mul(decimal.NewFromInt(400))
	return market.New(market.Spec{Symbol: s.name, Tick: s.tick, Step: s.step, MinQty: s.minQty, LevelNotional: lvl})
}

// DefaultCoinM is the default COIN-M catalogue: the BTC perpetual, quoted
// in contracts of 100 USD.
func DefaultCoinM() []SymbolConfig {
	return []SymbolConfig{
		{Symbol: "BTCUSD_PERP", Base: "BTC", Quote: "USD", Price: "60000.0", TickSize: "0.1", StepSize: "1", MinQty: "1", MinNotional: "0"},
		{Symbol: "ETHUSD_PERP", Base: "ETH", Quote: "USD", Price: "3000.00", TickSize: "0.01", StepSize: "1", MinQty: "1", MinNotional: "0"},
	}
}

func (c *compiled) compileCoinM(list []SymbolConfig) error {
	if len(list) == 0 {
		list = DefaultCoinM()
	}
	for i, sc := range list {
		s, err := compileSymbol(i, sc)
		if err != nil {
			return fmt.Errorf("coinm_symbols (read as symbols): %w", err)
		}
		if !strings.Contains(s.name, "_") {
			return configErr(fmt.Sprintf("coinm_symbols[%d].symbol", i), "%s: a COIN-M contract is named PAIR_PERP or PAIR_YYMMDD, e.g. BTCUSD_PERP", s.name)
		}
		// A COIN-M level is counted in contracts: about 200 of them.
		s.mkt, err = market.New(market.Spec{Symbol: s.name, Tick: s.tick, Step: s.step, MinQty: s.minQty,
			LevelNotional: s.initialPrice.Mul(decimal.NewFromInt(200))})
		if err != nil {
			return configErr(fmt.Sprintf("coinm_symbols[%d]", i), "%v", err)
		}
		c.coinM = append(c.coinM, s)
	}
	return nil
}

// contractSize is the USD value of one COIN-M contract (Binance: 100 for
// BTC, 10 for the others).
func contractSize(s *symbol) int {
	if s.base == "BTC" {
		return 100
	}
	return 10
}

// usdmSymbols are the USDⓈ-M perpetuals: the spot symbols quoted in USDT.
func (s *Server) usdmSymbols() []*symbol {
	out := make([]*symbol, 0, len(s.comp.symbols))
	for _, sy := range s.comp.symbols {
		if sy.quote == "USDT" {
			out = append(out, sy)
		}
	}
	return out
}

// product is the market a request is for, from its path.
type product int

const (
	prodSpot product = iota
	prodUSDM
	prodCoinM
)

func productOf(path string) product {
	switch {
	case strings.HasPrefix(path, "/fapi/"):
		return prodUSDM
	case strings.HasPrefix(path, "/dapi/"):
		return prodCoinM
	}
	return prodSpot
}

// productSymbols lists the symbols of the request's market.
func (q *reqCtx) productSymbols() []*symbol {
	switch productOf(q.ep.path) {
	case prodUSDM:
		return q.s.usdmSymbols()
	case prodCoinM:
		return q.s.comp.coinM
	}
	return q.s.comp.symbols
}

// marketSymbol reads the symbol parameter against the request's market:
// -1121 Invalid symbol for one it does not list.
func (q *reqCtx) marketSymbol(name string) (*symbol, *verify.Rejection) {
	if productOf(q.ep.path) == prodSpot {
		return q.s.symbolParam(q.get, name)
	}
	v, ok := q.get(name)
	if !ok || v == "" {
		return nil, mandatory(name)
	}
	for _, sy := range q.productSymbols() {
		if sy.name == v {
			return sy, nil
		}
	}
	return nil, invalidSymbol(v)
}

// marketSymbols applies the optional symbol filter of a futures market
// endpoint (spot uses selectSymbols, which also reads symbols=[...]).
func (q *reqCtx) marketSymbols() ([]*symbol, *verify.Rejection) {
	if productOf(q.ep.path) == prodSpot {
		return q.selectSymbols()
	}
	if !q.has("symbol") {
		return q.productSymbols(), nil
	}
	sy, rej := q.marketSymbol("symbol")
	if rej != nil {
		return nil, rej
	}
	return []*symbol{sy}, nil
}

type futExchangeInfoResp struct {
	Timezone        string          `json:"timezone"`
	ServerTime      int64           `json:"serverTime"`
	FuturesType     string          `json:"futuresType,omitempty"`
	RateLimits      []rateLimitJSON `json:"rateLimits"`
	ExchangeFilters []any           `json:"exchangeFilters"`
	Assets          []any           `json:"assets,omitempty"`
	Symbols         []filterJSON    `json:"symbols"`
}

// perpetualDelivery is the deliveryDate Binance gives perpetuals (2100-12-25).
const perpetualDelivery = 4133404800000

func (q *reqCtx) futExchangeInfo() (any, *verify.Rejection) {
	l := q.s.cfg.Limits
	coinM := productOf(q.ep.path) == prodCoinM
	out := futExchangeInfoResp{Timezone: "UTC", ServerTime: q.now.UnixMilli(), ExchangeFilters: []any{},
		RateLimits: []rateLimitJSON{
			{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: l.FAPIRequestWeightPerMinute},
			{RateLimitType: "ORDERS", Interval: "MINUTE", IntervalNum: 1, Limit: l.FAPIOrdersPerMinute},
			{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.FAPIOrdersPer10s},
		}}
	if !coinM {
		out.FuturesType = "U_MARGINED"
		out.Assets = []any{filterJSON{"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"}}
	}
	for _, sy := range q.productSymbols() {
		out.Symbols = append(out.Symbols, futSymbolInfo(sy, coinM))
	}
	return out, nil
}

func futSymbolInfo(sy *symbol, coinM bool) filterJSON {
	tick, step := sy.tick.String(), sy.step.String()
	minPrice := sy.tick.String()
	filters := []any{
		filterJSON{"filterType": "PRICE_FILTER", "minPrice": minPrice, "maxPrice": maxPrice.String(), "tickSize": tick},
		filterJSON{"filterType": "LOT_SIZE", "stepSize": step, "maxQty": "1000000", "minQty": sy.minQty.String()},
		filterJSON{"filterType": "MARKET_LOT_SIZE", "stepSize": step, "maxQty": "120000", "minQty": sy.minQty.String()},
		filterJSON{"filterType": "MAX_NUM_ORDERS", "limit": 200},
		filterJSON{"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
		filterJSON{"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500", "multiplierDecimal": "4"},
	}
	info := filterJSON{
		"symbol": sy.name, "contractType": "PERPETUAL", "deliveryDate": perpetualDelivery, "onboardDate": 1569398400000,
		"maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000", "baseAsset": sy.base, "quoteAsset": sy.quote,
		"pricePrecision": sy.tickDecimals, "quantityPrecision": sy.stepDecimals, "baseAssetPrecision": 8, "quotePrecision": 8,
		"underlyingType": "COIN", "underlyingSubType": []string{}, "triggerProtect": "0.0500", "liquidationFee": "0.012500",
		"marketTakeBound": "0.05", "maxMoveOrderLimit": 10000,
		"orderTypes":  []string{"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"},
		"timeInForce": []string{"GTC", "IOC", "FOK", "GTX"},
	}
	if coinM {
		pair, _, _ := strings.Cut(sy.name, "_")
		info["pair"], info["contractStatus"], info["contractSize"] = pair, "TRADING", contractSize(sy)
		info["marginAsset"], info["equalQtyPrecision"] = sy.base, 4
	} else {
		info["pair"], info["status"], info["marginAsset"], info["settlePlan"] = sy.name, "TRADING", sy.quote, 0
		info["permissionSet"] = []string{"GRID", "COPY"}
		filters = append(filters, filterJSON{"filterType": "MIN_NOTIONAL", "notional": sy.minNotional.String()})
	}
	info["filters"] = filters
	return info
}

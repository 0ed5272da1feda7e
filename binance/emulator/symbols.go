package emulator

import (
	"fmt"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
	"github.com/mbxkit/mbx/sim/store"
)

// Upper bounds of the PRICE_FILTER and LOT_SIZE filters, the same for every
// symbol: far above any price or quantity a test uses.
var (
	maxPrice = decimal.NewFromInt(1_000_000)
	maxQty   = decimal.NewFromInt(9_000_000)
)

// assetPrecision is what exchangeInfo reports for every asset (Binance's
// usual 8).
const assetPrecision = 8

// symbol is a configured symbol with parsed filters. Its price changes at
// run time (admin API), so it sits behind a lock.
type symbol struct {
	name, base, quote               string
	tick, step, minQty, minNotional decimal.Decimal
	tickDecimals, stepDecimals      int32
	initialPrice                    decimal.Decimal
	mu                              sync.RWMutex
	price                           decimal.Decimal
	priceStr8, priceStrPlain        string         // cached renderings of price
	mkt                             *market.Market // the simulated market around price
}

func compileSymbol(i int, c SymbolConfig) (*symbol, error) {
	field := func(name string) string { return fmt.Sprintf("symbols[%d].%s", i, name) }
	if c.Symbol == "" {
		return nil, configErr(field("symbol"), "missing; e.g. BTCUSDT")
	}
	if msg := symbolSyntax(c.Symbol); msg != "" {
		return nil, configErr(field("symbol"), "%q: %s", c.Symbol, msg)
	}
	if c.Base == "" || c.Quote == "" || c.Base == c.Quote {
		return nil, configErr(field("base"), "%s needs distinct base and quote assets (e.g. base: BTC, quote: USDT)", c.Symbol)
	}
	s := &symbol{name: c.Symbol, base: c.Base, quote: c.Quote}
	for _, d := range []struct {
		name, v  string
		dst      *decimal.Decimal
		positive bool
	}{
		{"price", c.Price, &s.initialPrice, true},
		{"tick_size", c.TickSize, &s.tick, true},
		{"step_size", c.StepSize, &s.step, true},
		{"min_qty", c.MinQty, &s.minQty, false},
		{"min_notional", c.MinNotional, &s.minNotional, false},
	} {
		if d.v == "" && !d.positive {
			*d.dst = decimal.Zero
			continue
		}
		v, err := decimal.NewFromString(d.v)
		if err != nil || v.IsNegative() || (d.positive && v.IsZero()) {
			return nil, configErr(field(d.name), "%q must be a decimal greater than %s, written as a string (e.g. \"0.01\")", d.v, map[bool]string{true: "0", false: "or equal to 0"}[d.positive])
		}
		*d.dst = v
	}
	s.tickDecimals, s.stepDecimals = decimalsOf(s.tick), decimalsOf(s.step)
	if s.tickDecimals > assetPrecision || s.stepDecimals > assetPrecision {
		return nil, configErr(field("tick_size"), "tick_size and step_size may have at most %d decimals", assetPrecision)
	}
	if !isMultiple(s.initialPrice, s.tick) {
		return nil, configErr(field("price"), "%s is not a multiple of tick_size %s", s.initialPrice, s.tick)
	}
	s.setPrice(s.initialPrice)
	var err error
	if s.mkt, err = newMarket(s); err != nil {
		return nil, configErr(field("symbol"), "%v", err)
	}
	return s, nil
}

func (s *symbol) setPrice(p decimal.Decimal) {
	s.mu.Lock()
	s.price = p
	s.priceStr8 = p.StringFixed(assetPrecision)
	s.priceStrPlain = p.String()
	s.mu.Unlock()
}

func (s *symbol) currentPrice() decimal.Decimal {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.price
}

func (s *symbol) priceText() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.priceStr8
}

func (s *symbol) market() store.Market {
	return store.Market{Symbol: s.name, Base: s.base, Quote: s.quote, Price: s.currentPrice()}
}

// decimalsOf is the number of significant decimal places of d (trailing
// zeros do not count): 0.010 -> 2, 1 -> 0, 100 -> 0.
func decimalsOf(d decimal.Decimal) int32 {
	s := d.String()
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

func isMultiple(v, unit decimal.Decimal) bool {
	if unit.IsZero() {
		return true
	}
	return v.Mod(unit).IsZero()
}

// symbolLegalRange is the legal range quoted in -1100 for symbol. Binance's
// historical range is '^[A-Z0-9-_.]{1,20}$'; since 2025-12 symbols may be
// non-ASCII, so the emulator also accepts any non-ASCII character
// (UNCONFIRMED how Binance words the range today).
const symbolLegalRange = `^[A-Z0-9-_.\x{80}-\x{10FFFF}]{1,20}$`

// symbolsLegalRange is the range quoted for the JSON symbols array.
const symbolsLegalRange = `^\[("[A-Z0-9-_.\x{80}-\x{10FFFF}]{1,20}"(,"[A-Z0-9-_.\x{80}-\x{10FFFF}]{1,20}"){0,}){0,1}\]$`

// symbolSyntax returns "" when s matches symbolLegalRange, else why not.
func symbolSyntax(s string) string {
	n := 0
	for _, r := range s {
		n++
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		case r >= 0x80 && r != 0xFFFD:
		default:
			return fmt.Sprintf("character %q is not allowed (upper-case letters, digits, - _ . and non-ASCII characters are)", r)
		}
	}
	if n == 0 || n > 20 {
		return fmt.Sprintf("%d characters; a symbol has 1 to 20", n)
	}
	return ""
}

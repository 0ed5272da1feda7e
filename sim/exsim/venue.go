package exsim

import (
	"context"
	"net/http"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/sim/store"
)

// Spot is one spot market at a fixed price, written as a decimal string
// (panics on a malformed literal: the lists are constant source text).
func Spot(symbol, base, quote, price string) store.Market {
	return store.Market{Symbol: symbol, Base: base, Quote: quote, Price: decimal.RequireFromString(price)}
}

// Markets is the spot list of a local exchange. Prices are fixed so that a
// limit buy below one rests and one above it fills at once, which keeps the
// answers deterministic. The zero value lists nothing.
type Markets struct {
	list []store.Market
	by   map[string]store.Market
}

// NewMarkets lists ms in the order given; the exchange's listing endpoints
// answer in that order.
func NewMarkets(ms ...store.Market) Markets {
	by := make(map[string]store.Market, len(ms))
	for _, m := range ms {
		by[m.Symbol] = m
	}
	return Markets{list: append([]store.Market(nil), ms...), by: by}
}

// All returns the markets in listing order; the caller may keep the slice.
func (m Markets) All() []store.Market { return append([]store.Market(nil), m.list...) }

// Lookup finds a market by its symbol as the exchange spells it.
func (m Markets) Lookup(symbol string) (store.Market, bool) {
	s, ok := m.by[symbol]
	return s, ok
}

// Assets returns every base and quote asset once, in listing order: the
// currencies a coin or currency endpoint lists.
func (m Markets) Assets() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range m.list {
		for _, c := range []string{s.Base, s.Quote} {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// AsEmulator returns e as an exchange.Emulator, or a nil interface when err
// is set: returning a failed *Emulator directly would give the caller a
// non-nil interface holding a nil pointer. An exchange's
// Exchange.NewEmulator method is then one line over its concrete
// NewEmulator.
func AsEmulator[E exchange.Emulator](e E, err error) (exchange.Emulator, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}

// PrivateFunc answers an authenticated request with the exchange's data, or
// with a failure already in the exchange's terms.
type PrivateFunc func(ctx context.Context, account string, r *http.Request, p map[string]string) (any, *Reply)

// Serve answers private on every path but the public ones, after
// verification, as HandleRoutes does: a venue that routes its private
// endpoints itself needs no EndpointFunc of its own.
func (b *Base) Serve(a API, public map[string]func() any, private PrivateFunc) {
	b.HandleRoutes(a, public, func(r *http.Request, account string, p map[string]string, _ []byte) Reply {
		return Result(private(r.Context(), account, r, p))
	})
}

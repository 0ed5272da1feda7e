package emulator

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/emulator/market"
	"github.com/mbxkit/mbx/sim/store"
)

// PlaceTakerOrder stores a taker order and invalidates the balance cache.
func (l *ledger) PlaceTakerOrder(ctx context.Context, account string, m store.Market, o store.NewOrder, levels []store.BookFill, commission decimal.Decimal) (store.Order, error) {
	defer l.changed()
	return l.Store.PlaceTakerOrder(ctx, account, m, o, levels, commission)
}

// takerCommission is the commission rate of taker fills. The local exchange
// charges none (GET /api/v3/account reports zero rates), so balances move by
// exactly price × quantity; the fills still carry Binance's commission
// fields.
func takerCommission() decimal.Decimal { return decimal.Zero }

// matchOrder places an order against the symbol's simulated book: a MARKET
// order, or a LIMIT order priced through the best level on the other side,
// trades level by level (partial fills included); anything else goes to
// the ledger to rest or be refused, judged against the best price of the
// other side. The symbol's read lock keeps SetPrice from moving the price
// in between.
func (s *Server) matchOrder(ctx context.Context, account string, o *orderReq, product string, now time.Time) (store.Order, error) {
	sy := o.sym
	sy.mu.RLock()
	defer sy.mu.RUnlock()
	price := sy.price
	no := store.NewOrder{Symbol: sy.name, Side: o.side, Type: o.typ, TimeInForce: o.tif, Quantity: o.qty,
		QuoteOrderQty: o.quote, Price: o.price, ClientOrderID: o.clientID, Product: product, Now: now}
	if store.IsStopType(o.typ) {
		return s.placeStop(ctx, account, o, no)
	}
	m := store.Market{Symbol: sy.name, Base: sy.base, Quote: sy.quote, Price: price}
	buy := o.side == store.SideBuy
	book := sy.mkt.BookAt(price, now, 200)
	other := book.Bids
	if buy {
		other = book.Asks
	}
	crosses := o.typ == store.TypeMarket
	if len(other) > 0 && o.typ != store.TypeMarket {
		best := other[0].Price
		crosses = buy && o.price.GreaterThanOrEqual(best) || !buy && o.price.LessThanOrEqual(best)
		m.Price = best // a resting order or LIMIT_MAKER is judged against the other side's best
	}
	if !crosses || o.typ == store.TypeLimitMaker || len(other) == 0 {
		return s.store.PlaceOrder(ctx, account, m, no)
	}
	m.Price = price
	limit := decimal.Zero
	if o.typ == store.TypeLimit {
		limit = o.price
	}
	qty, quote := o.qty, decimal.Zero
	if o.hasQuoteQty {
		qty, quote = decimal.Zero, o.quote
	}
	fills, filled := sy.mkt.Take(book, buy, qty, quote, limit)
	if len(fills) == len(other) && (qty.IsPositive() && filled.LessThan(qty) || quote.IsPositive()) {
		// The order went through the first levels: walk the whole book.
		book = sy.mkt.BookAt(price, now, market.MaxLevels)
		fills, _ = sy.mkt.Take(book, buy, qty, quote, limit)
	}
	if len(fills) == 0 {
		return s.store.PlaceOrder(ctx, account, m, no)
	}
	levels := make([]store.BookFill, 0, len(fills))
	for _, f := range fills {
		levels = append(levels, store.BookFill{Price: f.Price, Qty: f.Qty})
	}
	return s.store.PlaceTakerOrder(ctx, account, m, no, levels, takerCommission())
}

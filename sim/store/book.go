package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// BookFill is one price level a taker order trades against: the caller
// (the local exchange's simulated market) walks its book and passes what
// each level gives.
type BookFill struct {
	Price, Qty decimal.Decimal
}

// maxBookFills bounds the fills of one order (Binance's deepest book is
// 5000 levels a side).
const maxBookFills = 5000

// PlaceTakerOrder stores a taker order of account that trades against the
// given book levels (best first) in one transaction, and returns it with one
// fill per level. It is PlaceOrder for an order the book crosses:
//
//   - MARKET fills the levels. Placed with QuoteOrderQty, its OrigQty is what
//     the levels give. Levels that cover less than Quantity leave the order
//     EXPIRED with what filled, as Binance's market orders do when the book
//     runs dry.
//   - LIMIT fills the levels (the caller passes only those at or better than
//     the limit price). GTC rests the remainder as PARTIALLY_FILLED; IOC
//     expires it; FOK that the levels do not cover completely expires with
//     no fill and no balance change.
//   - LIMIT_MAKER is ErrWouldMatch.
//
// commission is the taker rate (0.001 = 0.1%): Binance charges it on what
// the order receives (base for a BUY, quote for a SELL, the quote/margin
// asset on futures). Spot balances: the free balance must cover the order
// (a LIMIT BUY at its limit price, as Binance reserves), else
// ErrInsufficientBalance and nothing is stored. Futures need a positive
// free USDT balance, as in PlaceOrder.
func (s *Store) PlaceTakerOrder(ctx context.Context, account string, m Market, o NewOrder, levels []BookFill, commission decimal.Decimal) (Order, error) {
	op := fmt.Sprintf("place taker order %s %s %s", o.Symbol, o.Side, o.Type)
	fail := func(err error) (Order, error) { return Order{}, fmt.Errorf("store: %s: %w", op, err) }
	if account == "" {
		return fail(badInput("account", "must not be empty"))
	}
	if err := validateMarket(m); err != nil {
		return fail(err)
	}
	marketQuote := o.Type == TypeMarket && o.QuoteOrderQty.IsPositive()
	if marketQuote {
		// validateOrder knows quoteOrderQty orders; check it as one.
		o.Quantity = decimal.Zero
	}
	o, err := validateOrder(m, o)
	if err != nil {
		return fail(err)
	}
	if o.Type == TypeLimitMaker {
		return fail(fmt.Errorf("%w: the book crosses price %s", ErrWouldMatch, o.Price))
	}
	if commission.IsNegative() || commission.GreaterThanOrEqual(decimal.NewFromInt(1)) {
		return fail(badInput("commission", "%s must be at least 0 and below 1", commission))
	}
	if len(levels) == 0 || len(levels) > maxBookFills {
		return fail(badInput("levels", "%d levels; a taker order trades against 1 to %d", len(levels), maxBookFills))
	}
	filled, cost := decimal.Zero, decimal.Zero
	for i, l := range levels {
		if err := checkAmount("levels.price", l.Price, -1); err != nil {
			return fail(err)
		}
		if err := checkAmount("levels.qty", l.Qty, MaxDecimalPlaces); err != nil {
			return fail(err)
		}
		if !l.Price.IsPositive() || !l.Qty.IsPositive() {
			return fail(badInput("levels", "level %d: price and quantity must be greater than 0", i))
		}
		if o.Type == TypeLimit && (o.Side == SideBuy && l.Price.GreaterThan(o.Price) || o.Side == SideSell && l.Price.LessThan(o.Price)) {
			return fail(badInput("levels", "level %d at %s is beyond the limit price %s", i, l.Price, o.Price))
		}
		filled = filled.Add(l.Qty)
		cost = cost.Add(l.Price.Mul(l.Qty))
	}
	qty := o.Quantity
	if marketQuote {
		qty = filled
		if cost.GreaterThan(o.QuoteOrderQty) {
			return fail(badInput("levels", "the levels cost %s, more than quoteOrderQty %s", cost, o.QuoteOrderQty))
		}
	}
	if filled.GreaterThan(qty) {
		return fail(badInput("levels", "the levels hold %s, more than the order's %s", filled, qty))
	}
	fok := o.Type == TypeLimit && o.TimeInForce == FOK && filled.LessThan(qty)
	if fok {
		filled, cost, levels = decimal.Zero, decimal.Zero, nil
	}
	rest := qty.Sub(filled)
	status := StatusFilled
	switch {
	case fok:
		status = StatusExpired
	case rest.IsZero():
	case o.Type == TypeLimit && o.TimeInForce == GTC:
		status = StatusPartiallyFilled
	default:
		status = StatusExpired
	}

	now := o.Now.Truncate(time.Millisecond).UTC()
	ord := Order{Symbol: o.Symbol, ClientOrderID: o.ClientOrderID, Price: o.Price, OrigQty: qty, ExecutedQty: filled,
		CummulativeQuoteQty: cost, OrigQuoteOrderQty: o.QuoteOrderQty, Status: status, TimeInForce: o.TimeInForce,
		Type: o.Type, Side: o.Side, Product: o.Product, Time: now, UpdateTime: now, Fills: []Fill{}}
	fills := takerFills(m, o.Side, o.Product, levels, commission)

	err = s.write(ctx, op, func(tx *sql.Tx) error {
		if err := checkNewOrder(ctx, tx, account, o.ClientOrderID); err != nil {
			return err
		}
		lock := locked{amount: decimal.Zero}
		if o.Product == ProductFutures {
			if err := checkFuturesMargin(ctx, tx, account); err != nil {
				return err
			}
		} else if lock, err = takerSpotFunds(ctx, tx, account, m, o, qty, filled, cost, fills, status); err != nil {
			return err
		}
		if ord.OrderID, err = insertOrder(ctx, tx, account, ord, lock); err != nil {
			return err
		}
		for i := range fills {
			if fills[i].TradeID, err = insertTrade(ctx, tx, account, ord, fills[i], false, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Order{}, err
	}
	ord.Fills = fills
	return ord, nil
}

// takerSpotFunds checks and moves the balances of a spot taker order: pay
// for what filled, receive it less commission, lock what rests.
func takerSpotFunds(ctx context.Context, tx *sql.Tx, account string, m Market, o NewOrder, qty, filled, cost decimal.Decimal, fills []Fill, status string) (locked, error) {
	none := locked{amount: decimal.Zero}
	fee := decimal.Zero
	for _, f := range fills {
		fee = fee.Add(f.Commission)
	}
	rest := qty.Sub(filled)
	rests := status == StatusPartiallyFilled
	if o.Side == SideBuy {
		need := cost
		if o.Type == TypeLimit {
			need = o.Price.Mul(qty) // Binance checks a LIMIT BUY at its limit price
		}
		b, err := getBalance(ctx, tx, account, m.Quote)
		if err != nil {
			return none, err
		}
		if b.free.LessThan(need) {
			return none, fmt.Errorf("%w: need %s %s free, have %s", ErrInsufficientBalance, need, m.Quote, b.free)
		}
		if err := adjust(ctx, tx, account, m.Quote, cost.Neg(), decimal.Zero); err != nil {
			return none, err
		}
		if err := adjust(ctx, tx, account, m.Base, filled.Sub(fee), decimal.Zero); err != nil {
			return none, err
		}
		if rests {
			lock := o.Price.Mul(rest)
			return locked{asset: m.Quote, amount: lock}, adjust(ctx, tx, account, m.Quote, lock.Neg(), lock)
		}
		return none, nil
	}
	b, err := getBalance(ctx, tx, account, m.Base)
	if err != nil {
		return none, err
	}
	if b.free.LessThan(qty) {
		return none, fmt.Errorf("%w: need %s %s free, have %s", ErrInsufficientBalance, qty, m.Base, b.free)
	}
	if err := adjust(ctx, tx, account, m.Base, filled.Neg(), decimal.Zero); err != nil {
		return none, err
	}
	if err := adjust(ctx, tx, account, m.Quote, cost.Sub(fee), decimal.Zero); err != nil {
		return none, err
	}
	if rests {
		return locked{asset: m.Base, amount: rest}, adjust(ctx, tx, account, m.Base, rest.Neg(), rest)
	}
	return none, nil
}

// takerFills turns the levels a taker order trades against into its fills,
// with the commission charged on what it receives.
func takerFills(m Market, side, product string, levels []BookFill, commission decimal.Decimal) []Fill {
	asset := commissionAsset(m, side, product)
	fills := make([]Fill, 0, len(levels))
	for _, l := range levels {
		base := l.Qty
		if asset == m.Quote {
			base = l.Price.Mul(l.Qty)
		}
		fills = append(fills, Fill{Price: l.Price, Qty: l.Qty, Commission: base.Mul(commission).Truncate(MaxDecimalPlaces), CommissionAsset: asset})
	}
	return fills
}

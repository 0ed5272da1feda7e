package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mbxkit/mbx/sim/store"
	"github.com/shopspring/decimal"
)

// FuzzPlaceOrder feeds arbitrary client input to PlaceOrder: it must never
// panic, must fail only with the package's sentinels, and whatever it
// accepts must leave the books balanced. Seeds: testdata/fuzz/FuzzPlaceOrder.
func FuzzPlaceOrder(f *testing.F) {
	ctx := context.Background()
	s := openMem(f)
	initial := map[string]string{"USDT": "1000000", "BTC": "1000"}
	num := func(v string) decimal.Decimal {
		d, err := decimal.NewFromString(v)
		if err != nil {
			return decimal.Zero // the HTTP layer rejects what does not parse
		}
		return d
	}
	f.Fuzz(func(t *testing.T, side, typ, tif, product, cid, qty, quoteQty, price, marketPrice string) {
		if err := s.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		ensure(t, s, "alice", initial)
		m := store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: num(marketPrice)}
		// A resting order with the same client id, for ErrDuplicateOrder.
		if _, err := s.PlaceOrder(ctx, "alice", btc("100"), limit("BUY", "GTC", "1", "1", "c1")); err != nil {
			t.Fatal(err)
		}
		o, err := s.PlaceOrder(ctx, "alice", m, store.NewOrder{
			Symbol: "BTCUSDT", Side: side, Type: typ, TimeInForce: tif, Product: product, ClientOrderID: cid,
			Quantity: num(qty), QuoteOrderQty: num(quoteQty), Price: num(price), Now: t0(),
		})
		if err != nil {
			for _, sentinel := range []error{store.ErrBadInput, store.ErrInsufficientBalance, store.ErrWouldMatch, store.ErrDuplicateOrder} {
				if errors.Is(err, sentinel) {
					checkBooks(t, s, "alice", initial, btc("100"))
					return
				}
			}
			t.Fatalf("PlaceOrder error wraps no sentinel: %v", err)
		}
		switch o.Status {
		case store.StatusFilled:
			if !o.ExecutedQty.Equal(o.OrigQty) || len(o.Fills) != 1 || !o.CummulativeQuoteQty.Equal(o.Fills[0].Price.Mul(o.Fills[0].Qty)) {
				t.Fatalf("inconsistent filled order %+v", o)
			}
		case store.StatusNew, store.StatusExpired:
			if !o.ExecutedQty.IsZero() || len(o.Fills) != 0 {
				t.Fatalf("inconsistent %s order %+v", o.Status, o)
			}
		default:
			t.Fatalf("unexpected status %q", o.Status)
		}
		checkBooks(t, s, "alice", initial, m)
	})
}

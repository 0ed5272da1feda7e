package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mbxkit/mbx/sim/store"
)

func TestPlaceOCO(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "a", map[string]string{"USDT": "10000", "BTC": "1"})
	leg := func(typ, price, stop, cid string) store.ListLeg {
		o := store.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: typ, Quantity: d("0.1"), Price: d(price), ClientOrderID: cid, Now: t0()}
		if typ == "STOP_LOSS_LIMIT" {
			o.TimeInForce = "GTC"
		}
		return store.ListLeg{Order: o, StopPrice: d(stop), Book: d("60000")}
	}
	// A BUY list locks the larger of its legs' costs once: 61500 × 0.1.
	list, orders, err := s.PlaceOCO(ctx, "a", btc("60000"), "L1", [2]store.ListLeg{leg("LIMIT_MAKER", "55000", "0", "m"), leg("STOP_LOSS_LIMIT", "61500", "61000", "s")}, t0())
	if err != nil {
		t.Fatal(err)
	}
	if len(list.OrderIDs) != 2 || orders[0].Status != "NEW" || orders[1].Type != "STOP_LOSS_LIMIT" {
		t.Fatalf("list %+v orders %+v", list, orders)
	}
	wantBalances(t, s, "a", map[string]bal{"USDT": {"3850", "6150"}, "BTC": {"1", "0"}})
	acct, sib, err := s.ListSiblings(ctx, orders[0].OrderID)
	if err != nil || acct != "a" || len(sib) != 1 || sib[0] != orders[1].OrderID {
		t.Fatalf("siblings %s %v %v", acct, sib, err)
	}
	// Ending the locking leg releases the list's lock.
	if o, err := s.EndOrder(ctx, "a", orders[0].OrderID, "EXPIRED", t0()); err != nil || o.Status != "EXPIRED" {
		t.Fatalf("end %+v %v", o, err)
	}
	wantBalances(t, s, "a", map[string]bal{"USDT": {"10000", "0"}, "BTC": {"1", "0"}})
	if _, err := s.EndOrder(ctx, "a", orders[1].OrderID, "FILLED", t0()); !errors.Is(err, store.ErrBadInput) {
		t.Errorf("EndOrder FILLED: %v", err)
	}

	// Both legs or neither: a crossing LIMIT_MAKER leaves nothing behind.
	_, _, err = s.PlaceOCO(ctx, "a", btc("60000"), "L2", [2]store.ListLeg{leg("LIMIT_MAKER", "60000", "0", "m2"), leg("STOP_LOSS_LIMIT", "61500", "61000", "s2")}, t0())
	if !errors.Is(err, store.ErrWouldMatch) {
		t.Fatalf("crossing maker: %v", err)
	}
	_, _, err = s.PlaceOCO(ctx, "a", btc("60000"), "L3", [2]store.ListLeg{leg("LIMIT_MAKER", "55000", "0", "m3"), leg("STOP_LOSS_LIMIT", "61500", "59000", "s3")}, t0())
	if !errors.Is(err, store.ErrWouldTrigger) {
		t.Fatalf("triggered stop: %v", err)
	}
	open, err := s.OpenOrders(ctx, "a", "")
	if err != nil || len(open) != 1 {
		t.Fatalf("open orders %d (%v), want the one stop leg left", len(open), err)
	}
	wantBalances(t, s, "a", map[string]bal{"USDT": {"10000", "0"}, "BTC": {"1", "0"}})
}

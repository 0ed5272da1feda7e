package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/sim/store"
)

func TestTriggers(t *testing.T) {
	tests := []struct {
		side, typ   string
		stop, price string
		want        bool
	}{
		{"SELL", "STOP_LOSS", "59000", "59000", true},
		{"SELL", "STOP_LOSS_LIMIT", "59000", "59001", false},
		{"SELL", "TAKE_PROFIT", "61000", "61000", true},
		{"SELL", "TAKE_PROFIT_LIMIT", "61000", "60999", false},
		{"BUY", "STOP_LOSS", "61000", "61500", true},
		{"BUY", "STOP_LOSS_LIMIT", "61000", "60000", false},
		{"BUY", "TAKE_PROFIT", "59000", "58000", true},
		{"BUY", "TAKE_PROFIT_LIMIT", "59000", "59500", false},
	}
	for _, tt := range tests {
		if got := store.Triggers(tt.side, tt.typ, d(tt.stop), d(tt.price)); got != tt.want {
			t.Errorf("%s %s stop %s at %s: %v, want %v", tt.side, tt.typ, tt.stop, tt.price, got, tt.want)
		}
	}
}

func TestStopOrderLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "a", map[string]string{"USDT": "10000", "BTC": "1"})
	stop := func(side, typ, tif, price, qty, cid string) store.NewOrder {
		return store.NewOrder{Symbol: "BTCUSDT", Side: side, Type: typ, TimeInForce: tif, Price: d(price), Quantity: d(qty), ClientOrderID: cid, Now: t0()}
	}
	if _, err := s.PlaceStopOrder(ctx, "a", btc("60000"), stop("SELL", "STOP_LOSS", "", "0", "0.5", "s0"), d("61000")); !errors.Is(err, store.ErrWouldTrigger) {
		t.Fatalf("a stop the market already reached: %v", err)
	}
	fok, err := s.PlaceStopOrder(ctx, "a", btc("60000"), stop("BUY", "STOP_LOSS_LIMIT", "FOK", "61000", "0.1", "s1"), d("60500"))
	if err != nil {
		t.Fatal(err)
	}
	sell, err := s.PlaceStopOrder(ctx, "a", btc("60000"), stop("SELL", "STOP_LOSS", "", "0", "0.5", "s2"), d("59000"))
	if err != nil {
		t.Fatal(err)
	}
	wantBalances(t, s, "a", map[string]bal{"USDT": {"3900", "6100"}, "BTC": {"0.5", "0.5"}})
	// Waiting stops are not matched by price moves that do not trigger them.
	if filled, err := s.SetPrice(ctx, btc("30000"), t0()); err != nil || len(filled) != 0 {
		t.Fatalf("SetPrice filled %v (%v)", filled, err)
	}
	pending, err := s.PendingStops(ctx, "BTCUSDT")
	if err != nil || len(pending) != 2 || !pending[1].StopPrice.Equal(d("59000")) {
		t.Fatalf("pending %+v (%v)", pending, err)
	}
	// The FOK BUY starts with too little on the book: it expires, untouched.
	o, err := s.TriggerStop(ctx, btc("60500"), fok.OrderID, levels("60500", "0.05"), decimal.Zero, t0())
	if err != nil || o.Status != "EXPIRED" || len(o.Fills) != 0 {
		t.Fatalf("FOK stop %+v (%v)", o, err)
	}
	// The SELL stop fills across two bids.
	o, err = s.TriggerStop(ctx, btc("59000"), sell.OrderID, levels("58990", "0.2", "58980", "0.3"), decimal.Zero, t0())
	if err != nil || o.Status != "FILLED" || len(o.Fills) != 2 || !o.CummulativeQuoteQty.Equal(d("29492")) {
		t.Fatalf("SELL stop %+v (%v)", o, err)
	}
	wantBalances(t, s, "a", map[string]bal{"USDT": {"39492", "0"}, "BTC": {"0.5", "0"}})
	if _, err := s.TriggerStop(ctx, btc("59000"), sell.OrderID, nil, decimal.Zero, t0()); !errors.Is(err, store.ErrUnknownOrder) {
		t.Errorf("triggering twice: %v", err)
	}
	infos, err := s.StopInfos(ctx, "a", []int64{sell.OrderID, fok.OrderID})
	if err != nil || !infos[sell.OrderID].Triggered || infos[sell.OrderID].WorkingTime.IsZero() {
		t.Errorf("stop infos %+v (%v)", infos, err)
	}
}

package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/sim/store"
)

func levels(pq ...string) []store.BookFill {
	var out []store.BookFill
	for i := 0; i+1 < len(pq); i += 2 {
		out = append(out, store.BookFill{Price: d(pq[i]), Qty: d(pq[i+1])})
	}
	return out
}

func TestPlaceTakerOrder(t *testing.T) {
	initial := map[string]string{"USDT": "100000", "BTC": "2"}
	asks := levels("50000", "0.1", "50010", "0.2", "50020", "0.5")
	bids := levels("49990", "0.1", "49980", "0.3")
	tests := []struct {
		name       string
		o          store.NewOrder
		lv         []store.BookFill
		commission string
		status     string
		executed   string
		quote      string
		fills      int
		want       map[string]bal
	}{
		{name: "market buy walks three levels", o: market("BUY", "0.6", "m1"), lv: levels("50000", "0.1", "50010", "0.2", "50020", "0.3"), status: "FILLED", executed: "0.6", fills: 3,
			quote: "30008", // 5000 + 10002 + 15006
			want:  map[string]bal{"USDT": {"69992", "0"}, "BTC": {"2.6", "0"}}},
		{name: "market buy beyond the book expires with what filled", o: market("BUY", "1", "m2"), lv: asks, status: "EXPIRED", executed: "0.8", fills: 3,
			quote: "40012", want: map[string]bal{"USDT": {"59988", "0"}, "BTC": {"2.8", "0"}}},
		{name: "GTC limit buy rests the rest, partially filled", o: limit("BUY", "GTC", "50010", "0.5", "l1"), lv: asks[:2], status: "PARTIALLY_FILLED",
			executed: "0.3", fills: 2, quote: "15002", want: map[string]bal{"USDT": {"74996", "10002"}, "BTC": {"2.3", "0"}}},
		{name: "IOC limit sell expires the rest", o: limit("SELL", "IOC", "49990", "0.5", "l2"), lv: bids[:1], status: "EXPIRED",
			executed: "0.1", fills: 1, quote: "4999", want: map[string]bal{"USDT": {"104999", "0"}, "BTC": {"1.9", "0"}}},
		{name: "FOK the levels cannot cover expires untouched", o: limit("BUY", "FOK", "50010", "0.5", "l3"), lv: asks[:2], status: "EXPIRED",
			executed: "0", fills: 0, quote: "0", want: map[string]bal{"USDT": {"100000", "0"}, "BTC": {"2", "0"}}},
		{name: "market sell with commission in quote", o: market("SELL", "0.4", "m3"), lv: bids, commission: "0.001", status: "FILLED",
			executed: "0.4", fills: 2, quote: "19993", // 4999 + 14994
			want: map[string]bal{"USDT": {"119973.007", "0"}, "BTC": {"1.6", "0"}}},
		{name: "market buy by quoteOrderQty", o: store.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "MARKET", QuoteOrderQty: d("15002"), ClientOrderID: "q1", Now: t0()},
			lv: asks[:2], status: "FILLED", executed: "0.3", fills: 2, quote: "15002",
			want: map[string]bal{"USDT": {"84998", "0"}, "BTC": {"2.3", "0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMem(t)
			ensure(t, s, "a", initial)
			c := decimal.Zero
			if tt.commission != "" {
				c = d(tt.commission)
			}
			o, err := s.PlaceTakerOrder(context.Background(), "a", btc("50000"), tt.o, tt.lv, c)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != tt.status || !o.ExecutedQty.Equal(d(tt.executed)) || !o.CummulativeQuoteQty.Equal(d(tt.quote)) || len(o.Fills) != tt.fills {
				t.Fatalf("order %s executed %s quote %s fills %d; want %s %s %s %d", o.Status, o.ExecutedQty, o.CummulativeQuoteQty, len(o.Fills),
					tt.status, tt.executed, tt.quote, tt.fills)
			}
			for _, f := range o.Fills {
				if f.TradeID == 0 || tt.commission == "" && !f.Commission.IsZero() {
					t.Errorf("fill %+v", f)
				}
			}
			wantBalances(t, s, "a", tt.want)
			trades, err := s.Trades(context.Background(), "a", "BTCUSDT", 100)
			if err != nil || len(trades) != tt.fills {
				t.Fatalf("%d trades (%v), want %d", len(trades), err, tt.fills)
			}
			if o.Status == "PARTIALLY_FILLED" {
				// Cancel releases exactly what the rest locked.
				if _, err := s.CancelOrder(context.Background(), "a", "BTCUSDT", o.OrderID, "", t0()); err != nil {
					t.Fatal(err)
				}
				wantBalances(t, s, "a", map[string]bal{"USDT": {"84998", "0"}, "BTC": {"2.3", "0"}})
			}
		})
	}
}

func TestPlaceTakerOrderRefuses(t *testing.T) {
	asks := levels("50000", "0.1")
	tests := []struct {
		name   string
		o      store.NewOrder
		lv     []store.BookFill
		field  string
		target error
	}{
		{name: "no levels", o: market("BUY", "0.1", "x1"), field: "levels"},
		{name: "a level beyond the limit", o: limit("BUY", "GTC", "49000", "0.1", "x2"), lv: asks, field: "levels"},
		{name: "more than the order", o: market("BUY", "0.05", "x3"), lv: asks, field: "levels"},
		{name: "LIMIT_MAKER would take", o: store.NewOrder{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT_MAKER", Quantity: d("0.1"), Price: d("50000"), ClientOrderID: "x4", Now: t0()},
			lv: asks, target: store.ErrWouldMatch},
		{name: "not enough quote", o: market("BUY", "0.1", "x5"), lv: asks, target: store.ErrInsufficientBalance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMem(t)
			ensure(t, s, "a", map[string]string{"USDT": "100"})
			_, err := s.PlaceTakerOrder(context.Background(), "a", btc("50000"), tt.o, tt.lv, decimal.Zero)
			switch {
			case tt.field != "":
				wantField(t, err, tt.field)
			case !errors.Is(err, tt.target):
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
			wantBalances(t, s, "a", map[string]bal{"USDT": {"100", "0"}})
		})
	}
}

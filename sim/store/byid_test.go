package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestOrderByID(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, a := range []string{"alice", "bob"} {
		if err := s.EnsureAccount(ctx, a, map[string]decimal.Decimal{"USDT": decimal.NewFromInt(1000)}); err != nil {
			t.Fatal(err)
		}
	}
	m := Market{Symbol: "BTC-USDT", Base: "BTC", Quote: "USDT", Price: decimal.NewFromInt(60000)}
	o, err := s.PlaceOrder(ctx, "alice", m, NewOrder{Symbol: "BTC-USDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC,
		Quantity: decimal.RequireFromString("0.01"), Price: decimal.NewFromInt(50000), ClientOrderID: "c1", Now: time.UnixMilli(1)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.OrderByID(ctx, "alice", o.OrderID)
	if err != nil || got.Symbol != "BTC-USDT" || got.ClientOrderID != "c1" || got.Status != StatusNew {
		t.Fatalf("OrderByID = %+v, %v", got, err)
	}
	for _, tt := range []struct {
		account string
		id      int64
		want    error
	}{{"bob", o.OrderID, ErrUnknownOrder}, {"alice", o.OrderID + 1, ErrUnknownOrder}, {"alice", 0, ErrBadInput}} {
		if _, err := s.OrderByID(ctx, tt.account, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("OrderByID(%s, %d) = %v, want %v", tt.account, tt.id, err, tt.want)
		}
	}
}

package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mbxkit/mbx/sim/store"
)

func TestTransferIsAtomic(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "100"})
	ensure(t, s, "bob", map[string]string{"USDT": "5"})
	tests := []struct {
		name     string
		from, to string
		amount   string
		wantErr  error
		alice    string
		bob      string
	}{
		{"moves funds", "alice", "bob", "30", nil, "70", "35"},
		{"to itself", "alice", "alice", "10", nil, "70", "35"},
		{"more than free", "alice", "bob", "70.00000001", store.ErrInsufficientBalance, "70", "35"},
		// The credit fails after the debit: nothing of the debit may remain.
		{"unknown receiver", "alice", "ghost", "1", store.ErrUnknownAccount, "70", "35"},
		{"unknown sender", "ghost", "bob", "1", store.ErrUnknownAccount, "70", "35"},
		{"zero", "alice", "bob", "0", store.ErrBadInput, "70", "35"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.Transfer(ctx, tc.from, tc.to, "USDT", d(tc.amount), "ref")
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Transfer = %d, %v; want %v", id, err, tc.wantErr)
			}
			if err == nil && id <= 0 {
				t.Errorf("ledger id %d, want > 0", id)
			}
			wantBalances(t, s, "alice", map[string]bal{"USDT": {tc.alice, "0"}})
			wantBalances(t, s, "bob", map[string]bal{"USDT": {tc.bob, "0"}})
		})
	}
}

func TestCancelProductOrdersCancelsOneProductAtOnce(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "1000"})
	for _, cid := range []string{"s1", "s2"} {
		if _, err := s.PlaceOrder(ctx, "alice", btc("100"), limit("BUY", "GTC", "90", "1", cid)); err != nil {
			t.Fatal(err)
		}
	}
	fut := limit("BUY", "GTC", "90", "1", "f1")
	fut.Product = store.ProductFutures
	if _, err := s.PlaceOrder(ctx, "alice", btc("100"), fut); err != nil {
		t.Fatal(err)
	}
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"820", "180"}})
	got, err := s.CancelProductOrders(ctx, "alice", "BTCUSDT", store.ProductSpot, t0())
	if err != nil || len(got) != 2 || got[0].ClientOrderID != "s1" || got[1].ClientOrderID != "s2" {
		t.Fatalf("CancelProductOrders = %+v, %v; want s1 and s2", got, err)
	}
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"1000", "0"}})
	open, err := s.OpenOrders(ctx, "alice", "BTCUSDT")
	if err != nil || len(open) != 1 || open[0].ClientOrderID != "f1" {
		t.Fatalf("open after canceling spot = %+v, %v; want the futures order", open, err)
	}
	if _, err := s.CancelProductOrders(ctx, "alice", "BTCUSDT", "margin", t0()); !errors.Is(err, store.ErrBadInput) {
		t.Errorf("unknown product: %v", err)
	}
}

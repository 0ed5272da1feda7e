package store_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/mbxkit/mbx/sim/store"
)

// BenchmarkPlaceOrder measures one acknowledged order: validation, balance
// moves, order and trade rows, and the durable commit (an fsync of the WAL
// for "file"; "memory" shows the cost without the disk).
func BenchmarkPlaceOrder(b *testing.B) {
	for _, kind := range []string{"file", "memory"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			path := ":memory:"
			if kind == "file" {
				path = tempDB(b)
			}
			s, err := store.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ensure(b, s, "alice", map[string]string{"USDT": "1000000000", "BTC": "1000000"})
			m := btc("100")
			orders := [2]store.NewOrder{market("BUY", "1", "b"), market("SELL", "1", "s")}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o := orders[i%2]
				o.ClientOrderID = strconv.Itoa(i)
				if _, err := s.PlaceOrder(ctx, "alice", m, o); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

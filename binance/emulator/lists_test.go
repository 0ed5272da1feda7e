package emulator

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/sim/store"
)

// TestListsPageOverManyRows: allOrders and myTrades reach every row however
// many there are, by orderId/fromId and by time, not only the newest 1000.
func TestListsPageOverManyRows(t *testing.T) {
	const n = 2100 // more than 2 × MaxLimit
	e := startExchange(t, tradingConfig(), Options{})
	k := docsKey(t)
	ctx := context.Background()
	m := store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: decimal.RequireFromString("50000")}
	t0 := e.clock.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := 1; i <= n; i++ {
		// A MARKET order: one order and one trade each, id i, at t0 + i s.
		_, err := e.srv.Store().PlaceOrder(ctx, DocsAPIKey, m, store.NewOrder{Symbol: "BTCUSDT", Side: store.SideBuy,
			Type: store.TypeMarket, Quantity: decimal.RequireFromString("0.00001"),
			ClientOrderID: fmt.Sprintf("c%d", i), Now: t0.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(i int) int64 { return t0.Add(time.Duration(i) * time.Second).UnixMilli() }
	tests := []struct {
		name        string
		path        string
		query       []any
		first, last int64
	}{
		{"orders from 1", "/api/v3/allOrders", []any{"orderId", 1, "limit", 1000}, 1, 1000},
		{"orders from 1001", "/api/v3/allOrders", []any{"orderId", 1001, "limit", 1000}, 1001, 2000},
		{"orders from 2001", "/api/v3/allOrders", []any{"orderId", 2001, "limit", 1000}, 2001, n},
		{"orders from 0", "/api/v3/allOrders", []any{"orderId", 0, "limit", 5}, 1, 5},
		{"newest orders", "/api/v3/allOrders", []any{"limit", 1000}, n - 999, n},
		{"old orders by time", "/api/v3/allOrders", []any{"startTime", at(10), "endTime", at(19)}, 10, 19},
		{"orders from id within time", "/api/v3/allOrders", []any{"orderId", 15, "startTime", at(10), "endTime", at(1500), "limit", 3}, 15, 17},
		{"trades from 1", "/api/v3/myTrades", []any{"fromId", 1, "limit", 1000}, 1, 1000},
		{"trades from 1001", "/api/v3/myTrades", []any{"fromId", 1001, "limit", 1000}, 1001, 2000},
		{"old trades by time", "/api/v3/myTrades", []any{"startTime", at(3), "endTime", at(7)}, 3, 7},
		{"trades of an old order", "/api/v3/myTrades", []any{"orderId", 5}, 5, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.signed(k, "GET", tc.path, kv(t, append([]any{"symbol", "BTCUSDT"}, tc.query...)...), params.List{})
			wantOK(t, a)
			var rows []struct {
				ID      int64 `json:"id"`
				OrderID int64 `json:"orderId"`
			}
			a.json(t, &rows)
			want := int(tc.last - tc.first + 1)
			if len(rows) != want {
				t.Fatalf("%d rows, want %d (%d..%d)", len(rows), want, tc.first, tc.last)
			}
			for i, r := range rows {
				id := r.OrderID
				if tc.path == "/api/v3/myTrades" {
					id = r.ID
				}
				if id != tc.first+int64(i) {
					t.Fatalf("row %d has id %d, want %d", i, id, tc.first+int64(i))
				}
			}
		})
	}
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/sim/store"
	"github.com/shopspring/decimal"
)

func limit(side, tif, price, qty, cid string) store.NewOrder {
	return store.NewOrder{Symbol: "BTCUSDT", Side: side, Type: store.TypeLimit, TimeInForce: tif,
		Price: d(price), Quantity: d(qty), ClientOrderID: cid, Now: t0()}
}

func market(side, qty, cid string) store.NewOrder {
	return store.NewOrder{Symbol: "BTCUSDT", Side: side, Type: store.TypeMarket, Quantity: d(qty), ClientOrderID: cid, Now: t0()}
}

func TestPlaceOrderMatching(t *testing.T) {
	std := map[string]string{"USDT": "1000", "BTC": "10"}
	tests := []struct {
		name     string
		initial  map[string]string // std when nil
		price    string            // market price, 100 when ""
		order    store.NewOrder
		err      error
		status   string
		executed string
		cumm     string
		fillAt   string // "" when no fill
		want     map[string]bal
	}{
		{name: "market buy", order: market("BUY", "2", "a"),
			status: "FILLED", executed: "2", cumm: "200", fillAt: "100",
			want: map[string]bal{"USDT": {"800", "0"}, "BTC": {"12", "0"}}},
		{name: "market sell", order: market("SELL", "3", "a"),
			status: "FILLED", executed: "3", cumm: "300", fillAt: "100",
			want: map[string]bal{"USDT": {"1300", "0"}, "BTC": {"7", "0"}}},
		{name: "market buy with quoteOrderQty", order: func() store.NewOrder {
			o := market("BUY", "0", "a")
			o.QuoteOrderQty = d("150")
			return o
		}(), status: "FILLED", executed: "1.5", cumm: "150", fillAt: "100",
			want: map[string]bal{"USDT": {"850", "0"}, "BTC": {"11.5", "0"}}},
		{name: "market buy with quoteOrderQty truncates to 8 places", price: "3", order: func() store.NewOrder {
			o := market("BUY", "0", "a")
			o.QuoteOrderQty = d("10")
			return o
		}(), status: "FILLED", executed: "3.33333333", cumm: "9.99999999", fillAt: "3",
			want: map[string]bal{"USDT": {"990.00000001", "0"}, "BTC": {"13.33333333", "0"}}},
		{name: "market sell with quoteOrderQty", order: func() store.NewOrder {
			o := market("SELL", "0", "a")
			o.QuoteOrderQty = d("250")
			return o
		}(), status: "FILLED", executed: "2.5", cumm: "250", fillAt: "100",
			want: map[string]bal{"USDT": {"1250", "0"}, "BTC": {"7.5", "0"}}},
		{name: "limit buy crossing fills at market price", order: limit("BUY", "GTC", "101", "2", "a"),
			status: "FILLED", executed: "2", cumm: "200", fillAt: "100",
			want: map[string]bal{"USDT": {"800", "0"}, "BTC": {"12", "0"}}},
		{name: "limit buy at market price fills", order: limit("BUY", "GTC", "100", "1", "a"),
			status: "FILLED", executed: "1", cumm: "100", fillAt: "100",
			want: map[string]bal{"USDT": {"900", "0"}, "BTC": {"11", "0"}}},
		{name: "limit sell crossing fills at market price", order: limit("SELL", "GTC", "99", "1", "a"),
			status: "FILLED", executed: "1", cumm: "100", fillAt: "100",
			want: map[string]bal{"USDT": {"1100", "0"}, "BTC": {"9", "0"}}},
		{name: "limit buy rests and locks quote", order: limit("BUY", "GTC", "90", "2", "a"),
			status: "NEW", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"820", "180"}, "BTC": {"10", "0"}}},
		{name: "limit sell rests and locks base", order: limit("SELL", "GTC", "110", "4", "a"),
			status: "NEW", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"1000", "0"}, "BTC": {"6", "4"}}},
		{name: "lock is exact decimal", price: "0.2", order: limit("BUY", "GTC", "0.1", "3", "a"),
			status: "NEW", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"999.7", "0.3"}, "BTC": {"10", "0"}}},
		{name: "IOC buy not crossing expires", order: limit("BUY", "IOC", "90", "2", "a"),
			status: "EXPIRED", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}}},
		{name: "FOK buy not crossing expires", order: limit("BUY", "FOK", "90", "2", "a"),
			status: "EXPIRED", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}}},
		{name: "IOC sell not crossing expires", order: limit("SELL", "IOC", "110", "2", "a"),
			status: "EXPIRED", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}}},
		{name: "FOK sell crossing fills", order: limit("SELL", "FOK", "100", "2", "a"),
			status: "FILLED", executed: "2", cumm: "200", fillAt: "100",
			want: map[string]bal{"USDT": {"1200", "0"}, "BTC": {"8", "0"}}},
		{name: "limit maker buy crossing rejected", order: func() store.NewOrder {
			o := limit("BUY", "", "100", "1", "a")
			o.Type = store.TypeLimitMaker
			return o
		}(), err: store.ErrWouldMatch},
		{name: "limit maker sell crossing rejected", order: func() store.NewOrder {
			o := limit("SELL", "", "99", "1", "a")
			o.Type = store.TypeLimitMaker
			return o
		}(), err: store.ErrWouldMatch},
		{name: "limit maker rests", order: func() store.NewOrder {
			o := limit("BUY", "", "99", "1", "a")
			o.Type = store.TypeLimitMaker
			return o
		}(), status: "NEW", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"901", "99"}, "BTC": {"10", "0"}}},
		{name: "market buy beyond free quote", order: market("BUY", "10.01", "a"), err: store.ErrInsufficientBalance},
		{name: "market sell beyond free base", order: market("SELL", "10.00000001", "a"), err: store.ErrInsufficientBalance},
		{name: "limit sell beyond free base", order: limit("SELL", "GTC", "110", "11", "a"), err: store.ErrInsufficientBalance},
		{name: "limit buy reserves at limit price even when it would fill lower",
			order: limit("BUY", "GTC", "600", "2", "a"), err: store.ErrInsufficientBalance},
		{name: "expiring IOC still needs the balance", order: limit("BUY", "IOC", "90", "12", "a"), err: store.ErrInsufficientBalance},
		{name: "asset never held", initial: map[string]string{"USDT": "1000"}, order: market("SELL", "1", "a"), err: store.ErrInsufficientBalance},
		{name: "futures ignores spot balances", order: func() store.NewOrder {
			o := market("BUY", "100", "a")
			o.Product = store.ProductFutures
			return o
		}(), status: "FILLED", executed: "100", cumm: "10000", fillAt: "100",
			want: map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}}},
		{name: "futures resting does not lock", order: func() store.NewOrder {
			o := limit("SELL", "GTC", "110", "100", "a")
			o.Product = store.ProductFutures
			return o
		}(), status: "NEW", executed: "0", cumm: "0",
			want: map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}}},
		{name: "futures needs USDT", initial: map[string]string{"USDT": "0", "BTC": "10"}, order: func() store.NewOrder {
			o := market("BUY", "1", "a")
			o.Product = store.ProductFutures
			return o
		}(), err: store.ErrInsufficientBalance},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := openMem(t)
			initial := tc.initial
			if initial == nil {
				initial = std
			}
			ensure(t, s, "alice", initial)
			price := tc.price
			if price == "" {
				price = "100"
			}
			m := btc(price)

			got, err := s.PlaceOrder(ctx, "alice", m, tc.order)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("PlaceOrder error = %v, want %v", err, tc.err)
				}
				all, err := s.AllOrders(ctx, "alice", "", 0)
				if err != nil || len(all) != 0 {
					t.Errorf("rejected order was stored: %v, %v", all, err)
				}
				want := map[string]bal{}
				for a, v := range initial {
					want[a] = bal{v, "0"}
				}
				wantBalances(t, s, "alice", want)
				return
			}
			if err != nil {
				t.Fatalf("PlaceOrder: %v", err)
			}
			if got.OrderID != 1 || got.Status != tc.status || !got.ExecutedQty.Equal(d(tc.executed)) ||
				!got.CummulativeQuoteQty.Equal(d(tc.cumm)) {
				t.Errorf("order = id %d %s executed %s cumm %s, want id 1 %s executed %s cumm %s",
					got.OrderID, got.Status, got.ExecutedQty, got.CummulativeQuoteQty, tc.status, tc.executed, tc.cumm)
			}
			if got.Fills == nil {
				t.Errorf("Fills is nil, want a non-nil slice")
			}
			if tc.fillAt == "" {
				if len(got.Fills) != 0 {
					t.Errorf("fills = %v, want none", got.Fills)
				}
			} else if len(got.Fills) != 1 || !got.Fills[0].Price.Equal(d(tc.fillAt)) ||
				!got.Fills[0].Qty.Equal(d(tc.executed)) || !got.Fills[0].Commission.IsZero() || got.Fills[0].TradeID != 1 {
				t.Errorf("fills = %+v, want one trade 1 of %s at %s, commission 0", got.Fills, tc.executed, tc.fillAt)
			}
			wantBalances(t, s, "alice", tc.want)
			checkBooks(t, s, "alice", initial, m)

			// What was acknowledged is what is stored.
			stored, err := s.GetOrder(ctx, "alice", "BTCUSDT", got.OrderID, "")
			if err != nil {
				t.Fatalf("GetOrder: %v", err)
			}
			got.Fills = nil
			if !sameOrder(stored, got) {
				t.Errorf("stored order\n %+v\nwant\n %+v", stored, got)
			}
		})
	}
}

func sameOrder(a, b store.Order) bool {
	return a.Symbol == b.Symbol && a.OrderID == b.OrderID && a.ClientOrderID == b.ClientOrderID &&
		a.Price.Equal(b.Price) && a.OrigQty.Equal(b.OrigQty) && a.ExecutedQty.Equal(b.ExecutedQty) &&
		a.CummulativeQuoteQty.Equal(b.CummulativeQuoteQty) && a.OrigQuoteOrderQty.Equal(b.OrigQuoteOrderQty) &&
		a.Status == b.Status && a.TimeInForce == b.TimeInForce && a.Type == b.Type && a.Side == b.Side &&
		a.Product == b.Product && a.Time.Equal(b.Time) && a.UpdateTime.Equal(b.UpdateTime) && len(a.Fills) == len(b.Fills)
}

func TestCancelReleasesExactlyWhatWasLocked(t *testing.T) {
	maker := func(o store.NewOrder) store.NewOrder { o.Type, o.TimeInForce = store.TypeLimitMaker, ""; return o }
	tests := []struct {
		name     string
		order    store.NewOrder
		byClient bool
		during   map[string]bal
	}{
		{"buy by id", limit("BUY", "GTC", "33.333", "3", "c1"), false, map[string]bal{"USDT": {"900.001", "99.999"}, "BTC": {"10", "0"}}},
		{"buy by client id", limit("BUY", "GTC", "0.00000001", "7", "c1"), true, map[string]bal{"USDT": {"999.99999993", "0.00000007"}, "BTC": {"10", "0"}}},
		{"sell by id", limit("SELL", "GTC", "150", "9.5", "c1"), false, map[string]bal{"USDT": {"1000", "0"}, "BTC": {"0.5", "9.5"}}},
		{"limit maker by client id", maker(limit("SELL", "", "101", "10", "c1")), true, map[string]bal{"USDT": {"1000", "0"}, "BTC": {"0", "10"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := openMem(t)
			initial := map[string]string{"USDT": "1000", "BTC": "10"}
			ensure(t, s, "alice", initial)
			o, err := s.PlaceOrder(ctx, "alice", btc("100"), tc.order)
			if err != nil || o.Status != store.StatusNew {
				t.Fatalf("PlaceOrder = %s, %v; want a resting order", o.Status, err)
			}
			wantBalances(t, s, "alice", tc.during)

			id, cid := o.OrderID, ""
			if tc.byClient {
				id, cid = 0, "c1"
			}
			later := t0().Add(1500 * time.Millisecond)
			c, err := s.CancelOrder(ctx, "alice", "BTCUSDT", id, cid, later)
			if err != nil {
				t.Fatalf("CancelOrder: %v", err)
			}
			if c.OrderID != o.OrderID || c.Status != store.StatusCanceled || !c.UpdateTime.Equal(later) || !c.Time.Equal(t0()) {
				t.Errorf("canceled = %+v", c)
			}
			wantBalances(t, s, "alice", map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}})
			checkBooks(t, s, "alice", initial, btc("100"))

			if _, err := s.CancelOrder(ctx, "alice", "BTCUSDT", id, cid, later); !errors.Is(err, store.ErrUnknownOrder) {
				t.Errorf("second cancel: %v, want ErrUnknownOrder", err)
			}
			g, err := s.GetOrder(ctx, "alice", "BTCUSDT", o.OrderID, "")
			if err != nil || g.Status != store.StatusCanceled {
				t.Errorf("GetOrder after cancel = %s, %v", g.Status, err)
			}
		})
	}
}

func TestCancelUnknown(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "1000", "BTC": "10"})
	ensure(t, s, "bob", map[string]string{"USDT": "1000"})
	resting, err := s.PlaceOrder(ctx, "alice", btc("100"), limit("BUY", "GTC", "90", "1", "rest"))
	if err != nil {
		t.Fatal(err)
	}
	filled, err := s.PlaceOrder(ctx, "alice", btc("100"), market("BUY", "1", "filled"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, account, symbol string
		id                    int64
		cid                   string
	}{
		{"filled order", "alice", "BTCUSDT", filled.OrderID, ""},
		{"filled order by client id", "alice", "BTCUSDT", 0, "filled"},
		{"no such id", "alice", "BTCUSDT", 999, ""},
		{"no such client id", "alice", "BTCUSDT", 0, "nope"},
		{"other account", "bob", "BTCUSDT", resting.OrderID, ""},
		{"other symbol", "alice", "ETHUSDT", resting.OrderID, ""},
		{"id and client id disagree", "alice", "BTCUSDT", resting.OrderID, "filled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.CancelOrder(ctx, tc.account, tc.symbol, tc.id, tc.cid, t0()); !errors.Is(err, store.ErrUnknownOrder) {
				t.Errorf("CancelOrder: %v, want ErrUnknownOrder", err)
			}
		})
	}
	// Nothing above touched the resting order.
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"810", "90"}, "BTC": {"11", "0"}})
	if o, err := s.GetOrder(ctx, "alice", "BTCUSDT", resting.OrderID, "rest"); err != nil || o.Status != store.StatusNew {
		t.Errorf("resting order = %s, %v", o.Status, err)
	}
}

func TestCancelOpenOrders(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	initial := map[string]string{"USDT": "1000", "BTC": "10", "ETH": "10"}
	ensure(t, s, "alice", initial)
	place := func(m store.Market, o store.NewOrder) store.Order {
		t.Helper()
		o.Symbol = m.Symbol
		got, err := s.PlaceOrder(ctx, "alice", m, o)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	b1 := place(btc("100"), limit("BUY", "GTC", "90", "1", "b1"))
	b2 := place(btc("100"), limit("SELL", "GTC", "110", "2", "b2"))
	place(btc("100"), market("BUY", "1", "b3"))
	e1 := place(eth("10"), limit("SELL", "GTC", "11", "3", "e1"))

	got, err := s.CancelOpenOrders(ctx, "alice", "BTCUSDT", t0())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].OrderID != b1.OrderID || got[1].OrderID != b2.OrderID ||
		got[0].Status != store.StatusCanceled || got[1].Status != store.StatusCanceled {
		t.Fatalf("CancelOpenOrders(BTCUSDT) = %+v, want orders %d and %d canceled", got, b1.OrderID, b2.OrderID)
	}
	open, err := s.OpenOrders(ctx, "alice", "")
	if err != nil || len(open) != 1 || open[0].OrderID != e1.OrderID {
		t.Fatalf("OpenOrders = %+v, %v; want only %d", open, err, e1.OrderID)
	}
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"900", "0"}, "BTC": {"11", "0"}, "ETH": {"7", "3"}})

	got, err = s.CancelOpenOrders(ctx, "alice", "", t0())
	if err != nil || len(got) != 1 || got[0].OrderID != e1.OrderID {
		t.Fatalf("CancelOpenOrders(all) = %+v, %v", got, err)
	}
	got, err = s.CancelOpenOrders(ctx, "alice", "", t0())
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("CancelOpenOrders with nothing open = %#v, %v; want empty", got, err)
	}
	checkBooks(t, s, "alice", initial, btc("100"), eth("10"))
}

func TestSetPriceFillsRestingOrders(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	initial := map[string]string{"USDT": "1000", "BTC": "10"}
	ensure(t, s, "alice", initial)
	ensure(t, s, "bob", initial)
	m := btc("100")
	place := func(account string, o store.NewOrder) store.Order {
		t.Helper()
		got, err := s.PlaceOrder(ctx, account, m, o)
		if err != nil || got.Status != store.StatusNew {
			t.Fatalf("PlaceOrder = %s, %v", got.Status, err)
		}
		return got
	}
	buy90 := place("alice", limit("BUY", "GTC", "90", "2", "a1"))
	buy95 := place("bob", limit("BUY", "GTC", "95", "1", "b1"))
	sell105 := place("alice", limit("SELL", "GTC", "105", "1", "a2"))
	sell110 := place("bob", limit("SELL", "GTC", "110", "3", "b2"))
	futBuy := limit("BUY", "GTC", "96", "50", "a3")
	futBuy.Product = store.ProductFutures
	fut := place("alice", futBuy)
	ensure(t, s, "carol", map[string]string{"ETH": "5"})
	ethSell, err := s.PlaceOrder(ctx, "carol", eth("10"), store.NewOrder{Symbol: "ETHUSDT", Side: "SELL",
		Type: "LIMIT", TimeInForce: "GTC", Price: d("20"), Quantity: d("5"), ClientOrderID: "c", Now: t0()})
	if err != nil || ethSell.Status != store.StatusNew {
		t.Fatalf("ETH order: %s, %v", ethSell.Status, err)
	}

	steps := []struct {
		price  string
		filled []store.Order // with the expected fill price = order price
	}{
		{"99", nil},
		{"95.5", []store.Order{fut}},
		{"94", []store.Order{buy95}},
		{"106", []store.Order{sell105}},
		{"90", []store.Order{buy90}},
		{"200", []store.Order{sell110}},
		{"1", nil},
	}
	for i, st := range steps {
		m.Price = d(st.price)
		now := t0().Add(time.Duration(i+1) * time.Second)
		got, err := s.SetPrice(ctx, m, now)
		if err != nil {
			t.Fatalf("SetPrice(%s): %v", st.price, err)
		}
		if len(got) != len(st.filled) {
			t.Fatalf("SetPrice(%s) filled %d orders, want %d: %+v", st.price, len(got), len(st.filled), got)
		}
		for j, w := range st.filled {
			g := got[j]
			if g.OrderID != w.OrderID || g.Status != store.StatusFilled || !g.ExecutedQty.Equal(w.OrigQty) ||
				!g.CummulativeQuoteQty.Equal(w.Price.Mul(w.OrigQty)) || !g.UpdateTime.Equal(now) || !g.Time.Equal(t0()) {
				t.Errorf("SetPrice(%s) order %+v, want %d filled at %s", st.price, g, w.OrderID, w.Price)
			}
			if len(g.Fills) != 1 || !g.Fills[0].Price.Equal(w.Price) || !g.Fills[0].Qty.Equal(w.OrigQty) || g.Fills[0].TradeID == 0 {
				t.Errorf("SetPrice(%s) fills %+v, want one at %s", st.price, g.Fills, w.Price)
			}
		}
	}
	// alice: bought 2 at 90, sold 1 at 105; bob: bought 1 at 95, sold 3 at 110.
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"925", "0"}, "BTC": {"11", "0"}})
	wantBalances(t, s, "bob", map[string]bal{"USDT": {"1235", "0"}, "BTC": {"8", "0"}})
	checkBooks(t, s, "alice", initial, m)
	checkBooks(t, s, "bob", initial, m)
	trades, err := s.Trades(ctx, "bob", "BTCUSDT", 0)
	if err != nil || len(trades) != 2 || !trades[0].IsMaker || !trades[0].IsBuyer || trades[1].IsBuyer ||
		trades[0].CommissionAsset != "BTC" || trades[1].CommissionAsset != "USDT" {
		t.Errorf("bob's trades = %+v, %v; want maker buy then maker sell", trades, err)
	}
	// The ETH order never saw a BTC price.
	if o, err := s.GetOrder(ctx, "carol", "ETHUSDT", ethSell.OrderID, ""); err != nil || o.Status != store.StatusNew {
		t.Errorf("ETH order = %s, %v; want NEW", o.Status, err)
	}
}

func TestDuplicateClientOrderID(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "1000", "BTC": "10"})
	ensure(t, s, "bob", map[string]string{"USDT": "1000"})
	m := btc("100")
	steps := []struct {
		name    string
		account string
		order   store.NewOrder
		cancel  string // client id to cancel before placing
		err     error
	}{
		{"first resting", "alice", limit("BUY", "GTC", "90", "1", "dup"), "", nil},
		{"same id while open", "alice", limit("SELL", "GTC", "120", "1", "dup"), "", store.ErrDuplicateOrder},
		{"same id as a market order while open", "alice", market("BUY", "1", "dup"), "", store.ErrDuplicateOrder},
		{"other account may use it", "bob", limit("BUY", "GTC", "90", "1", "dup"), "", nil},
		{"reuse after cancel", "alice", limit("BUY", "GTC", "80", "1", "dup"), "dup", nil},
		{"filled", "alice", market("BUY", "1", "f"), "", nil},
		{"reuse after fill", "alice", market("SELL", "1", "f"), "", nil},
		{"expired", "alice", limit("BUY", "IOC", "1", "1", "x"), "", nil},
		{"reuse after expiry", "alice", limit("BUY", "GTC", "1", "1", "x"), "", nil},
	}
	for _, st := range steps {
		if st.cancel != "" {
			if _, err := s.CancelOrder(ctx, st.account, "BTCUSDT", 0, st.cancel, t0()); err != nil {
				t.Fatalf("%s: cancel: %v", st.name, err)
			}
		}
		_, err := s.PlaceOrder(ctx, st.account, m, st.order)
		if !errors.Is(err, st.err) || (st.err == nil) != (err == nil) {
			t.Fatalf("%s: PlaceOrder error = %v, want %v", st.name, err, st.err)
		}
	}
	// By client id GetOrder returns the most recent order with it.
	o, err := s.GetOrder(ctx, "alice", "BTCUSDT", 0, "dup")
	if err != nil || o.Price.String() != "80" || o.Status != store.StatusNew {
		t.Errorf("GetOrder(dup) = %+v, %v; want the open order at 80", o, err)
	}
	all, err := s.AllOrders(ctx, "alice", "BTCUSDT", 0)
	if err != nil || len(all) != 6 {
		t.Errorf("AllOrders = %d orders, %v; want 6 (rejected duplicates are not stored)", len(all), err)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "1000", "BTC": "10"})
	valid := limit("BUY", "GTC", "90", "1", "ok")
	mod := func(f func(*store.NewOrder)) store.NewOrder { o := valid; f(&o); return o }
	orders := []struct {
		name  string
		m     store.Market
		o     store.NewOrder
		field string
	}{
		{"zero quantity", btc("100"), mod(func(o *store.NewOrder) { o.Quantity = d("0") }), "quantity"},
		{"negative quantity", btc("100"), mod(func(o *store.NewOrder) { o.Quantity = d("-1") }), "quantity"},
		{"negative market quantity", btc("100"), mod(func(o *store.NewOrder) { *o = market("BUY", "-1", "x") }), "quantity"},
		{"quantity with 9 decimal places", btc("100"), mod(func(o *store.NewOrder) { o.Quantity = d("0.000000001") }), "quantity"},
		{"quantity 1e-999999999", btc("100"), mod(func(o *store.NewOrder) { o.Quantity = decimal.New(1, -999999999) }), "quantity"},
		{"quantity 1e999999999", btc("100"), mod(func(o *store.NewOrder) { o.Quantity = decimal.New(1, 999999999) }), "quantity"},
		{"price 1e15", btc("100"), mod(func(o *store.NewOrder) { o.Price = d("1000000000000000") }), "price"},
		{"quoteOrderQty 1e-999999999", btc("100"), mod(func(o *store.NewOrder) {
			*o = market("BUY", "0", "x")
			o.QuoteOrderQty = decimal.New(1, -999999999)
		}), "quoteOrderQty"},
		{"market price 1e-999999999", store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: decimal.New(1, -999999999)}, valid, "market"},
		{"zero limit price", btc("100"), mod(func(o *store.NewOrder) { o.Price = d("0") }), "price"},
		{"negative price", btc("100"), mod(func(o *store.NewOrder) { o.Price = d("-90") }), "price"},
		{"lower-case side", btc("100"), mod(func(o *store.NewOrder) { o.Side = "buy" }), "side"},
		{"empty side", btc("100"), mod(func(o *store.NewOrder) { o.Side = "" }), "side"},
		{"unknown type", btc("100"), mod(func(o *store.NewOrder) { o.Type = "STOP_LOSS" }), "type"},
		{"missing timeInForce", btc("100"), mod(func(o *store.NewOrder) { o.TimeInForce = "" }), "timeInForce"},
		{"unknown timeInForce", btc("100"), mod(func(o *store.NewOrder) { o.TimeInForce = "GTD" }), "timeInForce"},
		{"timeInForce on market", btc("100"), mod(func(o *store.NewOrder) { *o = market("BUY", "1", "x"); o.TimeInForce = "GTC" }), "timeInForce"},
		{"timeInForce on limit maker", btc("100"), mod(func(o *store.NewOrder) { o.Type = store.TypeLimitMaker }), "timeInForce"},
		{"price on market", btc("100"), mod(func(o *store.NewOrder) { *o = market("BUY", "1", "x"); o.Price = d("1") }), "price"},
		{"quoteOrderQty on limit", btc("100"), mod(func(o *store.NewOrder) { o.QuoteOrderQty = d("10") }), "quoteOrderQty"},
		{"quantity and quoteOrderQty", btc("100"), mod(func(o *store.NewOrder) { *o = market("BUY", "1", "x"); o.QuoteOrderQty = d("10") }), "quantity"},
		{"market without quantity", btc("100"), mod(func(o *store.NewOrder) { *o = market("BUY", "0", "x") }), "quantity"},
		{"quoteOrderQty too small", btc("100"), mod(func(o *store.NewOrder) {
			*o = market("BUY", "0", "x")
			o.QuoteOrderQty = d("0.0000000001")
		}), "quoteOrderQty"},
		{"quoteOrderQty on futures", btc("100"), mod(func(o *store.NewOrder) {
			*o = market("BUY", "0", "x")
			o.QuoteOrderQty, o.Product = d("10"), store.ProductFutures
		}), "quoteOrderQty"},
		{"empty client id", btc("100"), mod(func(o *store.NewOrder) { o.ClientOrderID = "" }), "newClientOrderId"},
		{"client id too long", btc("100"), mod(func(o *store.NewOrder) { o.ClientOrderID = strings.Repeat("a", 37) }), "newClientOrderId"},
		{"client id with space", btc("100"), mod(func(o *store.NewOrder) { o.ClientOrderID = "a b" }), "newClientOrderId"},
		{"unknown product", btc("100"), mod(func(o *store.NewOrder) { o.Product = "margin" }), "product"},
		{"symbol mismatch", eth("100"), valid, "symbol"},
		{"zero time", btc("100"), mod(func(o *store.NewOrder) { o.Now = time.Time{} }), "now"},
		{"zero market price", btc("0"), valid, "market"},
		{"market without quote", store.Market{Symbol: "BTCUSDT", Base: "BTC", Price: d("1")}, valid, "market"},
	}
	for _, tc := range orders {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.PlaceOrder(ctx, "alice", tc.m, tc.o)
			wantField(t, err, tc.field)
		})
	}

	calls := []struct {
		name  string
		call  func() error
		field string
	}{
		{"PlaceOrder empty account", func() error { _, err := s.PlaceOrder(ctx, "", btc("100"), valid); return err }, "account"},
		{"EnsureAccount empty id", func() error { return s.EnsureAccount(ctx, "", nil) }, "account"},
		{"EnsureAccount negative balance", func() error {
			return s.EnsureAccount(ctx, "x", map[string]decimal.Decimal{"USDT": d("-1")})
		}, "balance"},
		{"EnsureAccount empty asset", func() error { return s.EnsureAccount(ctx, "x", map[string]decimal.Decimal{"": d("1")}) }, "asset"},
		{"Debit zero", func() error { _, err := s.Debit(ctx, "alice", "USDT", d("0"), "withdraw", ""); return err }, "amount"},
		{"Credit negative", func() error { _, err := s.Credit(ctx, "alice", "USDT", d("-5"), "deposit", ""); return err }, "amount"},
		{"Debit 9 decimal places", func() error { _, err := s.Debit(ctx, "alice", "USDT", d("0.000000001"), "withdraw", ""); return err }, "amount"},
		{"Credit 1e999999999", func() error {
			_, err := s.Credit(ctx, "alice", "USDT", decimal.New(1, 999999999), "deposit", "")
			return err
		}, "amount"},
		{"EnsureAccount huge balance", func() error {
			return s.EnsureAccount(ctx, "x", map[string]decimal.Decimal{"USDT": decimal.New(1, -999999999)})
		}, "balance"},
		{"Credit without kind", func() error { _, err := s.Credit(ctx, "alice", "USDT", d("5"), "", ""); return err }, "kind"},
		{"Debit without asset", func() error { _, err := s.Debit(ctx, "alice", "", d("5"), "withdraw", ""); return err }, "asset"},
		{"SetLeverage 0", func() error { return s.SetLeverage(ctx, "alice", "BTCUSDT", 0) }, "leverage"},
		{"SetLeverage 126", func() error { return s.SetLeverage(ctx, "alice", "BTCUSDT", 126) }, "leverage"},
		{"SetLeverage no symbol", func() error { return s.SetLeverage(ctx, "alice", "", 5) }, "symbol"},
		{"GetOrder without ids", func() error { _, err := s.GetOrder(ctx, "alice", "BTCUSDT", 0, ""); return err }, "orderId"},
		{"GetOrder negative id", func() error { _, err := s.GetOrder(ctx, "alice", "BTCUSDT", -1, ""); return err }, "orderId"},
		{"GetOrder without symbol", func() error { _, err := s.GetOrder(ctx, "alice", "", 1, ""); return err }, "symbol"},
		{"CancelOrder without ids", func() error { _, err := s.CancelOrder(ctx, "alice", "BTCUSDT", 0, "", t0()); return err }, "orderId"},
		{"CancelOrder zero time", func() error { _, err := s.CancelOrder(ctx, "alice", "BTCUSDT", 1, "", time.Time{}); return err }, "now"},
		{"SetPrice zero price", func() error { _, err := s.SetPrice(ctx, btc("0"), t0()); return err }, "market"},
		{"AllOrders negative limit", func() error { _, err := s.AllOrders(ctx, "alice", "", -1); return err }, "limit"},
		{"Trades negative limit", func() error { _, err := s.Trades(ctx, "alice", "", -1); return err }, "limit"},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) { wantField(t, tc.call(), tc.field) })
	}
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"1000", "0"}, "BTC": {"10", "0"}})
	if all, err := s.AllOrders(ctx, "alice", "", 0); err != nil || len(all) != 0 {
		t.Errorf("bad orders were stored: %v, %v", all, err)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *store.FieldError
	if !errors.Is(err, store.ErrBadInput) || !errors.As(err, &fe) {
		t.Fatalf("error = %v, want ErrBadInput with a *FieldError", err)
	}
	if fe.Field != field || !strings.Contains(err.Error(), field) {
		t.Errorf("error %q names field %q, want %q", err, fe.Field, field)
	}
}

func TestUnknownAccount(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	calls := map[string]func() error{
		"Balances":    func() error { _, err := s.Balances(ctx, "ghost"); return err },
		"PlaceOrder":  func() error { _, err := s.PlaceOrder(ctx, "ghost", btc("100"), market("BUY", "1", "x")); return err },
		"Credit":      func() error { _, err := s.Credit(ctx, "ghost", "USDT", d("1"), "deposit", ""); return err },
		"SetLeverage": func() error { return s.SetLeverage(ctx, "ghost", "BTCUSDT", 5) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrUnknownAccount) {
			t.Errorf("%s: %v, want ErrUnknownAccount", name, err)
		}
	}
}

func TestQueriesLimitsAndOrder(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "100000", "ETH": "100"})
	var ids []int64
	for i := range 5 {
		o := market("BUY", "1", fmt.Sprintf("b%d", i))
		o.Now = t0().Add(time.Duration(i) * time.Second)
		got, err := s.PlaceOrder(ctx, "alice", btc("100"), o)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.OrderID)
	}
	e := market("SELL", "1", "e")
	e.Symbol = "ETHUSDT"
	if _, err := s.PlaceOrder(ctx, "alice", eth("10"), e); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("order ids not increasing: %v", ids)
		}
	}
	tests := []struct {
		symbol string
		limit  int
		want   []int64
	}{
		{"BTCUSDT", 0, ids},
		{"BTCUSDT", 2, ids[3:]},
		{"BTCUSDT", 5000, ids},
		{"", 0, append(append([]int64{}, ids...), 6)},
		{"ETHUSDT", 1, []int64{6}},
		{"XRPUSDT", 0, nil},
	}
	for _, tc := range tests {
		orders, err := s.AllOrders(ctx, "alice", tc.symbol, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		trades, err := s.Trades(ctx, "alice", tc.symbol, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(orders) != len(tc.want) || len(trades) != len(tc.want) {
			t.Fatalf("AllOrders/Trades(%q, %d) = %d/%d rows, want %d", tc.symbol, tc.limit, len(orders), len(trades), len(tc.want))
		}
		for i, id := range tc.want {
			if orders[i].OrderID != id || trades[i].OrderID != id {
				t.Errorf("AllOrders/Trades(%q, %d)[%d] = order %d/%d, want %d", tc.symbol, tc.limit, i, orders[i].OrderID, trades[i].OrderID, id)
			}
		}
	}
	if tr, _ := s.Trades(ctx, "alice", "BTCUSDT", 1); len(tr) != 1 || !tr[0].Time.Equal(t0().Add(4*time.Second)) ||
		!tr[0].IsBuyer || tr[0].IsMaker || !tr[0].QuoteQty.Equal(d("100")) || tr[0].Product != store.ProductSpot {
		t.Errorf("last trade = %+v", tr)
	}
	for _, tc := range []struct {
		since time.Time
		want  int
	}{{t0(), 6}, {t0().Add(3 * time.Second), 2}, {t0().Add(time.Hour), 0}} {
		if n, err := s.CountOrders(ctx, "alice", tc.since); err != nil || n != tc.want {
			t.Errorf("CountOrders(since %v) = %d, %v; want %d", tc.since, n, err, tc.want)
		}
	}
	// Rejected orders are not counted.
	if _, err := s.PlaceOrder(ctx, "alice", btc("100"), market("BUY", "1000000", "big")); !errors.Is(err, store.ErrInsufficientBalance) {
		t.Fatal(err)
	}
	if n, _ := s.CountOrders(ctx, "alice", t0()); n != 6 {
		t.Errorf("CountOrders after a rejected order = %d, want 6", n)
	}
}

func TestLedgerDebitCredit(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "1000"})
	if _, err := s.PlaceOrder(ctx, "alice", btc("100"), limit("BUY", "GTC", "90", "10", "lock")); err != nil {
		t.Fatal(err)
	}
	// free 100, locked 900
	id1, err := s.Credit(ctx, "alice", "USDT", d("0.5"), "deposit", "tx1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Debit(ctx, "alice", "USDT", d("100.50000001"), "withdraw", "w1"); !errors.Is(err, store.ErrInsufficientBalance) {
		t.Fatalf("debit beyond free (locked funds are not withdrawable): %v", err)
	}
	id2, err := s.Debit(ctx, "alice", "USDT", d("100.5"), "withdraw", "w2")
	if err != nil {
		t.Fatal(err)
	}
	id3, err := s.Credit(ctx, "alice", "BNB", d("3"), "transfer", "")
	if err != nil {
		t.Fatal(err)
	}
	if !(id1 > 0 && id2 > id1 && id3 > id2) {
		t.Errorf("ledger ids %d %d %d, want increasing", id1, id2, id3)
	}
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"0", "900"}, "BNB": {"3", "0"}})
}

func TestLeverage(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	s := openFile(t, path)
	ensure(t, s, "alice", map[string]string{"USDT": "1"})
	if lev, err := s.Leverage(ctx, "alice", "BTCUSDT"); err != nil || lev != store.DefaultLeverage {
		t.Fatalf("default leverage = %d, %v", lev, err)
	}
	for _, lev := range []int{1, 125, 7} {
		if err := s.SetLeverage(ctx, "alice", "BTCUSDT", lev); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Leverage(ctx, "alice", "BTCUSDT"); err != nil || got != lev {
			t.Fatalf("Leverage = %d, %v; want %d", got, err, lev)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openFile(t, path)
	defer s.Close()
	if got, _ := s.Leverage(ctx, "alice", "BTCUSDT"); got != 7 {
		t.Errorf("leverage after reopen = %d, want 7", got)
	}
	if got, _ := s.Leverage(ctx, "alice", "ETHUSDT"); got != store.DefaultLeverage {
		t.Errorf("other symbol leverage = %d, want default", got)
	}
}

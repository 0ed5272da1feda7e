package store_test

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mbxkit/mbx/sim/store"
	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// t0 is the fixed clock of the tests.
func t0() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }

func btc(price string) store.Market {
	return store.Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: d(price)}
}

func eth(price string) store.Market {
	return store.Market{Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Price: d(price)}
}

func openMem(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatalf("Open(:memory:): %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func openFile(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

func tempDB(t testing.TB) string { return filepath.Join(t.TempDir(), "exchange.db") }

func decs(m map[string]string) map[string]decimal.Decimal {
	out := make(map[string]decimal.Decimal, len(m))
	for k, v := range m {
		out[k] = d(v)
	}
	return out
}

func ensure(t testing.TB, s *store.Store, account string, balances map[string]string) {
	t.Helper()
	if err := s.EnsureAccount(context.Background(), account, decs(balances)); err != nil {
		t.Fatalf("EnsureAccount(%s): %v", account, err)
	}
}

// bal is an expected balance, "free/locked".
type bal struct{ free, locked string }

// wantBalances compares the account's balances with want exactly (decimal
// equality); assets absent from want must not be present.
func wantBalances(t testing.TB, s *store.Store, account string, want map[string]bal) {
	t.Helper()
	got, err := s.Balances(context.Background(), account)
	if err != nil {
		t.Fatalf("Balances(%s): %v", account, err)
	}
	if !slices.IsSortedFunc(got, func(a, b store.Balance) int {
		if a.Asset < b.Asset {
			return -1
		}
		return 1
	}) {
		t.Errorf("Balances(%s) not sorted by asset: %v", account, got)
	}
	seen := map[string]bool{}
	for _, b := range got {
		seen[b.Asset] = true
		w, ok := want[b.Asset]
		if !ok {
			if !b.Free.IsZero() || !b.Locked.IsZero() {
				t.Errorf("%s: unexpected balance %s free=%s locked=%s", account, b.Asset, b.Free, b.Locked)
			}
			continue
		}
		if !b.Free.Equal(d(w.free)) || !b.Locked.Equal(d(w.locked)) {
			t.Errorf("%s: %s = free %s locked %s, want free %s locked %s", account, b.Asset, b.Free, b.Locked, w.free, w.locked)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(want)) {
		if !seen[a] && (!d(want[a].free).IsZero() || !d(want[a].locked).IsZero()) {
			t.Errorf("%s: no %s balance, want free %s locked %s", account, a, want[a].free, want[a].locked)
		}
	}
}

// checkBooks recomputes the account's balances from what the store says
// happened -- initial balances, the spot trades, the open orders -- and
// compares them with Balances: every unit of an asset the account gained or
// lost is matched by a trade on the other side, and locked equals what the
// open orders reserve.
func checkBooks(t testing.TB, s *store.Store, account string, initial map[string]string, markets ...store.Market) {
	t.Helper()
	ctx := context.Background()
	bySymbol := map[string]store.Market{}
	for _, m := range markets {
		bySymbol[m.Symbol] = m
	}
	total := map[string]decimal.Decimal{}
	lockedWant := map[string]decimal.Decimal{}
	for a, v := range initial {
		total[a] = d(v)
	}
	trades, err := s.Trades(ctx, account, "", store.MaxLimit)
	if err != nil {
		t.Fatalf("Trades: %v", err)
	}
	if len(trades) == store.MaxLimit {
		t.Fatalf("checkBooks needs fewer than %d trades", store.MaxLimit)
	}
	for _, tr := range trades {
		if tr.Product != store.ProductSpot {
			continue
		}
		m, ok := bySymbol[tr.Symbol]
		if !ok {
			t.Fatalf("trade on unexpected symbol %s", tr.Symbol)
		}
		if !tr.QuoteQty.Equal(tr.Price.Mul(tr.Qty)) {
			t.Errorf("trade %d: quoteQty %s != price %s * qty %s", tr.ID, tr.QuoteQty, tr.Price, tr.Qty)
		}
		sign := decimal.NewFromInt(1)
		if !tr.IsBuyer {
			sign = sign.Neg()
		}
		total[m.Base] = total[m.Base].Add(tr.Qty.Mul(sign))
		total[m.Quote] = total[m.Quote].Sub(tr.QuoteQty.Mul(sign))
	}
	open, err := s.OpenOrders(ctx, account, "")
	if err != nil {
		t.Fatalf("OpenOrders: %v", err)
	}
	for _, o := range open {
		if o.Product != store.ProductSpot {
			continue
		}
		m := bySymbol[o.Symbol]
		rest := o.OrigQty.Sub(o.ExecutedQty)
		if o.Side == store.SideBuy {
			lockedWant[m.Quote] = lockedWant[m.Quote].Add(o.Price.Mul(rest))
		} else {
			lockedWant[m.Base] = lockedWant[m.Base].Add(rest)
		}
	}
	want := map[string]bal{}
	for a, tot := range total {
		l := lockedWant[a]
		want[a] = bal{free: tot.Sub(l).String(), locked: l.String()}
	}
	for a, l := range lockedWant {
		if _, ok := total[a]; !ok {
			want[a] = bal{free: l.Neg().String(), locked: l.String()}
		}
	}
	wantBalances(t, s, account, want)
}

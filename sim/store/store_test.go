package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mbxkit/mbx/sim/store"
	"github.com/shopspring/decimal"
)

func TestReopenKeepsStateAndEnsureAccountDoesNotReset(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	initial := map[string]string{"USDT": "1000", "BTC": "1"}
	s := openFile(t, path)
	ensure(t, s, "alice", initial)
	bought, err := s.PlaceOrder(ctx, "alice", btc("100"), market("BUY", "2", "m"))
	if err != nil {
		t.Fatal(err)
	}
	resting, err := s.PlaceOrder(ctx, "alice", btc("100"), limit("SELL", "GTC", "150", "2.5", "r"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openFile(t, path)
	defer s.Close()
	// What a restart of mbx serve does: ensure the configured accounts again.
	ensure(t, s, "alice", map[string]string{"USDT": "1000000", "BTC": "0"})
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"800", "0"}, "BTC": {"0.5", "2.5"}})
	checkBooks(t, s, "alice", initial, btc("100"))
	for _, want := range []store.Order{bought, resting} {
		got, err := s.GetOrder(ctx, "alice", "BTCUSDT", want.OrderID, want.ClientOrderID)
		if err != nil {
			t.Fatal(err)
		}
		want.Fills = nil
		if !sameOrder(got, want) {
			t.Errorf("after reopen\n %+v\nwant\n %+v", got, want)
		}
	}
	// The id sequences continue across the restart.
	next, err := s.PlaceOrder(ctx, "alice", btc("100"), market("SELL", "0.5", "n"))
	if err != nil {
		t.Fatal(err)
	}
	if next.OrderID != resting.OrderID+1 || next.Fills[0].TradeID != bought.Fills[0].TradeID+1 {
		t.Errorf("after reopen order %d trade %d, want %d and %d", next.OrderID, next.Fills[0].TradeID, resting.OrderID+1, bought.Fills[0].TradeID+1)
	}

	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Balances(ctx, "alice"); !errors.Is(err, store.ErrUnknownAccount) {
		t.Errorf("Balances after Reset: %v, want ErrUnknownAccount", err)
	}
	for name, n := range map[string]func() (int, error){
		"AllOrders":  func() (int, error) { o, err := s.AllOrders(ctx, "alice", "", 0); return len(o), err },
		"OpenOrders": func() (int, error) { o, err := s.OpenOrders(ctx, "alice", ""); return len(o), err },
		"Trades":     func() (int, error) { o, err := s.Trades(ctx, "alice", "", 0); return len(o), err },
	} {
		if got, err := n(); err != nil || got != 0 {
			t.Errorf("%s after Reset = %d rows, %v", name, got, err)
		}
	}
	ensure(t, s, "alice", initial)
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"1000", "0"}, "BTC": {"1", "0"}})
	first, err := s.PlaceOrder(ctx, "alice", btc("100"), market("BUY", "1", "m"))
	if err != nil {
		t.Fatal(err)
	}
	if first.OrderID != 1 || first.Fills[0].TradeID != 1 {
		t.Errorf("after Reset the first order is %d trade %d, want 1 and 1", first.OrderID, first.Fills[0].TradeID)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := tempDB(t)
	s := openFile(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Fatalf("Open of a newer schema = %v, want an error naming version 99", err)
	}
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my bots?#%25 100%")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "a?b=c#d.db")
	s := openFile(t, path)
	ensure(t, s, "alice", map[string]string{"USDT": "5"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
	s = openFile(t, path)
	defer s.Close()
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"5", "0"}})
}

func TestOpenUnwritablePath(t *testing.T) {
	_, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "missing-dir", "x.db"))
	if err == nil || !strings.Contains(err.Error(), "missing-dir") {
		t.Fatalf("Open in a missing directory = %v, want an error naming the path", err)
	}
}

// TestConcurrentPlaceOrder: 16 goroutines place orders on one account while
// others read. Every order must be applied exactly once to the balances.
func TestConcurrentPlaceOrder(t *testing.T) {
	for _, kind := range []string{"memory", "file"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			var s *store.Store
			if kind == "memory" {
				s = openMem(t)
			} else {
				s = openFile(t, tempDB(t))
				defer s.Close()
			}
			initial := map[string]string{"USDT": "100000", "BTC": "0"}
			ensure(t, s, "alice", initial)
			const workers, perWorker = 16, 8
			m := btc("100")
			results := make([][]store.Order, workers)
			errs := make(chan error, workers+2)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range perWorker {
						o := market("BUY", "0.1", fmt.Sprintf("w%d-%d", w, i))
						if i%2 == 1 { // rests: locks 50 * 0.1
							o = limit("BUY", "GTC", "50", "0.1", fmt.Sprintf("w%d-%d", w, i))
						}
						got, err := s.PlaceOrder(ctx, "alice", m, o)
						if err != nil {
							errs <- err
							return
						}
						results[w] = append(results[w], got)
					}
				})
			}
			stop := make(chan struct{})
			var readers sync.WaitGroup
			for range 2 {
				readers.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := s.Balances(ctx, "alice"); err != nil {
							errs <- err
							return
						}
						if _, err := s.OpenOrders(ctx, "alice", ""); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(stop)
			readers.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}

			ids := map[int64]bool{}
			spent, locked, bought := decimal.Zero, decimal.Zero, decimal.Zero
			for _, rs := range results {
				if len(rs) != perWorker {
					t.Fatalf("a worker placed %d orders, want %d", len(rs), perWorker)
				}
				for _, o := range rs {
					if ids[o.OrderID] {
						t.Fatalf("order id %d returned twice", o.OrderID)
					}
					ids[o.OrderID] = true
					switch o.Status {
					case store.StatusFilled:
						spent = spent.Add(o.CummulativeQuoteQty)
						bought = bought.Add(o.ExecutedQty)
					case store.StatusNew:
						locked = locked.Add(o.Price.Mul(o.OrigQty))
					}
				}
			}
			// 64 market buys of 0.1 at 100 and 64 resting buys locking 5 each.
			if !spent.Equal(d("640")) || !locked.Equal(d("320")) || !bought.Equal(d("6.4")) {
				t.Fatalf("acknowledged: spent %s locked %s bought %s", spent, locked, bought)
			}
			wantBalances(t, s, "alice", map[string]bal{
				"USDT": {d("100000").Sub(spent).Sub(locked).String(), locked.String()},
				"BTC":  {bought.String(), "0"},
			})
			checkBooks(t, s, "alice", initial, m)
			if n, err := s.CountOrders(ctx, "alice", t0()); err != nil || n != workers*perWorker {
				t.Errorf("CountOrders = %d, %v; want %d", n, err, workers*perWorker)
			}
		})
	}
}

// TestContextCanceledWritesNothing: a request whose client went away must
// not half-apply.
func TestContextCanceledWritesNothing(t *testing.T) {
	s := openMem(t)
	ensure(t, s, "alice", map[string]string{"USDT": "1000"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.PlaceOrder(ctx, "alice", btc("100"), market("BUY", "1", "x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("PlaceOrder with a canceled context: %v, want context.Canceled", err)
	}
	wantBalances(t, s, "alice", map[string]bal{"USDT": {"1000", "0"}})
}

package emulator

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/sim/store"
)

// ledger is the store as the exchange uses it: every write goes through
// the methods below, which invalidate the balance cache once the write has
// returned, so GET /api/v3/account (weight 20, polled by every bot) is
// answered from memory until the balances can have changed.
type ledger struct {
	*store.Store
	gen atomic.Uint64 // bumped after every write
	mu  sync.Mutex
	bal map[string]cachedBalances
}

type cachedBalances struct {
	gen  uint64
	view *balanceView
}

// balanceView is an account's balances in the forms the endpoints need.
// It is shared between requests: never modify it.
type balanceView struct {
	balances    []store.Balance
	allJSON     []byte // the balances array of GET /api/v3/account
	nonZeroJSON []byte // the same with omitZeroBalances=true
}

func newLedger(st *store.Store) *ledger {
	return &ledger{Store: st, bal: map[string]cachedBalances{}}
}

// changed invalidates every cached balance. It runs after a write: a read
// that raced the write either saw the new state or is not cached (put
// refuses an entry whose generation is stale).
func (l *ledger) changed() { l.gen.Add(1) }

// balances returns the account's balances, from the cache when no write
// happened since they were read.
func (l *ledger) balances(ctx context.Context, account string) (*balanceView, error) {
	g := l.gen.Load()
	l.mu.Lock()
	c, ok := l.bal[account]
	l.mu.Unlock()
	if ok && c.gen == g {
		return c.view, nil
	}
	bals, err := l.Store.Balances(ctx, account)
	if err != nil {
		return nil, err
	}
	all := make([]balanceJSON, 0, len(bals))
	nonZero := make([]balanceJSON, 0, len(bals))
	for _, b := range bals {
		r := balanceJSON{Asset: b.Asset, Free: f8(b.Free), Locked: f8(b.Locked)}
		all = append(all, r)
		if !b.Free.IsZero() || !b.Locked.IsZero() {
			nonZero = append(nonZero, r)
		}
	}
	v := &balanceView{balances: bals}
	if v.allJSON, err = json.Marshal(all); err != nil {
		return nil, err
	}
	if v.nonZeroJSON, err = json.Marshal(nonZero); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.gen.Load() == g {
		l.bal[account] = cachedBalances{gen: g, view: v}
	}
	l.mu.Unlock()
	return v, nil
}

func (l *ledger) EnsureAccount(ctx context.Context, account string, balances map[string]decimal.Decimal) error {
	defer l.changed()
	return l.Store.EnsureAccount(ctx, account, balances)
}

func (l *ledger) PlaceOrder(ctx context.Context, account string, m store.Market, o store.NewOrder) (store.Order, error) {
	defer l.changed()
	return l.Store.PlaceOrder(ctx, account, m, o)
}

func (l *ledger) CancelOrder(ctx context.Context, account, symbol string, orderID int64, clientOrderID string, now time.Time) (store.Order, error) {
	defer l.changed()
	return l.Store.CancelOrder(ctx, account, symbol, orderID, clientOrderID, now)
}

func (l *ledger) CancelOpenOrders(ctx context.Context, account, symbol string, now time.Time) ([]store.Order, error) {
	defer l.changed()
	return l.Store.CancelOpenOrders(ctx, account, symbol, now)
}

func (l *ledger) CancelProductOrders(ctx context.Context, account, symbol, product string, now time.Time) ([]store.Order, error) {
	defer l.changed()
	return l.Store.CancelProductOrders(ctx, account, symbol, product, now)
}

func (l *ledger) Debit(ctx context.Context, account, asset string, amount decimal.Decimal, kind, ref string) (int64, error) {
	defer l.changed()
	return l.Store.Debit(ctx, account, asset, amount, kind, ref)
}

func (l *ledger) Credit(ctx context.Context, account, asset string, amount decimal.Decimal, kind, ref string) (int64, error) {
	defer l.changed()
	return l.Store.Credit(ctx, account, asset, amount, kind, ref)
}

func (l *ledger) Transfer(ctx context.Context, from, to, asset string, amount decimal.Decimal, ref string) (int64, error) {
	defer l.changed()
	return l.Store.Transfer(ctx, from, to, asset, amount, ref)
}

func (l *ledger) SetPrice(ctx context.Context, m store.Market, now time.Time) ([]store.Order, error) {
	defer l.changed()
	return l.Store.SetPrice(ctx, m, now)
}

func (l *ledger) Reset(ctx context.Context) error {
	defer l.changed()
	return l.Store.Reset(ctx)
}

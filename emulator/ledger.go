package emulator

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/emulator/store"
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
	gen      uint64
	balances []store.Balance
	rendered []balanceJSON // as GET /api/v3/account shows them
}

func newLedger(st *store.Store) *ledger {
	return &ledger{Store: st, bal: map[string]cachedBalances{}}
}

// changed invalidates every cached balance. It runs after a write: a read
// that raced the write either saw the new state or is not cached (put
// refuses an entry whose generation is stale).
func (l *ledger) changed() { l.gen.Add(1) }

// balances returns the account's balances and their rendering. The slices
// are shared: callers must not modify them.
func (l *ledger) balances(ctx context.Context, account string) ([]store.Balance, []balanceJSON, error) {
	g := l.gen.Load()
	l.mu.Lock()
	c, ok := l.bal[account]
	l.mu.Unlock()
	if ok && c.gen == g {
		return c.balances, c.rendered, nil
	}
	bals, err := l.Store.Balances(ctx, account)
	if err != nil {
		return nil, nil, err
	}
	rendered := make([]balanceJSON, len(bals))
	for i, b := range bals {
		rendered[i] = balanceJSON{Asset: b.Asset, Free: f8(b.Free), Locked: f8(b.Locked)}
	}
	l.mu.Lock()
	if l.gen.Load() == g {
		l.bal[account] = cachedBalances{gen: g, balances: bals, rendered: rendered}
	}
	l.mu.Unlock()
	return bals, rendered, nil
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

func (l *ledger) Debit(ctx context.Context, account, asset string, amount decimal.Decimal, kind, ref string) (int64, error) {
	defer l.changed()
	return l.Store.Debit(ctx, account, asset, amount, kind, ref)
}

func (l *ledger) Credit(ctx context.Context, account, asset string, amount decimal.Decimal, kind, ref string) (int64, error) {
	defer l.changed()
	return l.Store.Credit(ctx, account, asset, amount, kind, ref)
}

func (l *ledger) SetPrice(ctx context.Context, m store.Market, now time.Time) ([]store.Order, error) {
	defer l.changed()
	return l.Store.SetPrice(ctx, m, now)
}

func (l *ledger) Reset(ctx context.Context) error {
	defer l.changed()
	return l.Store.Reset(ctx)
}

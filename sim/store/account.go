package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/shopspring/decimal"
)

// Balance is an account's holding of one asset. Free is available for new
// orders and debits; Locked is held by open orders.
type Balance struct {
	Asset        string
	Free, Locked decimal.Decimal
}

// DefaultLeverage is what [Store.Leverage] reports for a symbol whose
// leverage was never set (Binance's default for most USDⓈ-M symbols).
const DefaultLeverage = 20

// MaxLeverage is the largest leverage [Store.SetLeverage] accepts.
const MaxLeverage = 125

// EnsureAccount creates account with the given free balances unless it
// already exists, in which case it changes nothing: a restart of the emulator
// must not reset what the account has traded. The initial balances are
// recorded in the ledger with kind "initial".
func (s *Store) EnsureAccount(ctx context.Context, account string, balances map[string]decimal.Decimal) error {
	if account == "" {
		return fmt.Errorf("store: ensure account: %w", badInput("account", "must not be empty"))
	}
	assets := make([]string, 0, len(balances))
	for asset, amount := range balances {
		if asset == "" {
			return fmt.Errorf("store: ensure account %q: %w", account, badInput("asset", "must not be empty"))
		}
		if err := checkAmount("balance", amount, MaxDecimalPlaces); err != nil {
			return fmt.Errorf("store: ensure account %q: %s: %w", account, asset, err)
		}
		if amount.IsNegative() {
			return fmt.Errorf("store: ensure account %q: %w", account, badInput("balance", "%s must not be negative, got %s", asset, amount))
		}
		assets = append(assets, asset)
	}
	sort.Strings(assets) // deterministic ledger ids
	now := millis(s.now())
	return s.write(ctx, "ensure account "+account, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO accounts (id, created_ms) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, account, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // exists already: leave it alone
		}
		for _, asset := range assets {
			amount := balances[asset]
			if err := setBalance(ctx, tx, account, asset, balance{free: amount, locked: decimal.Zero}); err != nil {
				return err
			}
			if _, err := insertLedger(ctx, tx, account, asset, amount, "initial", "", now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Balances returns every asset the account holds or has held, sorted by
// asset; zero balances are included.
func (s *Store) Balances(ctx context.Context, account string) ([]Balance, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT a.id, b.asset, b.free, b.locked
		   FROM accounts a LEFT JOIN balances b ON b.account = a.id
		  WHERE a.id = ? ORDER BY b.asset`, account)
	if err != nil {
		return nil, fmt.Errorf("store: balances of %q: %w", account, err)
	}
	defer rows.Close()
	found := false
	out := []Balance{}
	for rows.Next() {
		found = true
		var id string
		var asset, free, locked sql.NullString
		if err := rows.Scan(&id, &asset, &free, &locked); err != nil {
			return nil, fmt.Errorf("store: balances of %q: %w", account, err)
		}
		if !asset.Valid { // account without any balance row
			continue
		}
		b := Balance{Asset: asset.String}
		if b.Free, err = parseDec("free", free.String); err != nil {
			return nil, fmt.Errorf("store: balances of %q: %w", account, err)
		}
		if b.Locked, err = parseDec("locked", locked.String); err != nil {
			return nil, fmt.Errorf("store: balances of %q: %w", account, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: balances of %q: %w", account, err)
	}
	if !found {
		return nil, fmt.Errorf("store: balances of %q: %w", account, ErrUnknownAccount)
	}
	return out, nil
}

// Debit takes amount of asset from the account's free balance (withdrawals,
// transfers out) and records a ledger row of the given kind and reference,
// whose id it returns. A free balance smaller than amount is
// ErrInsufficientBalance; locked funds are never debited.
func (s *Store) Debit(ctx context.Context, account, asset string, amount decimal.Decimal, kind, ref string) (int64, error) {
	return s.transfer(ctx, "debit", account, asset, amount.Neg(), amount, kind, ref)
}

// Credit adds amount of asset to the account's free balance (deposits,
// transfers in) and records a ledger row, whose id it returns.
func (s *Store) Credit(ctx context.Context, account, asset string, amount decimal.Decimal, kind, ref string) (int64, error) {
	return s.transfer(ctx, "credit", account, asset, amount, amount, kind, ref)
}

func (s *Store) transfer(ctx context.Context, op, account, asset string, delta, amount decimal.Decimal, kind, ref string) (int64, error) {
	op = fmt.Sprintf("%s %s %s", op, account, asset)
	switch {
	case account == "":
		return 0, fmt.Errorf("store: %s: %w", op, badInput("account", "must not be empty"))
	case asset == "":
		return 0, fmt.Errorf("store: %s: %w", op, badInput("asset", "must not be empty"))
	}
	if err := checkAmount("amount", amount, MaxDecimalPlaces); err != nil {
		return 0, fmt.Errorf("store: %s: %w", op, err)
	}
	switch {
	case !amount.IsPositive():
		return 0, fmt.Errorf("store: %s: %w", op, badInput("amount", "must be greater than 0, got %s", amount))
	case kind == "":
		return 0, fmt.Errorf("store: %s: %w", op, badInput("kind", "must not be empty (for example \"withdraw\" or \"deposit\")"))
	}
	var id int64
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		if err := requireAccount(ctx, tx, account); err != nil {
			return err
		}
		if err := adjust(ctx, tx, account, asset, delta, decimal.Zero); err != nil {
			return err
		}
		var err error
		id, err = insertLedger(ctx, tx, account, asset, delta, kind, ref, millis(s.now()))
		return err
	})
	return id, err
}

// Transfer moves amount of asset from one account's free balance to
// another's in one transaction, recording a "transfer_out" ledger row on from
// and a "transfer_in" row on to, both with ref; it returns the id of the
// transfer_out row. Either both rows and both balance changes are committed
// or neither is, so a crash can never lose or create funds. A free balance
// of from smaller than amount is ErrInsufficientBalance; from == to is
// allowed and leaves the balance unchanged.
func (s *Store) Transfer(ctx context.Context, from, to, asset string, amount decimal.Decimal, ref string) (int64, error) {
	op := fmt.Sprintf("transfer %s %s->%s", asset, from, to)
	switch {
	case from == "":
		return 0, fmt.Errorf("store: %s: %w", op, badInput("from", "must not be empty"))
	case to == "":
		return 0, fmt.Errorf("store: %s: %w", op, badInput("to", "must not be empty"))
	case asset == "":
		return 0, fmt.Errorf("store: %s: %w", op, badInput("asset", "must not be empty"))
	}
	if err := checkAmount("amount", amount, MaxDecimalPlaces); err != nil {
		return 0, fmt.Errorf("store: %s: %w", op, err)
	}
	if !amount.IsPositive() {
		return 0, fmt.Errorf("store: %s: %w", op, badInput("amount", "must be greater than 0, got %s", amount))
	}
	var id int64
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		for _, a := range []string{from, to} {
			if err := requireAccount(ctx, tx, a); err != nil {
				return err
			}
		}
		now := millis(s.now())
		if err := adjust(ctx, tx, from, asset, amount.Neg(), decimal.Zero); err != nil {
			return err
		}
		var err error
		if id, err = insertLedger(ctx, tx, from, asset, amount.Neg(), "transfer_out", ref, now); err != nil {
			return err
		}
		if err := adjust(ctx, tx, to, asset, amount, decimal.Zero); err != nil {
			return err
		}
		_, err = insertLedger(ctx, tx, to, asset, amount, "transfer_in", ref, now)
		return err
	})
	return id, err
}

// SetLeverage sets the futures leverage of account on symbol, 1 to
// MaxLeverage.
func (s *Store) SetLeverage(ctx context.Context, account, symbol string, leverage int) error {
	op := fmt.Sprintf("set leverage of %s on %s", account, symbol)
	switch {
	case symbol == "":
		return fmt.Errorf("store: %s: %w", op, badInput("symbol", "must not be empty"))
	case leverage < 1 || leverage > MaxLeverage:
		return fmt.Errorf("store: %s: %w", op, badInput("leverage", "must be between 1 and %d, got %d", MaxLeverage, leverage))
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if err := requireAccount(ctx, tx, account); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO leverage (account, symbol, leverage) VALUES (?, ?, ?)
			 ON CONFLICT (account, symbol) DO UPDATE SET leverage = excluded.leverage`,
			account, symbol, leverage)
		return err
	})
}

// Leverage returns the futures leverage of account on symbol,
// DefaultLeverage when it was never set.
func (s *Store) Leverage(ctx context.Context, account, symbol string) (int, error) {
	var lev int
	err := s.r.QueryRowContext(ctx,
		`SELECT leverage FROM leverage WHERE account = ? AND symbol = ?`, account, symbol).Scan(&lev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return DefaultLeverage, nil
	case err != nil:
		return 0, fmt.Errorf("store: leverage of %s on %s: %w", account, symbol, err)
	}
	return lev, nil
}

// balance is one balances row inside a transaction.
type balance struct{ free, locked decimal.Decimal }

func requireAccount(ctx context.Context, tx *sql.Tx, account string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, account).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("account %q: %w", account, ErrUnknownAccount)
	}
	return err
}

// getBalance reads a balance; an asset the account never held is zero.
func getBalance(ctx context.Context, tx *sql.Tx, account, asset string) (balance, error) {
	var free, locked string
	err := tx.QueryRowContext(ctx,
		`SELECT free, locked FROM balances WHERE account = ? AND asset = ?`, account, asset).Scan(&free, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return balance{free: decimal.Zero, locked: decimal.Zero}, nil
	}
	if err != nil {
		return balance{}, fmt.Errorf("read %s balance: %w", asset, err)
	}
	var b balance
	if b.free, err = parseDec("free", free); err != nil {
		return balance{}, err
	}
	if b.locked, err = parseDec("locked", locked); err != nil {
		return balance{}, err
	}
	return b, nil
}

func setBalance(ctx context.Context, tx *sql.Tx, account, asset string, b balance) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO balances (account, asset, free, locked) VALUES (?, ?, ?, ?)
		 ON CONFLICT (account, asset) DO UPDATE SET free = excluded.free, locked = excluded.locked`,
		account, asset, b.free.String(), b.locked.String())
	if err != nil {
		return fmt.Errorf("write %s balance: %w", asset, err)
	}
	return nil
}

// adjust adds dFree and dLocked to a balance. A free balance that would go
// negative is ErrInsufficientBalance; a locked balance that would go negative
// is a broken invariant (an order releasing more than it locked) and is
// refused as well rather than written.
func adjust(ctx context.Context, tx *sql.Tx, account, asset string, dFree, dLocked decimal.Decimal) error {
	b, err := getBalance(ctx, tx, account, asset)
	if err != nil {
		return err
	}
	free, locked := b.free.Add(dFree), b.locked.Add(dLocked)
	if free.IsNegative() {
		return fmt.Errorf("%w: need %s %s free, have %s", ErrInsufficientBalance, dFree.Neg(), asset, b.free)
	}
	if locked.IsNegative() {
		return fmt.Errorf("internal error: %s locked balance of %q would become %s", asset, account, locked)
	}
	return setBalance(ctx, tx, account, asset, balance{free: free, locked: locked})
}

func insertLedger(ctx context.Context, tx *sql.Tx, account, asset string, amount decimal.Decimal, kind, ref string, nowMs int64) (int64, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO ledger (account, asset, amount, kind, ref, time_ms) VALUES (?, ?, ?, ?, ?, ?)`,
		account, asset, amount.String(), kind, ref, nowMs)
	if err != nil {
		return 0, fmt.Errorf("write ledger: %w", err)
	}
	return res.LastInsertId()
}

// parseDec parses a decimal column; a malformed value means the file was
// edited or corrupted, and the error says which column.
func parseDec(column, v string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("corrupt %s value %q in database: %w", column, v, err)
	}
	return d, nil
}

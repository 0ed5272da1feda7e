// Package store keeps the state of the local exchange behind `mbx serve`:
// accounts, balances, orders, trades, a ledger of external transfers and
// futures leverage, in one SQLite database.
//
// Durability is the point of the package: every method that changes state
// commits its change in a single SQLite transaction before it returns, with
// the database in WAL mode and synchronous=FULL, so an order that PlaceOrder
// acknowledged survives kill -9 of the process. Writes are serialised through
// one connection (SQLite has a single writer anyway); reads of a file
// database use a separate pool of read-only connections so that queries do
// not wait behind the fsync of a write.
//
// Matching is deliberately simple and deterministic: the caller passes the
// current price of a symbol in a [Market] and orders fill completely at once
// or not at all. See [Store.PlaceOrder] and [Store.SetPrice].
//
// Decimals are stored as exact TEXT and times as unix milliseconds.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Sentinel errors. Every error the package returns for one of these
// conditions wraps the sentinel (test with errors.Is) and carries context.
var (
	// ErrInsufficientBalance: the account's free balance does not cover the
	// order or the debit. Binance answers -2010 "Account has insufficient
	// balance for requested action."
	ErrInsufficientBalance = errors.New("account has insufficient balance for requested action")
	// ErrUnknownOrder: no such order, or (for a cancel) the order is no
	// longer open. Binance answers -2011/-2013.
	ErrUnknownOrder = errors.New("unknown order")
	// ErrDuplicateOrder: the client order id is already used by an open
	// order of the same account. Binance answers -2010 "Duplicate order sent."
	ErrDuplicateOrder = errors.New("duplicate order sent")
	// ErrWouldMatch: a LIMIT_MAKER order would immediately match and take.
	// Binance answers -2010 "Order would immediately match and take."
	ErrWouldMatch = errors.New("order would immediately match and take")
	// ErrBadInput: a parameter is missing or invalid; the error is a
	// *FieldError naming the parameter.
	ErrBadInput = errors.New("bad input")
	// ErrUnknownAccount: the account was never created with
	// [Store.EnsureAccount]. The HTTP layer only reaches this on a bug, since
	// it creates one account per configured API key at start-up.
	ErrUnknownAccount = errors.New("unknown account")
)

// FieldError reports an invalid parameter. Field uses Binance's parameter
// name (quantity, price, side, type, timeInForce, quoteOrderQty,
// newClientOrderId, symbol, ...) so that the HTTP layer can pass the message
// on to the client unchanged. It wraps [ErrBadInput].
type FieldError struct {
	Field   string // parameter name, as Binance spells it
	Problem string // what is wrong and what is accepted
}

func (e *FieldError) Error() string { return "bad input: " + e.Field + ": " + e.Problem }

// Unwrap makes errors.Is(err, ErrBadInput) true.
func (e *FieldError) Unwrap() error { return ErrBadInput }

func badInput(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// schemaVersion is stored in PRAGMA user_version. Bump it and add a step to
// migration when the schema changes; never edit a released step.
const schemaVersion = 2

// migration returns the SQL that moves the schema from version v to v+1.
func migration(v int) string {
	switch v {
	case 0:
		return schemaV1
	case 1:
		return schemaV2 // stop.go
	}
	return ""
}

const schemaV1 = `
CREATE TABLE accounts (
	id         TEXT    NOT NULL PRIMARY KEY,
	created_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE balances (
	account TEXT NOT NULL REFERENCES accounts(id),
	asset   TEXT NOT NULL,
	free    TEXT NOT NULL,
	locked  TEXT NOT NULL,
	PRIMARY KEY (account, asset)
) STRICT, WITHOUT ROWID;

-- AUTOINCREMENT: ids are never reused, even for the newest order after a
-- crash, so a bot never sees two orders with the same id.
CREATE TABLE orders (
	id                   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	account              TEXT    NOT NULL REFERENCES accounts(id),
	symbol               TEXT    NOT NULL,
	client_order_id      TEXT    NOT NULL,
	product              TEXT    NOT NULL,
	side                 TEXT    NOT NULL,
	type                 TEXT    NOT NULL,
	time_in_force        TEXT    NOT NULL,
	price                TEXT    NOT NULL,
	orig_qty             TEXT    NOT NULL,
	orig_quote_order_qty TEXT    NOT NULL,
	executed_qty         TEXT    NOT NULL,
	cumm_quote_qty       TEXT    NOT NULL,
	status               TEXT    NOT NULL,
	-- what this order still holds locked; released exactly on cancel/fill
	locked_asset         TEXT    NOT NULL,
	locked_amount        TEXT    NOT NULL,
	time_ms              INTEGER NOT NULL,
	update_ms            INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_by_account_symbol ON orders (account, symbol, id);
CREATE INDEX orders_by_account_client ON orders (account, client_order_id, id);
CREATE INDEX orders_by_account_time   ON orders (account, time_ms);
-- At most one open order per client order id: the database enforces the
-- duplicate rule even if a future code path forgets to check it.
CREATE UNIQUE INDEX orders_open_by_client ON orders (account, client_order_id)
	WHERE status IN ('NEW', 'PARTIALLY_FILLED');
CREATE INDEX orders_open_by_symbol ON orders (symbol, id)
	WHERE status IN ('NEW', 'PARTIALLY_FILLED');

CREATE TABLE trades (
	id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	order_id         INTEGER NOT NULL REFERENCES orders(id),
	account          TEXT    NOT NULL REFERENCES accounts(id),
	symbol           TEXT    NOT NULL,
	product          TEXT    NOT NULL,
	price            TEXT    NOT NULL,
	qty              TEXT    NOT NULL,
	quote_qty        TEXT    NOT NULL,
	commission       TEXT    NOT NULL,
	commission_asset TEXT    NOT NULL,
	is_buyer         INTEGER NOT NULL,
	is_maker         INTEGER NOT NULL,
	time_ms          INTEGER NOT NULL
) STRICT;
CREATE INDEX trades_by_account_symbol ON trades (account, symbol, id);
CREATE INDEX trades_by_order ON trades (order_id);

-- Movements of funds into and out of an account that are not trades:
-- initial balances, deposits, withdrawals, transfers.
CREATE TABLE ledger (
	id      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	account TEXT    NOT NULL REFERENCES accounts(id),
	asset   TEXT    NOT NULL,
	amount  TEXT    NOT NULL, -- signed: negative for a debit
	kind    TEXT    NOT NULL,
	ref     TEXT    NOT NULL,
	time_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_by_account ON ledger (account, id);

CREATE TABLE leverage (
	account  TEXT    NOT NULL REFERENCES accounts(id),
	symbol   TEXT    NOT NULL,
	leverage INTEGER NOT NULL CHECK (leverage BETWEEN 1 AND 125),
	PRIMARY KEY (account, symbol)
) STRICT, WITHOUT ROWID;
`

const (
	busyTimeout = 10 * time.Second // another process (a second mbx serve) holding the write lock
	readConns   = 4
)

// Store is the exchange state. It is safe for concurrent use.
type Store struct {
	w   *sql.DB          // the one writer connection; every write is one transaction on it
	r   *sql.DB          // read-only pool; the same as w for an in-memory database
	now func() time.Time // wall clock for ledger rows, whose methods take no time
}

// Open opens (creating it if needed) the database at path and brings its
// schema up to date. path "" or ":memory:" opens a private in-memory
// database, for tests.
func Open(ctx context.Context, path string) (*Store, error) {
	s := &Store{now: time.Now}
	memory := path == "" || path == ":memory:"
	if memory {
		// A :memory: database lives and dies with its connection: exactly
		// one connection, never closed by the pool.
		db, err := sql.Open("sqlite", ":memory:?"+pragmas(false).Encode())
		if err != nil {
			return nil, fmt.Errorf("store: open in-memory database: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.w, s.r = db, db
	} else {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
		w, err := sql.Open("sqlite", fileDSN(abs, pragmas(false)))
		if err != nil {
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		s.w = w
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.w.Close()
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	if !memory {
		// Opened after the writer has switched the file to WAL, so readers
		// never race the journal-mode change.
		abs, _ := filepath.Abs(path) // succeeded above
		r, err := sql.Open("sqlite", fileDSN(abs, pragmas(true)))
		if err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("store: open %q for reading: %w", path, err)
		}
		r.SetMaxOpenConns(readConns)
		r.SetMaxIdleConns(readConns)
		if err := r.PingContext(ctx); err != nil {
			_ = r.Close()
			_ = s.w.Close()
			return nil, fmt.Errorf("store: open %q for reading: %w", path, err)
		}
		s.r = r
	}
	return s, nil
}

// pragmas is the per-connection setup. Every connection gets all of it
// because database/sql may open a new connection at any time.
func pragmas(readOnly bool) url.Values {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	if readOnly {
		q.Set("_query_only", "1")
		return q
	}
	q.Set("_journal_mode", "WAL")
	// FULL: the WAL is fsynced at every commit, so an acknowledged order
	// survives power loss too, not just kill -9.
	q.Set("_synchronous", "FULL")
	// IMMEDIATE takes the write lock at BEGIN, so a transaction that reads
	// balances and then writes cannot fail half-way with SQLITE_BUSY
	// because another process wrote in between; it waits busy_timeout.
	q.Set("_txlock", "immediate")
	return q
}

// fileDSN builds a file: URI so that any byte in the path ('?', '#', '%',
// spaces) is escaped rather than taken for the start of the parameters.
func fileDSN(abs string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

func (s *Store) migrate(ctx context.Context) error {
	var v int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > schemaVersion {
		return fmt.Errorf("database schema version %d is newer than this mbx supports (%d): upgrade mbx or start with a new database file", v, schemaVersion)
	}
	for ; v < schemaVersion; v++ {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migration(v)); err != nil {
				return err
			}
			// user_version is part of the database header and so part of the
			// transaction: a crash leaves either both or neither.
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	return nil
}

// Close closes the database. The Store must not be used afterwards.
func (s *Store) Close() error {
	var errR error
	if s.r != s.w {
		errR = s.r.Close()
	}
	if err := errors.Join(s.w.Close(), errR); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Reset deletes every account, balance, order, trade, ledger row and
// leverage setting, and restarts the order and trade id sequences at 1, as if
// the database were new (mbx serve --reset).
func (s *Store) Reset(ctx context.Context) error {
	return s.write(ctx, "reset", func(tx *sql.Tx) error {
		// Children before parents, for the foreign keys.
		for _, t := range []string{"trades", "ledger", "leverage", "stop_orders", "order_list_members", "order_lists", "orders", "balances", "accounts"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("delete %s: %w", t, err)
			}
		}
		// sqlite_sequence exists as soon as an AUTOINCREMENT table does.
		if _, err := tx.ExecContext(ctx, "DELETE FROM sqlite_sequence"); err != nil {
			return fmt.Errorf("reset id sequences: %w", err)
		}
		return nil
	})
}

// write runs fn in one transaction on the writer connection and commits it;
// the commit is durable when write returns nil. Errors are prefixed with
// the operation.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.inTx(ctx, fn); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

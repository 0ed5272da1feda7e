package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Order sides, types, times in force, statuses and products, spelt as
// Binance spells them.
const (
	SideBuy  = "BUY"
	SideSell = "SELL"

	TypeLimit      = "LIMIT"
	TypeMarket     = "MARKET"
	TypeLimitMaker = "LIMIT_MAKER"

	GTC = "GTC"
	IOC = "IOC"
	FOK = "FOK"

	StatusNew             = "NEW"
	StatusPartiallyFilled = "PARTIALLY_FILLED"
	StatusFilled          = "FILLED"
	StatusCanceled        = "CANCELED"
	StatusExpired         = "EXPIRED"

	ProductSpot    = "spot"
	ProductFutures = "futures"
)

// FuturesMarginAsset is the asset a futures order requires a positive free
// balance of. Futures margin is not modelled beyond that.
const FuturesMarginAsset = "USDT"

// Query limits of AllOrders and Trades, as on Binance.
const (
	DefaultLimit = 500
	MaxLimit     = 1000
)

// quoteQtyScale is the number of decimal places a quantity bought or sold
// with quoteOrderQty is truncated to (Binance's largest precision).
const quoteQtyScale = 8

// Bounds on amounts. MaxDecimalPlaces is Binance's largest precision for
// quantities, prices and transfer amounts (it answers -1111 beyond it);
// MaxAmountDigits bounds the integer part. Both also keep a hostile value
// such as 1e-999999999, which decimal arithmetic would expand to a
// billion digits, away from the arithmetic.
const (
	MaxDecimalPlaces = 8
	MaxAmountDigits  = 15
	maxExponent      = 64 // market prices: any precision, but not absurd
)

// checkAmount rejects v unless it is below 1e(MaxAmountDigits) in absolute
// value and has at most places decimal places (places < 0: any precision
// down to 1e-maxExponent). It never formats or rescales v before
// its exponent is known to be small.
func checkAmount(field string, v decimal.Decimal, places int32) error {
	limit := fmt.Sprintf("less than 1e%d", MaxAmountDigits)
	if places >= 0 {
		limit += fmt.Sprintf(" with at most %d decimal places", places)
	}
	if e := v.Exponent(); e < -maxExponent || e > maxExponent {
		return badInput(field, "is out of range: must be %s", limit)
	}
	if v.Abs().GreaterThanOrEqual(decimal.New(1, MaxAmountDigits)) {
		return badInput(field, "%s is out of range: must be %s", v, limit)
	}
	if places >= 0 && !v.Truncate(places).Equal(v) {
		return badInput(field, "%s has too many decimal places: must be %s", v, limit)
	}
	return nil
}

// openStatuses is the SQL form of "the order is open"; it must match the
// WHERE clause of the partial indexes for SQLite to use them.
const openStatuses = `status IN ('NEW', 'PARTIALLY_FILLED')`

// Market describes a symbol at the moment of a call. The emulator owns the
// symbol catalogue and the price; the store only matches against them.
type Market struct {
	Symbol, Base, Quote string
	Price               decimal.Decimal // current deterministic price
}

// NewOrder is an order as the client sent it.
type NewOrder struct {
	Symbol        string
	Side          string          // BUY or SELL
	Type          string          // LIMIT, MARKET or LIMIT_MAKER
	TimeInForce   string          // GTC, IOC or FOK for LIMIT; "" otherwise
	Quantity      decimal.Decimal // base quantity; for MARKET, either this or QuoteOrderQty
	QuoteOrderQty decimal.Decimal // MARKET only: spend (BUY) or receive (SELL) this much quote
	Price         decimal.Decimal // LIMIT and LIMIT_MAKER only
	ClientOrderID string          // required; the emulator generates one when the client sent none
	Product       string          // "spot" (also when empty) or "futures"
	Now           time.Time       // placement time; stored with millisecond precision
}

// Order is an order as stored. Fills is set by PlaceOrder and SetPrice to the
// fills that call made (empty, not nil, for PlaceOrder when nothing filled);
// the query methods leave it nil, as Binance's query endpoints do not return
// fills (use Trades).
type Order struct {
	Symbol                          string
	OrderID                         int64
	ClientOrderID                   string
	Price, OrigQty, ExecutedQty     decimal.Decimal
	CummulativeQuoteQty             decimal.Decimal
	OrigQuoteOrderQty               decimal.Decimal // zero unless placed with quoteOrderQty
	Status, TimeInForce, Type, Side string
	Product                         string
	Time, UpdateTime                time.Time // UTC
	Fills                           []Fill
}

// Fill is one execution of an order, as in Binance's FULL order response.
type Fill struct {
	Price, Qty, Commission decimal.Decimal
	CommissionAsset        string
	TradeID                int64
}

// Trade is one execution as Binance's myTrades reports it.
type Trade struct {
	Symbol                           string
	ID, OrderID                      int64
	Price, Qty, QuoteQty, Commission decimal.Decimal
	CommissionAsset                  string
	Time                             time.Time // UTC
	IsBuyer, IsMaker                 bool
	Product                          string
}

// PlaceOrder validates, matches and stores a new order of account against m
// in one transaction, and returns it with its fills once it is committed.
//
// Matching is against m.Price and all-or-nothing:
//   - MARKET fills at once at m.Price. With QuoteOrderQty the quantity is
//     QuoteOrderQty/m.Price truncated to 8 decimal places.
//   - LIMIT BUY fills at once at m.Price when Price >= m.Price, LIMIT SELL when
//     Price <= m.Price. Otherwise GTC rests as NEW and IOC/FOK end EXPIRED
//     (stored, with no balance change).
//   - LIMIT_MAKER that would fill at once is ErrWouldMatch and is not stored;
//     otherwise it rests like GTC.
//
// Spot balances: the free balance must cover the order, else
// ErrInsufficientBalance and nothing is stored. A LIMIT BUY needs Price*Quantity
// of quote free even when it fills at the lower m.Price (Binance reserves
// at the limit price too); it is debited what it pays. A resting BUY locks
// Price*Quantity of quote, a resting SELL locks Quantity of base. Commission is
// zero.
//
// Futures (Product "futures") only require a free USDT balance greater than
// zero: margin, positions and PnL are not modelled and balances do not move;
// orders and trades are stored as for spot.
//
// A ClientOrderID held by an open order of the account is ErrDuplicateOrder;
// it may be reused once that order is filled, canceled or expired.
func (s *Store) PlaceOrder(ctx context.Context, account string, m Market, o NewOrder) (Order, error) {
	op := fmt.Sprintf("place order %s %s %s", o.Symbol, o.Side, o.Type)
	if account == "" {
		return Order{}, fmt.Errorf("store: %s: %w", op, badInput("account", "must not be empty"))
	}
	if err := validateMarket(m); err != nil {
		return Order{}, fmt.Errorf("store: %s: %w", op, err)
	}
	o, err := validateOrder(m, o)
	if err != nil {
		return Order{}, fmt.Errorf("store: %s: %w", op, err)
	}

	qty := o.Quantity
	if o.Type == TypeMarket && o.QuoteOrderQty.IsPositive() {
		qty, _ = o.QuoteOrderQty.QuoRem(m.Price, quoteQtyScale)
		if !qty.IsPositive() {
			return Order{}, fmt.Errorf("store: %s: %w", op, badInput("quoteOrderQty",
				"%s %s is less than 0.00000001 %s at price %s", o.QuoteOrderQty, m.Quote, m.Base, m.Price))
		}
	}
	crosses := o.Type == TypeMarket ||
		(o.Side == SideBuy && o.Price.GreaterThanOrEqual(m.Price)) ||
		(o.Side == SideSell && o.Price.LessThanOrEqual(m.Price))
	if o.Type == TypeLimitMaker && crosses {
		return Order{}, fmt.Errorf("store: %s: %w: price %s against market %s", op, ErrWouldMatch, o.Price, m.Price)
	}
	rests := !crosses && (o.TimeInForce == GTC)

	now := o.Now.Truncate(time.Millisecond).UTC()
	ord := Order{
		Symbol:              o.Symbol,
		ClientOrderID:       o.ClientOrderID,
		Price:               o.Price,
		OrigQty:             qty,
		ExecutedQty:         decimal.Zero,
		CummulativeQuoteQty: decimal.Zero,
		OrigQuoteOrderQty:   o.QuoteOrderQty,
		Status:              StatusExpired,
		TimeInForce:         o.TimeInForce,
		Type:                o.Type,
		Side:                o.Side,
		Product:             o.Product,
		Time:                now,
		UpdateTime:          now,
		Fills:               []Fill{},
	}
	var fill *Fill
	if crosses {
		ord.Status = StatusFilled
		ord.ExecutedQty = qty
		ord.CummulativeQuoteQty = m.Price.Mul(qty)
		fill = &Fill{Price: m.Price, Qty: qty, Commission: decimal.Zero, CommissionAsset: commissionAsset(m, o.Side, o.Product)}
	} else if rests {
		ord.Status = StatusNew
	}

	err = s.write(ctx, op, func(tx *sql.Tx) error {
		if err := checkNewOrder(ctx, tx, account, o.ClientOrderID); err != nil {
			return err
		}

		lock := locked{amount: decimal.Zero}
		if o.Product == ProductFutures {
			if err := checkFuturesMargin(ctx, tx, account); err != nil {
				return err
			}
		} else if lock, err = placeSpotFunds(ctx, tx, account, m, o, qty, crosses, rests); err != nil {
			return err
		}

		if ord.OrderID, err = insertOrder(ctx, tx, account, ord, lock); err != nil {
			return err
		}
		if fill != nil {
			if fill.TradeID, err = insertTrade(ctx, tx, account, ord, *fill, false, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Order{}, err
	}
	if fill != nil {
		ord.Fills = append(ord.Fills, *fill)
	}
	return ord, nil
}

// locked is what an order holds locked of one asset.
type locked struct {
	asset  string // "" when nothing is locked
	amount decimal.Decimal
}

// placeSpotFunds checks and moves the balances of a new spot order.
func placeSpotFunds(ctx context.Context, tx *sql.Tx, account string, m Market, o NewOrder, qty decimal.Decimal, crosses, rests bool) (locked, error) {
	none := locked{amount: decimal.Zero}
	if o.Side == SideBuy {
		cost := m.Price.Mul(qty)
		reserve := cost // MARKET
		if o.Type != TypeMarket {
			reserve = o.Price.Mul(qty)
		}
		b, err := getBalance(ctx, tx, account, m.Quote)
		if err != nil {
			return none, err
		}
		if b.free.LessThan(reserve) {
			return none, fmt.Errorf("%w: need %s %s free, have %s", ErrInsufficientBalance, reserve, m.Quote, b.free)
		}
		switch {
		case crosses:
			if err := adjust(ctx, tx, account, m.Quote, cost.Neg(), decimal.Zero); err != nil {
				return none, err
			}
			return none, adjust(ctx, tx, account, m.Base, qty, decimal.Zero)
		case rests:
			return locked{asset: m.Quote, amount: reserve}, adjust(ctx, tx, account, m.Quote, reserve.Neg(), reserve)
		}
		return none, nil // IOC/FOK that expire: checked, nothing moves
	}

	b, err := getBalance(ctx, tx, account, m.Base)
	if err != nil {
		return none, err
	}
	if b.free.LessThan(qty) {
		return none, fmt.Errorf("%w: need %s %s free, have %s", ErrInsufficientBalance, qty, m.Base, b.free)
	}
	switch {
	case crosses:
		if err := adjust(ctx, tx, account, m.Base, qty.Neg(), decimal.Zero); err != nil {
			return none, err
		}
		return none, adjust(ctx, tx, account, m.Quote, m.Price.Mul(qty), decimal.Zero)
	case rests:
		return locked{asset: m.Base, amount: qty}, adjust(ctx, tx, account, m.Base, qty.Neg(), qty)
	}
	return none, nil
}

// commissionAsset is the asset Binance charges commission in: what the
// order receives on spot, the quote (margin) asset on futures.
func commissionAsset(m Market, side, product string) string {
	if product == ProductSpot && side == SideBuy {
		return m.Base
	}
	return m.Quote
}

func insertTrade(ctx context.Context, tx *sql.Tx, account string, ord Order, f Fill, maker bool, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO trades (order_id, account, symbol, product, price, qty, quote_qty, commission,
		   commission_asset, is_buyer, is_maker, time_ms)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ord.OrderID, account, ord.Symbol, ord.Product, f.Price.String(), f.Qty.String(),
		f.Price.Mul(f.Qty).String(), f.Commission.String(), f.CommissionAsset,
		ord.Side == SideBuy, maker, millis(now))
	if err != nil {
		return 0, fmt.Errorf("insert trade: %w", err)
	}
	return res.LastInsertId()
}

func validateMarket(m Market) error {
	switch {
	case m.Symbol == "":
		return badInput("symbol", "must not be empty")
	case m.Base == "" || m.Quote == "":
		return badInput("market", "%s: base and quote asset must not be empty", m.Symbol)
	case m.Base == m.Quote:
		return badInput("market", "%s: base and quote asset must differ, both are %s", m.Symbol, m.Base)
	}
	if err := checkAmount("market", m.Price, -1); err != nil {
		return err
	}
	if !m.Price.IsPositive() {
		return badInput("market", "%s: price must be greater than 0, got %s", m.Symbol, m.Price)
	}
	return nil
}

// validateOrder checks o against the rules Binance applies before matching
// and returns it with defaults filled in (Product, TimeInForce).
func validateOrder(m Market, o NewOrder) (NewOrder, error) {
	if o.Symbol != m.Symbol {
		return o, badInput("symbol", "order is for %q but the market is %q", o.Symbol, m.Symbol)
	}
	switch o.Side {
	case SideBuy, SideSell:
	default:
		return o, badInput("side", "must be BUY or SELL, got %q", o.Side)
	}
	switch o.Product {
	case "":
		o.Product = ProductSpot
	case ProductSpot, ProductFutures:
	default:
		return o, badInput("product", "must be %q or %q, got %q", ProductSpot, ProductFutures, o.Product)
	}
	if err := validateClientOrderID(o.ClientOrderID); err != nil {
		return o, err
	}
	if o.Now.IsZero() {
		return o, badInput("now", "the placement time must be set")
	}
	for _, d := range []struct {
		field string
		v     decimal.Decimal
	}{{"quantity", o.Quantity}, {"quoteOrderQty", o.QuoteOrderQty}, {"price", o.Price}} {
		if err := checkAmount(d.field, d.v, MaxDecimalPlaces); err != nil {
			return o, err
		}
		if d.v.IsNegative() {
			return o, badInput(d.field, "must be greater than 0, got %s", d.v)
		}
	}

	switch o.Type {
	case TypeLimit, TypeLimitMaker:
		switch {
		case !o.Quantity.IsPositive():
			return o, badInput("quantity", "must be greater than 0 for %s orders, got %s", o.Type, o.Quantity)
		case !o.Price.IsPositive():
			return o, badInput("price", "must be greater than 0 for %s orders, got %s", o.Type, o.Price)
		case !o.QuoteOrderQty.IsZero():
			return o, badInput("quoteOrderQty", "is only allowed for MARKET orders; send quantity instead")
		}
		if o.Type == TypeLimitMaker {
			if o.TimeInForce != "" {
				return o, badInput("timeInForce", "is not allowed for LIMIT_MAKER orders, got %q", o.TimeInForce)
			}
			o.TimeInForce = GTC // what Binance reports for it
			break
		}
		switch o.TimeInForce {
		case GTC, IOC, FOK:
		case "":
			return o, badInput("timeInForce", "is mandatory for LIMIT orders: send GTC, IOC or FOK")
		default:
			return o, badInput("timeInForce", "must be GTC, IOC or FOK, got %q", o.TimeInForce)
		}
	case TypeMarket:
		switch {
		case !o.Price.IsZero():
			return o, badInput("price", "is not allowed for MARKET orders, got %s", o.Price)
		case o.TimeInForce != "":
			return o, badInput("timeInForce", "is not allowed for MARKET orders, got %q", o.TimeInForce)
		case o.Quantity.IsPositive() && o.QuoteOrderQty.IsPositive():
			return o, badInput("quantity", "and quoteOrderQty cannot be sent together; send one")
		case !o.Quantity.IsPositive() && !o.QuoteOrderQty.IsPositive():
			return o, badInput("quantity", "MARKET orders need quantity or quoteOrderQty greater than 0")
		case o.QuoteOrderQty.IsPositive() && o.Product == ProductFutures:
			return o, badInput("quoteOrderQty", "is not supported for futures orders; send quantity")
		}
		o.TimeInForce = GTC // what Binance reports for MARKET orders
	default:
		return o, badInput("type", "must be LIMIT, MARKET or LIMIT_MAKER, got %q", o.Type)
	}
	return o, nil
}

// validateClientOrderID applies Binance's rule for newClientOrderId:
// ^[.A-Z:/a-z0-9_-]{1,36}$.
func validateClientOrderID(id string) error {
	if id == "" || len(id) > 36 {
		return badInput("newClientOrderId", "must be 1 to 36 characters, got %d", len(id))
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".:/_-", c)
		if !ok {
			return badInput("newClientOrderId", "may contain only A-Z a-z 0-9 . : / _ -, got %q", id)
		}
	}
	return nil
}

// orderCols are the columns scanOrder reads, in order.
const orderCols = `id, account, symbol, client_order_id, product, side, type, time_in_force,
	price, orig_qty, orig_quote_order_qty, executed_qty, cumm_quote_qty, status,
	locked_asset, locked_amount, time_ms, update_ms`

// orderRow is an order with the columns the public Order does not carry.
type orderRow struct {
	Order
	account string
	lock    locked
}

type scanner interface{ Scan(dest ...any) error }

func scanOrder(sc scanner) (orderRow, error) {
	var (
		r                                           orderRow
		price, orig, origQuote, exec, cumm, lockAmt string
		timeMs, updateMs                            int64
	)
	err := sc.Scan(&r.OrderID, &r.account, &r.Symbol, &r.ClientOrderID, &r.Product, &r.Side, &r.Type,
		&r.TimeInForce, &price, &orig, &origQuote, &exec, &cumm, &r.Status, &r.lock.asset, &lockAmt,
		&timeMs, &updateMs)
	if err != nil {
		return r, err
	}
	for _, c := range []struct {
		name string
		src  string
		dst  *decimal.Decimal
	}{
		{"price", price, &r.Price}, {"orig_qty", orig, &r.OrigQty}, {"orig_quote_order_qty", origQuote, &r.OrigQuoteOrderQty},
		{"executed_qty", exec, &r.ExecutedQty}, {"cumm_quote_qty", cumm, &r.CummulativeQuoteQty},
		{"locked_amount", lockAmt, &r.lock.amount},
	} {
		if *c.dst, err = parseDec(c.name, c.src); err != nil {
			return r, fmt.Errorf("order %d: %w", r.OrderID, err)
		}
	}
	r.Time, r.UpdateTime = fromMillis(timeMs), fromMillis(updateMs)
	return r, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryOrders(ctx context.Context, q querier, query string, args ...any) ([]orderRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orderRow
	for rows.Next() {
		r, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func publicOrders(rows []orderRow) []Order {
	out := make([]Order, len(rows))
	for i, r := range rows {
		out[i] = r.Order
	}
	return out
}

// orderLookup builds the query of GetOrder and CancelOrder. Like Binance,
// orderID wins when both are given, and clientOrderID must then match too.
// preferOpen picks the open order among several with the same client id.
func orderLookup(account, symbol string, orderID int64, clientOrderID string, preferOpen bool) (string, []any, error) {
	switch {
	case symbol == "":
		return "", nil, badInput("symbol", "must not be empty")
	case orderID < 0:
		return "", nil, badInput("orderId", "must be greater than 0, got %d", orderID)
	case orderID == 0 && clientOrderID == "":
		return "", nil, badInput("orderId", "either orderId or origClientOrderId must be sent")
	}
	q := `SELECT ` + orderCols + ` FROM orders WHERE account = ? AND symbol = ?`
	args := []any{account, symbol}
	if orderID != 0 {
		q += ` AND id = ?`
		args = append(args, orderID)
	}
	if clientOrderID != "" {
		q += ` AND client_order_id = ?`
		args = append(args, clientOrderID)
	}
	if preferOpen {
		q += ` ORDER BY (` + openStatuses + `) DESC, id DESC LIMIT 1`
	} else {
		q += ` ORDER BY id DESC LIMIT 1`
	}
	return q, args, nil
}

func describe(orderID int64, clientOrderID string) string {
	if orderID != 0 {
		return fmt.Sprintf("orderId %d", orderID)
	}
	return fmt.Sprintf("origClientOrderId %q", clientOrderID)
}

// GetOrder returns an order of account on symbol by orderID or, when orderID
// is 0, the most recent order with clientOrderID. No such order is
// ErrUnknownOrder.
func (s *Store) GetOrder(ctx context.Context, account, symbol string, orderID int64, clientOrderID string) (Order, error) {
	op := "get order " + describe(orderID, clientOrderID)
	q, args, err := orderLookup(account, symbol, orderID, clientOrderID, false)
	if err != nil {
		return Order{}, fmt.Errorf("store: %s: %w", op, err)
	}
	r, err := scanOrder(s.r.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, fmt.Errorf("store: %s on %s: %w", op, symbol, ErrUnknownOrder)
	}
	if err != nil {
		return Order{}, fmt.Errorf("store: %s: %w", op, err)
	}
	return r.Order, nil
}

// CancelOrder cancels an open order of account on symbol, found as GetOrder
// finds it, and releases exactly what it had locked. An order that does not
// exist or is no longer open is ErrUnknownOrder.
func (s *Store) CancelOrder(ctx context.Context, account, symbol string, orderID int64, clientOrderID string, now time.Time) (Order, error) {
	op := "cancel order " + describe(orderID, clientOrderID)
	q, args, err := orderLookup(account, symbol, orderID, clientOrderID, true)
	if err != nil {
		return Order{}, fmt.Errorf("store: %s: %w", op, err)
	}
	if now.IsZero() {
		return Order{}, fmt.Errorf("store: %s: %w", op, badInput("now", "the cancel time must be set"))
	}
	var out Order
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		r, err := scanOrder(tx.QueryRowContext(ctx, q, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no such order on %s", ErrUnknownOrder, symbol)
		}
		if err != nil {
			return err
		}
		if !isOpen(r.Status) {
			return fmt.Errorf("%w: order %d is %s, only open orders can be canceled", ErrUnknownOrder, r.OrderID, r.Status)
		}
		out, err = cancel(ctx, tx, r, now)
		return err
	})
	return out, err
}

// CancelOpenOrders cancels every open order of account on symbol ("" = all
// symbols), oldest first, and returns them.
func (s *Store) CancelOpenOrders(ctx context.Context, account, symbol string, now time.Time) ([]Order, error) {
	op := "cancel open orders"
	if now.IsZero() {
		return nil, fmt.Errorf("store: %s: %w", op, badInput("now", "the cancel time must be set"))
	}
	q, args := openOrdersQuery(account, symbol)
	return s.cancelAll(ctx, op, now, q, args...)
}

func isOpen(status string) bool { return status == StatusNew || status == StatusPartiallyFilled }

func cancel(ctx context.Context, tx *sql.Tx, r orderRow, now time.Time) (Order, error) {
	if r.lock.asset != "" && !r.lock.amount.IsZero() {
		if err := adjust(ctx, tx, r.account, r.lock.asset, r.lock.amount, r.lock.amount.Neg()); err != nil {
			return Order{}, fmt.Errorf("release funds of order %d: %w", r.OrderID, err)
		}
	}
	now = now.Truncate(time.Millisecond).UTC()
	_, err := tx.ExecContext(ctx,
		`UPDATE orders SET status = ?, locked_asset = '', locked_amount = '0', update_ms = ? WHERE id = ?`,
		StatusCanceled, millis(now), r.OrderID)
	if err != nil {
		return Order{}, fmt.Errorf("update order %d: %w", r.OrderID, err)
	}
	r.Status, r.UpdateTime = StatusCanceled, now
	return r.Order, nil
}

func openOrdersQuery(account, symbol string) (string, []any) {
	q := `SELECT ` + orderCols + ` FROM orders WHERE account = ? AND ` + openStatuses
	args := []any{account}
	if symbol != "" {
		q += ` AND symbol = ?`
		args = append(args, symbol)
	}
	return q + ` ORDER BY id`, args
}

// OpenOrders returns the open orders of account on symbol ("" = all
// symbols), oldest first.
func (s *Store) OpenOrders(ctx context.Context, account, symbol string) ([]Order, error) {
	q, args := openOrdersQuery(account, symbol)
	rows, err := queryOrders(ctx, s.r, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: open orders of %s: %w", account, err)
	}
	return publicOrders(rows), nil
}

func normLimit(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, badInput("limit", "must be between 1 and %d, got %d", MaxLimit, limit)
	case limit == 0:
		return DefaultLimit, nil
	case limit > MaxLimit:
		return MaxLimit, nil
	}
	return limit, nil
}

// AllOrders returns the most recent limit orders of account on symbol ("" =
// all symbols), oldest first, as Binance's allOrders does. limit 0 means
// DefaultLimit; above MaxLimit it is MaxLimit.
func (s *Store) AllOrders(ctx context.Context, account, symbol string, limit int) ([]Order, error) {
	return s.ListOrders(ctx, account, ListQuery{Symbol: symbol, Limit: limit})
}

// Trades returns the most recent limit trades of account on symbol ("" = all
// symbols), oldest first, as Binance's myTrades does. limit as in AllOrders.
func (s *Store) Trades(ctx context.Context, account, symbol string, limit int) ([]Trade, error) {
	return s.ListTrades(ctx, account, ListQuery{Symbol: symbol, Limit: limit})
}

// SetPrice matches the resting orders of every account on m.Symbol against
// the new price m.Price: a BUY whose price is at or above it and a SELL whose
// price is at or below it fill completely, as makers, at their own limit
// price (the price a resting order on a real book gets), so a BUY pays
// exactly what it had locked. It returns the orders it filled, oldest first,
// each with its fill.
func (s *Store) SetPrice(ctx context.Context, m Market, now time.Time) ([]Order, error) {
	op := "set price of " + m.Symbol
	if err := validateMarket(m); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	if now.IsZero() {
		return nil, fmt.Errorf("store: %s: %w", op, badInput("now", "the time of the price change must be set"))
	}
	now = now.Truncate(time.Millisecond).UTC()
	filled := []Order{}
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		rows, err := queryOrders(ctx, tx,
			`SELECT `+orderCols+` FROM orders WHERE symbol = ? AND `+openStatuses+` AND `+notPendingStop+` ORDER BY id`, m.Symbol)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Side == SideBuy && r.Price.LessThan(m.Price) || r.Side == SideSell && r.Price.GreaterThan(m.Price) {
				continue
			}
			o, err := fillResting(ctx, tx, m, r, now)
			if err != nil {
				return fmt.Errorf("fill order %d: %w", r.OrderID, err)
			}
			filled = append(filled, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return filled, nil
}

func fillResting(ctx context.Context, tx *sql.Tx, m Market, r orderRow, now time.Time) (Order, error) {
	qty := r.OrigQty.Sub(r.ExecutedQty)
	quote := r.Price.Mul(qty)
	if r.Product == ProductSpot {
		if r.lock.asset != "" {
			// Release the lock; for a BUY the lock is exactly what it pays.
			if err := adjust(ctx, tx, r.account, r.lock.asset, r.lock.amount, r.lock.amount.Neg()); err != nil {
				return Order{}, err
			}
		}
		var err error
		if r.Side == SideBuy {
			if err = adjust(ctx, tx, r.account, m.Quote, quote.Neg(), decimal.Zero); err == nil {
				err = adjust(ctx, tx, r.account, m.Base, qty, decimal.Zero)
			}
		} else {
			if err = adjust(ctx, tx, r.account, m.Base, qty.Neg(), decimal.Zero); err == nil {
				err = adjust(ctx, tx, r.account, m.Quote, quote, decimal.Zero)
			}
		}
		if err != nil {
			return Order{}, err
		}
	}
	r.Status = StatusFilled
	r.ExecutedQty = r.OrigQty
	r.CummulativeQuoteQty = r.CummulativeQuoteQty.Add(quote)
	r.UpdateTime = now
	_, err := tx.ExecContext(ctx,
		`UPDATE orders SET status = ?, executed_qty = ?, cumm_quote_qty = ?, locked_asset = '', locked_amount = '0',
		        update_ms = ? WHERE id = ?`,
		r.Status, r.ExecutedQty.String(), r.CummulativeQuoteQty.String(), millis(now), r.OrderID)
	if err != nil {
		return Order{}, err
	}
	f := Fill{Price: r.Price, Qty: qty, Commission: decimal.Zero, CommissionAsset: commissionAsset(m, r.Side, r.Product)}
	if f.TradeID, err = insertTrade(ctx, tx, r.account, r.Order, f, true, now); err != nil {
		return Order{}, err
	}
	r.Fills = []Fill{f}
	return r.Order, nil
}

// CountOrders returns how many orders account placed at or after since
// (stored ones: rejected orders are not counted), for the emulator's order
// rate limits.
func (s *Store) CountOrders(ctx context.Context, account string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx,
		`SELECT count(*) FROM orders WHERE account = ? AND time_ms >= ?`, account, millis(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count orders of %s: %w", account, err)
	}
	return n, nil
}

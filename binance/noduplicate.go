package binance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
)

// OrderProtocol is the no-duplicate order protocol, shared by the REST and
// the WebSocket API clients so both keep the same guarantee: the order is
// sent with a client order id fixed for the intent; when a try's outcome is
// unknown (ErrUnknownStatus, or -2010 "Duplicate order sent.") the order is
// looked up by that id after QueryDelay, and it is sent again only when the
// lookup proves it does not exist (-2013).
type OrderProtocol struct {
	ClientOrderID string
	MaxAttempts   int                             // sends and lookups each (default 4)
	QueryDelay    time.Duration                   // pause before a lookup
	Backoff       func(attempt int) time.Duration // pause between tries
	Logger        *slog.Logger
	// Place sends the order once.
	Place func(ctx context.Context) (*Order, error)
	// Lookup asks for the order by its client id.
	Lookup func(ctx context.Context) (*Order, error)
	// Calls, when set, is used for Place and Lookup when they are nil: a
	// caller holding its state in one value passes it without allocating a
	// closure for each.
	Calls OrderCalls
	// Final reports lookup errors after which trying again cannot help
	// (beyond a cancelled context and a ban, which always stop).
	Final func(error) bool
}

// OrderCalls sends an order once and looks it up by its client id.
type OrderCalls interface {
	Place(ctx context.Context) (*Order, error)
	Lookup(ctx context.Context) (*Order, error)
}

// Run carries out the protocol.
func (p OrderProtocol) Run(ctx context.Context) (*Order, error) {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.Place == nil && p.Calls != nil {
		p.Place = p.Calls.Place
	}
	if p.Lookup == nil && p.Calls != nil {
		p.Lookup = p.Calls.Lookup
	}
	for attempt := 1; ; attempt++ {
		o, err := p.Place(ctx)
		if err == nil {
			o.Attempts = attempt
			return o, nil
		}
		if ctx.Err() != nil {
			return nil, err // unknown when it was sent: the caller asked to stop waiting
		}
		if !errors.Is(err, ErrUnknownStatus) && !isDuplicateOrder(err) {
			return nil, err
		}
		if p.Logger != nil {
			p.Logger.LogAttrs(ctx, slog.LevelWarn, "order outcome unknown, looking it up by client order id",
				slog.String("clientOrderId", p.ClientOrderID), slog.String("error", err.Error()))
		}
		found, exists, qerr := p.lookup(ctx)
		if qerr != nil {
			return nil, fmt.Errorf("order %s: outcome unknown and the lookup failed, so it was NOT sent again (query it before retrying): %w (lookup: %v)",
				p.ClientOrderID, err, qerr)
		}
		if exists {
			found.Attempts, found.Recovered = attempt, true
			return found, nil
		}
		if attempt >= p.MaxAttempts {
			return nil, fmt.Errorf("order %s: not placed after %d tries: %w", p.ClientOrderID, attempt, err)
		}
		if err := sleep(ctx, p.Backoff(attempt)); err != nil {
			return nil, err
		}
	}
}

// lookup reports whether the order exists. exists is false only when the
// exchange says so (-2013); any other failure is an error, because only
// proof of absence allows sending again.
func (p OrderProtocol) lookup(ctx context.Context) (*Order, bool, error) {
	if err := sleep(ctx, p.QueryDelay); err != nil {
		return nil, false, err
	}
	var lastErr error
	for try := 1; try <= p.MaxAttempts+2; try++ {
		o, err := p.Lookup(ctx)
		if err == nil {
			return o, true, nil
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == codes.NoSuchOrder {
			return nil, false, nil
		}
		lastErr = err
		if ctx.Err() != nil || errors.Is(err, ErrBanned) || (p.Final != nil && p.Final(err)) {
			break
		}
		if err := sleep(ctx, p.Backoff(try)); err != nil {
			return nil, false, err
		}
	}
	return nil, false, lastErr
}

func isDuplicateOrder(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == codes.NewOrderRejected && apiErr.Msg == codes.MsgDuplicateOrder
}

package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors for errors.Is. They are never reassigned.
var (
	// ErrRateLimited matches a *BlockedError: the host answered HTTP 429
	// and mbx sends nothing to it until the Retry-After time.
	ErrRateLimited = errors.New("ratelimit: rate limited (HTTP 429)")
	// ErrBanned matches a *BannedError: the host banned this IP (HTTP 418).
	ErrBanned = errors.New("ratelimit: IP banned (HTTP 418)")
	// ErrWaitTooLong: the budget frees up later than Options.MaxWait or the
	// context's deadline allows, so Wait returns at once instead of sleeping.
	ErrWaitTooLong = errors.New("ratelimit: the budget frees up later than the caller can wait")
	// ErrOverLimit: one request costs more than a whole window allows, so
	// waiting cannot help.
	ErrOverLimit = errors.New("ratelimit: the request costs more than the limit allows per window")
)

// timeFormat shows milliseconds because ban times are given in ms.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// BlockedError is returned by Governor.Wait while a host is blocked after an
// HTTP 429; errors.Is(err, ErrRateLimited) reports true.
type BlockedError struct {
	Host  string    // scheme://host that answered 429
	Until time.Time // end of Retry-After
}

// Error says until when nothing is sent and what to do.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("ratelimit: %s answered HTTP 429 (too many requests), so mbx sends nothing to it until %s: "+
		"continuing now would earn an IP ban (HTTP 418); wait until then, and lower the request rate or use WebSocket streams for live data",
		e.Host, e.Until.UTC().Format(timeFormat))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *BlockedError) Is(target error) bool { return target == ErrRateLimited }

// BannedError is returned by Governor.Wait while the host has banned this IP
// (HTTP 418); errors.Is(err, ErrBanned) reports true.
type BannedError struct {
	Host  string    // scheme://host that answered 418
	Until time.Time // end of the ban
}

// Error says until when the ban lasts and what to do.
func (e *BannedError) Error() string {
	return fmt.Sprintf("ratelimit: %s banned this IP (HTTP 418) until %s, so mbx sends nothing to it before then: "+
		"requests during a ban make the next one longer (2 minutes up to 3 days); wait, then poll less (cache exchangeInfo, use WebSocket streams)",
		e.Host, e.Until.UTC().Format(timeFormat))
}

// Is makes errors.Is(err, ErrBanned) true.
func (e *BannedError) Is(target error) bool { return target == ErrBanned }

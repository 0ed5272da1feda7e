// Package retry is the one backoff policy every client of every exchange
// uses between tries: full-jitter exponential backoff, and a sleep that
// ends with its context.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is full-jitter exponential backoff: before try attempt+1 it waits
// a random duration in (0, min(Base·2^(attempt-1), Max)], so that clients
// failing together do not retry together.
type Backoff struct {
	Base time.Duration // the first cap; must be positive
	Max  time.Duration // the largest cap; must be positive
}

// Delay is the pause after the attempt-th failed try (attempt ≥ 1).
func (b Backoff) Delay(attempt int) time.Duration {
	if b.Max <= 0 {
		return 0
	}
	d := b.Base << min(max(attempt-1, 0), 30)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// Sleep waits d, or until ctx ends (then it returns ctx's error). A d of
// zero or less returns at once with ctx's error, if any.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

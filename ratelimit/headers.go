package ratelimit

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Headers is how one exchange reports its budgets in HTTP answers. The
// governor knows no exchange: each supplies its own (Options.Headers,
// Governor.WithHeaders).
type Headers interface {
	// Usage reports which budget a usage header counts (its kind and
	// window); ok is false for every other header. name is in any case.
	Usage(name string) (kind string, interval time.Duration, ok bool)
	// BanUntil reads the end of a ban from an error body, when the exchange
	// writes one there.
	BanUntil(body []byte) (until time.Time, ok bool)
}

// UsagePrefix maps a family of usage headers to a limit kind: the header
// is Prefix followed by the window, e.g. Prefix "X-Used-Weight-" and
// "X-Used-Weight-1M" for one minute.
type UsagePrefix struct {
	Prefix string
	Kind   string
}

// PrefixHeaders is a Headers for exchanges whose usage headers are a
// prefix followed by a window ("1M", "10S", "1D"), with an optional ban
// reader. It is comparable and allocation-free.
type PrefixHeaders struct {
	Prefixes []UsagePrefix
	// Ban reads the end of a ban from an error body; nil for none.
	Ban func(body []byte) (time.Time, bool)
}

// Usage implements Headers.
func (p PrefixHeaders) Usage(name string) (string, time.Duration, bool) {
	if len(name) < 4 || len(name) > 48 {
		return "", 0, false
	}
	for _, u := range p.Prefixes {
		if len(name) <= len(u.Prefix) || !strings.EqualFold(name[:len(u.Prefix)], u.Prefix) {
			continue
		}
		iv, ok := ParseWindow(name[len(u.Prefix):])
		if !ok {
			return "", 0, false
		}
		return u.Kind, iv, true
	}
	return "", 0, false
}

// Name is the usage header of limit l, or "" when its kind has none or its
// interval is not whole seconds.
func (p PrefixHeaders) Name(l Limit) string {
	for _, u := range p.Prefixes {
		if u.Kind == l.Kind {
			if s := intervalSuffix(l.Interval); s != "" {
				return u.Prefix + s
			}
		}
	}
	return ""
}

// BanUntil implements Headers.
func (p PrefixHeaders) BanUntil(body []byte) (time.Time, bool) {
	if p.Ban == nil || len(body) == 0 {
		return time.Time{}, false
	}
	return p.Ban(body)
}

// ParseWindow parses a window written as a count and a unit letter (S, M,
// H or D, any case): "1M", "10S", "1D".
func ParseWindow(s string) (time.Duration, bool) { return parseIntervalSuffix(s) }

// Usage is one count the server reported for one of its budgets.
type Usage struct {
	Kind     string
	Interval time.Duration
	Used     int
}

// Observation is what one answer told about the budgets, read by the
// exchange's client: Governor.ObserveResponse applies it.
type Observation struct {
	// Status is the HTTP status (or the WebSocket API's status).
	Status int
	// Usage lists the server's counts, one per budget.
	Usage []Usage
	// RetryAfter is the raw Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// BanUntil is the end of a ban read from the body; zero if none.
	BanUntil time.Time
	// Date is the raw Date header: near a window boundary it says which
	// window the counts belong to.
	Date string
}

// ReadUsage appends to dst the usage headers of h as hs reads them, sorted
// by kind and window so that errors come in a stable order. Unreadable
// values are reported and skipped.
func ReadUsage(dst []Usage, h http.Header, hs Headers) ([]Usage, error) {
	if hs == nil {
		return dst, nil
	}
	start := len(dst)
	var errs []error
	for name, vals := range h {
		kind, iv, ok := hs.Usage(name)
		if !ok {
			continue
		}
		used, err := headerInt(vals)
		if err != nil {
			errs = append(errs, fmt.Errorf("ratelimit: response header %s: %w", name, err))
			continue
		}
		dst = append(dst, Usage{Kind: kind, Interval: iv, Used: used})
	}
	if len(dst)-start > 1 {
		slices.SortFunc(dst[start:], func(a, b Usage) int {
			if c := strings.Compare(a.Kind, b.Kind); c != 0 {
				return c
			}
			return int(a.Interval - b.Interval)
		})
	}
	if len(errs) > 1 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	}
	return dst, errors.Join(errs...)
}

// headerInt reads a usage header; repeated values count as their maximum.
func headerInt(vals []string) (int, error) {
	best := -1
	for _, v := range vals {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 || n > maxLimit {
			return 0, fmt.Errorf("value %q is not a count; want a non-negative integer", clip(v))
		}
		best = max(best, int(n))
	}
	if best < 0 {
		return 0, errors.New("no value")
	}
	return best, nil
}

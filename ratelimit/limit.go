package ratelimit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit kinds as exchanges name them in exchangeInfo.rateLimits, plus the two
// per-endpoint /sapi budgets, which exchangeInfo does not list.
const (
	KindRequestWeight = "REQUEST_WEIGHT" // weight per IP
	KindOrders        = "ORDERS"         // new orders per account
	KindRawRequests   = "RAW_REQUESTS"   // requests per IP, whatever their weight
	KindSAPIIP        = "SAPI_IP"        // /sapi weight per IP and endpoint
	KindSAPIUID       = "SAPI_UID"       // /sapi weight per account and endpoint
)

// Limit is one budget as the exchange counts it: at most Max units of Kind in each
// fixed window of Interval.
type Limit struct {
	// Kind is one of the Kind constants. Limits of other kinds (for example
	// the WebSocket API's CONNECTIONS) are kept but never charged.
	Kind string
	// Interval is the window length; windows start at multiples of Interval
	// since the Unix epoch.
	Interval time.Duration
	// Max is the most the server accepts per window.
	Max int
	// Margin is how long before and after a window boundary a request is
	// also charged to the neighbouring window, because the server may count
	// it there (latency, clock offset). A Governor replaces 0 with its
	// Options.Margin; a Backend takes it literally. Negative means none. It is
	// capped at Interval/4.
	Margin time.Duration
}

// String gives the limit the way people read it, e.g. "REQUEST_WEIGHT 6000/1m".
func (l Limit) String() string {
	return fmt.Sprintf("%s %d/%s", l.Kind, l.Max, intervalText(l.Interval))
}

type intervalUnit struct {
	letter byte
	name   string // exchangeInfo's name
	unit   time.Duration
}

// intervalUnits lists the interval units, largest first so that
// intervalSuffix picks the shortest spelling.
func intervalUnits() [4]intervalUnit {
	return [4]intervalUnit{
		{'D', "DAY", 24 * time.Hour},
		{'H', "HOUR", time.Hour},
		{'M', "MINUTE", time.Minute},
		{'S', "SECOND", time.Second},
	}
}

// maxInterval bounds parsed intervals so that arithmetic in milliseconds and
// nanoseconds cannot overflow; the longest window in use is one day.
const maxInterval = 366 * 24 * time.Hour

// intervalSuffix writes d as (intervalNum)(intervalLetter), using
// the largest unit that divides it: 10s → "10S", 1m → "1M", 24h → "1D".
func intervalSuffix(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	for _, u := range intervalUnits() {
		if d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + string(u.letter)
		}
	}
	return ""
}

// intervalText is intervalSuffix in lower case for messages ("1m", "10s"),
// falling back to Go's notation for sub-second test intervals.
func intervalText(d time.Duration) string {
	if s := intervalSuffix(d); s != "" {
		return strings.ToLower(s)
	}
	return d.String()
}

// parseIntervalSuffix parses "1M", "10S", "1D".
func parseIntervalSuffix(s string) (time.Duration, bool) {
	if len(s) < 2 || len(s) > 8 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n <= 0 || s[0] == '+' {
		return 0, false
	}
	letter := s[len(s)-1]
	if 'a' <= letter && letter <= 'z' {
		letter -= 'a' - 'A' // header names arrive in any case
	}
	for _, u := range intervalUnits() {
		if letter == u.letter {
			if n > int64(maxInterval/u.unit) {
				return 0, false
			}
			return time.Duration(n) * u.unit, true
		}
	}
	return 0, false
}

// rawRateLimit is one element of exchangeInfo.rateLimits.
type rawRateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int64  `json:"intervalNum"`
	Limit         int64  `json:"limit"`
}

// maxLimit bounds a parsed limit: far above any real value, low enough
// that sums of weights cannot overflow and Lua's doubles stay exact.
const maxLimit = 1 << 40

// LimitsFromExchangeInfo reads the rateLimits array of an exchangeInfo
// response body of the given family (REST, or a WebSocket API response whose
// "result" holds it), e.g.
//
//	"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}]
//
// Duplicates (same kind and interval) keep the smaller Max, because the
// stricter one is the one that can earn a 429.
func LimitsFromExchangeInfo(body []byte, family string) ([]Limit, error) {
	var doc struct {
		RateLimits *[]rawRateLimit `json:"rateLimits"`
		Result     *struct {
			RateLimits *[]rawRateLimit `json:"rateLimits"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("ratelimit: %s exchangeInfo: reading rateLimits: %w", family, err)
	}
	// A WebSocket API response has the exchange's limits in result and only
	// this request's usage at the top level: prefer result.
	raw := doc.RateLimits
	if doc.Result != nil && doc.Result.RateLimits != nil {
		raw = doc.Result.RateLimits
	}
	if raw == nil {
		return nil, fmt.Errorf("ratelimit: %s exchangeInfo has no \"rateLimits\" array; pass the body of GET /%s/v*/exchangeInfo", family, family)
	}
	if len(*raw) == 0 {
		return nil, fmt.Errorf("ratelimit: %s exchangeInfo has an empty \"rateLimits\" array; use the exchange's documented limits for %q instead", family, family)
	}
	out := make([]Limit, 0, len(*raw))
	var errs []error
	for i, r := range *raw {
		l, err := r.limit()
		if err != nil {
			errs = append(errs, fmt.Errorf("rateLimits[%d]: %w", i, err))
			continue
		}
		out = mergeLimit(out, l)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("ratelimit: %s exchangeInfo: %w", family, errors.Join(errs...))
	}
	return out, nil
}

func (r rawRateLimit) limit() (Limit, error) {
	if !validKind(r.RateLimitType) {
		return Limit{}, fmt.Errorf("rateLimitType %q is not an upper-case name like REQUEST_WEIGHT", clip(r.RateLimitType))
	}
	var unit time.Duration
	for _, u := range intervalUnits() {
		if r.Interval == u.name {
			unit = u.unit
		}
	}
	if unit == 0 {
		return Limit{}, fmt.Errorf("interval %q is not SECOND, MINUTE, HOUR or DAY", clip(r.Interval))
	}
	if r.IntervalNum <= 0 || r.IntervalNum > int64(maxInterval/unit) {
		return Limit{}, fmt.Errorf("intervalNum %d is out of range; want 1..%d for %s", r.IntervalNum, int64(maxInterval/unit), r.Interval)
	}
	if r.Limit <= 0 || r.Limit > maxLimit {
		return Limit{}, fmt.Errorf("limit %d is out of range; want 1..%d", r.Limit, int64(maxLimit))
	}
	return Limit{Kind: r.RateLimitType, Interval: time.Duration(r.IntervalNum) * unit, Max: int(r.Limit)}, nil
}

func validKind(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < 'A' || s[i] > 'Z') && s[i] != '_' {
			return false
		}
	}
	return true
}

// clip keeps hostile input from flooding an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// mergeLimit adds l to ls, keeping the smaller Max (and larger Margin) when
// a limit of the same kind and interval is already there.
func mergeLimit(ls []Limit, l Limit) []Limit {
	for i := range ls {
		if ls[i].Kind == l.Kind && ls[i].Interval == l.Interval {
			ls[i].Max = min(ls[i].Max, l.Max)
			ls[i].Margin = max(ls[i].Margin, l.Margin)
			return ls
		}
	}
	return append(ls, l)
}

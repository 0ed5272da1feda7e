package binance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/clock"
)

// DefaultTimePath is spot's time endpoint; USDⓈ-M futures use "/fapi/v1/time".
const DefaultTimePath = "/api/v3/time"

// Plausible serverTime values in milliseconds. Outside them the unit is almost certainly
// wrong (seconds or microseconds), and a clock built on it would be off by decades.
const (
	minServerMillis = 1_000_000_000_000   // 2001-09-09
	maxServerMillis = 100_000_000_000_000 // year 5138
)

// TimeSource is Binance's REST time source for a clock.Clock: GET
// {BaseURL}{Path} (DefaultTimePath when empty), read as {"serverTime": <ms>}.
type TimeSource struct {
	// Client sends the request; nil means a client with clock.DefaultHTTPTimeout.
	Client *http.Client
	// BaseURL is the REST base URL, e.g. "https://api.binance.com".
	BaseURL string
	// Path is the time endpoint; empty means DefaultTimePath.
	Path string
}

// ServerTime implements clock.Source.
func (s *TimeSource) ServerTime(ctx context.Context) (time.Time, error) {
	if s == nil {
		return time.Time{}, errors.New("binance: TimeSource is nil; pass &binance.TimeSource{BaseURL: ...}")
	}
	path := s.Path
	if path == "" {
		path = DefaultTimePath
	}
	src := clock.HTTPSource{Client: s.Client, BaseURL: s.BaseURL, Path: path, Parse: ParseServerTime}
	return src.ServerTime(ctx)
}

// ParseServerTime reads {"serverTime": <integer milliseconds>}, the answer of
// /api/v3/time and /fapi/v1/time. The key is matched exactly, unlike
// encoding/json's struct fields, so that "servertime" from some other API is
// not taken for it.
func ParseServerTime(body []byte) (time.Time, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return time.Time{}, fmt.Errorf("body %s is not a JSON object: %w", snippet(body), err)
	}
	raw, ok := fields["serverTime"]
	if !ok {
		return time.Time{}, fmt.Errorf(`"serverTime" is missing from %s`, snippet(body))
	}
	raw = bytes.TrimSpace(raw)
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf(`"serverTime" is %s, want an integer number of milliseconds`, snippet(raw))
	}
	switch {
	case ms <= 0:
		return time.Time{}, fmt.Errorf(`"serverTime" is %d, want a positive number of milliseconds since 1970`, ms)
	case ms < minServerMillis:
		return time.Time{}, fmt.Errorf(`"serverTime" %d is before 2001 if read as milliseconds; is it in seconds?`, ms)
	case ms >= maxServerMillis:
		return time.Time{}, fmt.Errorf(`"serverTime" %d is after year 5000 if read as milliseconds; is it in microseconds?`, ms)
	}
	return time.UnixMilli(ms), nil
}

// snippet quotes the start of an untrusted body for an error message.
func snippet(b []byte) string {
	const limit = 200
	if len(b) > limit {
		return strconv.Quote(string(b[:limit])) + "..."
	}
	return strconv.Quote(string(b))
}

package localex

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxTimeBody bounds a time response; a real one is under 100 bytes.
const maxTimeBody = 64 << 10

// TimeSource reads an exchange's server time with an unsigned GET of URL;
// Parse turns the body into the time. It implements clock.Source.
type TimeSource struct {
	Client *http.Client // nil: a client with a 10 s timeout
	URL    string
	Parse  func(body []byte) (time.Time, error)
}

// ServerTime asks once.
func (s TimeSource) ServerTime(ctx context.Context) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("server time: URL %q: %w", s.URL, err)
	}
	req.Header.Set("Accept", "application/json")
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("server time: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTimeBody+1))
	if err != nil {
		return time.Time{}, fmt.Errorf("server time: GET %s: reading the body: %w", s.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("server time: GET %s: HTTP status %q, want 200; body %s", s.URL, resp.Status, Snippet(body))
	}
	if len(body) > maxTimeBody {
		return time.Time{}, fmt.Errorf("server time: GET %s: body larger than 64 KiB; is the base URL the exchange's REST API?", s.URL)
	}
	t, err := s.Parse(body)
	if err != nil {
		return time.Time{}, fmt.Errorf("server time: GET %s: %w", s.URL, err)
	}
	return t, nil
}

// JoinURL joins a base URL (scheme and host, maybe a trailing slash) and a
// path.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + path
}

// Millis checks a server time in milliseconds for plausibility: outside
// 2001..5138 the unit is wrong.
func Millis(ms int64) (time.Time, error) {
	switch {
	case ms < 1_000_000_000_000:
		return time.Time{}, fmt.Errorf("server time %d is before 2001 read as milliseconds; is it in seconds?", ms)
	case ms >= 100_000_000_000_000:
		return time.Time{}, fmt.Errorf("server time %d is after year 5000 read as milliseconds; is it in microseconds?", ms)
	}
	return time.UnixMilli(ms), nil
}

// Snippet quotes the start of an untrusted body for an error message.
func Snippet(b []byte) string {
	if len(b) > 200 {
		return strconv.Quote(string(b[:200])) + "..."
	}
	return strconv.Quote(string(b))
}

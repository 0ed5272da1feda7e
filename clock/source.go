package clock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Source asks an exchange for its time once.
type Source interface {
	ServerTime(ctx context.Context) (time.Time, error)
}

// SourceFunc adapts a function to Source, for time sources that are not a REST endpoint,
// such as the WebSocket API's "time" method.
type SourceFunc func(ctx context.Context) (time.Time, error)

// ServerTime calls f.
func (f SourceFunc) ServerTime(ctx context.Context) (time.Time, error) { return f(ctx) }

const (
	// DefaultPath is Binance spot's time endpoint; USDⓈ-M futures use "/fapi/v1/time".
	DefaultPath = "/api/v3/time"
	// MaxBodyBytes caps how much of a time response is read; a real one is about 30 bytes,
	// so anything larger is an error page or a misconfigured BaseURL, not worth buffering.
	MaxBodyBytes = 64 << 10
	// DefaultHTTPTimeout bounds a request when HTTPSource.Client is nil, so that Run,
	// whose ctx usually has no deadline, cannot hang on a silent connection.
	DefaultHTTPTimeout = 10 * time.Second
)

// Plausible serverTime values in milliseconds. Outside them the unit is almost certainly
// wrong (seconds or microseconds), and a clock built on it would be off by decades.
const (
	minServerMillis = 1_000_000_000_000   // 2001-09-09
	maxServerMillis = 100_000_000_000_000 // year 5138
)

// HTTPSource implements Source with GET {BaseURL}{Path}, parsing {"serverTime": <ms>} as
// Binance's /api/v3/time and /fapi/v1/time answer. The request is unsigned and carries no
// API key.
type HTTPSource struct {
	// Client sends the request; nil means a client with DefaultHTTPTimeout.
	Client *http.Client
	// BaseURL is the REST base URL, e.g. "https://api.binance.com"; a trailing slash is
	// ignored.
	BaseURL string
	// Path is the time endpoint; empty means DefaultPath.
	Path string
}

// ResponseError reports a time endpoint's answer that could not be used. Get it with
// errors.As.
type ResponseError struct {
	URL        string
	StatusCode int
	Problem    string // what was wrong, for people
	Err        error  // the underlying error, if any
}

// Error names the URL and what was wrong.
func (e *ResponseError) Error() string {
	msg := "clock: GET " + e.URL + ": " + e.Problem
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *ResponseError) Unwrap() error { return e.Err }

// ServerTime asks the endpoint once.
func (s *HTTPSource) ServerTime(ctx context.Context) (time.Time, error) {
	u, err := s.url()
	if err != nil {
		return time.Time{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("clock: HTTPSource URL %q: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error already names the method and URL.
		return time.Time{}, fmt.Errorf("clock: server time: %w", err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode, Problem: "reading the body failed", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode,
			Problem: fmt.Sprintf("HTTP status %q, want 200 OK; body %s", resp.Status, snippet(body))}
	}
	if len(body) > MaxBodyBytes {
		return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode,
			Problem: fmt.Sprintf("body is larger than %d KiB; is BaseURL a Binance REST endpoint?", MaxBodyBytes>>10)}
	}
	t, err := parseServerTime(body)
	if err != nil {
		return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode, Problem: "unusable server time", Err: err}
	}
	return t, nil
}

// url checks the fields and joins them, tolerating a slash on either side of the seam,
// because "https://host/" + "/api/v3/time" would otherwise ask for "//api/v3/time".
func (s *HTTPSource) url() (string, error) {
	if s == nil {
		return "", errors.New("clock: HTTPSource is nil; pass &clock.HTTPSource{BaseURL: ...}")
	}
	if s.BaseURL == "" {
		return "", errors.New(`clock: HTTPSource.BaseURL is empty; set it to the exchange's REST base URL, e.g. "https://api.binance.com"`)
	}
	b, err := url.Parse(s.BaseURL)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
		return "", fmt.Errorf(`clock: HTTPSource.BaseURL %q is not an http(s) URL with a host; use e.g. "https://api.binance.com"`, s.BaseURL)
	}
	path := s.Path
	if path == "" {
		path = DefaultPath
	}
	return strings.TrimRight(s.BaseURL, "/") + "/" + strings.TrimLeft(path, "/"), nil
}

// parseServerTime reads {"serverTime": <integer milliseconds>}. The key is matched exactly,
// unlike encoding/json's struct fields, so that "servertime" from some other API is not
// taken for it.
func parseServerTime(body []byte) (time.Time, error) {
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

// snippet quotes the start of an untrusted body for an error message: quoting neutralises
// control characters, and the cap keeps a huge error page out of logs.
func snippet(b []byte) string {
	const limit = 200
	if len(b) > limit {
		return strconv.Quote(string(b[:limit])) + "..."
	}
	return strconv.Quote(string(b))
}

package clock

import (
	"context"
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
	// MaxBodyBytes caps how much of a time response is read; a real one is a few dozen bytes,
	// so anything larger is an error page or a misconfigured BaseURL, not worth buffering.
	MaxBodyBytes = 64 << 10
	// DefaultHTTPTimeout bounds a request when HTTPSource.Client is nil, so that Run,
	// whose ctx usually has no deadline, cannot hang on a silent connection.
	DefaultHTTPTimeout = 10 * time.Second
)

// HTTPSource implements Source with GET {BaseURL}{Path}, reading the answer with Parse: the
// generic half of an exchange's REST time source (each exchange supplies its path and its
// Parse). The request is unsigned and carries no API key.
type HTTPSource struct {
	// Client sends the request; nil means a client with DefaultHTTPTimeout.
	Client *http.Client
	// BaseURL is the REST base URL, e.g. "https://api.example.com"; a trailing slash is
	// ignored.
	BaseURL string
	// Path is the time endpoint, e.g. "/v1/time".
	Path string
	// Parse reads the server time from a 200 answer's body.
	Parse func(body []byte) (time.Time, error)
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
			Problem: fmt.Sprintf("body is larger than %d KiB; is BaseURL the exchange's REST endpoint?", MaxBodyBytes>>10)}
	}
	t, err := s.Parse(body)
	if err != nil {
		return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode, Problem: "unusable server time in body " + snippet(body), Err: err}
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
		return "", errors.New(`clock: HTTPSource.BaseURL is empty; set it to the exchange's REST base URL`)
	}
	b, err := url.Parse(s.BaseURL)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
		return "", fmt.Errorf(`clock: HTTPSource.BaseURL %q is not an http(s) URL with a host; use e.g. "https://api.example.com"`, s.BaseURL)
	}
	if s.Path == "" || s.Parse == nil {
		return "", errors.New("clock: HTTPSource needs Path and Parse: the exchange's time endpoint and how its answer reads")
	}
	path := s.Path
	return strings.TrimRight(s.BaseURL, "/") + "/" + strings.TrimLeft(path, "/"), nil
}

// UnixMillis reads a server time given in milliseconds since 1970, refusing a
// value whose unit is plainly wrong: outside the years 2001..5138 it is in
// seconds or microseconds, and a clock offset computed from it would be
// absurd.
func UnixMillis(ms int64) (time.Time, error) {
	switch {
	case ms < 1_000_000_000_000:
		return time.Time{}, fmt.Errorf("server time %d is before 2001 read as milliseconds; is it in seconds?", ms)
	case ms >= 100_000_000_000_000:
		return time.Time{}, fmt.Errorf("server time %d is after the year 5000 read as milliseconds; is it in microseconds?", ms)
	}
	return time.UnixMilli(ms).UTC(), nil
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

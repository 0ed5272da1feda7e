package clock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// JSONSource is a Source that GETs baseURL+path (unsigned) and reads the time
// from the 200 answer's body with parse: for exchanges whose time endpoint
// answers in their own envelope (Bybit, OKX, ...). hc nil means a client with
// DefaultHTTPTimeout; at most MaxBodyBytes of the body are read.
func JSONSource(baseURL, path string, hc *http.Client, parse func(body []byte) (time.Time, error)) Source {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	u := strings.TrimRight(baseURL, "/") + path
	return SourceFunc(func(ctx context.Context) (time.Time, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return time.Time{}, fmt.Errorf("clock: server time URL %q: %w", u, err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return time.Time{}, fmt.Errorf("clock: server time: %w", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes))
		if err != nil {
			return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode, Problem: "reading the body failed", Err: err}
		}
		if resp.StatusCode != http.StatusOK {
			return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode, Problem: fmt.Sprintf("HTTP status %q, want 200 OK", resp.Status)}
		}
		t, err := parse(body)
		if err != nil {
			return time.Time{}, &ResponseError{URL: u, StatusCode: resp.StatusCode, Problem: "unusable server time", Err: err}
		}
		return t, nil
	})
}

package okx

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/clock"
)

// TimePath is OKX v5's server-time endpoint.
const TimePath = "/api/v5/public/time"

// TimeSource reads GET {baseURL}/api/v5/public/time, using data[0].ts
// (milliseconds). hc nil means a client with clock.DefaultHTTPTimeout.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	if hc == nil {
		hc = &http.Client{Timeout: clock.DefaultHTTPTimeout}
	}
	u := strings.TrimRight(baseURL, "/") + TimePath
	return clock.SourceFunc(func(ctx context.Context) (time.Time, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return time.Time{}, fmt.Errorf("okx: server time URL %q: %w", u, err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return time.Time{}, fmt.Errorf("okx: server time: %w", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, clock.MaxBodyBytes))
		if err != nil {
			return time.Time{}, fmt.Errorf("okx: server time: reading %s: %w", u, err)
		}
		if resp.StatusCode != http.StatusOK {
			return time.Time{}, fmt.Errorf("okx: server time: GET %s: HTTP %s", u, resp.Status)
		}
		return parseTime(body)
	})
}

func parseTime(body []byte) (time.Time, error) {
	var env struct {
		Code string `json:"code"`
		Msg  string `json:"msg"`
		Data []struct {
			TS string `json:"ts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return time.Time{}, fmt.Errorf("okx: server time: not OKX's JSON envelope: %w", err)
	}
	if env.Code != "0" {
		return time.Time{}, fmt.Errorf("okx: server time: code %s: %s", env.Code, env.Msg)
	}
	if len(env.Data) == 0 {
		return time.Time{}, fmt.Errorf("okx: server time: data is empty")
	}
	ms, err := strconv.ParseInt(env.Data[0].TS, 10, 64)
	if err != nil || ms < 1e12 || ms > 1e14 {
		return time.Time{}, fmt.Errorf("okx: server time: data[0].ts %q is not Unix milliseconds", env.Data[0].TS)
	}
	return time.UnixMilli(ms).UTC(), nil
}

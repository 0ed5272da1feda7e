package okx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/clock"
)

// TimePath is OKX v5's server-time endpoint.
const TimePath = "/api/v5/public/time"

// TimeSource reads GET {baseURL}/api/v5/public/time, using data[0].ts
// (milliseconds). hc nil means a client with clock.DefaultHTTPTimeout.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	return &clock.HTTPSource{Client: hc, BaseURL: baseURL, Path: TimePath, Parse: parseTime}
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
	if err != nil {
		return time.Time{}, fmt.Errorf("okx: server time: data[0].ts %q is not Unix milliseconds", env.Data[0].TS)
	}
	t, err := clock.UnixMillis(ms)
	if err != nil {
		return time.Time{}, fmt.Errorf("okx: server time: data[0].ts: %w", err)
	}
	return t, nil
}

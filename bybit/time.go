package bybit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/clock"
)

// TimePath is Bybit v5's server-time endpoint.
const TimePath = "/v5/market/time"

// TimeSource reads GET {baseURL}/v5/market/time, using result.timeNano (or
// timeSecond when timeNano is absent). hc nil means a client with
// clock.DefaultHTTPTimeout.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	return &clock.HTTPSource{Client: hc, BaseURL: baseURL, Path: TimePath, Parse: parseTime}
}

// parseTime reads Bybit's time answer.
func parseTime(body []byte) (time.Time, error) {
	var env struct {
		RetCode json.Number `json:"retCode"`
		RetMsg  string      `json:"retMsg"`
		Result  struct {
			TimeSecond string `json:"timeSecond"`
			TimeNano   string `json:"timeNano"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return time.Time{}, fmt.Errorf("bybit: server time: not Bybit's JSON envelope: %w", err)
	}
	if env.RetCode != "0" {
		return time.Time{}, fmt.Errorf("bybit: server time: retCode %s: %s", env.RetCode, env.RetMsg)
	}
	if n, err := strconv.ParseInt(env.Result.TimeNano, 10, 64); err == nil && n > 1e18 {
		return time.Unix(0, n).UTC(), nil
	}
	if s, err := strconv.ParseInt(env.Result.TimeSecond, 10, 64); err == nil && s > 1e9 && s < 1e11 {
		return time.Unix(s, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bybit: server time: result has no usable timeNano or timeSecond")
}

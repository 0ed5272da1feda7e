package kucoin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/clock"
)

// TimePath is KuCoin's server-time endpoint:
// {"code":"200000","msg":"success","data":<milliseconds>}.
const TimePath = "/api/v1/timestamp"

// TimeSource reads KuCoin's server time from baseURL (e.g.
// "https://api.kucoin.com") for the shared clock.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	return &clock.HTTPSource{Client: hc, BaseURL: baseURL, Path: TimePath, Parse: parseTime}
}

func parseTime(body []byte) (time.Time, error) {
	var env struct {
		Code string          `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return time.Time{}, fmt.Errorf("not KuCoin's JSON envelope: %w", err)
	}
	if env.Code != CodeOK {
		return time.Time{}, fmt.Errorf("code %q, want %s", env.Code, CodeOK)
	}
	var ms int64
	if err := json.Unmarshal(bytes.TrimSpace(env.Data), &ms); err != nil {
		return time.Time{}, fmt.Errorf(`"data" is not an integer number of milliseconds: %w`, err)
	}
	return clock.UnixMillis(ms)
}

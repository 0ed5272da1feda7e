package kucoin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/internal/localex"
)

// TimePath is KuCoin's server-time endpoint:
// {"code":"200000","msg":"success","data":<milliseconds>}.
const TimePath = "/api/v1/timestamp"

// TimeSource reads KuCoin's server time from baseURL (e.g.
// "https://api.kucoin.com") for the shared clock.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	return localex.TimeSource{Client: hc, URL: localex.JoinURL(baseURL, TimePath), Parse: parseTime}
}

func parseTime(body []byte) (time.Time, error) {
	var env struct {
		Code string          `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return time.Time{}, fmt.Errorf("body %s is not KuCoin's JSON envelope: %w", localex.Snippet(body), err)
	}
	if env.Code != CodeOK {
		return time.Time{}, fmt.Errorf("code %q, want %s; body %s", env.Code, CodeOK, localex.Snippet(body))
	}
	var ms int64
	if err := json.Unmarshal(bytes.TrimSpace(env.Data), &ms); err != nil {
		return time.Time{}, fmt.Errorf(`"data" %s is not an integer number of milliseconds`, localex.Snippet(env.Data))
	}
	return localex.Millis(ms)
}

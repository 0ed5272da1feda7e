package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/clock"
)

// TimePath is Gate's server-time endpoint: {"server_time": <milliseconds>}.
const TimePath = Prefix + "/spot/time"

// TimeSource reads Gate's server time from baseURL (e.g.
// "https://api.gateio.ws") for the shared clock.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	return &clock.HTTPSource{Client: hc, BaseURL: baseURL, Path: TimePath, Parse: parseTime}
}

func parseTime(body []byte) (time.Time, error) {
	var v struct {
		ServerTime *int64 `json:"server_time"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return time.Time{}, fmt.Errorf("not {\"server_time\": <ms>}: %w", err)
	}
	if v.ServerTime == nil {
		return time.Time{}, errors.New(`"server_time" is missing`)
	}
	return clock.UnixMillis(*v.ServerTime)
}

package gate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/internal/localex"
)

// TimePath is Gate's server-time endpoint: {"server_time": <milliseconds>}.
const TimePath = Prefix + "/spot/time"

// TimeSource reads Gate's server time from baseURL (e.g.
// "https://api.gateio.ws") for the shared clock.
func (Exchange) TimeSource(baseURL string, hc *http.Client) clock.Source {
	return localex.TimeSource{Client: hc, URL: localex.JoinURL(baseURL, TimePath), Parse: parseTime}
}

func parseTime(body []byte) (time.Time, error) {
	var v struct {
		ServerTime *int64 `json:"server_time"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return time.Time{}, fmt.Errorf("body %s is not {\"server_time\": <ms>}: %w", localex.Snippet(body), err)
	}
	if v.ServerTime == nil {
		return time.Time{}, fmt.Errorf(`"server_time" is missing from %s`, localex.Snippet(body))
	}
	return localex.Millis(*v.ServerTime)
}

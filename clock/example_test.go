package clock_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/clock"
)

func Example() {
	// A loopback stand-in for an exchange whose clock is 3s ahead of ours; it
	// answers GET /v1/time with its time in milliseconds as plain text.
	exchange := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d", time.Now().Add(3*time.Second).UnixMilli())
	}))
	defer exchange.Close()

	parse := func(body []byte) (time.Time, error) {
		ms, err := strconv.ParseInt(string(body), 10, 64)
		return time.UnixMilli(ms), err
	}
	c := clock.New(&clock.HTTPSource{BaseURL: exchange.URL, Path: "/v1/time", Parse: parse}, clock.Options{})
	ctx := context.Background()
	est, err := c.Sync(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a program, go c.Run(ctx) keeps the estimate fresh, and every -1021 answer is
	// followed by c.OnTimestampError(ctx) and signing again with a new c.Timestamp().
	fmt.Println("offset:", est.Offset.Round(time.Second))
	fmt.Println("timestamp is 3s ahead of local:", c.Timestamp()-time.Now().UnixMilli() > 2900)
	fmt.Println("recvWindow 5s keeps over 4.9s of headroom:", c.Headroom(5*time.Second).RecvWindow > 4900*time.Millisecond)
	// Output:
	// offset: 3s
	// timestamp is 3s ahead of local: true
	// recvWindow 5s keeps over 4.9s of headroom: true
}

func ExampleEstimate_StringAt() {
	synced := time.Date(2026, 1, 15, 7, 0, 0, 0, time.UTC)
	e := clock.Estimate{
		Offset:   3004 * time.Millisecond,
		Bound:    3 * time.Millisecond,
		RTT:      4 * time.Millisecond,
		SyncedAt: synced,
		Samples:  5,
		Synced:   true,
	}
	fmt.Println(e.StringAt(synced.Add(2 * time.Second)))
	// Output:
	// offset +3.004s ± 3ms (rtt 4ms, 5 samples, synced 2s ago)
}

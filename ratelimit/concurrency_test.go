package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// weightServer is a fake exchange on loopback that counts request weight
// per fixed one-second window, as exchanges do per minute, and answers 429
// past its limit.
type weightServer struct {
	limit int
	mu    sync.Mutex
	used  map[int64]int // window start (ms) → weight
	n429  int
}

func (s *weightServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wt, _ := strconv.Atoi(r.URL.Query().Get("w"))
	// Requests take a while to reach the counter, as over a real network:
	// one reserved just before a boundary may be counted after it.
	d, _ := strconv.Atoi(r.URL.Query().Get("d"))
	time.Sleep(time.Duration(d) * time.Millisecond)
	win := time.Now().UnixMilli() / 1000 * 1000
	s.mu.Lock()
	s.used[win] += wt
	used := s.used[win]
	over := used > s.limit
	if over {
		s.n429++
	}
	s.mu.Unlock()
	w.Header().Set("X-EX-USED-WEIGHT-1S", strconv.Itoa(used))
	if over {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	}
}

// hammer runs 32 goroutines through govs (round robin) against srv for d.
func hammer(t *testing.T, govs []*Governor, srv *weightServer, d time.Duration) (admitted int) {
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 32 {
		g := govs[i%len(govs)]
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		wg.Go(func() {
			for ctx.Err() == nil {
				c := Cost{Host: ts.URL, Family: "api", Path: "/api/v3/x", Weight: 1 + rng.IntN(10)}
				if err := g.Wait(ctx, c); err != nil {
					// Near the end, Wait refuses a wait past the deadline.
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("Wait: %v", err)
					}
					return
				}
				resp, err := ts.Client().Get(fmt.Sprintf("%s%s?w=%d&d=%d", ts.URL, c.Path, c.Weight, rng.IntN(40)))
				if err != nil {
					t.Errorf("GET: %v", err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err := g.Observe(context.Background(), c, resp.StatusCode, resp.Header); err != nil {
					t.Errorf("Observe: %v", err)
				}
				mu.Lock()
				admitted += c.Weight
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return admitted
}

func checkServer(t *testing.T, srv *weightServer, admitted int) {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.n429 != 0 {
		t.Errorf("the server answered %d × 429", srv.n429)
	}
	for win, used := range srv.used {
		if used > srv.limit {
			t.Errorf("window %v got %d weight; limit %d", time.UnixMilli(win).UTC().Format("15:04:05"), used, srv.limit)
		}
	}
	// Progress: over ~2 seconds at least one window's worth went through.
	if admitted < srv.limit {
		t.Errorf("only %d weight admitted in total; the governor is too strict", admitted)
	}
	t.Logf("admitted %d weight over %d windows", admitted, len(srv.used))
}

func TestConcurrentGovernorNeverExceedsTheServerLimit(t *testing.T) {
	limits := map[string][]Limit{"api": {{Kind: KindRequestWeight, Interval: time.Second, Max: 100}}}
	t.Run("Memory, one governor", func(t *testing.T) {
		srv := &weightServer{limit: 100, used: map[int64]int{}}
		g := NewGovernor(NewMemory(), Options{Headers: testHeaders, Limits: limits, Logger: quiet()})
		checkServer(t, srv, hammer(t, []*Governor{g}, srv, 2*time.Second))
	})
	t.Run("Redis, two governors on two clients", func(t *testing.T) {
		rs := startRedis(t)
		var govs []*Governor
		for range 2 {
			b := NewRedis(rs.Client(t), RedisOptions{Prefix: "hammer", Logger: quiet()})
			govs = append(govs, NewGovernor(b, Options{Headers: testHeaders, Limits: limits, Logger: quiet()}))
		}
		srv := &weightServer{limit: 100, used: map[int64]int{}}
		checkServer(t, srv, hammer(t, govs, srv, 2*time.Second))
	})
}

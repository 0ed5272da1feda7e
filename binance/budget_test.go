package binance_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/internal/redistest"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/redis/go-redis/v9"
)

const smallLimit = 300 // request weight per minute on the test exchange

// awayFromMinuteEnd waits until the current minute has at least 20s left,
// so a whole run lands in one of the exchange's per-minute windows.
func awayFromMinuteEnd(t *testing.T) {
	t.Helper()
	if left := time.Minute - time.Duration(time.Now().UnixNano()%int64(time.Minute)); left < 20*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}

// hammer sends pings from n goroutines until each has made tries attempts.
// It counts answers by kind; a 429 is a failure of the governor.
type tally struct {
	ok, tooMany, banned, waitTooLong, other atomic.Int64
}

func hammer(ctx context.Context, c *binance.Client, n, tries int, tl *tally) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range tries {
				_, err := c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/ping"})
				var apiErr *binance.APIError
				switch {
				case err == nil:
					tl.ok.Add(1)
				case errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusTooManyRequests:
					tl.tooMany.Add(1)
				case errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusTeapot:
					tl.banned.Add(1)
				case errors.Is(err, ratelimit.ErrWaitTooLong):
					tl.waitTooLong.Add(1)
				default:
					tl.other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
}

func smallExchange(t *testing.T) (*emulator.Server, string) {
	return exchange(t, func(c *emulator.Config) {
		c.Limits.RequestWeightPerMinute = smallLimit
		c.Limits.BanBase = 2 * time.Second
	})
}

// 32 goroutines of one process against a small weight limit: zero 429s, and
// the exchange's own counter shows the budget used near its limit.
func TestConcurrentGoroutinesNeverEarn429(t *testing.T) {
	awayFromMinuteEnd(t)
	srv, base := smallExchange(t)
	gov := ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{MaxWait: 50 * time.Millisecond})
	c := newClient(t, base, nil, func(o *binance.Options) { o.Governor = gov })
	ctx := context.Background()
	if _, err := c.ExchangeInfo(ctx); err != nil { // learns the small limit
		t.Fatal(err)
	}
	var tl tally
	hammer(ctx, c, 32, 20, &tl)
	used := srv.Counters().Weight("api", "127.0.0.1")
	t.Logf("ok %d, 429 %d, 418 %d, refused locally %d, other %d; exchange counted %d of %d",
		tl.ok.Load(), tl.tooMany.Load(), tl.banned.Load(), tl.waitTooLong.Load(), tl.other.Load(), used, smallLimit)
	if tl.tooMany.Load() != 0 || tl.banned.Load() != 0 || tl.other.Load() != 0 {
		t.Fatal("the governor let the exchange answer 429/418, or calls failed otherwise")
	}
	if used > smallLimit || used < smallLimit*9/10 {
		t.Fatalf("exchange counted %d weight, want near (90%%..100%% of) %d", used, smallLimit)
	}
	if tl.waitTooLong.Load() == 0 {
		t.Fatal("demand exceeded the budget, so some calls must have been held back")
	}
}

// Two OS processes share one Redis budget: neither receives a 429, and
// together they use the budget up to near its limit.
func TestFleetSharesRedisBudget(t *testing.T) {
	rs := redistest.Start(t)
	awayFromMinuteEnd(t)
	srv, base := smallExchange(t)
	var outs [2]*exec.Cmd
	var results [2]map[string]int64
	var wg sync.WaitGroup
	for i := range outs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "MBX_FLEET_CHILD=1", "MBX_FLEET_BASE="+base, "MBX_FLEET_REDIS="+rs.Addr)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		outs[i] = cmd
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var m map[string]int64
				if json.Unmarshal(sc.Bytes(), &m) == nil && m["result"] == 1 {
					results[i] = m
				}
			}
		}()
	}
	wg.Wait()
	for i, cmd := range outs {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
		if results[i] == nil {
			t.Fatalf("child %d reported nothing", i)
		}
	}
	used := srv.Counters().Weight("api", "127.0.0.1")
	t.Logf("process A %v; process B %v; exchange counted %d of %d", results[0], results[1], used, smallLimit)
	for i, r := range results {
		if r["tooMany"] != 0 || r["banned"] != 0 || r["other"] != 0 {
			t.Fatalf("process %d got 429/418/errors: %v", i, r)
		}
		if r["ok"] == 0 {
			t.Fatalf("process %d sent nothing: %v", i, r)
		}
	}
	if used > smallLimit || used < smallLimit*9/10 {
		t.Fatalf("exchange counted %d weight, want near (90%%..100%% of) %d", used, smallLimit)
	}
}

// TestMain runs the fleet child when the test binary is started as one,
// so the child is not a test that would show as skipped.
func TestMain(m *testing.M) {
	if os.Getenv("MBX_FLEET_CHILD") == "1" {
		if err := fleetChild(); err != nil {
			fmt.Fprintln(os.Stderr, "fleet child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fleetChild is one bot of the fleet in TestFleetSharesRedisBudget.
func fleetChild() error {
	rc := redis.NewClient(&redis.Options{Addr: os.Getenv("MBX_FLEET_REDIS")})
	defer rc.Close()
	gov := ratelimit.NewGovernor(ratelimit.NewRedis(rc, ratelimit.RedisOptions{Prefix: "mbx:fleet-test"}),
		ratelimit.Options{MaxWait: 50 * time.Millisecond})
	h, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		return err
	}
	c, err := binance.New(binance.Options{BaseURL: os.Getenv("MBX_FLEET_BASE"), APIKey: docsKey, Signer: h, Governor: gov})
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := c.ExchangeInfo(ctx); err != nil {
		return err
	}
	var tl tally
	hammer(ctx, c, 16, 25, &tl)
	fmt.Printf(`{"result":1,"ok":%d,"tooMany":%d,"banned":%d,"waitTooLong":%d,"other":%d}`+"\n",
		tl.ok.Load(), tl.tooMany.Load(), tl.banned.Load(), tl.waitTooLong.Load(), tl.other.Load())
	return nil
}

// After a 418 the client stops: it returns the typed error saying until
// when, and sends nothing to the host until the ban ends.
func TestBanStopsEverything(t *testing.T) {
	awayFromMinuteEnd(t)
	srv, base := smallExchange(t)
	ctx := context.Background()
	// Another program on this IP earns a 429 and then a ban.
	raw := &http.Client{}
	for i := 0; i < 40; i++ {
		resp, err := raw.Get(base + "/api/v3/exchangeInfo")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTeapot {
			break
		}
	}
	if len(srv.Counters().Bans) == 0 {
		t.Fatal("the exchange did not ban the IP")
	}
	c := newClient(t, base, nil, nil)
	_, err := c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/ping"})
	if !errors.Is(err, binance.ErrBanned) {
		t.Fatalf("first call during the ban: %v", err)
	}
	sent := len(srv.Recent())
	var banErr *ratelimit.BannedError
	for i := 0; i < 5; i++ {
		_, err = c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/ping"})
		if !errors.As(err, &banErr) || !errors.Is(err, binance.ErrBanned) {
			t.Fatalf("call %d during the ban: %v", i, err)
		}
	}
	if got := len(srv.Recent()); got != sent {
		t.Fatalf("the client sent %d requests during the ban", got-sent)
	}
	if time.Until(banErr.Until) <= 0 || time.Until(banErr.Until) > 10*time.Second {
		t.Fatalf("ban until %v: want the exchange's ban end (a few seconds away)", banErr.Until)
	}
	time.Sleep(time.Until(banErr.Until) + 50*time.Millisecond)
	_, _ = c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/ping"})
	if got := len(srv.Recent()); got != sent+1 {
		t.Fatalf("after the ban the client should send again: %d new requests", got-sent)
	}
}

package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mbxkit/mbx/sim/store"
)

// helperEnv carries the database path to the child process of
// TestKill9LosesNoAcknowledgedWrite.
const helperEnv = "MBX_STORE_HELPER_DB"

func durabilityInitial() map[string]string {
	return map[string]string{"USDT": "1000000", "BTC": "1000"}
}

// TestHelperProcess is not a test: it is the child process of
// TestKill9LosesNoAcknowledgedWrite, and returns at once unless started as
// one. It writes to the database in a loop and prints each write to stdout
// only after the store acknowledged it:
//
//	order <id> <status>
//	cancel <id>
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := s.EnsureAccount(ctx, "alice", decs(durabilityInitial())); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	m := btc("100")
	var resting []int64
	// The parent kills us long before; the deadline only bounds an orphan.
	start := time.Now()
	for i := 0; time.Since(start) < time.Minute; i++ {
		cid := "c" + strconv.Itoa(i)
		var o store.NewOrder
		switch i % 5 {
		case 0:
			o = market("BUY", "0.5", cid)
		case 1:
			o = limit("BUY", "GTC", "90.5", "1.25", cid)
		case 2:
			o = limit("SELL", "GTC", "110", "0.75", cid)
		case 3:
			o = market("SELL", "0.25", cid)
		case 4:
			if len(resting) > 0 {
				id := resting[len(resting)-1]
				resting = resting[:len(resting)-1]
				if _, err := s.CancelOrder(ctx, "alice", "BTCUSDT", id, "", t0()); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				fmt.Printf("cancel %d\n", id) // os.Stdout is unbuffered
				continue
			}
			o = market("BUY", "0.1", cid)
		}
		got, err := s.PlaceOrder(ctx, "alice", m, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if got.Status == store.StatusNew {
			resting = append(resting, got.OrderID)
		}
		fmt.Printf("order %d %s\n", got.OrderID, got.Status)
	}
	os.Exit(0)
}

// TestKill9LosesNoAcknowledgedWrite kills a process that is writing orders
// with SIGKILL and checks that every write it acknowledged is in the
// database afterwards, with balances that add up.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	path := tempDB(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Not a multiple of the child's 5-step cycle, so the kill lands right
	// after an order, not always after a cancel.
	const wantAcks = 43
	status := map[int64]string{} // acknowledged state of each order
	acks, cancels := 0, 0
	sc := bufio.NewScanner(stdout)
	for acks < wantAcks && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || (f[0] != "order" && f[0] != "cancel") {
			continue // test framework output
		}
		id, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			t.Fatalf("bad line from child: %q", sc.Text())
		}
		if f[0] == "cancel" {
			status[id] = store.StatusCanceled
			cancels++
		} else {
			status[id] = f[2]
		}
		acks++
	}
	if acks < wantAcks {
		_ = cmd.Wait()
		t.Fatalf("child stopped after %d acks: %v\nstderr: %s", acks, sc.Err(), stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL (it must still have been writing): %v\nstderr: %s", err, stderr.String())
	}
	if cancels == 0 {
		t.Fatalf("no cancel acknowledged among %d writes", acks)
	}

	s := openFile(t, path)
	defer s.Close()
	ctx := context.Background()
	for id, want := range status {
		o, err := s.GetOrder(ctx, "alice", "BTCUSDT", id, "")
		if err != nil {
			t.Errorf("acknowledged order %d lost: %v", id, err)
			continue
		}
		if o.Status != want {
			t.Errorf("order %d is %s, acknowledged as %s", id, o.Status, want)
		}
	}
	all, err := s.AllOrders(ctx, "alice", "", store.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	// The child went on writing while we stopped reading, so there may be
	// more orders than acknowledged ones, never fewer.
	if len(all) < acks-cancels {
		t.Errorf("%d orders stored, %d acknowledged", len(all), acks-cancels)
	}
	checkBooks(t, s, "alice", durabilityInitial(), btc("100"))
	t.Logf("%d writes acknowledged (%d cancels), %d orders after restart", acks, cancels, len(all))
}

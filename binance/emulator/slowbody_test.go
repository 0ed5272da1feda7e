package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/params"
)

// TestSlowBodyIsCutOff: a client sending its body one byte every 2 s is
// answered and disconnected once the configured body timeout has passed,
// over a real loopback connection.
func TestSlowBodyIsCutOff(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{BodyTimeout: 300 * time.Millisecond})
	addr := strings.TrimPrefix(e.base, "http://")
	got, held := testenv.SlowBody(t, addr, "/api/v3/order")
	if held {
		t.Fatalf("connection still open after 10 s of slow body: %q", got)
	}
	if !strings.HasPrefix(got, "HTTP/1.1 400") {
		t.Fatalf("answer %q, want HTTP 400", got)
	}
	// A normal request still works afterwards.
	wantOK(t, e.get("/api/v3/ping", params.List{}))
}

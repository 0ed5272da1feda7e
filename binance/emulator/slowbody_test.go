package emulator

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/params"
)

// TestSlowBodyIsCutOff: a client sending its body one byte every 2 s is
// answered and disconnected once the configured body timeout has passed,
// over a real loopback connection.
func TestSlowBodyIsCutOff(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{BodyTimeout: 300 * time.Millisecond})
	addr := strings.TrimPrefix(e.base, "http://")
	got, held := slowBody(t, addr, "/api/v3/order")
	if held {
		t.Fatalf("connection still open after %d slow bytes", 5)
	}
	if !strings.HasPrefix(got, "HTTP/1.1 400") {
		t.Fatalf("answer %q, want HTTP 400", got)
	}
	// A normal request still works afterwards.
	wantOK(t, e.get("/api/v3/ping", params.List{}))
}

// slowBody sends a request whose body trickles in, one byte every 2 s, and
// returns what the server answered; held reports that the server kept the
// connection open through five such bytes.
func slowBody(t *testing.T, addr, path string) (answer string, held bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\na"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 4096)
	for i := 0; i < 5; i++ {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			if _, err := io.WriteString(c, "b"); err != nil {
				return string(out), false // closed by the server
			}
		case err != nil: // EOF or reset: the server closed it
			return string(out), false
		default:
			// Read the rest of the answer until the server closes.
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			rest, err := io.ReadAll(c)
			out = append(out, rest...)
			return string(out), errors.Is(err, os.ErrDeadlineExceeded)
		}
	}
	return string(out), true
}

package testenv

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// SlowBody sends POST path to addr over a real TCP connection with a body
// that trickles in, one byte every 2 s (of a declared 1000), and returns
// what the server answered. held reports that the server kept the
// connection open through five such bytes (10 s): a server with a body
// timeout answers and closes long before.
func SlowBody(t testing.TB, addr, path string) (answer string, held bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "POST " + path + " HTTP/1.1\r\nHost: " + addr +
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\na"
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
		default: // an answer: read it to the end, which must come
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			rest, err := io.ReadAll(c)
			out = append(out, rest...)
			return string(out), errors.Is(err, os.ErrDeadlineExceeded)
		}
	}
	return string(out), true
}

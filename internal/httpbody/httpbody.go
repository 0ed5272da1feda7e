// Package httpbody reads request bodies for the servers of mbx (the local
// exchange and the proxy) with a size limit and a time limit.
package httpbody

import (
	"io"
	"net/http"
	"time"
)

// Read reads r's body, at most limit bytes, within timeout of now (real
// time): a client sending one byte now and then would otherwise hold its
// connection, and a descriptor, for ever. The deadline is lifted once the
// body is in, so a slow handler is not cut off by it; after an error it
// stays, so that net/http does not wait for the rest of the body either
// before closing the connection. A ResponseWriter without deadlines (a test
// recorder) reads without a time limit. A body over limit is an
// *http.MaxBytesError.
func Read(w http.ResponseWriter, r *http.Request, limit int64, timeout time.Duration) ([]byte, error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(timeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return body, err
}

package localex

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/mbxkit/mbx/exchange"
)

// maxResponse bounds the answer Send reads.
const maxResponse = 4 << 20

// Send sends s to base (scheme and host) exactly as signed: the same
// query and body bytes, every authentication header. It returns the
// response (body already read and closed) and its body.
func Send(ctx context.Context, hc *http.Client, base string, s exchange.Signed) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, s.Method, JoinURL(base, s.Target()), bytes.NewReader(s.Body))
	if err != nil {
		return nil, nil, fmt.Errorf("build %s %s: %w", s.Method, s.Path, err)
	}
	s.Apply(req.Header)
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	return resp, body, err
}

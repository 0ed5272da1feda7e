package clock_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/mbxkit/mbx/clock"
)

func TestJSONSource(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/time":
			_, _ = w.Write([]byte("1700000000123"))
		case "/bad":
			_, _ = w.Write([]byte("soon"))
		default:
			http.Error(w, "no", http.StatusTeapot)
		}
	}))
	defer srv.Close()
	parse := func(b []byte) (time.Time, error) {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return time.UnixMilli(n), err
	}
	got, err := clock.JSONSource(srv.URL+"/", "/time", nil, parse).ServerTime(context.Background())
	if err != nil || got.UnixMilli() != 1700000000123 {
		t.Fatalf("ServerTime = %v, %v", got, err)
	}
	for _, path := range []string{"/bad", "/missing"} {
		_, err := clock.JSONSource(srv.URL, path, srv.Client(), parse).ServerTime(context.Background())
		var re *clock.ResponseError
		if !errors.As(err, &re) || re.URL != srv.URL+path {
			t.Errorf("%s: %v, want a *clock.ResponseError naming the URL", path, err)
		}
	}
}

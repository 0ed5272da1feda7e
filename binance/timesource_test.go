package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mbxkit/mbx/clock"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// skewedExchange is a loopback stand-in for Binance whose clock is skew ahead of ours. Its
// /api/v3/account applies Binance's two timestamp rules to the timestamp it is sent.
func skewedExchange(t *testing.T, skew time.Duration) *httptest.Server {
	t.Helper()
	serverMillis := func() int64 { return time.Now().Add(skew).UnixMilli() }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/time", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"serverTime":%d}`, serverMillis())
	})
	mux.HandleFunc("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
		ts, err := strconv.ParseInt(r.URL.Query().Get("timestamp"), 10, 64)
		st := serverMillis()
		switch {
		case err != nil:
			http.Error(w, `{"code":-1102,"msg":"bad timestamp"}`, http.StatusBadRequest)
		case ts >= st+1000:
			http.Error(w, `{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}`, http.StatusBadRequest)
		case st-ts > 5000:
			http.Error(w, `{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}`, http.StatusBadRequest)
		default:
			fmt.Fprintf(w, `{"lagMillis":%d}`, st-ts)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func sendSigned(t *testing.T, srv *httptest.Server, ts int64) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/api/v3/account?timestamp=" + strconv.FormatInt(ts, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestSyncOverLoopback(t *testing.T) {
	for _, skew := range []time.Duration{3 * time.Second, -3 * time.Second} {
		t.Run(fmt.Sprintf("skew %v", skew), func(t *testing.T) {
			srv := skewedExchange(t, skew)
			c := clock.New(&TimeSource{Client: srv.Client(), BaseURL: srv.URL}, clock.Options{})
			e, err := c.Sync(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// The local and server clocks are the same clock here, so the truth is skew.
			if d := abs(e.Offset - skew); d > e.Bound+time.Millisecond {
				t.Fatalf("offset %v is %v from the truth %v; stated bound %v", e.Offset, d, skew, e.Bound)
			}
			if code, body := sendSigned(t, srv, c.Timestamp()); code != http.StatusOK {
				t.Fatalf("exchange rejected Timestamp() after sync: %d %s (estimate %v)", code, body, e)
			}
		})
	}
	t.Run("control: the local clock 3s fast is rejected without sync", func(t *testing.T) {
		srv := skewedExchange(t, -3*time.Second)
		code, body := sendSigned(t, srv, time.Now().UnixMilli())
		if code != http.StatusBadRequest || !strings.Contains(body, "1000ms ahead") {
			t.Fatalf("unsynced timestamp got %d %s, want -1021 1000ms ahead", code, body)
		}
	})
}

func TestHTTPSourceURL(t *testing.T) {
	const ms = 1_700_000_000_123
	tests := []struct {
		name, base, path, wantPath string
	}{
		{"default path", "", "", "/api/v3/time"},
		{"futures path", "", "/fapi/v1/time", "/fapi/v1/time"},
		{"trailing slash on base", "/", "", "/api/v3/time"},
		{"path without leading slash", "/", "fapi/v1/time", "/fapi/v1/time"},
		{"base with a prefix", "/proxy", "/api/v3/time", "/proxy/api/v3/time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				gotPath string
				accept  string
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				gotPath, accept = r.URL.Path, r.Header.Get("Accept")
				mu.Unlock()
				fmt.Fprintf(w, "{\"weight\": 1 ,\n \"serverTime\" : %d }", ms)
			}))
			defer srv.Close()
			src := &TimeSource{BaseURL: srv.URL + tt.base, Path: tt.path}
			got, err := src.ServerTime(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got.UnixMilli() != ms {
				t.Errorf("ServerTime = %d ms, want %d", got.UnixMilli(), ms)
			}
			mu.Lock()
			defer mu.Unlock()
			if gotPath != tt.wantPath {
				t.Errorf("requested %q, want %q", gotPath, tt.wantPath)
			}
			if accept != "application/json" {
				t.Errorf("Accept = %q, want application/json", accept)
			}
		})
	}
}

func TestHTTPSourceBadResponses(t *testing.T) {
	huge := strings.Repeat("9", 1<<20)
	tests := []struct {
		name   string
		status int
		body   string
		want   string // in the error message
	}{
		{"500 with Binance error", 500, `{"code":-1000,"msg":"An unknown error occured while processing the request."}`, `HTTP status "500 Internal Server Error"`},
		{"429 shows the body", 429, `{"code":-1003,"msg":"Too many requests."}`, `-1003`},
		{"418 ban", 418, ``, `418`},
		{"html", 200, `<html>502 Bad Gateway</html>`, "not a JSON object"},
		{"empty body", 200, ``, "not a JSON object"},
		{"array", 200, `[1700000000000]`, "not a JSON object"},
		{"truncated", 200, `{"serverTime":17`, "not a JSON object"},
		{"null body", 200, `null`, `"serverTime" is missing`},
		{"missing field", 200, `{}`, `"serverTime" is missing`},
		{"wrong case", 200, `{"servertime":1700000000000}`, `"serverTime" is missing`},
		{"zero", 200, `{"serverTime":0}`, "want a positive number"},
		{"negative", 200, `{"serverTime":-1700000000000}`, "want a positive number"},
		{"null value", 200, `{"serverTime":null}`, "want an integer"},
		{"string", 200, `{"serverTime":"1700000000000"}`, "want an integer"},
		{"float", 200, `{"serverTime":1.7e12}`, "want an integer"},
		{"fraction", 200, `{"serverTime":1700000000000.5}`, "want an integer"},
		{"overflow", 200, `{"serverTime":99999999999999999999}`, "want an integer"},
		{"seconds", 200, `{"serverTime":1700000000}`, "in seconds?"},
		{"microseconds", 200, `{"serverTime":1700000000000000}`, "in microseconds?"},
		{"huge body", 200, huge, "larger than 64 KiB"},
		{"valid JSON padded past the limit", 200, `{"serverTime":1700000000000}` + strings.Repeat(" ", clock.MaxBodyBytes), "larger than 64 KiB"},
		{"huge error page", 503, huge, `HTTP status "503 Service Unavailable"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			u := srv.URL + DefaultTimePath
			got, err := (&TimeSource{BaseURL: srv.URL}).ServerTime(context.Background())
			if err == nil {
				t.Fatalf("ServerTime = %v, want an error", got)
			}
			var re *clock.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T) is not a *clock.ResponseError", err, err)
			}
			if re.URL != u || re.StatusCode != tt.status {
				t.Errorf("ResponseError URL %q status %d, want %q %d", re.URL, re.StatusCode, u, tt.status)
			}
			msg := err.Error()
			if !strings.Contains(msg, u) || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q should name %q and say %q", msg, u, tt.want)
			}
			if len(msg) > 1024 {
				t.Errorf("error message is %d bytes; a huge body leaked into it", len(msg))
			}
		})
	}
}

func TestHTTPSourceConfigAndTransportErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		src  *TimeSource
		ctx  context.Context
		want string
		is   error
	}{
		{"nil source", nil, context.Background(), "TimeSource is nil", nil},
		{"empty BaseURL", &TimeSource{}, context.Background(), "HTTPSource.BaseURL is empty", nil},
		{"no scheme", &TimeSource{BaseURL: "api.binance.com"}, context.Background(), `HTTPSource.BaseURL "api.binance.com"`, nil},
		{"ftp", &TimeSource{BaseURL: "ftp://api.binance.com"}, context.Background(), "not an http(s) URL", nil},
		{"no host", &TimeSource{BaseURL: "https://"}, context.Background(), "not an http(s) URL", nil},
		{"connection refused", &TimeSource{BaseURL: closedURL}, context.Background(), closedURL + DefaultTimePath, nil},
		{"cancelled", &TimeSource{BaseURL: slow.URL}, cancelled, slow.URL + DefaultTimePath, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.src.ServerTime(tt.ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
		})
	}
}

func FuzzParseServerTime(f *testing.F) {
	for _, s := range []string{
		`{"serverTime":1499827319559}`,
		`{"serverTime": 1700000000000, "extra": [1, {"serverTime": 2}]}`,
		`{"serverTime":"1499827319559"}`,
		`{"serverTime":1.5e12}`,
		`{"serverTime":null}`,
		`{"serverTime":1499827319}`,
		`{"serverTime":1499827319559000}`,
		`{"serverTime":1,"serverTime":1499827319559}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseServerTime(body)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("error %v with a non-zero time %v", err, got)
			}
			if len(err.Error()) > 1024 {
				t.Fatalf("error message is %d bytes long for a %d-byte body", len(err.Error()), len(body))
			}
			return
		}
		ms := got.UnixMilli()
		if ms < minServerMillis || ms >= maxServerMillis {
			t.Fatalf("accepted implausible serverTime %d from %q", ms, body)
		}
		// Whatever was accepted must be exactly the integer under "serverTime".
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			t.Fatalf("accepted %q, which is not a JSON object: %v", body, err)
		}
		if raw := strings.TrimSpace(string(fields["serverTime"])); raw != strconv.FormatInt(ms, 10) {
			t.Fatalf("parsed %d from serverTime %q", ms, raw)
		}
	})
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

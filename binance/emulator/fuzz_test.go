package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fuzzLimits keep the fuzzed exchange out of 429s (its clock never moves)
// and make the size limits small enough for the corpus to cross them.
const (
	fuzzMaxQuery = 2048
	fuzzMaxBody  = 4096
)

func fuzzConfig() Config {
	cfg := tradingConfig()
	cfg.Keys[0].Permissions = knownPermissions()
	cfg.Keys[0].Email = "main@example.com"
	cfg.Keys[0].Balances["BRL"] = "1000000"
	cfg.Limits.RequestWeightPerMinute = 1 << 40
	cfg.Limits.RawRequestsPer5m = 1 << 40
	cfg.Limits.OrdersPer10s = 1 << 40
	cfg.Limits.OrdersPerDay = 1 << 40
	cfg.Limits.FAPIRequestWeightPerMinute = 1 << 40
	cfg.Limits.FAPIOrdersPer10s = 1 << 40
	cfg.Limits.FAPIOrdersPerMinute = 1 << 40
	cfg.Limits.SAPIIPWeightPerMinute = 1 << 40
	cfg.Limits.SAPIUIDWeightPerMinute = 1 << 40
	cfg.Limits.MaxQueryBytes = fuzzMaxQuery
	cfg.Limits.MaxBodyBytes = fuzzMaxBody
	return cfg
}

func fuzzServer(f *testing.F) *Server {
	srv, err := New(context.Background(), fuzzConfig(), Options{Now: newFakeClock().Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	return srv
}

// FuzzHandler feeds arbitrary requests to the exchange's handler: it never
// panics, answers JSON (a 200 or Binance's {"code","msg"}), and refuses
// oversize queries and bodies clearly. The seed corpus in
// testdata/fuzz/FuzzHandler holds correctly signed requests (the fuzz clock
// is fixed, so their timestamps stay valid) for every endpoint family.
func FuzzHandler(f *testing.F) {
	srv := fuzzServer(f)
	h := srv.Handler()
	f.Add("GET", "/api/v3/ping", "", []byte(nil), "", "")
	f.Add("GET", "/api/v3/ticker/price", `symbols=["BTCUSDT","BNBUSDT"]`, []byte(nil), "", "")
	f.Add("GET", "/api/v3/ticker/price", "symbols%5B%5D=A&symbols%5B%5D=B", []byte(nil), "", "")
	f.Add("POST", "/api/v3/order", "%zz=1", []byte("a=%"), "application/x-www-form-urlencoded", DocsAPIKey)
	f.Add("POST", "/sapi/v2/fiat/withdraw", "timestamp=1", []byte(`{"accountInfo":{`), "application/json", DocsAPIKey)
	f.Add("DELETE", "/fapi/v1/order", "symbol=\xff\xfe&timestamp=1772625630000", []byte(nil), "", " ")
	f.Add("GET", "/mbx/admin/state", "", []byte(nil), "", "")
	f.Add("GET", "/api/v3/exchangeInfo", strings.Repeat("x", fuzzMaxQuery+1), []byte(nil), "", "")
	f.Add("POST", "/api/v3/order", "", bytes.Repeat([]byte("y"), fuzzMaxBody+1), "", DocsAPIKey)

	f.Fuzz(func(t *testing.T, method, path, rawQuery string, body []byte, contentType, apiKey string) {
		if path == "" || path[0] != '/' {
			path = "/" + path
		}
		req := &http.Request{
			Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
			Host: "127.0.0.1", RemoteAddr: "192.0.2.1:40000", // not loopback: the admin API must refuse
		}
		req = req.WithContext(context.Background())
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if apiKey != "" {
			req.Header.Set("X-MBX-APIKEY", apiKey)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch {
		case path == "/metrics":
			return
		case path == "/mbx/admin" || strings.HasPrefix(path, "/mbx/admin/"):
			if rec.Code != http.StatusForbidden {
				t.Fatalf("admin from a remote address: HTTP %d", rec.Code)
			}
			return
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("HTTP %d, body is not JSON: %q", rec.Code, rec.Body.Bytes())
		}
		if rec.Code == http.StatusOK {
			return
		}
		var eb map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || len(eb) != 2 {
			t.Fatalf("HTTP %d, error body is not {code,msg}: %q", rec.Code, rec.Body.Bytes())
		}
		code, okCode := eb["code"].(float64)
		msg, okMsg := eb["msg"].(string)
		if !okCode || !okMsg || code >= 0 || msg == "" {
			t.Fatalf("HTTP %d, error body is not {code,msg}: %q", rec.Code, rec.Body.Bytes())
		}
		if path != "/mbx" && !strings.HasPrefix(path, "/mbx/") {
			ex := rec.Header().Get(HeaderExplain)
			if ex == "" || len(ex) > 512 {
				t.Fatalf("HTTP %d without a usable %s: %q", rec.Code, HeaderExplain, ex)
			}
		}
		known := srv.routes[path][method] != nil
		switch {
		case known && len(rawQuery) > fuzzMaxQuery && rec.Code != http.StatusRequestURITooLong:
			t.Fatalf("query of %d bytes: HTTP %d, want 414", len(rawQuery), rec.Code)
		case known && len(rawQuery) <= fuzzMaxQuery && method != "GET" && len(body) > fuzzMaxBody &&
			rec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("body of %d bytes: HTTP %d, want 413", len(body), rec.Code)
		}
	})
}

// The seed corpus must reach the endpoints: every signed seed verifies and
// passes the parameter checks (only raw_non_ascii is meant to fail them).
func TestFuzzSeedsReachEndpoints(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzHandler")
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := startExchange(t, fuzzConfig(), Options{})
	h := e.srv.Handler()
	for _, fi := range files {
		data, err := os.ReadFile(filepath.Join(dir, fi.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 7 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a 6-value corpus file", fi.Name())
		}
		var v [6]string
		for i, l := range lines[1:] {
			lit := l[strings.IndexByte(l, '(')+1 : len(l)-1]
			if v[i], err = strconv.Unquote(lit); err != nil {
				t.Fatalf("%s line %d: %v", fi.Name(), i+2, err)
			}
		}
		req := &http.Request{Method: v[0], URL: &url.URL{Path: v[1], RawQuery: v[2]}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader(v[3])), Host: "127.0.0.1", RemoteAddr: "127.0.0.1:40000"}
		req = req.WithContext(context.Background())
		if v[4] != "" {
			req.Header.Set("Content-Type", v[4])
		}
		if v[5] != "" {
			req.Header.Set("X-MBX-APIKEY", v[5])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var eb errorBody
		_ = json.Unmarshal(rec.Body.Bytes(), &eb)
		early := map[int]bool{-1021: true, -1022: true, -2014: true, -2015: true, -1100: true, -1101: true, -1102: true, -1104: true, -1105: true}
		if fi.Name() == "raw_non_ascii" {
			if eb.Code != -1022 {
				t.Errorf("%s: %d %s, want -1022", fi.Name(), rec.Code, rec.Body)
			}
			continue
		}
		if early[eb.Code] {
			t.Errorf("%s: %d %s", fi.Name(), rec.Code, rec.Body)
		}
	}
}

package ratelimit

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLimitHeader(t *testing.T) {
	cases := []struct {
		l    Limit
		want string
	}{
		{Limit{Kind: KindRequestWeight, Interval: time.Minute}, "X-EX-USED-WEIGHT-1M"},
		{Limit{Kind: KindRequestWeight, Interval: time.Second}, "X-EX-USED-WEIGHT-1S"},
		{Limit{Kind: KindOrders, Interval: 10 * time.Second}, "X-EX-ORDER-COUNT-10S"},
		{Limit{Kind: KindOrders, Interval: 24 * time.Hour}, "X-EX-ORDER-COUNT-1D"},
		{Limit{Kind: KindOrders, Interval: 90 * time.Second}, "X-EX-ORDER-COUNT-90S"},
		{Limit{Kind: KindRequestWeight, Interval: 2 * time.Hour}, "X-EX-USED-WEIGHT-2H"},
		{Limit{Kind: KindSAPIIP, Interval: time.Minute}, "X-EX-IP-WEIGHT-1M"},
		{Limit{Kind: KindSAPIUID, Interval: time.Minute}, "X-EX-UID-WEIGHT-1M"},
		{Limit{Kind: KindRawRequests, Interval: 5 * time.Minute}, ""}, // no usage header
		{Limit{Kind: "CONNECTIONS", Interval: 5 * time.Minute}, ""},
		{Limit{Kind: KindRequestWeight, Interval: 1500 * time.Millisecond}, ""},
		{Limit{Kind: KindRequestWeight}, ""},
	}
	for _, tc := range cases {
		if got := testHeaders.Name(tc.l); got != tc.want {
			t.Errorf("%+v.Header() = %q; want %q", tc.l, got, tc.want)
		}
		if tc.want == "" {
			continue
		}
		kind, iv, ok := testHeaders.Usage(tc.want)
		if !ok || kind != tc.l.Kind || iv != tc.l.Interval {
			t.Errorf("testHeaders.Usage(%q) = %q, %v, %v; want the limit back", tc.want, kind, iv, ok)
		}
	}
}

func TestParseHeaderName(t *testing.T) {
	cases := []struct {
		name string
		kind string
		iv   time.Duration
	}{
		{"X-Ex-Used-Weight-1m", KindRequestWeight, time.Minute},
		{"x-ex-order-count-10s", KindOrders, 10 * time.Second},
		{"X-Ex-Uid-Weight-1m", KindSAPIUID, time.Minute},
		{"X-Ex-Ip-Weight-1s", KindSAPIIP, time.Second},
		{"X-Ex-Used-Weight", "", 0},
		{"X-Ex-Used-Weight-", "", 0},
		{"X-Ex-Used-Weight-M", "", 0},
		{"X-Ex-Used-Weight-0M", "", 0},
		{"X-Ex-Used-Weight--1M", "", 0},
		{"X-Ex-Used-Weight-+1M", "", 0},
		{"X-Ex-Used-Weight-1W", "", 0},
		{"X-Ex-Used-Weight-999999D", "", 0},
		{"X-Ex-Uuid", "", 0},
		{"Retry-After", "", 0},
	}
	for _, tc := range cases {
		kind, iv, ok := testHeaders.Usage(tc.name)
		if ok != (tc.kind != "") || kind != tc.kind || iv != tc.iv {
			t.Errorf("testHeaders.Usage(%q) = %q, %v, %v; want %q, %v", tc.name, kind, iv, ok, tc.kind, tc.iv)
		}
	}
}

func TestLimitsFromExchangeInfo(t *testing.T) {
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name   string
		body   []byte
		family string
		want   string // fmt of []Limit
		errHas string
	}{
		{"spot", file("exchangeinfo_spot.json"), "api",
			"[REQUEST_WEIGHT 6000/1m ORDERS 50/10s ORDERS 160000/1d RAW_REQUESTS 300000/5m]", ""},
		{"usds-m futures", file("exchangeinfo_fapi.json"), "fapi",
			"[REQUEST_WEIGHT 2400/1m ORDERS 1200/1m ORDERS 300/10s]", ""},
		{"websocket api result, not the usage beside it", file("exchangeinfo_wsapi.json"), "api",
			"[REQUEST_WEIGHT 6000/1m ORDERS 50/10s ORDERS 160000/1d CONNECTIONS 300/5m]", ""},
		{"duplicates keep the stricter", []byte(`{"rateLimits":[
			{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},
			{"rateLimitType":"REQUEST_WEIGHT","interval":"SECOND","intervalNum":60,"limit":1200}]}`), "api",
			"[REQUEST_WEIGHT 1200/1m]", ""},
		{"hours", []byte(`{"rateLimits":[{"rateLimitType":"ORDERS","interval":"HOUR","intervalNum":2,"limit":9}]}`), "api",
			"[ORDERS 9/2h]", ""},
		{"not json", []byte(`<html>502 Bad Gateway</html>`), "api", "", "api exchangeInfo"},
		{"no rateLimits", []byte(`{"symbols":[]}`), "fapi", "", `no "rateLimits"`},
		{"null rateLimits", []byte(`{"rateLimits":null}`), "fapi", "", `no "rateLimits"`},
		{"empty rateLimits", []byte(`{"rateLimits":[]}`), "api", "", "documented limits"},
		{"unknown interval", []byte(`{"rateLimits":[{"rateLimitType":"ORDERS","interval":"WEEK","intervalNum":1,"limit":9}]}`), "api", "", `interval "WEEK"`},
		{"zero intervalNum", []byte(`{"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":0,"limit":9}]}`), "api", "", "intervalNum 0"},
		{"huge intervalNum", []byte(`{"rateLimits":[{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":100000,"limit":9}]}`), "api", "", "intervalNum 100000"},
		{"negative limit", []byte(`{"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":-1}]}`), "api", "", "limit -1"},
		{"fractional limit", []byte(`{"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":1.5}]}`), "api", "", "exchangeInfo"},
		{"bad kind", []byte(`{"rateLimits":[{"rateLimitType":"orders; DROP","interval":"SECOND","intervalNum":10,"limit":5}]}`), "api", "", "rateLimitType"},
		{"one bad entry fails the lot", []byte(`{"rateLimits":[
			{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},
			{"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":0}]}`), "api", "", "rateLimits[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LimitsFromExchangeInfo(tc.body, tc.family)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v; want one containing %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got); s != tc.want {
				t.Errorf("got %s; want %s", s, tc.want)
			}
		})
	}
}

func TestWeightsRules(t *testing.T) {
	w := NewWeights(3,
		Endpoint{Path: "/api/v3/depth", Weight: 5, Tiers: []Tier{{100, 5}, {500, 25}}},
		Endpoint{Path: "/api/v3/ticker/price", Weight: 2, WeightAll: 4},
		Endpoint{Method: "POST", Path: "/api/v3/order", Weight: 1, Orders: 1},
		Endpoint{Path: "/api/v3/myTrades", Weight: 20, Weigh: func(q url.Values) int {
			if q.Get("orderId") != "" {
				return 5
			}
			return 20
		}},
		Endpoint{Path: "/sapi/v1/x", Weight: 9, Kind: KindSAPIUID})
	const f = "https://api.example.com"
	cases := []struct {
		method, path string
		q            url.Values
		want         Cost
	}{
		{"GET", "/api/v3/depth", nil, Cost{Family: "api", Weight: 5}},
		{"GET", "/api/v3/depth", url.Values{"limit": {"500"}}, Cost{Family: "api", Weight: 25}},
		{"GET", "/api/v3/depth", url.Values{"limit": {"5000"}}, Cost{Family: "api", Weight: 25}},
		{"GET", "/api/v3/depth", url.Values{"limit": {"x"}}, Cost{Family: "api", Weight: 25}},
		{"GET", "/api/v3/ticker/price", url.Values{"symbol": {"A"}}, Cost{Family: "api", Weight: 2}},
		{"GET", "/api/v3/ticker/price", nil, Cost{Family: "api", Weight: 4}},
		{"POST", "/api/v3/order", nil, Cost{Family: "api", Weight: 1, Orders: 1}},
		{"GET", "/api/v3/myTrades", url.Values{"orderId": {"7"}}, Cost{Family: "api", Weight: 5}},
		{"GET", "/api/v3/myTrades", nil, Cost{Family: "api", Weight: 20}},
		{"GET", "/sapi/v1/x", nil, Cost{Family: "sapi", Weight: 9, Kind: KindSAPIUID}},
		{"GET", "/api/v3/unknown", nil, Cost{Family: "api", Weight: 3}},
		{"POST", "/api/v3/unknown", nil, Cost{Family: "api", Weight: 3, Orders: 1}},
		{"POST", "/sapi/v1/unknown", nil, Cost{Family: "sapi", Weight: 3, Orders: 1}}, // no family rule: may place an order
	}
	for _, tc := range cases {
		got := w.Cost(f, tc.method, tc.path, tc.q)
		want := tc.want
		want.Host, want.Path = f, tc.path
		if got != want {
			t.Errorf("Cost(%s %s %v) = %+v; want %+v", tc.method, tc.path, tc.q, got, want)
		}
	}
	w2 := w.With(Endpoint{Method: "GET", Path: "/api/v3/depth", Weight: 7})
	if w2.Cost(f, "GET", "/api/v3/depth", nil).Weight != 7 || w.Cost(f, "GET", "/api/v3/depth", nil).Weight != 5 {
		t.Errorf("With changed the original table or did not apply")
	}
	if NewWeights(0).Cost(f, "GET", "/x/y", nil).Weight != DefaultUnknownWeight {
		t.Errorf("NewWeights(0) has no safe default")
	}
	wf := w.WithFamily("sapi", Family{Kind: KindSAPIIP, NoOrders: true})
	if c := wf.Cost(f, "POST", "/sapi/v1/unknown", nil); c.Kind != KindSAPIIP || c.Orders != 0 {
		t.Errorf("family rule: %+v", c)
	}
	if c := wf.Cost(f, "GET", "/sapi/v1/x", nil); c.Kind != KindSAPIUID || c.Weight != 9 {
		t.Errorf("an endpoint's own kind loses to the family's: %+v", c)
	}
	if c := w.Cost(f, "POST", "/sapi/v1/unknown", nil); c.Orders != 1 {
		t.Errorf("WithFamily changed the original: %+v", c)
	}
	if DefaultWeights().Cost(f, "GET", "/api/v3/ping", nil).Weight != DefaultUnknownWeight {
		t.Errorf("the default table knows an endpoint: it should know none")
	}
}

func TestErrorsIs(t *testing.T) {
	until := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	var err error = fmt.Errorf("wrapped: %w", &BannedError{Host: host, Until: until})
	if !errors.Is(err, ErrBanned) || errors.Is(err, ErrRateLimited) {
		t.Errorf("BannedError Is wrong")
	}
	if !strings.Contains(err.Error(), "2026-08-01T12:00:00.000Z") {
		t.Errorf("message lacks the time: %v", err)
	}
	err = fmt.Errorf("wrapped: %w", &BlockedError{Host: host, Until: until})
	if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrBanned) {
		t.Errorf("BlockedError Is wrong")
	}
}

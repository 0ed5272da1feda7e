package peers

// The user-facing calls, measured as a bot calls them: mbx's
// binance.Client (clock, governor with every budget, no-duplicate protocol,
// typed errors, decoding) against go-binance's services, both through the
// same in-memory http.RoundTripper, next to a bare http.Client doing the
// same round trip with a ready URL (the floor no client goes below).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gobinance "github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The canned replies, as Binance sends them for a resting LIMIT order
// (newOrderRespType FULL, nothing filled), a signed account read with
// omitZeroBalances, and a cancel.
const (
	placeBody   = `{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"67012.34000000","origQty":"0.00150000","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1507725176595,"selfTradePreventionMode":"EXPIRE_MAKER","fills":[]}`
	accountBody = `{"makerCommission":15,"takerCommission":15,"buyerCommission":0,"sellerCommission":0,"commissionRates":{"maker":"0.00150000","taker":"0.00150000","buyer":"0.00000000","seller":"0.00000000"},"canTrade":true,"canWithdraw":true,"canDeposit":true,"brokered":false,"requireSelfTradePrevention":false,"preventSor":false,"updateTime":123456789,"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},{"asset":"USDT","free":"4763368.68006011","locked":"100.00000000"},{"asset":"BNB","free":"12.50000000","locked":"0.00000000"}],"permissions":["SPOT"],"uid":354937868}`
	cancelBody  = `{"symbol":"BTCUSDT","origClientOrderId":"myOrder1","orderId":4,"orderListId":-1,"clientOrderId":"cancelMyOrder1","transactTime":1684804350068,"price":"67012.34000000","origQty":"0.00150000","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC","type":"LIMIT","side":"BUY","selfTradePreventionMode":"NONE"}`
)

// canned is one route's reply: its body and its headers, built once and
// only read afterwards.
type canned struct {
	body   string
	header http.Header
}

func newCanned(body string, orders bool) canned {
	h := http.Header{
		"Content-Type":         {"application/json;charset=UTF-8"},
		"Date":                 {time.Now().UTC().Format(http.TimeFormat)},
		"X-Mbx-Used-Weight-1m": {"21"},
		"X-Mbx-Used-Weight":    {"21"},
	}
	if orders {
		h["X-Mbx-Order-Count-10s"] = []string{"1"}
		h["X-Mbx-Order-Count-1d"] = []string{"1"}
	}
	return canned{body: body, header: h}
}

// exchange is the in-memory Binance both clients talk to. It answers
// /api/v3/time with the real time (so mbx's clock syncs once) and every
// other route with its canned reply.
type exchange struct {
	place, account, cancel canned
	timeCalls              atomic.Int64
}

func newExchange() *exchange {
	return &exchange{
		place:   newCanned(placeBody, true),
		account: newCanned(accountBody, false),
		cancel:  newCanned(cancelBody, false),
	}
}

// body is a response body that costs one allocation.
type body struct{ strings.Reader }

func (*body) Close() error { return nil }

func (x *exchange) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body) // a server reads the form body
		req.Body.Close()
	}
	var c canned
	switch {
	case req.URL.Path == "/api/v3/time":
		x.timeCalls.Add(1)
		c = canned{body: `{"serverTime":` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `}`,
			header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}}}
	case req.URL.Path == "/api/v3/order" && req.Method == http.MethodPost:
		c = x.place
	case req.URL.Path == "/api/v3/order" && req.Method == http.MethodDelete:
		c = x.cancel
	case req.URL.Path == "/api/v3/account":
		c = x.account
	default:
		return &http.Response{StatusCode: 404, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
	b := &body{}
	b.Reset(c.body)
	return &http.Response{
		Status: "200 OK", StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: c.header, Body: b, ContentLength: int64(len(c.body)), Request: req,
	}, nil
}

// newMBXClient is the mbx client as a bot makes it, with the governor on and
// its budgets raised so that it never waits: the benchmark measures the
// cost of the call, not the rate limit.
func newMBXClient(tb testing.TB, x *exchange) *binance.Client {
	tb.Helper()
	h, err := sign.NewHMAC(secret.FromString(apiSecret))
	if err != nil {
		tb.Fatal(err)
	}
	big := []ratelimit.Limit{
		{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 1 << 40},
		{Kind: ratelimit.KindRawRequests, Interval: 5 * time.Minute, Max: 1 << 40},
		{Kind: ratelimit.KindOrders, Interval: 10 * time.Second, Max: 1 << 40},
		{Kind: ratelimit.KindOrders, Interval: 24 * time.Hour, Max: 1 << 40},
	}
	gov := ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Limits: map[string][]ratelimit.Limit{"api": big}})
	c, err := binance.New(binance.Options{
		BaseURL: baseURL, APIKey: apiKey, Signer: h, Governor: gov,
		HTTPClient: &http.Client{Transport: x},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newGoBinanceClient(x *exchange) *gobinance.Client {
	c := gobinance.NewClient(apiKey, apiSecret)
	c.BaseURL = baseURL
	c.HTTPClient = &http.Client{Transport: x}
	return c
}

func mbxOrder() binance.NewOrder {
	return binance.NewOrder{
		Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TimeInForce: "GTC",
		Quantity: decimal.RequireFromString("0.0015"), Price: decimal.RequireFromString("67012.34"),
	}
}

// bare is the floor: a ready URL, http.NewRequest, the key header,
// http.Client.Do through the same transport, and the body read whole.
func bare(b *testing.B, x *exchange, method, url string) {
	ctx := context.Background()
	hc := &http.Client{Transport: x}
	b.ReportAllocs()
	m := startCPU()
	defer m.report(b)
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-MBX-APIKEY", apiKey)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(res.Body); err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
	}
}

const signedTail = "&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"

// cpuMeter reports, next to the wall time, the CPU time the process spent
// per operation (user + system, every thread, GC included): on a shared
// machine other processes stretch the wall time of whichever benchmark
// they land on, while the CPU time a call costs stays put.
type cpuMeter struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuMeter { return cpuMeter{start: cpuNow()} }

func (m cpuMeter) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuNow()-m.start)/float64(b.N), "cpu-ns/op")
	}
}

// measure runs call in the benchmark loop, with allocations and CPU time
// reported, and stops at its first error.
func measure(b *testing.B, call func() error) {
	b.ReportAllocs()
	m := startCPU()
	defer m.report(b)
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceOrder places a spot LIMIT order, a fresh client order id
// each call.
func BenchmarkPlaceOrder(b *testing.B) {
	ctx := context.Background()
	b.Run("mbx", func(b *testing.B) {
		x := newExchange()
		c := newMBXClient(b, x)
		o := mbxOrder()
		measure(b, func() error {
			res, err := c.PlaceOrder(ctx, o)
			if err != nil || res.OrderID != 28 {
				return fmt.Errorf("%+v: %v", res, err)
			}
			return nil
		})
		if n := x.timeCalls.Load(); n > 5 {
			b.Fatalf("the clock synced %d times", n)
		}
	})
	b.Run("go-binance", func(b *testing.B) {
		c := newGoBinanceClient(newExchange())
		measure(b, func() error {
			res, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(gobinance.SideTypeBuy).
				Type(gobinance.OrderTypeLimit).TimeInForce(gobinance.TimeInForceTypeGTC).
				Quantity("0.0015").Price("67012.34").NewClientOrderID(binance.NewClientOrderID()).
				NewOrderRespType(gobinance.NewOrderRespTypeFULL).Do(ctx)
			if err != nil || res.OrderID != 28 {
				return fmt.Errorf("%+v: %v", res, err)
			}
			return nil
		})
	})
	b.Run("bare-http", func(b *testing.B) {
		bare(b, newExchange(), http.MethodPost, baseURL+orderPath+
			"?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0015&price=67012.34&newClientOrderId=mbx-7f3a9c2e4b1d4e8fabcdefgh&newOrderRespType=FULL"+signedTail)
	})
}

// BenchmarkAccount reads the spot account (signed GET, the most polled call).
func BenchmarkAccount(b *testing.B) {
	ctx := context.Background()
	b.Run("mbx", func(b *testing.B) {
		c := newMBXClient(b, newExchange())
		measure(b, func() error {
			a, err := c.Account(ctx)
			if err != nil || len(a.Balances) != 3 {
				return fmt.Errorf("%+v: %v", a, err)
			}
			return nil
		})
	})
	b.Run("go-binance", func(b *testing.B) {
		c := newGoBinanceClient(newExchange())
		measure(b, func() error {
			a, err := c.NewGetAccountService().OmitZeroBalances(true).Do(ctx)
			if err != nil || len(a.Balances) != 3 {
				return fmt.Errorf("%+v: %v", a, err)
			}
			return nil
		})
	})
	b.Run("bare-http", func(b *testing.B) {
		bare(b, newExchange(), http.MethodGet, baseURL+"/api/v3/account?omitZeroBalances=true"+signedTail)
	})
}

// BenchmarkCancelOrder cancels an order by its id.
func BenchmarkCancelOrder(b *testing.B) {
	ctx := context.Background()
	b.Run("mbx", func(b *testing.B) {
		c := newMBXClient(b, newExchange())
		measure(b, func() error {
			o, err := c.CancelOrder(ctx, "BTCUSDT", 4, "")
			if err != nil || o.Status != "CANCELED" {
				return fmt.Errorf("%+v: %v", o, err)
			}
			return nil
		})
	})
	b.Run("go-binance", func(b *testing.B) {
		c := newGoBinanceClient(newExchange())
		measure(b, func() error {
			o, err := c.NewCancelOrderService().Symbol("BTCUSDT").OrderID(4).Do(ctx)
			if err != nil || o.Status != gobinance.OrderStatusTypeCanceled {
				return fmt.Errorf("%+v: %v", o, err)
			}
			return nil
		})
	})
	b.Run("bare-http", func(b *testing.B) {
		bare(b, newExchange(), http.MethodDelete, baseURL+orderPath+"?symbol=BTCUSDT&orderId=4"+signedTail)
	})
}

// Package peers compares mbx with other Go Binance libraries on the same
// signed request. It is its own module so that the main module never depends
// on a peer.
//
// The order is a typical spot LIMIT order; both libraries sign it with
// HMAC-SHA256 under the same key and send it through the same capturing
// http.RoundTripper, which never touches the network.
//
// What go-binance v2.8.7 puts on the wire for this order (see
// TestSameSignedBytes, which asserts it byte for byte):
//
//	POST /api/v3/order?recvWindow=5000&timestamp=<ms>&signature=<hex>
//	Content-Type: application/x-www-form-urlencoded
//	newClientOrderId=…&price=…&quantity=…&side=BUY&symbol=BTCUSDT&timeInForce=GTC&type=LIMIT
//
// The order parameters travel in the body, sorted by name (url.Values.Encode),
// not in the order they were given; recvWindow, timestamp and the signature
// travel in the query; the HMAC covers query ‖ body with no separator, which
// is Binance's totalParams rule. mbx sends all nine parameters in the query in
// the order given, signature last, and no body.
//
// go-binance takes its timestamp from time.Now() minus Client.TimeOffset and
// offers no clock hook, so its timestamp cannot be fixed: the client is given
// a TimeOffset that puts it at the fixed value when the client is made, and it
// then moves with the wall clock. It has the same 13 digits, so both sign and
// send the same number of bytes.
package peers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

const (
	apiKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	apiSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	baseURL   = "https://api.binance.com"
	orderPath = "/api/v3/order"
	fixedMS   = 1499827319559
)

var fixedNow = time.UnixMilli(fixedMS)

// ackBody is the canned reply: what Binance answers to a LIMIT order with
// newOrderRespType=ACK.
const ackBody = `{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"mbx-7f3a9c2e4b1d4e8f","transactTime":1499827319559}`

// orderAck is what the mbx side decodes the reply into, so that both sides
// do the same response work (go-binance always unmarshals it).
type orderAck struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	OrderListID   int64  `json:"orderListId"`
	ClientOrderID string `json:"clientOrderId"`
	TransactTime  int64  `json:"transactTime"`
}

var ackHeader = http.Header{"Content-Type": {"application/json;charset=UTF-8"}}

// capture is the http.RoundTripper both libraries send through. It keeps the
// last request and answers at once: with the canned 200 reply, or with
// errStop when stop is set.
type capture struct {
	last *http.Request
	stop bool
}

// errStop ends a request once it has been built and handed to the transport.
var errStop = errors.New("captured, not sent")

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	c.last = req
	if req.Body != nil {
		req.Body.Close() // the RoundTripper contract; the bytes stay readable through GetBody
	}
	if c.stop {
		return nil, errStop
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        ackHeader,
		Body:          io.NopCloser(strings.NewReader(ackBody)),
		ContentLength: int64(len(ackBody)),
		Request:       req,
	}, nil
}

// mbxSigner is the mbx side: one REST builder and one signer, reused.
type mbxSigner struct {
	r   payload.REST
	s   *sign.HMAC
	opt payload.Options
}

func newMBX(tb testing.TB) *mbxSigner {
	h, err := sign.NewHMAC(secret.FromString(apiSecret))
	if err != nil {
		tb.Fatal(err)
	}
	return &mbxSigner{s: h, opt: payload.Options{
		Now:        func() time.Time { return fixedNow },
		RecvWindow: 5 * time.Second,
	}}
}

func (m *mbxSigner) sign() (payload.Signed, error) {
	r := &m.r
	r.Reset()
	r.Method = http.MethodPost
	r.Query.AddString("symbol", "BTCUSDT").
		AddString("side", "BUY").
		AddString("type", "LIMIT").
		AddString("timeInForce", "GTC").
		AddString("quantity", "0.00150000").
		AddString("price", "67012.34000000").
		AddString("newClientOrderId", "mbx-7f3a9c2e4b1d4e8f")
	return r.Sign(m.s, m.opt)
}

// send is the mbx round trip: build, sign, make the request, send it and
// decode the reply.
func (m *mbxSigner) send(ctx context.Context, hc *http.Client) (*orderAck, error) {
	signed, err := m.sign()
	if err != nil {
		return nil, err
	}
	req, err := signed.NewRequest(ctx, baseURL, orderPath)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-MBX-APIKEY", apiKey)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(res.Body)
	if cerr := res.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	ack := new(orderAck)
	if err := json.Unmarshal(data, ack); err != nil {
		return nil, err
	}
	return ack, nil
}

func newGoBinance(tr http.RoundTripper) *binance.Client {
	c := binance.NewClient(apiKey, apiSecret)
	c.BaseURL = baseURL
	c.HTTPClient = &http.Client{Transport: tr}
	c.TimeOffset = time.Now().UnixMilli() - fixedMS
	return c
}

func goBinanceOrder(ctx context.Context, c *binance.Client) (*binance.CreateOrderResponse, error) {
	return c.NewCreateOrderService().
		Symbol("BTCUSDT").
		Side(binance.SideTypeBuy).
		Type(binance.OrderTypeLimit).
		TimeInForce(binance.TimeInForceTypeGTC).
		Quantity("0.00150000").
		Price("67012.34000000").
		NewClientOrderID("mbx-7f3a9c2e4b1d4e8f").
		Do(ctx, binance.WithRecvWindow(5000))
}

// BenchmarkSignOrder is build and sign. mbx stops at the signed bytes.
// go-binance builds and signs only inside Do, so the least it can be asked
// is to build, sign and hand the *http.Request to the transport, which
// stops it there: its figure includes http.NewRequest and http.Client.Do,
// which BenchmarkHTTPFloor prices on their own.
func BenchmarkSignOrder(b *testing.B) {
	b.Run("mbx", func(b *testing.B) {
		m := newMBX(b)
		b.ReportAllocs()
		for b.Loop() {
			out, err := m.sign()
			if err != nil || len(out.Signature) != 64 {
				b.Fatal(out.Signature, err)
			}
		}
	})
	b.Run("go-binance", func(b *testing.B) {
		tr := &capture{stop: true}
		c := newGoBinance(tr)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := goBinanceOrder(ctx, c); !errors.Is(err, errStop) {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSignOrderRoundTrip is the whole client side of placing the order:
// build, sign, make the *http.Request, http.Client.Do through the capturing
// transport, read, close and decode the canned reply.
func BenchmarkSignOrderRoundTrip(b *testing.B) {
	ctx := context.Background()
	b.Run("mbx", func(b *testing.B) {
		m := newMBX(b)
		hc := &http.Client{Transport: &capture{}}
		b.ReportAllocs()
		for b.Loop() {
			if ack, err := m.send(ctx, hc); err != nil || ack.OrderID != 28 {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-binance", func(b *testing.B) {
		c := newGoBinance(&capture{})
		b.ReportAllocs()
		for b.Loop() {
			if res, err := goBinanceOrder(ctx, c); err != nil || res.OrderID != 28 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHTTPFloor is what net/http and encoding/json cost in a round trip
// with the same transport and reply, the URL already built: no client can go
// below it.
func BenchmarkHTTPFloor(b *testing.B) {
	ctx := context.Background()
	m := newMBX(b)
	signed, err := m.sign()
	if err != nil {
		b.Fatal(err)
	}
	u := signed.URL(baseURL, orderPath)
	hc := &http.Client{Transport: &capture{}}
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-MBX-APIKEY", apiKey)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(res.Body)
		res.Body.Close()
		var ack orderAck
		if err != nil || json.Unmarshal(data, &ack) != nil {
			b.Fatal(err)
		}
	}
}

// wire is one captured request, as the server would read it.
type wire struct {
	method, path, query, body, apiKey, contentType string
}

func captured(t *testing.T, req *http.Request) wire {
	t.Helper()
	if req == nil {
		t.Fatal("nothing reached the transport")
	}
	w := wire{
		method:      req.Method,
		path:        req.URL.Path,
		query:       req.URL.RawQuery,
		apiKey:      req.Header.Get("X-MBX-APIKEY"),
		contentType: req.Header.Get("Content-Type"),
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		w.body = string(b)
	}
	return w
}

// dropSignature removes the signature pair from a raw query or body and
// returns what is left and the signature, as Binance does before verifying.
func dropSignature(raw string) (rest, sig string, n int) {
	if raw == "" {
		return "", "", 0
	}
	var keep []string
	for pair := range strings.SplitSeq(raw, "&") {
		if v, ok := strings.CutPrefix(pair, "signature="); ok {
			sig, n = v, n+1
			continue
		}
		keep = append(keep, pair)
	}
	return strings.Join(keep, "&"), sig, n
}

// checkHMAC recomputes HMAC-SHA256 over query ‖ body without the signature
// and compares it with the signature sent. It returns the parameters sent.
func checkHMAC(t *testing.T, name string, w wire) url.Values {
	t.Helper()
	q, qsig, qn := dropSignature(w.query)
	body, bsig, bn := dropSignature(w.body)
	if qn+bn != 1 {
		t.Fatalf("%s: %d signature parameters sent, want 1: query %q body %q", name, qn+bn, w.query, w.body)
	}
	got := qsig + bsig
	mac := hmac.New(sha256.New, []byte(apiSecret))
	mac.Write([]byte(q + body))
	if want := hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("%s: signature %q, HMAC over %q is %q", name, got, q+body, want)
	}
	all := url.Values{}
	for _, part := range []string{q, body} {
		vs, err := url.ParseQuery(part)
		if err != nil {
			t.Fatalf("%s: %q: %v", name, part, err)
		}
		for k, v := range vs {
			if all.Has(k) || len(v) != 1 {
				t.Errorf("%s: parameter %q sent more than once", name, k)
			}
			all[k] = v
		}
	}
	return all
}

func TestSameSignedBytes(t *testing.T) {
	ctx := context.Background()

	mtr := &capture{}
	if _, err := newMBX(t).send(ctx, &http.Client{Transport: mtr}); err != nil {
		t.Fatal(err)
	}
	mw := captured(t, mtr.last)

	gtr := &capture{}
	before := time.Now()
	c := newGoBinance(gtr)
	res, err := goBinanceOrder(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(before).Milliseconds()
	if res.OrderID != 28 || res.ClientOrderID != "mbx-7f3a9c2e4b1d4e8f" {
		t.Errorf("go-binance decoded %+v", res)
	}
	gw := captured(t, gtr.last)

	for _, w := range []struct {
		name string
		w    wire
	}{{"mbx", mw}, {"go-binance", gw}} {
		if w.w.method != http.MethodPost || w.w.path != orderPath || w.w.apiKey != apiKey {
			t.Errorf("%s: %s %s key %q", w.name, w.w.method, w.w.path, w.w.apiKey)
		}
	}

	// The layouts, byte for byte: mbx keeps the given order in the query;
	// go-binance sorts the order into the body and signs query ‖ body.
	const given = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00150000&price=67012.34000000&newClientOrderId=mbx-7f3a9c2e4b1d4e8f"
	if want := given + "&recvWindow=5000&timestamp=1499827319559&signature="; !strings.HasPrefix(mw.query, want) || mw.body != "" {
		t.Errorf("mbx sent query %q body %q, want query %q… and no body", mw.query, mw.body, want)
	}
	const sorted = "newClientOrderId=mbx-7f3a9c2e4b1d4e8f&price=67012.34000000&quantity=0.00150000&side=BUY&symbol=BTCUSDT&timeInForce=GTC&type=LIMIT"
	if gw.body != sorted || !strings.HasPrefix(gw.query, "recvWindow=5000&timestamp=") ||
		!strings.Contains(gw.query, "&signature=") || gw.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("go-binance sent query %q body %q (%s), want query recvWindow=5000&timestamp=…&signature=… body %q",
			gw.query, gw.body, gw.contentType, sorted)
	}

	mp := checkHMAC(t, "mbx", mw)
	gp := checkHMAC(t, "go-binance", gw)

	// go-binance's timestamp follows the wall clock from the fixed value.
	ts, err := strconv.ParseInt(gp.Get("timestamp"), 10, 64)
	if err != nil || ts < fixedMS || ts > fixedMS+elapsed+1 {
		t.Errorf("go-binance timestamp %q, want %d…%d", gp.Get("timestamp"), fixedMS, fixedMS+elapsed+1)
	}
	if len(gp.Get("timestamp")) != len(mp.Get("timestamp")) {
		t.Errorf("timestamps differ in length: %q and %q", gp.Get("timestamp"), mp.Get("timestamp"))
	}
	gp.Set("timestamp", strconv.Itoa(fixedMS))

	want := url.Values{
		"symbol": {"BTCUSDT"}, "side": {"BUY"}, "type": {"LIMIT"}, "timeInForce": {"GTC"},
		"quantity": {"0.00150000"}, "price": {"67012.34000000"}, "newClientOrderId": {"mbx-7f3a9c2e4b1d4e8f"},
		"recvWindow": {"5000"}, "timestamp": {strconv.Itoa(fixedMS)},
	}
	for _, p := range []struct {
		name string
		got  url.Values
	}{{"mbx", mp}, {"go-binance", gp}} {
		if p.got.Encode() != want.Encode() {
			t.Errorf("%s sent %s, want %s", p.name, p.got.Encode(), want.Encode())
		}
	}

	// Same work signed: the payloads differ only in layout and timestamp,
	// and by one byte, the '&' that mbx has between recvWindow… and the
	// order where go-binance has query ‖ body with nothing between.
	mq, _, _ := dropSignature(mw.query)
	gq, _, _ := dropSignature(gw.query)
	if m, g := len(mq)+len(mw.body), len(gq)+len(gw.body); m != g+1 {
		t.Errorf("signed payloads: mbx %d bytes, go-binance %d, want one byte apart", m, g)
	}
}

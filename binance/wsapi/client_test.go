package wsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/wsapi"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

func limitOrder(sym string) binance.NewOrder {
	o := binance.NewOrder{Symbol: sym, Side: "BUY", Type: "LIMIT", TimeInForce: "GTC"}
	switch sym {
	case "１２３４５６":
		o.Quantity, o.Price = decimal.RequireFromString("1"), decimal.RequireFromString("0.05")
	case "这是测试币456":
		o.Quantity, o.Price = decimal.RequireFromString("1"), decimal.RequireFromString("1.50")
	default:
		o.Quantity, o.Price = decimal.RequireFromString("0.001"), decimal.RequireFromString("10000")
	}
	return o
}

func apiKeyOf(typ string) string {
	switch typ {
	case "rsa":
		return rsaKey
	case "ed25519":
		return edKey
	}
	return docsKey
}

// A non-ASCII symbol order is placed, queried, listed and cancelled with
// each key type, signed request by request (raw UTF-8 in the sorted payload).
func TestNonASCIIOrderEveryKeyType(t *testing.T) {
	srv, _, url := exchange(t, nil)
	for _, typ := range []string{"hmac", "rsa", "ed25519"} {
		t.Run(typ, func(t *testing.T) {
			c := dial(t, url, typ, nil)
			ctx := context.Background()
			for _, sym := range []string{"１２３４５６", "这是测试币456"} {
				o, err := c.PlaceOrder(ctx, limitOrder(sym))
				if err != nil {
					t.Fatalf("%s: %v", sym, err)
				}
				if o.Symbol != sym || o.Status != "NEW" || o.Attempts != 1 || !strings.HasPrefix(o.ClientOrderID, "mbx-") {
					t.Fatalf("%s: %+v", sym, o)
				}
				q, err := c.OrderStatus(ctx, sym, 0, o.ClientOrderID)
				if err != nil || q.OrderID != o.OrderID {
					t.Fatalf("order.status: %+v %v", q, err)
				}
				open, err := c.OpenOrders(ctx, sym)
				if err != nil || len(open) != 1 || open[0].OrderID != o.OrderID {
					t.Fatalf("openOrders.status: %+v %v", open, err)
				}
				cx, err := c.CancelOrder(ctx, sym, o.OrderID, "")
				if err != nil || cx.Status != "CANCELED" {
					t.Fatalf("order.cancel: %+v %v", cx, err)
				}
				if n := countOrders(t, srv, apiKeyOf(typ), sym)[o.ClientOrderID]; n != 1 {
					t.Fatalf("%d orders with client id %s", n, o.ClientOrderID)
				}
			}
			acct, err := c.AccountStatus(ctx)
			if err != nil || len(acct.Balances) == 0 {
				t.Fatalf("account.status: %+v %v", acct, err)
			}
			if c.LoggedOn() {
				t.Fatal("logged on without Logon")
			}
		})
	}
}

// session.logon with Ed25519, then order.place, order.status and
// order.cancel carry only timestamp (checked on the wire).
func TestLogonEd25519TimestampOnly(t *testing.T) {
	srv, _, url := exchange(t, nil)
	px, purl := newProxy(t, url)
	var mu sync.Mutex
	var sent []frameInfo
	px.setHook(func(toServer bool, f frameInfo) verdict {
		if toServer {
			mu.Lock()
			sent = append(sent, f)
			mu.Unlock()
		}
		return forward
	})
	c := dial(t, purl, "ed25519", func(o *wsapi.Options) { o.Logon = true })
	ctx := context.Background()
	if !c.LoggedOn() {
		t.Fatal("not logged on after Dial with Logon")
	}
	if n := countMethod(srv, "session.logon"); n != 1 {
		t.Fatalf("the exchange saw %d session.logon", n)
	}
	st, err := c.SessionStatus(ctx)
	if err != nil || st.APIKey != edKey || st.AuthorizedSince == 0 {
		t.Fatalf("session.status: %+v %v", st, err)
	}
	o, err := c.PlaceOrder(ctx, limitOrder("１２３４５６"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.OrderStatus(ctx, o.Symbol, o.OrderID, ""); err != nil {
		t.Fatal(err)
	}
	if cx, err := c.CancelOrder(ctx, o.Symbol, 0, o.ClientOrderID); err != nil || cx.Status != "CANCELED" {
		t.Fatalf("cancel: %+v %v", cx, err)
	}
	if n := countOrders(t, srv, edKey, o.Symbol)[o.ClientOrderID]; n != 1 {
		t.Fatalf("%d orders", n)
	}
	mu.Lock()
	frames := append([]frameInfo(nil), sent...)
	mu.Unlock()
	seen := map[string]bool{}
	for _, f := range frames {
		var m struct {
			Params map[string]json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(f.Raw, &m); err != nil {
			t.Fatal(err)
		}
		_, hasKey := m.Params["apiKey"]
		_, hasSig := m.Params["signature"]
		_, hasTS := m.Params["timestamp"]
		switch f.Method {
		case "session.logon":
			if !hasKey || !hasSig || !hasTS || len(m.Params) > 4 {
				t.Errorf("session.logon params: %s", f.Raw)
			}
		case "order.place", "order.status", "order.cancel":
			if hasKey || hasSig || !hasTS {
				t.Errorf("%s after logon must carry timestamp only: %s", f.Method, f.Raw)
			}
		}
		seen[f.Method] = true
	}
	for _, m := range []string{"session.logon", "order.place", "order.status", "order.cancel"} {
		if !seen[m] {
			t.Errorf("%s never went over the wire (saw %v)", m, seen)
		}
	}
	if _, err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if c.LoggedOn() {
		t.Fatal("still logged on after logout")
	}
	// Signed request by request again.
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatal(err)
	}
	// And logged on again by hand.
	st, err = c.Logon(ctx)
	if err != nil || st.APIKey != edKey || !c.LoggedOn() {
		t.Fatalf("Logon: %+v %v", st, err)
	}
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countMethod(srv, "session.logon"); n != 2 {
		t.Fatalf("the exchange saw %d session.logon, want 2", n)
	}
}

// Logon with an HMAC or RSA key is refused locally, naming the rule and
// the fix; with LogonFallback every request is signed instead.
func TestLogonRefusedForHMACAndRSA(t *testing.T) {
	srv, _, url := exchange(t, nil)
	k := loadKeys(t)
	for _, tc := range []struct {
		key string
		s   sign.Signer
	}{{docsKey, k.hmac}, {rsaKey, k.rsa}} {
		opt := wsapi.Options{URL: url, APIKey: tc.key, Signer: tc.s, Logon: true}
		_, err := wsapi.Dial(context.Background(), opt)
		if !errors.Is(err, wsapi.ErrLogonKeyType) || !strings.Contains(err.Error(), "Ed25519") || !strings.Contains(err.Error(), "LogonFallback") {
			t.Fatalf("Dial with Logon and a %s key: %v", opt.Signer.Algorithm(), err)
		}
	}
	before := countMethod(srv, "session.logon")
	c := dial(t, url, "hmac", func(o *wsapi.Options) { o.Logon, o.LogonFallback = true, true })
	if c.LoggedOn() {
		t.Fatal("an HMAC key logged on")
	}
	if _, err := c.Logon(context.Background()); !errors.Is(err, wsapi.ErrLogonKeyType) {
		t.Fatalf("Logon with HMAC: %v", err)
	}
	if _, err := c.AccountStatus(context.Background()); err != nil {
		t.Fatalf("signed request by request: %v", err)
	}
	if n := countMethod(srv, "session.logon"); n != before {
		t.Fatalf("a session.logon reached the exchange (%d -> %d)", before, n)
	}
}

// countMethod counts the exchange's recent WebSocket requests of a method.
func countMethod(srv *emulator.Server, method string) int {
	n := 0
	for _, e := range srv.Recent() {
		if e.Path == method || e.Endpoint == method || strings.HasSuffix(e.Endpoint, " "+method) {
			n++
		}
	}
	return n
}

// A client that percent-encodes values before signing (the classic
// WebSocket bug, failure-cases 9.2/9.3) gets -1022; the same request built
// by the client passes.
func TestPercentEncodedPayloadRejected(t *testing.T) {
	_, _, url := exchange(t, nil)
	k := loadKeys(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ts := time.Now().UnixMilli()
	ps := []params.Param{
		{Name: "apiKey", Value: docsKey}, {Name: "newClientOrderId", Value: "pct-bug-1"}, {Name: "price", Value: "0.05"},
		{Name: "quantity", Value: "1"}, {Name: "recvWindow", Value: "5000"}, {Name: "side", Value: "BUY"},
		{Name: "symbol", Value: "１２３４５６"}, {Name: "timeInForce", Value: "GTC"},
		{Name: "timestamp", Value: fmt.Sprint(ts)}, {Name: "type", Value: "LIMIT"},
	}
	// The buggy client: REST's encoder applied to the WebSocket payload.
	var encoded []byte
	for i, p := range ps {
		if i > 0 {
			encoded = append(encoded, '&')
		}
		encoded = append(encoded, p.Name+"="...)
		encoded = pct.AppendEscape(encoded, p.Value)
	}
	if !strings.Contains(string(encoded), "%EF%BC%91") {
		t.Fatalf("the payload is not percent-encoded: %s", encoded)
	}
	raw, err := k.hmac.AppendSign(nil, encoded)
	if err != nil {
		t.Fatal(err)
	}
	frame := map[string]any{"id": "buggy-1", "method": "order.place", "params": map[string]any{}}
	m := frame["params"].(map[string]any)
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	m["signature"] = payload.EncodeSignature(k.hmac.Algorithm(), raw, false)
	b, _ := json.Marshal(frame)
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	_, ans, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		ID     string `json:"id"`
		Status int    `json:"status"`
		Error  struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
	}
	if err := json.Unmarshal(ans, &r); err != nil {
		t.Fatal(err)
	}
	if r.ID != "buggy-1" || r.Status != http.StatusBadRequest || r.Error.Code != -1022 {
		t.Fatalf("percent-encoded payload: %s", ans)
	}
	// The same parameters through the client's builder verify.
	c := dial(t, url, "hmac", nil)
	var l params.List
	for _, p := range ps {
		switch p.Name {
		case "apiKey", "timestamp", "recvWindow":
			continue
		case "newClientOrderId":
			l.AddString(p.Name, "pct-bug-2")
		default:
			l.AddString(p.Name, p.Value)
		}
	}
	if _, err := c.Call(ctx, "order.place", l, true); err != nil {
		t.Fatalf("the correct payload: %v", err)
	}
}

// The connection is cut mid-stream, at the worst points (just after the
// exchange placed an order, before the answer; just before an order
// reaches it) and at random while several goroutines place orders: the
// client reconnects, logs on again, and every intent is exactly one order.
func TestReconnectNoOrderLostOrDoubled(t *testing.T) {
	srv, _, url := exchange(t, func(c *emulator.Config) {
		c.Limits.OrdersPer10s = 1_000_000
		c.Limits.OrdersPerDay = 10_000_000
		c.Limits.RequestWeightPerMinute = 1_000_000
	})
	px, purl := newProxy(t, url)
	logs := &syncBuffer{}
	c := dial(t, purl, "ed25519", func(o *wsapi.Options) {
		o.Logon = true
		o.Logger = debugLogger(logs)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const sym = "１２３４５６"

	// 1. The answer to order.place is lost: the order exists.
	px.setHook(func(toServer bool, f frameInfo) verdict {
		if !toServer && f.Method == "order.place" {
			return cut
		}
		return forward
	})
	o, err := c.PlaceOrder(ctx, limitOrder(sym))
	px.setHook(func(bool, frameInfo) verdict { return forward })
	if err != nil {
		t.Fatal(err)
	}
	if !o.Recovered || o.Attempts != 1 {
		t.Fatalf("lost answer: recovered %v attempts %d, want a recovery by lookup", o.Recovered, o.Attempts)
	}
	if n := countOrders(t, srv, edKey, sym)[o.ClientOrderID]; n != 1 {
		t.Fatalf("lost answer: %d orders", n)
	}
	if !c.LoggedOn() {
		t.Fatal("not logged on again after the reconnect")
	}

	// 2. The request is lost before the exchange sees it: sent again once.
	cuts := 0
	px.setHook(func(toServer bool, f frameInfo) verdict {
		if toServer && f.Method == "order.place" && cuts == 0 {
			cuts++
			return cut
		}
		return forward
	})
	o, err = c.PlaceOrder(ctx, limitOrder(sym))
	px.setHook(func(bool, frameInfo) verdict { return forward })
	if err != nil {
		t.Fatal(err)
	}
	if o.Recovered || o.Attempts != 2 {
		t.Fatalf("lost request: recovered %v attempts %d, want a resend after -2013", o.Recovered, o.Attempts)
	}
	if n := countOrders(t, srv, edKey, sym)[o.ClientOrderID]; n != 1 {
		t.Fatalf("lost request: %d orders", n)
	}

	// 3. Random cuts under concurrency.
	var hookMu sync.Mutex
	rng := rand.New(rand.NewPCG(6, 7))
	px.setHook(func(toServer bool, f frameInfo) verdict {
		if f.Method != "order.place" {
			return forward
		}
		hookMu.Lock()
		defer hookMu.Unlock()
		if rng.IntN(6) == 0 {
			return cut
		}
		return forward
	})
	const workers, each = 4, 15
	ids := make(chan string, workers*each)
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				o, err := c.PlaceOrder(ctx, limitOrder(sym))
				if err != nil {
					errs <- err
					continue
				}
				ids <- o.ClientOrderID
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Errorf("order failed: %v", err)
	}
	counts := countOrders(t, srv, edKey, sym)
	n := 0
	for id := range ids {
		n++
		if counts[id] != 1 {
			t.Errorf("client id %s: %d orders", id, counts[id])
		}
	}
	total := 0
	for _, k := range counts {
		total += k
	}
	if n != workers*each || total != n+2 {
		t.Fatalf("%d intents answered, %d orders in the store (want %d and %d)", n, total, workers*each, workers*each+2)
	}
	conns, logons := px.accepts.Load(), px.logons.Load()
	t.Logf("%d orders, %d connections, %d logons", total, conns, logons)
	if conns < 4 || logons < conns {
		t.Fatalf("%d connections and %d logons: every connection must log on", conns, logons)
	}
	if !strings.Contains(logs.String(), "reconnected") {
		t.Fatal("no reconnect logged")
	}
}

// A connection killed from outside (every connection cut at once) is
// replaced in the background, and later calls go out on the new one.
func TestReconnectTransparentForLaterCalls(t *testing.T) {
	_, _, url := exchange(t, nil)
	px, purl := newProxy(t, url)
	c := dial(t, purl, "hmac", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if px.killAll() == 0 {
			t.Fatal("no connection to kill")
		}
		// The client notices and reconnects on its own, before any call.
		for px.accepts.Load() != int64(i+1) {
			if ctx.Err() != nil {
				t.Fatalf("no reconnect after cut %d", i)
			}
			time.Sleep(time.Millisecond)
		}
		if _, err := c.AccountStatus(ctx); err != nil {
			t.Fatalf("after cut %d: %v", i, err)
		}
	}
	if n := px.accepts.Load(); n != 4 {
		t.Fatalf("%d connections, want 4", n)
	}
}

// A call sent on a connection that then drops fails with an unknown
// status (it may have executed); the next call goes out on a new one.
func TestInFlightCallFailsUnknownOnDrop(t *testing.T) {
	_, _, url := exchange(t, nil)
	px, purl := newProxy(t, url)
	c := dial(t, purl, "hmac", nil)
	px.setHook(func(toServer bool, f frameInfo) verdict {
		if !toServer && f.Method == "account.status" {
			return cut
		}
		return forward
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.AccountStatus(ctx)
	var te *wsapi.TransportError
	if !errors.Is(err, binance.ErrUnknownStatus) || !errors.As(err, &te) || !te.Sent {
		t.Fatalf("in flight during the drop: %v", err)
	}
	px.setHook(func(bool, frameInfo) verdict { return forward })
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatalf("after the drop: %v", err)
	}
}

// Ending a call's context stops the wait; a sent order reports an unknown
// status (and the context's error) and may well exist.
func TestContextCancellation(t *testing.T) {
	srv, _, url := exchange(t, nil)
	px, purl := newProxy(t, url)
	c := dial(t, purl, "hmac", nil)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.AccountStatus(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, binance.ErrUnknownStatus) {
		t.Fatalf("cancelled before the call: %v", err)
	}

	release := make(chan struct{})
	px.setHook(func(toServer bool, f frameInfo) verdict {
		if !toServer && f.Method == "order.place" {
			<-release // hold the answer
		}
		return forward
	})
	o := limitOrder("BTCUSDT")
	o.ClientOrderID = "ctx-cancel-1"
	tctx, tcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer tcancel()
	start := time.Now()
	_, err := c.PlaceOrder(tctx, o)
	if !errors.Is(err, binance.ErrUnknownStatus) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled while waiting: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the call returned %v after its deadline", d)
	}
	close(release)
	px.setHook(func(bool, frameInfo) verdict { return forward })
	// The request did execute, and the late answer did not disturb anything.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	q, err := c.OrderStatus(ctx2, "BTCUSDT", 0, "ctx-cancel-1")
	if err != nil || q.ClientOrderID != "ctx-cancel-1" {
		t.Fatalf("the cancelled order was not placed: %+v %v", q, err)
	}
	if n := countOrders(t, srv, docsKey, "BTCUSDT")["ctx-cancel-1"]; n != 1 {
		t.Fatalf("%d orders", n)
	}
}

// The exchange's clock jumps after the client synced: -1021, resync through
// the WebSocket "time" method, one retry, success.
func TestTimestampErrorResyncsOverWebSocket(t *testing.T) {
	srv, _, url := exchange(t, nil)
	c := dial(t, url, "hmac", nil) // no Options.Clock: synced with "time"
	ctx := context.Background()
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatal(err)
	}
	srv.SetClockSkew(-30 * time.Second)
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatalf("after resync: %v", err)
	}
	est := c.Clock().Estimate()
	if (est.Offset + 30*time.Second).Abs() > est.Bound+50*time.Millisecond {
		t.Fatalf("offset %v, want about -30s", est.Offset)
	}
}

// The REST client's clock and governor are shared: weight spent over the
// WebSocket API shows in the REST client's budget for the same host.
func TestSharesRESTClockAndGovernor(t *testing.T) {
	srv, base, url := exchange(t, nil)
	srv.SetClockSkew(2 * time.Second)
	rc, err := binance.New(binance.Options{BaseURL: base, APIKey: docsKey, Signer: loadKeys(t).hmac})
	if err != nil {
		t.Fatal(err)
	}
	ck, _ := rc.Clock(binance.Spot)
	c := dial(t, url, "hmac", func(o *wsapi.Options) { o.Clock, o.Governor = ck, rc.Governor() })
	ctx := context.Background()
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Clock() != ck || !ck.Estimate().Synced || (ck.Estimate().Offset-2*time.Second).Abs() > 100*time.Millisecond {
		t.Fatalf("clock not shared or not synced: %v", ck.Estimate())
	}
	used := 0
	for _, b := range rc.Governor().State(ctx, base).Budgets {
		if b.Limit.Kind == "REQUEST_WEIGHT" {
			used = b.Used
		}
	}
	// connection 2 + account.status 20 (the exchange's count may add the
	// REST time requests of the sync).
	if used < 22 {
		t.Fatalf("REST budget shows %d weight used, want at least the WebSocket's 22", used)
	}
}

// sameMinute waits, if needed, so that a test's requests fall in one
// calendar minute: the exchange's weight windows.
func sameMinute(need time.Duration) {
	now := time.Now()
	if left := now.Truncate(time.Minute).Add(time.Minute).Sub(now); left < need {
		time.Sleep(left + 100*time.Millisecond)
	}
}

// burn spends weight over REST, as another program on this IP would,
// until a request of weight w no longer fits under limit.
func burn(t *testing.T, base string, used, w, limit int) int {
	t.Helper()
	for used+w <= limit {
		resp, err := http.Get(base + "/api/v3/exchangeInfo") // 20
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("exchangeInfo: HTTP %d at %d used", resp.StatusCode, used)
		}
		if _, err := fmt.Sscan(resp.Header.Get("X-MBX-USED-WEIGHT-1M"), &used); err != nil {
			t.Fatal(err)
		}
	}
	return used
}

// A 429 with retryAfter blocks the host: nothing more is sent until then,
// and the error matches ErrRateLimited; a 418 matches ErrBanned.
func TestRateLimitStopsSending(t *testing.T) {
	const limit = 100
	srv, base, url := exchange(t, func(c *emulator.Config) { c.Limits.RequestWeightPerMinute = limit })
	sameMinute(15 * time.Second)
	ctx := context.Background()
	// The clock syncs over REST (5 weight), so the WebSocket clients' own
	// governors see no answer before the calls under test: they cannot
	// know what the exchange counted.
	rc, err := binance.New(binance.Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ck, _ := rc.Clock(binance.Spot)
	if _, err := ck.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	c := dial(t, url, "hmac", func(o *wsapi.Options) { o.Clock = ck })  // 2 weight
	c2 := dial(t, url, "hmac", func(o *wsapi.Options) { o.Clock = ck }) // 2 weight
	used := burn(t, base, 9, 20, limit)
	_, err = c.AccountStatus(ctx)
	var apiErr *binance.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, binance.ErrRateLimited) || apiErr.HTTPStatus != http.StatusTooManyRequests {
		t.Fatalf("over the limit (%d used before): %v", used, err)
	}
	if apiErr.RetryAfter <= 0 || apiErr.RetryAfter > time.Minute {
		t.Fatalf("retryAfter not read from the answer: %v", apiErr.RetryAfter)
	}
	before := len(srv.Recent())
	_, err = c.AccountStatus(ctx)
	if !errors.Is(err, binance.ErrRateLimited) || errors.As(err, &apiErr) {
		t.Fatalf("during the block, want the governor's refusal without sending: %v", err)
	}
	if after := len(srv.Recent()); after != before {
		t.Fatalf("the exchange saw %d more requests during the block", after-before)
	}
	// A second client that did not see the 429 sends during Retry-After:
	// banned (418), and it stops too.
	_, err = c2.AccountStatus(ctx)
	if !errors.As(err, &apiErr) || !errors.Is(err, binance.ErrBanned) || apiErr.RetryAfter <= 0 {
		t.Fatalf("request during Retry-After: %v, want a 418 ban", err)
	}
	before = len(srv.Recent())
	if err := c2.Ping(ctx); !errors.Is(err, binance.ErrBanned) || errors.As(err, &apiErr) {
		t.Fatalf("after the ban, want a refusal without sending: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // a reconnect, if one were attempted, would show
	if after := len(srv.Recent()); after != before {
		t.Fatalf("the exchange saw %d more requests (a handshake?) during the ban", after-before)
	}
}

// Once an answer has told the client the exchange's limit and count, it
// does not earn the 429: it waits for the next window, or refuses when the
// caller cannot wait that long, without sending.
func TestGovernorAvoids429(t *testing.T) {
	const limit = 100
	srv, base, url := exchange(t, func(c *emulator.Config) { c.Limits.RequestWeightPerMinute = limit })
	sameMinute(15 * time.Second)
	c := dial(t, url, "hmac", nil)
	ctx := context.Background()
	if _, err := c.Clock().Sync(ctx); err != nil { // 5 "time" calls, whose answers carry limit and count
		t.Fatal(err)
	}
	burn(t, base, 7, 20, limit)
	if err := c.Ping(ctx); err != nil { // learns the REST spending
		t.Fatal(err)
	}
	before := len(srv.Recent())
	tctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := c.AccountStatus(tctx)
	if !errors.Is(err, ratelimit.ErrWaitTooLong) {
		t.Fatalf("want a local refusal (the window has no room for 20), got %v", err)
	}
	if after := len(srv.Recent()); after != before {
		t.Fatalf("sent anyway: %d more requests", after-before)
	}
}

// Secrets, signatures and private keys never reach logs or errors, at
// debug level, through good calls and rejected ones.
func TestSecretsNeverInLogsOrErrors(t *testing.T) {
	_, _, url := exchange(t, nil)
	logs := &syncBuffer{}
	c := dial(t, url, "ed25519", func(o *wsapi.Options) { o.Logon, o.Logger = true, debugLogger(logs) })
	ctx := context.Background()
	var texts []string
	if _, err := c.PlaceOrder(ctx, limitOrder("１２３４５６")); err != nil {
		t.Fatal(err)
	}
	bad := dial(t, url, "hmac", func(o *wsapi.Options) {
		o.Logger = debugLogger(logs)
		o.Signer = mustHMAC(t, docsSecret+"x")
	})
	_, err := bad.AccountStatus(ctx)
	if !errors.Is(err, binance.ErrInvalidSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	texts = append(texts, err.Error(), fmt.Sprintf("%+v %#v", err, err), fmt.Sprintf("%v %+v", c, bad))
	all := logs.String() + strings.Join(texts, "\n")
	for _, s := range []string{docsSecret, "signature\":\"", "\"signature\"", "apiKey="} {
		if strings.Contains(all, s) {
			t.Fatalf("%q leaked into logs or errors", s)
		}
	}
	if !strings.Contains(logs.String(), "order.place") {
		t.Fatal("the debug log has no call lines: the test checks nothing")
	}
}

func mustHMAC(t testing.TB, s string) sign.Signer {
	t.Helper()
	h, err := sign.NewHMAC(secret.FromString(s))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The exchange's own faults on order.place (drop after processing, -1007
// after processing, 5xx after and before processing): exactly one order
// each time, recovered by lookup when it was placed, sent again once when
// it was not.
func TestOrderNeverDuplicatedUnderServerFaults(t *testing.T) {
	for _, f := range []emulator.Fault{
		{Kind: emulator.FaultDrop},
		{Kind: emulator.FaultTimeout},
		{Kind: emulator.Fault5xx, Process: true},
		{Kind: emulator.Fault5xx}, // not placed: must be sent again, once
	} {
		t.Run(fmt.Sprintf("%s-process=%v", f.Kind, f.Process), func(t *testing.T) {
			srv, _, url := exchange(t, nil)
			c := dial(t, url, "ed25519", func(o *wsapi.Options) { o.Logon = true })
			f.Method, f.Path = emulator.WSMethod, emulator.WSAPIPath+"/order.place"
			if _, err := srv.AddFault(f); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			o, err := c.PlaceOrder(ctx, limitOrder("这是测试币456"))
			if err != nil {
				t.Fatal(err)
			}
			if n := countOrders(t, srv, edKey, "这是测试币456")[o.ClientOrderID]; n != 1 {
				t.Fatalf("%d orders with client id %s, want exactly 1", n, o.ClientOrderID)
			}
			placedByFault := f.Kind != emulator.Fault5xx || f.Process
			if o.Recovered != placedByFault || (!placedByFault && o.Attempts != 2) {
				t.Fatalf("recovered = %v attempts %d, want recovered %v", o.Recovered, o.Attempts, placedByFault)
			}
			if len(srv.Faults()) != 0 {
				t.Fatal("the fault was not used")
			}
			if !c.LoggedOn() {
				t.Fatal("not logged on after the fault")
			}
		})
	}
}

// A key that loses a permission revokes the session ({"id":null,
// "status":401}); the request that found out reports an unknown status
// wrapping the -2015, later signed calls log on again, and an order the
// key may no longer place is refused, never placed.
func TestSessionRevoked(t *testing.T) {
	srv, _, url := exchange(t, nil)
	c := dial(t, url, "ed25519", func(o *wsapi.Options) { o.Logon = true })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetKeyPermissions(edKey, []string{emulator.PermUserData}); err != nil {
		t.Fatal(err)
	}
	_, err := c.AccountStatus(ctx)
	var apiErr *binance.APIError
	if !errors.Is(err, binance.ErrKeyPermission) || !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("revocation: %v", err)
	}
	if c.LoggedOn() {
		t.Fatal("still marked logged on after the revocation")
	}
	// USER_DATA is left: account.status logs on again and works.
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatalf("after the revocation: %v", err)
	}
	if !c.LoggedOn() {
		t.Fatal("not logged on again")
	}
	o, err := c.PlaceOrder(ctx, limitOrder("BTCUSDT"))
	if !errors.Is(err, binance.ErrKeyPermission) {
		t.Fatalf("order without TRADE: %+v %v", o, err)
	}
	if n := len(countOrders(t, srv, edKey, "BTCUSDT")); n != 0 {
		t.Fatalf("%d orders placed without TRADE", n)
	}
	if err := srv.SetKeyPermissions(edKey, []string{emulator.PermUserData, emulator.PermTrade}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PlaceOrder(ctx, limitOrder("BTCUSDT")); err != nil {
		t.Fatalf("with TRADE back: %v", err)
	}
}

// Close ends every goroutine the client started; later calls fail with
// ErrClosed. With reconnecting disabled, a drop closes the client.
func TestCloseAndReconnectDisabled(t *testing.T) {
	_, _, url := exchange(t, nil)
	px, purl := newProxy(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := dial(t, purl, "ed25519", func(o *wsapi.Options) { o.Logon = true })
	if _, err := c.AccountStatus(ctx); err != nil {
		t.Fatal(err)
	}
	px.killAll()
	if _, err := c.AccountStatus(ctx); err != nil && !errors.Is(err, binance.ErrUnknownStatus) {
		t.Fatal(err)
	}
	d0 := dial(t, purl, "hmac", nil)
	if err := d0.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); !errors.Is(err, wsapi.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if n := clientGoroutines(); n == 0 {
		t.Fatal("the goroutine count sees no client goroutine: it checks nothing")
	}
	d0.Close()
	for clientGoroutines() > 0 {
		if ctx.Err() != nil {
			buf := make([]byte, 1<<20)
			t.Fatalf("client goroutines left after Close:\n%s", buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}

	d := dial(t, purl, "hmac", func(o *wsapi.Options) { o.Reconnect.Disabled = true })
	if err := d.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	px.killAll()
	for {
		err := d.Ping(ctx)
		if errors.Is(err, wsapi.ErrClosed) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("with reconnecting disabled, a drop must close the client: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// clientGoroutines counts goroutines running the client's code (package
// wsapi, not its tests).
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "mbx/binance/wsapi.(") {
			n++
		}
	}
	return n
}

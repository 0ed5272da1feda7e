package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/redistest"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

const zh = "%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456" // 这是测试币456, percent-encoded

// A correct bot, through the proxy, gets exactly the exchange's answers.
func TestCorrectBotGetsTheExchangesAnswers(t *testing.T) {
	r := newRig(t, emulator.DefaultConfig(), nil)
	ctx := context.Background()

	// The REST client, pointed at the proxy: it syncs its clock, signs, and
	// places an order, all through the proxy.
	c, err := binance.New(binance.Options{BaseURL: r.pxBase, APIKey: docsAPIKey, Signer: r.hmac, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := c.Account(ctx)
	if err != nil {
		t.Fatalf("Account through the proxy: %v", err)
	}
	if len(acct.Balances) == 0 {
		t.Fatalf("account without balances: %+v", acct)
	}
	ord, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: "这是测试币456", Side: "BUY", Type: "MARKET", Quantity: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatalf("PlaceOrder through the proxy: %v", err)
	}
	if ord.Status != "FILLED" {
		t.Fatalf("order %+v", ord)
	}
	if got := r.arrived("/api/v3/order"); len(got) != 1 || got[0].Verdict != emulator.VerdictAccepted || !strings.Contains(got[0].RawQuery+got[0].Body, zh) {
		t.Fatalf("the exchange saw %+v", got)
	}

	// A raw client: the same signed request through the proxy and directly.
	q := "omitZeroBalances=true&recvWindow=5000&timestamp=" + r.clock.ms()
	q += "&signature=" + r.hmacHex(q)
	px := r.send(r.pxBase, http.MethodGet, "/api/v3/account", q, "", "", docsAPIKey)
	dx := r.send(r.exBase, http.MethodGet, "/api/v3/account", q, "", "", docsAPIKey)
	if px.Status != http.StatusOK || dx.Status != http.StatusOK {
		t.Fatalf("status proxy %d direct %d: %s", px.Status, dx.Status, px.Body)
	}
	if !bytes.Equal(px.Body, dx.Body) {
		t.Fatalf("bodies differ:\nproxy  %s\ndirect %s", px.Body, dx.Body)
	}
	names := func(h http.Header) []string {
		var out []string
		for k := range h {
			if k != "Date" {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	if a, b := names(px.Header), names(dx.Header); !slices.Equal(a, b) {
		t.Fatalf("header names differ:\nproxy  %v\ndirect %v", a, b)
	}
	if px.Header.Get("Content-Type") != dx.Header.Get("Content-Type") || px.Header.Get("Content-Length") != dx.Header.Get("Content-Length") {
		t.Fatalf("headers differ: %v vs %v", px.Header, dx.Header)
	}
	// The weight header passes through: the direct call came second and
	// cost the account endpoint's weight on top.
	pw, _ := strconv.Atoi(px.Header.Get("X-Mbx-Used-Weight-1m"))
	dw, _ := strconv.Atoi(dx.Header.Get("X-Mbx-Used-Weight-1m"))
	if pw == 0 || dw-pw != 20 {
		t.Fatalf("used weight through the proxy %d, directly after it %d; want a difference of 20", pw, dw)
	}
	if px.Header.Get(proxy.HeaderInspect) != "" || px.Header.Get(proxy.HeaderExplain) != "" {
		t.Fatalf("the proxy added its headers to a forwarded answer: %v", px.Header)
	}
	if st := r.p.Stats(); st.RejectedLocally != 0 || st.LimitedLocally != 0 || st.Forwarded < 4 {
		t.Fatalf("stats %+v", st)
	}
}

// A bot that signs wrongly is answered -1022 by the proxy, with the
// explanation, and the request never reaches the exchange; the answer is
// the one the exchange itself gives to the same request.
func TestWrongSignatureAnsweredLocally(t *testing.T) {
	r := newRig(t, emulator.DefaultConfig(), nil)
	wrongHMAC := func(sec string) func(string) string {
		h, err := sign.NewHMAC(secret.FromString(sec))
		if err != nil {
			t.Fatal(err)
		}
		return func(s string) string {
			raw, _ := h.AppendSign(nil, []byte(s))
			return hexString(raw)
		}
	}
	ts := "timestamp=" + r.clock.ms()
	tests := []struct {
		name        string
		query, body string
		signed      string // what the bot signed
		sig         func(string) string
		mistake     string
	}{
		{"signs the raw UTF-8 payload, sends it percent-encoded", "symbol=" + zh + "&side=BUY&type=MARKET&quantity=1&" + ts, "",
			"symbol=这是测试币456&side=BUY&type=MARKET&quantity=1&" + ts, nil, verify.MistakeSignedDecoded},
		{"signs the parameters sorted", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&" + ts, "",
			"quantity=0.001&side=BUY&symbol=BTCUSDT&" + ts + "&type=MARKET", nil, verify.MistakeSorted},
		{"joins query and body with &", "symbol=BTCUSDT&side=BUY", "type=MARKET&quantity=0.001&" + ts,
			"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&" + ts, nil, verify.MistakeAmpJoin},
		{"secret read with its trailing newline", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&" + ts, "",
			"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&" + ts, wrongHMAC(docsSecret + "\n"), verify.MistakeSecretNewline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sigf := r.hmacHex
			if tt.sig != nil {
				sigf = tt.sig
			}
			q, b := tt.query, tt.body
			if b != "" {
				b += "&signature=" + sigf(tt.signed)
			} else {
				q += "&signature=" + sigf(tt.signed)
			}
			before := len(r.arrived("/api/v3/order"))
			px := r.send(r.pxBase, http.MethodPost, "/api/v3/order", q, b, "", docsAPIKey)
			wantCode(t, px, http.StatusBadRequest, int(codes.InvalidSignature))
			if px.Msg != codes.MsgInvalidSignature {
				t.Errorf("msg %q", px.Msg)
			}
			if x := px.Header.Get(proxy.HeaderExplain); !strings.Contains(x, tt.mistake) {
				t.Errorf("X-MBX-EXPLAIN %q does not name %s", x, tt.mistake)
			}
			insp := px.Header.Get(proxy.HeaderInspect)
			if !strings.HasPrefix(insp, "/mbx/#") {
				t.Fatalf("X-MBX-INSPECT %q", insp)
			}
			if n := len(r.arrived("/api/v3/order")); n != before {
				t.Fatalf("the request reached the exchange (%d -> %d entries)", before, n)
			}
			// The exchange answers the same request the same way.
			dx := r.send(r.exBase, http.MethodPost, "/api/v3/order", q, b, "", docsAPIKey)
			if dx.Status != px.Status || !bytes.Equal(dx.Body, px.Body) {
				t.Fatalf("exchange answered %d %s, proxy %d %s", dx.Status, dx.Body, px.Status, px.Body)
			}
			if x := dx.Header.Get(emulator.HeaderExplain); x != px.Header.Get(proxy.HeaderExplain) {
				t.Errorf("explanations differ:\nexchange %s\nproxy    %s", x, px.Header.Get(proxy.HeaderExplain))
			}
			// The proxy's inspector shows the request with its explanation.
			id := strings.TrimPrefix(insp, "/mbx/#")
			var d struct {
				Verdict     string `json:"verdict"`
				Code        int    `json:"code"`
				Weight      int    `json:"weight"`
				RawQuery    string `json:"rawQuery"`
				Explanation struct {
					Mistake struct{ ID string } `json:"mistake"`
					Notes   []string            `json:"notes"`
				} `json:"explanation"`
			}
			page := r.send(r.pxBase, http.MethodGet, "/mbx/api/entry/"+id, "", "", "", "")
			if page.Status != http.StatusOK || json.Unmarshal(page.Body, &d) != nil {
				t.Fatalf("inspector entry: %d %s", page.Status, page.Body)
			}
			if d.Verdict != emulator.VerdictRejected || d.Code != -1022 || d.Weight != 0 || d.Explanation.Mistake.ID != tt.mistake ||
				!strings.Contains(strings.Join(d.Explanation.Notes, " "), "not forwarded") {
				t.Fatalf("inspector entry %+v", d)
			}
		})
	}
	if st := r.p.Stats(); st.RejectedLocally != uint64(len(tests)) {
		t.Fatalf("stats %+v", st)
	}
}

func hexString(b []byte) string {
	const d = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, d[c>>4], d[c&15])
	}
	return string(out)
}

// Timestamps are judged against the upstream's clock, and answered -1021
// locally only when the upstream would certainly reject them.
func TestTimestampJudgedAgainstTheUpstreamsClock(t *testing.T) {
	tests := []struct {
		name      string
		skew      time.Duration // the exchange's clock against the bot's
		offset    time.Duration // the bot's timestamp against its own clock
		recv      string
		local     bool // answered -1021 by the proxy
		wantCode  int  // the answer
		wantAhead bool
	}{
		{"ten seconds old", 0, -10 * time.Second, "", true, -1021, false},
		{"three seconds ahead", 0, 3 * time.Second, "", true, -1021, true},
		{"bot's clock 3s ahead of the exchange's", -3 * time.Second, 0, "", true, -1021, true},
		{"bot's clock 8s behind the exchange's", 8 * time.Second, 0, "", true, -1021, false},
		{"950ms ahead: within the proxy's uncertainty, the exchange accepts", 0, 950 * time.Millisecond, "", false, 0, false},
		{"50ms past recvWindow: within the uncertainty, the exchange decides", 0, -5050 * time.Millisecond, "5000", false, -1021, false},
		{"old but inside a large recvWindow", 0, -20 * time.Second, "30000", false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, emulator.DefaultConfig(), nil)
			r.srv.SetClockSkew(tt.skew)
			q := "symbol=BTCUSDT&"
			if tt.recv != "" {
				q += "recvWindow=" + tt.recv + "&"
			}
			q += "timestamp=" + strconv.FormatInt(r.clock.Now().Add(tt.offset).UnixMilli(), 10)
			q += "&signature=" + r.hmacHex(q)
			before := len(r.arrived("/api/v3/openOrders"))
			a := r.send(r.pxBase, http.MethodGet, "/api/v3/openOrders", q, "", "", docsAPIKey)
			arrived := len(r.arrived("/api/v3/openOrders")) - before
			if tt.local != (arrived == 0) {
				t.Fatalf("answered locally %v, want %v (%d %s)", arrived == 0, tt.local, a.Status, a.Body)
			}
			if tt.wantCode == 0 {
				if a.Status != http.StatusOK {
					t.Fatalf("got %d %s, want 200", a.Status, a.Body)
				}
				return
			}
			wantCode(t, a, http.StatusBadRequest, tt.wantCode)
			ahead := a.Msg == codes.MsgTimestampAhead
			if ahead != tt.wantAhead {
				t.Fatalf("msg %q", a.Msg)
			}
			if tt.local {
				x := a.Header.Get(proxy.HeaderExplain)
				want := verify.MistakeClockBehind
				if tt.wantAhead {
					want = verify.MistakeClockAhead
				}
				if !strings.Contains(x, want) {
					t.Fatalf("X-MBX-EXPLAIN %q does not name %s", x, want)
				}
			}
		})
	}
}

// Bytes that need exact forwarding arrive at the exchange byte-identical.
func TestForwardsQueryAndBodyByteForByte(t *testing.T) {
	r := newRig(t, emulator.DefaultConfig(), nil)
	signed := func(q string) string { return q + "&signature=" + r.hmacHex(q) }
	ts := "timestamp=" + r.clock.ms()
	tests := []struct {
		name, method, path, query, body, ct, apiKey string
		wantStatus                                  int
		notCode                                     int
	}{
		{name: "unsigned, every tricky byte in the query", method: "GET", path: "/api/v3/ticker/price",
			query: "symbol=BTCUSDT&note=a%2Bb%40c+d%20e%E5%B8%81%e5%b8%81&j=%7B%22k%22%3A1%7D&raw=a+b&empty=&flag"},
		{name: "form body holding raw JSON", method: "POST", path: "/sapi/v2/fiat/withdraw", query: "currency=BRL",
			body: `accountInfo={"agency":"0001","account":"1234 5"}&amount=1.5&note=%2B%40+`},
		{name: "JSON body", method: "POST", path: "/api/v3/order/test", ct: "application/json",
			body: `{"symbol":"BTCUSDT","note":"%2B+é\u00e9"}`},
		{name: "unknown key, raw non-ASCII", method: "GET", path: "/api/v3/account", apiKey: "someone-elses-key",
			query: "symbol=币&" + ts + "&signature=00", notCode: 0},
		{name: "signed by a known key: the exchange verifies the very bytes", method: "GET", path: "/api/v3/openOrders", apiKey: docsAPIKey,
			query: signed("symbol=" + zh + "&" + ts), wantStatus: http.StatusOK},
		{name: "signed, %2B %40 and + in the query: -1104, not -1022", method: "GET", path: "/api/v3/openOrders", apiKey: docsAPIKey,
			query: signed("symbol=BTCUSDT&note=a%2Bb%40c+d&" + ts), notCode: -1022},
		{name: "signed across query and form body", method: "POST", path: "/api/v3/order/test", apiKey: docsAPIKey,
			query:      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC",
			body:       "quantity=0.001&price=50000&newClientOrderId=a-b_c&" + ts + "&signature=" + r.hmacHex("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTCquantity=0.001&price=50000&newClientOrderId=a-b_c&"+ts),
			wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(r.arrived(tt.path))
			a := r.send(r.pxBase, tt.method, tt.path, tt.query, tt.body, tt.ct, tt.apiKey)
			got := r.arrived(tt.path)
			if len(got) != before+1 {
				t.Fatalf("%d requests arrived, want 1 (answer %d %s)", len(got)-before, a.Status, a.Body)
			}
			e := got[len(got)-1]
			if e.RawQuery != tt.query {
				t.Fatalf("raw query arrived as\n%q\nsent\n%q", e.RawQuery, tt.query)
			}
			if e.Body != tt.body {
				t.Fatalf("body arrived as\n%q\nsent\n%q", e.Body, tt.body)
			}
			if tt.wantStatus != 0 && a.Status != tt.wantStatus {
				t.Fatalf("status %d %s", a.Status, a.Body)
			}
			if tt.notCode != 0 && a.Code == tt.notCode {
				t.Fatalf("answered %d: the bytes were changed on the way", a.Code)
			}
			if e.Code != a.Code || e.HTTPStatus != a.Status {
				t.Fatalf("the exchange answered %d %d, the bot got %d %d", e.HTTPStatus, e.Code, a.Status, a.Code)
			}
		})
	}
}

// The wire itself, seen by a bare upstream: the request line, headers and
// body go out as they came in, and the answer comes back as it was.
func TestForwardsTheWireUnchanged(t *testing.T) {
	type seen struct {
		requestURI, host string
		header           http.Header
		body             []byte
	}
	got := make(chan seen, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.RequestURI, r.Host, r.Header.Clone(), b}
		w.Header().Set("X-Custom", "kept")
		w.Header().Set("Content-Type", "text/plain; charset=latin1")
		w.Header().Set("Content-Encoding", "identity")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("raw \xff body"))
	}))
	defer up.Close()
	_, pxBase := startProxy(t, proxy.Options{Upstream: up.URL})

	// A hand-written request, so that nothing normalises it on the way in.
	const uri = "/api/v3/%7Eodd/path%2F?b=%2B&a=+%40&c=%e5&json=%7B%7D"
	body := "x=1&y=%2B+"
	conn, err := net.Dial("tcp", strings.TrimPrefix(pxBase, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST " + uri + " HTTP/1.1\r\nHost: bot.example\r\nX-MBX-APIKEY: k\r\nX-Bot: 1\r\nConnection: keep-alive, X-Hop\r\nX-Hop: drop me\r\n" +
		"Keep-Alive: timeout=5\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := <-got
	if s.requestURI != uri {
		t.Errorf("request target arrived as %q, sent %q", s.requestURI, uri)
	}
	if string(s.body) != body || s.header.Get("Content-Length") != "" && s.header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("body arrived as %q", s.body)
	}
	if s.header.Get("X-Mbx-Apikey") != "k" || s.header.Get("X-Bot") != "1" || s.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("end-to-end headers lost: %v", s.header)
	}
	for _, h := range []string{"X-Hop", "Keep-Alive", "Connection", "User-Agent", "Accept-Encoding", "X-Forwarded-For"} {
		if v, ok := s.header[h]; ok {
			t.Errorf("header %s: %q arrived; a hop-by-hop header or one the proxy made up", h, v)
		}
	}
	if !strings.HasPrefix(up.URL, "http://"+s.host) {
		t.Errorf("Host %q, want the upstream's", s.host)
	}
	if resp.StatusCode != http.StatusCreated || string(rb) != "raw \xff body" || resp.Header.Get("X-Custom") != "kept" ||
		resp.Header.Get("Content-Type") != "text/plain; charset=latin1" || resp.Header.Get("Content-Encoding") != "identity" {
		t.Errorf("answer changed: %d %q %v", resp.StatusCode, rb, resp.Header)
	}
}

// After the upstream answers 429, the proxy answers 429 itself until
// Retry-After, forwarding nothing, so the exchange never bans the IP.
func TestUpstream429AnsweredLocallyUntilRetryAfter(t *testing.T) {
	cfg := emulator.DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 20 // ten ticker requests
	r := newRig(t, cfg, nil)
	const path, q = "/api/v3/ticker/price", "symbol=BTCUSDT"
	var first answer
	for i := 0; i < 30; i++ {
		a := r.send(r.pxBase, http.MethodGet, path, q, "", "", "")
		if a.Status == http.StatusTooManyRequests {
			first = a
			break
		}
		if a.Status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, a.Status, a.Body)
		}
	}
	if first.Status != http.StatusTooManyRequests {
		t.Fatal("the exchange never answered 429")
	}
	retryAfter, err := strconv.Atoi(first.Header.Get("Retry-After"))
	if err != nil || retryAfter < 1 {
		t.Fatalf("upstream Retry-After %q", first.Header.Get("Retry-After"))
	}
	arrived := len(r.arrived(path))
	for i := 0; i < 20; i++ {
		a := r.send(r.pxBase, http.MethodGet, path, q, "", "", "")
		wantCode(t, a, http.StatusTooManyRequests, int(codes.TooManyRequests))
		if a.Msg != first.Msg {
			t.Fatalf("local msg %q, the exchange said %q", a.Msg, first.Msg)
		}
		ra, err := strconv.Atoi(a.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > retryAfter {
			t.Fatalf("local Retry-After %q, upstream said %d", a.Header.Get("Retry-After"), retryAfter)
		}
		if !strings.HasPrefix(a.Header.Get(proxy.HeaderInspect), "/mbx/#") || !strings.Contains(a.Header.Get(proxy.HeaderExplain), "429") {
			t.Fatalf("headers %v", a.Header)
		}
	}
	// Signed requests of a known key share the block.
	sq := "timestamp=" + r.clock.ms()
	sq += "&signature=" + r.hmacHex(sq)
	wantCode(t, r.send(r.pxBase, http.MethodGet, "/api/v3/account", sq, "", "", docsAPIKey), http.StatusTooManyRequests, int(codes.TooManyRequests))
	if n := len(r.arrived(path)); n != arrived || len(r.arrived("/api/v3/account")) != 0 {
		t.Fatalf("%d requests reached the exchange during Retry-After", n-arrived)
	}
	if bans := r.srv.Counters().Bans; len(bans) != 0 {
		t.Fatalf("the exchange banned: %+v", bans)
	}
	if st := r.p.Stats(); st.LimitedLocally != 21 {
		t.Fatalf("stats %+v", st)
	}
	// Once Retry-After has passed, requests flow again.
	r.clock.Advance(time.Duration(retryAfter)*time.Second + time.Second)
	if a := r.send(r.pxBase, http.MethodGet, path, q, "", "", ""); a.Status != http.StatusOK {
		t.Fatalf("after Retry-After: %d %s", a.Status, a.Body)
	}
	if n := len(r.arrived(path)); n != arrived+1 {
		t.Fatalf("%d arrived after Retry-After, want 1", n-arrived)
	}
}

// A ban (418) earned elsewhere holds for every bot behind the proxy: one
// request finds out, the rest are answered 418 locally until it ends.
func TestUpstream418AnsweredLocallyUntilTheBanEnds(t *testing.T) {
	cfg := emulator.DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 4
	r := newRig(t, cfg, nil)
	const path, q = "/api/v3/ticker/price", "symbol=BTCUSDT"
	for i := 0; i < 3; i++ {
		r.send(r.pxBase, http.MethodGet, path, q, "", "", "")
	}
	// Someone on the same IP ignores the 429 and earns a ban directly.
	direct := r.send(r.exBase, http.MethodGet, path, q, "", "", "")
	wantCode(t, direct, http.StatusTeapot, int(codes.TooManyRequests))
	// The proxy's own 429 block ends before the ban does.
	r.clock.Advance(31 * time.Second)
	arrived := len(r.arrived(path))
	a := r.send(r.pxBase, http.MethodGet, path, q, "", "", "")
	wantCode(t, a, http.StatusTeapot, int(codes.TooManyRequests))
	if len(r.arrived(path)) != arrived+1 {
		t.Fatal("the first request after the 429 block was not forwarded")
	}
	for i := 0; i < 10; i++ {
		l := r.send(r.pxBase, http.MethodGet, path, q, "", "", "")
		wantCode(t, l, http.StatusTeapot, int(codes.TooManyRequests))
		if l.Msg != a.Msg || !strings.Contains(l.Msg, "IP banned until") {
			t.Fatalf("local msg %q, the exchange said %q", l.Msg, a.Msg)
		}
		if ra, _ := strconv.Atoi(l.Header.Get("Retry-After")); ra < 60 {
			t.Fatalf("Retry-After %q during a 2-minute ban", l.Header.Get("Retry-After"))
		}
	}
	if n := len(r.arrived(path)); n != arrived+1 {
		t.Fatalf("%d requests reached the exchange during the ban", n-arrived-1)
	}
	r.clock.Advance(3 * time.Minute)
	if a := r.send(r.pxBase, http.MethodGet, path, q, "", "", ""); a.Status != http.StatusOK {
		t.Fatalf("after the ban: %d %s", a.Status, a.Body)
	}
}

// With Redis, proxies share one budget: a 429 one of them saw blocks the
// other too.
func TestBudgetSharedThroughRedis(t *testing.T) {
	rs := redistest.Start(t)
	cfg := emulator.DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 10
	prefix := "mbx:proxytest:" + strconv.FormatInt(time.Now().UnixNano(), 10)
	withRedis := func(o *proxy.Options) {
		o.Backend = ratelimit.NewRedis(rs.Client(t), ratelimit.RedisOptions{Prefix: prefix, Logger: slog.New(slog.DiscardHandler)})
	}
	r := newRig(t, cfg, withRedis)
	opt := proxy.Options{Upstream: r.exBase, Now: r.clock.Now}
	withRedis(&opt)
	_, otherBase := startProxy(t, opt)
	const path, q = "/api/v3/ticker/price", "symbol=BTCUSDT"
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		limited = r.send(r.pxBase, http.MethodGet, path, q, "", "", "").Status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("the exchange never answered 429")
	}
	arrived := len(r.arrived(path))
	a := r.send(otherBase, http.MethodGet, path, q, "", "", "")
	wantCode(t, a, http.StatusTooManyRequests, int(codes.TooManyRequests))
	if len(r.arrived(path)) != arrived {
		t.Fatal("the second proxy forwarded during the first one's 429")
	}
	st := r.p.Governor().State(context.Background(), r.exBase)
	if st.BlockedUntil.IsZero() || st.Err != nil {
		t.Fatalf("governor state %+v", st)
	}
}

// The proxy's inspector page and API list what went through it.
func TestInspector(t *testing.T) {
	r := newRig(t, emulator.DefaultConfig(), nil)
	r.send(r.pxBase, http.MethodGet, "/api/v3/ticker/price", "symbol=BTCUSDT", "", "", "")
	bad := "symbol=BTCUSDT&timestamp=" + r.clock.ms() + "&signature=" + strings.Repeat("0", 64)
	r.send(r.pxBase, http.MethodGet, "/api/v3/openOrders", bad, "", "", docsAPIKey)
	page := r.send(r.pxBase, http.MethodGet, "/mbx/", "", "", "", "")
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !bytes.Contains(page.Body, []byte("<html")) {
		t.Fatalf("page: %d %s", page.Status, page.Header)
	}
	var list []struct {
		ID      uint64 `json:"id"`
		Path    string `json:"path"`
		Verdict string `json:"verdict"`
		Code    int    `json:"code"`
		Weight  int    `json:"weight"`
	}
	a := r.send(r.pxBase, http.MethodGet, "/mbx/api/recent", "", "", "", "")
	if err := json.Unmarshal(a.Body, &list); err != nil || len(list) != 2 {
		t.Fatalf("recent: %v %s", err, a.Body)
	}
	if list[0].Path != "/api/v3/openOrders" || list[0].Code != -1022 || list[0].Verdict != emulator.VerdictRejected ||
		list[1].Path != "/api/v3/ticker/price" || list[1].Verdict != emulator.VerdictAccepted || list[1].Weight != 2 {
		t.Fatalf("recent %+v", list)
	}
	if e, ok := r.p.Lookup(list[1].ID); !ok || e.UsedWeight == 0 || !strings.Contains(e.Response, "BTCUSDT") {
		t.Fatalf("forwarded entry %+v", e)
	}
	// Nothing under /mbx/ is forwarded, and it answers loopback clients only
	// (the page holds every request body).
	if n := len(r.arrived("/mbx/")); n != 0 {
		t.Fatal("the inspector request was forwarded")
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	h := docsHMAC(t)
	tests := []struct {
		name string
		opt  proxy.Options
		says string
	}{
		{"no upstream", proxy.Options{}, "base URL"},
		{"not http", proxy.Options{Upstream: "ftp://h"}, "base URL"},
		{"query in upstream", proxy.Options{Upstream: "http://h?a=1"}, "base URL"},
		{"key without api key", proxy.Options{Upstream: "http://h", Keys: []verify.Key{{Verifier: h}}}, "no APIKey"},
		{"key without verifier", proxy.Options{Upstream: "http://h", Keys: []verify.Key{{APIKey: docsAPIKey}}}, "no Verifier"},
		{"duplicate key", proxy.Options{Upstream: "http://h", Keys: []verify.Key{{APIKey: docsAPIKey, Verifier: h}, {APIKey: docsAPIKey, Verifier: h}}}, "twice"},
	}
	for _, tt := range tests {
		_, err := proxy.New(tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: err %v, want it to say %q", tt.name, err, tt.says)
		}
		if err != nil && strings.Contains(err.Error(), docsSecret) {
			t.Errorf("%s: the error shows the secret", tt.name)
		}
	}
}

// An unreachable upstream is a 502 with Binance's -1001 shape and an
// explanation, never a hang or a panic.
func TestUpstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, base := startProxy(t, proxy.Options{Upstream: "http://" + addr})
	r := &rig{t: t, hc: &http.Client{Timeout: 10 * time.Second}}
	a := r.send(base, http.MethodGet, "/api/v3/time", "", "", "", "")
	wantCode(t, a, http.StatusBadGateway, int(codes.Disconnected))
	if !strings.Contains(a.Header.Get(proxy.HeaderExplain), "no answer") {
		t.Fatalf("explain %q", a.Header.Get(proxy.HeaderExplain))
	}
	if st := p.Stats(); st.Failed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Syntax errors on signature, timestamp and recvWindow are answered
// locally; everything else the proxy is not sure of goes to the exchange.
func TestSyntaxErrorsOnSignatureAndTimestamp(t *testing.T) {
	r := newRig(t, emulator.DefaultConfig(), nil)
	ts := "timestamp=" + r.clock.ms()
	signed := func(q string) string { return q + "&signature=" + r.hmacHex(q) }
	tests := []struct {
		name  string
		query string
		local bool
		code  int
	}{
		{"signature not hex", "symbol=BTCUSDT&" + ts + "&signature=not-a-signature", true, -1100},
		{"timestamp missing", signed("symbol=BTCUSDT"), true, -1102},
		{"timestamp not a number", signed("symbol=BTCUSDT&timestamp=12ab"), true, -1100},
		{"recvWindow over 60000", signed("symbol=BTCUSDT&recvWindow=70000&" + ts), true, -1102},
		{"no signature: maybe an API-key endpoint, forwarded", "symbol=BTCUSDT&" + ts, false, -1102},
		{"malformed %XX: the exchange decides", signed("symbol=BTC%ZZ&" + ts), false, -1100},
		{"duplicate parameter: the exchange decides", signed("symbol=BTCUSDT&symbol=ETHUSDT&" + ts), false, -1101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(r.arrived("/api/v3/openOrders"))
			a := r.send(r.pxBase, http.MethodGet, "/api/v3/openOrders", tt.query, "", "", docsAPIKey)
			arrived := len(r.arrived("/api/v3/openOrders")) - before
			if tt.local != (arrived == 0) {
				t.Fatalf("answered locally %v, want %v: %d %s", arrived == 0, tt.local, a.Status, a.Body)
			}
			wantCode(t, a, http.StatusBadRequest, tt.code)
			if got := a.Header.Get(proxy.HeaderInspect); tt.local && !strings.HasPrefix(got, "/mbx/#") {
				t.Fatalf("X-MBX-INSPECT %q", got)
			}
		})
	}
}

package wsapi

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/internal/vectors"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// frameParams decodes a built request frame the way a server does and
// returns its method and params as text (numbers as their literal digits).
func frameParams(t *testing.T, frame []byte) (id, method string, ps map[string]string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	var f struct {
		ID     string         `json:"id"`
		Method string         `json:"method"`
		Params map[string]any `json:"params"`
	}
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the frame is not JSON: %v\n%s", err, frame)
	}
	ps = map[string]string{}
	for k, v := range f.Params {
		switch v := v.(type) {
		case string:
			ps[k] = v
		case json.Number:
			ps[k] = v.String()
		default:
			t.Fatalf("param %s has JSON type %T", k, v)
		}
	}
	return f.ID, f.Method, ps
}

// sortedPayload is the server's side of the rule: every param but
// signature, sorted by name, raw values.
func sortedPayload(ps map[string]string) string {
	names := make([]string, 0, len(ps))
	for k := range ps {
		if k != "signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + "=" + ps[k]
	}
	return strings.Join(parts, "&")
}

// Vectors W1–W3 reproduce through the client's request builder: the frame
// it would send carries exactly the published payload's parameters, and the
// published signature.
func TestVectorsThroughRequestBuilder(t *testing.T) {
	vs, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, v := range vs {
		if v.Kind != "ws-hmac" {
			continue
		}
		t.Run(v.ID, func(t *testing.T) {
			h, err := sign.NewHMAC(secret.FromString(v.Secret))
			if err != nil {
				t.Fatal(err)
			}
			c := &Client{apiKey: v.APIKey, signer: h, ck: clock.New(nil, clock.Options{}), recvWindow: 5 * time.Second}
			var p params.List
			for _, kv := range v.Params {
				if kv[0] != "apiKey" { // the client adds its own key
					p.AddString(kv[0], kv[1])
				}
			}
			method := "order.place"
			if p.Len() == 1 { // W3: session.logon's apiKey and timestamp only
				method = "session.logon"
			}
			frame, err := c.build(42, method, &p, authSignature)
			if err != nil {
				t.Fatal(err)
			}
			id, m, ps := frameParams(t, frame)
			if id != "mbx-42" || m != method {
				t.Fatalf("id %q method %q", id, m)
			}
			if got := sortedPayload(ps); got != v.Payload {
				t.Fatalf("payload\n got %s\nwant %s", got, v.Payload)
			}
			if ps["signature"] != v.Signature {
				t.Fatalf("signature %s, want %s", ps["signature"], v.Signature)
			}
			if strings.Contains(v.Payload, "１２３４５６") && !bytes.Contains(frame, []byte(`"symbol":"１２３４５６"`)) {
				t.Fatalf("the non-ASCII symbol is not raw UTF-8 in the frame: %s", frame)
			}
			ran++
		})
	}
	if ran < 3 {
		t.Fatalf("%d WebSocket vectors ran, want W1, W2 and W3", ran)
	}
}

// After logon a signed request carries timestamp and recvWindow but no
// apiKey or signature; unsigned ones carry nothing added.
func TestSessionAndPublicFrames(t *testing.T) {
	h, _ := sign.NewHMAC(secret.FromString("x"))
	c := &Client{apiKey: "KEY", signer: h, ck: clock.New(nil, clock.Options{}), recvWindow: 1500*time.Millisecond + 250*time.Microsecond}
	var p params.List
	p.AddString("symbol", "BTCUSDT").AddInt("orderId", 12)
	frame, err := c.build(1, "order.status", &p, authSession)
	if err != nil {
		t.Fatal(err)
	}
	_, _, ps := frameParams(t, frame)
	if _, ok := ps["apiKey"]; ok {
		t.Fatalf("apiKey in a session request: %s", frame)
	}
	if _, ok := ps["signature"]; ok {
		t.Fatalf("signature in a session request: %s", frame)
	}
	if ps["recvWindow"] != "1500.25" || len(ps["timestamp"]) != 13 || ps["orderId"] != "12" {
		t.Fatalf("params %v", ps)
	}
	if !bytes.Contains(frame, []byte(`"orderId":12`)) || !bytes.Contains(frame, []byte(`"recvWindow":"1500.25"`)) {
		t.Fatalf("integers go as numbers, fractional recvWindow as a string: %s", frame)
	}
	var bad params.List
	bad.AddString("apiKey", "KEY")
	if _, err := c.build(2, "order.status", &bad, authSession); err == nil || !strings.Contains(err.Error(), "apiKey") {
		t.Fatalf("apiKey given by hand in a session request: %v", err)
	}
	var secs params.List
	secs.AddString("timestamp", "1645423376")
	if _, err := c.build(2, "order.status", &secs, authSession); !errors.Is(err, payload.ErrTimestamp) {
		t.Fatalf("a timestamp in seconds: %v", err)
	}
	var own params.List
	own.AddString("timestamp", "1645423376532")
	frame, err = c.build(2, "order.status", &own, authSession)
	if _, _, ps := frameParams(t, frame); err != nil || ps["timestamp"] != "1645423376532" || ps["recvWindow"] != "" {
		t.Fatalf("the caller's timestamp is kept, nothing added: %s %v", frame, err)
	}
	frame, err = c.build(3, "time", &params.List{}, authNone)
	if err != nil || string(frame) != `{"id":"mbx-3","method":"time"}` {
		t.Fatalf("%s %v", frame, err)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"BTCUSDT", `"BTCUSDT"`},
		{"１２３４５６", `"１２３４５６"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"a\nb\x01", `"a\nb\u0001"`},
		{"+/=%&", `"+/=%&"`},
	} {
		got, err := appendJSONString(nil, tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: %s %v, want %s", tc.in, got, err, tc.want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != tc.in {
			t.Errorf("%q does not round-trip: %q %v", tc.in, back, err)
		}
	}
	if _, err := appendJSONString(nil, "a\xffb"); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("invalid UTF-8: %v", err)
	}
}

func FuzzAppendRequest(f *testing.F) {
	f.Add("symbol", "１２３４５６", "timestamp", "1645423376532")
	f.Add("a\"", "\x00", "orderId", "007")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		if n1 == "" || n2 == "" || n1 == n2 {
			return
		}
		ps := []params.Param{{Name: n1, Value: v1}, {Name: n2, Value: v2}}
		frame, err := appendRequest(nil, 9, "m", ps)
		if err != nil {
			return // invalid UTF-8, refused with an error
		}
		dec := json.NewDecoder(bytes.NewReader(frame))
		dec.UseNumber()
		var f struct {
			Params map[string]any `json:"params"`
		}
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("not JSON: %v: %q", err, frame)
		}
		for _, p := range ps {
			got := fmt.Sprint(f.Params[p.Name])
			if got != p.Value {
				t.Fatalf("%s: %q came back as %q (%q)", p.Name, p.Value, got, frame)
			}
		}
	})
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]uint64{`"mbx-1"`: 1, `"mbx-18446744073709551615"`: 1<<64 - 1} {
		if got, ok := parseID(json.RawMessage(in)); !ok || got != want {
			t.Errorf("%s: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{`null`, `"mbx-"`, `"x-1"`, `7`, `"mbx-1x"`, `"mbx--1"`, `""`} {
		if _, ok := parseID(json.RawMessage(in)); ok {
			t.Errorf("%s parsed", in)
		}
	}
}

// Error answers become *binance.APIError with the REST classes, and
// retryAfter is read where Binance puts it.
func TestAPIErrorFromAnswer(t *testing.T) {
	c := &Client{url: "ws://127.0.0.1:1/ws-api/v3", env: binance.Custom}
	now := time.UnixMilli(1_700_000_000_000)
	for _, tc := range []struct {
		body  string
		class error
		retry time.Duration
	}{
		{`{"id":"mbx-1","status":400,"error":{"code":-1022,"msg":"Signature for this request is not valid."}}`, binance.ErrInvalidSignature, 0},
		{`{"id":"mbx-1","status":400,"error":{"code":-1021,"msg":"x"}}`, binance.ErrTimestamp, 0},
		{`{"id":null,"status":401,"error":{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}}`, binance.ErrKeyPermission, 0},
		{`{"id":"mbx-1","status":429,"error":{"code":-1003,"msg":"Too much request weight used","data":{"serverTime":1700000000000,"retryAfter":1700000030000}}}`, binance.ErrRateLimited, 30 * time.Second},
		{`{"id":"mbx-1","status":418,"error":{"code":-1003,"msg":"banned","data":{"retryAfter":1700000120000}}}`, binance.ErrBanned, 2 * time.Minute},
		{`{"id":"mbx-1","status":418,"retryAfter":1700000060000,"error":{"code":-1003,"msg":"banned"}}`, binance.ErrBanned, time.Minute},
		{`{"id":"mbx-1","status":503,"error":{"code":-1007,"msg":"Timeout waiting for response from backend server."}}`, binance.ErrUnknownStatus, 0},
	} {
		var r response
		if err := json.Unmarshal([]byte(tc.body), &r); err != nil {
			t.Fatal(err)
		}
		e := c.apiError("order.place", &r, now)
		if !errors.Is(e, tc.class) || e.RetryAfter != tc.retry || e.Path != "order.place" || e.Hint == "" {
			t.Errorf("%s: %v (retry %v, hint %q)", tc.body, e, e.RetryAfter, e.Hint)
		}
	}
	e := c.apiError("order.place", &response{Status: 400, Error: &wireError{Code: "-1022", Msg: "m"}}, now)
	if e.Code != codes.InvalidSignature || !strings.Contains(e.Hint, "sorted") {
		t.Fatalf("-1022 hint should state the WebSocket rule: %q", e.Hint)
	}
}

func TestMethodCost(t *testing.T) {
	c := &Client{host: "http://h", family: "api", scope: "key:K"}
	var sym params.List
	sym.AddString("symbol", "BTCUSDT")
	for _, tc := range []struct {
		method         string
		p              *params.List
		weight, orders int
	}{
		{"order.place", &sym, 1, 1}, {"order.status", &sym, 4, 0}, {"order.cancel", &sym, 1, 0},
		{"openOrders.status", &sym, 6, 0}, {"openOrders.status", &params.List{}, 80, 0},
		{"account.status", &params.List{}, 20, 0}, {"session.logon", &params.List{}, 2, 0},
		{"time", &params.List{}, 1, 0}, {"something.new", &params.List{}, 20, 0},
	} {
		got := c.methodCost(tc.method, tc.p)
		if got.Weight != tc.weight || got.Orders != tc.orders || got.Host != "http://h" || got.Family != "api" || got.Scope != "key:K" {
			t.Errorf("%s: %+v", tc.method, got)
		}
	}
}

func TestURLs(t *testing.T) {
	for base, want := range map[string]string{
		"http://127.0.0.1:4567":          "ws://127.0.0.1:4567/ws-api/v3",
		"http://127.0.0.1:4567/":         "ws://127.0.0.1:4567/ws-api/v3",
		"https://example.test:8443":      "wss://example.test:8443/ws-api/v3",
		"https://api.binance.com":        ProdURL,
		"https://api3.binance.com":       ProdURL,
		"https://testnet.binance.vision": TestnetURL,
		"https://demo-api.binance.com":   DemoURL,
	} {
		got, err := URLFromREST(base)
		if err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", base, got, err, want)
		}
	}
	if _, err := URLFromREST("ftp://x"); err == nil {
		t.Error("ftp accepted")
	}
	for env, want := range map[binance.Env]string{binance.Prod: ProdURL, binance.Testnet: TestnetURL, binance.Demo: DemoURL} {
		if got, err := URLFor(env); err != nil || got != want {
			t.Errorf("%s: %s %v", env, got, err)
		}
	}
	if _, err := URLFor(binance.Custom); err == nil {
		t.Error("custom env has no URL")
	}
	for u, want := range map[string]string{
		ProdURL: "https://api.binance.com", TestnetURL: "https://testnet.binance.vision", DemoURL: "https://demo-api.binance.com",
		"ws://127.0.0.1:9/ws-api/v3": "http://127.0.0.1:9",
	} {
		pu, _ := url.Parse(u)
		if got := restBaseFor(pu); got != want {
			t.Errorf("budget host of %s: %s, want %s", u, got, want)
		}
	}
}

// The signed payload of a request and what the frame carries agree for
// every key type (the server verifies the frame, not the builder's string).
func TestBuildSignedEveryKeyType(t *testing.T) {
	h, _ := sign.NewHMAC(secret.FromString(strings.Repeat("s", 64)))
	ed, _ := sign.GenerateEd25519()
	for _, s := range []sign.Signer{h, ed} {
		c := &Client{apiKey: "K+/=", signer: s, ck: clock.New(nil, clock.Options{}), recvWindow: 5 * time.Second}
		var p params.List
		p.AddString("symbol", "这是测试币456").AddString("side", "BUY").AddString("newClientOrderId", "a-b_c")
		frame, err := c.build(7, "order.place", &p, authSignature)
		if err != nil {
			t.Fatal(err)
		}
		_, _, ps := frameParams(t, frame)
		msg := []byte(sortedPayload(ps))
		if !strings.HasPrefix(string(msg), "apiKey=K+/=&newClientOrderId=a-b_c&recvWindow=5000&side=BUY&symbol=这是测试币456&timestamp=") {
			t.Fatalf("payload %s", msg)
		}
		v, err := sign.Public(s)
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if s.Algorithm() == sign.HMACSHA256 {
			raw, err = hex.DecodeString(ps["signature"])
		} else {
			raw, err = base64.StdEncoding.DecodeString(ps["signature"])
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(msg, raw); err != nil {
			t.Fatalf("%s: the frame's signature does not verify over the frame's sorted params: %v", s.Algorithm(), err)
		}
	}
}

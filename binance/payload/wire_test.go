package payload_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// captured is a request exactly as a server on loopback received it.
type captured struct {
	method, rawQuery, body, contentType string
}

// wireServer records the raw query and body of each request it receives.
func wireServer(t *testing.T) (*httptest.Server, chan captured) {
	t.Helper()
	ch := make(chan captured, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- captured{r.Method, r.URL.RawQuery, string(b), r.Header.Get("Content-Type")}
		w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func send(t *testing.T, srv *httptest.Server, ch chan captured, s *payload.Signed) captured {
	t.Helper()
	req, err := s.NewRequest(context.Background(), srv.URL, "/api/v3/order")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-ch
}

// stripSig removes the signature pair from one part as received.
func stripSig(part string) (string, string) {
	pairs := strings.Split(part, "&")
	var keep []string
	sig := ""
	for _, p := range pairs {
		if v, ok := strings.CutPrefix(p, "signature="); ok {
			sig = v
			continue
		}
		keep = append(keep, p)
	}
	return strings.Join(keep, "&"), sig
}

func decodeSig(t *testing.T, alg sign.Algorithm, wire string) []byte {
	t.Helper()
	if alg == sign.HMACSHA256 {
		b, err := hex.DecodeString(wire)
		if err != nil || strings.ToLower(wire) != wire || len(wire) != 64 {
			t.Fatalf("HMAC signature %q is not 64 lower-case hex digits", wire)
		}
		return b
	}
	if strings.ContainsAny(wire, "+/=") {
		t.Fatalf("base64 signature %q is not percent-encoded on the wire (class 2.1)", wire)
	}
	un, err := pct.Unescape(wire)
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(un)
	if err != nil {
		t.Fatalf("signature is not base64 once percent-decoded: %v", err)
	}
	return b
}

func testSigners(t *testing.T) map[string]sign.Signer {
	t.Helper()
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	ed, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	r, err := sign.GenerateRSA(2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]sign.Signer{"hmac": h, "ed25519": ed, "rsa": r}
}

// Classes 1 (ENC), 3 (ORDER/PLACE) and 4 (ARRAY): whatever the value and the
// placement, the payload is exactly the bytes a loopback server receives
// (query‖body minus the signature pair), the signature verifies over those
// received bytes, and the values decode back to what the caller gave.
func TestPayloadIsWhatTheServerReceives(t *testing.T) {
	srv, ch := wireServer(t)
	values := []struct{ name, value string }{
		{"symbol", "这是测试币456"},
		{"symbol", "１２３４５６"},
		{"symbol", "币安人生USDT"},
		{"email", "user@example.com"},
		{"fromEmail", "xxxxxx+16@gmail.com"},
		{"name", "[STAGE]: Main KS's wallet in ETH"},
		{"projectId", "Bnb*60"},
		{"memo", "tilde~and space"},
		{"memo", "1,07"},
		{"symbols", `["BTCUSDT","BNBUSDT"]`},
		{"accountInfo", `{"accountNumber":"1056894222","agency":"1234"}`},
		{"orderIdList", `[53666506695]`},
		{"note", "!'()*;:/?#[]&=%"},
		{"note", "\x01ctl\x7f"},
	}
	layouts := []struct {
		name   string
		method string
		body   func(name string) bool
		tsIn   payload.Part
	}{
		{"GET all in query", http.MethodGet, func(string) bool { return false }, payload.Auto},
		{"POST all in body", http.MethodPost, func(string) bool { return true }, payload.Auto},
		{"POST split, timestamp in body", http.MethodPost, func(n string) bool { return n != "symbol" && n != "side" }, payload.Auto},
		{"POST split, signature at end of query (connector layout)", http.MethodPost, func(n string) bool { return n != "side" }, payload.Query},
		{"DELETE in query", http.MethodDelete, func(string) bool { return false }, payload.Auto},
		{"PUT body", http.MethodPut, func(string) bool { return true }, payload.Auto},
	}
	for keyName, s := range testSigners(t) {
		for _, lay := range layouts {
			for _, v := range values {
				var r payload.REST
				r.Method, r.TimestampIn = lay.method, lay.tsIn
				given := [][2]string{{"side", "BUY"}, {v.name, v.value}, {"quantity", "0.001"}}
				for _, g := range given {
					if lay.body(g[0]) {
						r.Body.AddString(g[0], g[1])
					} else {
						r.Query.AddString(g[0], g[1])
					}
				}
				signed, err := r.Sign(s, payload.Options{RecvWindow: 5 * time.Second})
				if err != nil {
					t.Fatalf("%s/%s/%q: %v", keyName, lay.name, v.value, err)
				}
				got := send(t, srv, ch, &signed)
				q, qsig := stripSig(got.rawQuery)
				b, bsig := stripSig(got.body)
				label := keyName + "/" + lay.name + "/" + v.value
				if q+b != signed.Payload {
					t.Fatalf("%s: server received %q‖%q, signed %q", label, q, b, signed.Payload)
				}
				if got.rawQuery != signed.Query || got.body != signed.Body {
					t.Fatalf("%s: wire differs from Signed: %q %q", label, got.rawQuery, got.body)
				}
				wireSig := qsig + bsig
				if (qsig == "") == (bsig == "") {
					t.Fatalf("%s: signature must appear exactly once", label)
				}
				// Class 3.3/3.4: signature is the last pair of its part, right after timestamp.
				part := got.rawQuery
				if bsig != "" {
					part = got.body
				}
				if !strings.HasSuffix(part, "&signature="+wireSig) || !strings.Contains(part, "timestamp=") {
					t.Fatalf("%s: signature not last in the part with timestamp: %q", label, part)
				}
				if (bsig != "") != (signed.SignatureIn == payload.Body) {
					t.Fatalf("%s: SignatureIn=%s but found in the other part", label, signed.SignatureIn)
				}
				if got.body != "" && got.contentType != "application/x-www-form-urlencoded" {
					t.Fatalf("%s: content type %q", label, got.contentType)
				}
				v2, _ := sign.Public(s)
				if err := v2.Verify([]byte(q+b), decodeSig(t, s.Algorithm(), wireSig)); err != nil {
					t.Fatalf("%s: signature does not verify over the received bytes: %v", label, err)
				}
				// Only unreserved bytes and %XX travel (raw non-ASCII gives -1022).
				for i := 0; i < len(q+b); i++ {
					c := (q + b)[i]
					if !pct.IsUnreserved(c) && !strings.ContainsRune("%&=", rune(c)) {
						t.Fatalf("%s: raw byte %q on the wire", label, c)
					}
				}
				// Values decode back exactly, in the order given (never sorted).
				var names []string
				for _, part := range []string{q, b} {
					if part == "" {
						continue
					}
					for _, kv := range strings.Split(part, "&") {
						k, val, _ := strings.Cut(kv, "=")
						dk, _ := pct.Unescape(k)
						dv, _ := pct.Unescape(val)
						names = append(names, dk)
						if dk == v.name && dv != v.value {
							t.Fatalf("%s: value decodes to %q", label, dv)
						}
					}
				}
				if idx(names, "side") > idx(names, v.name) && !lay.body("side") == !lay.body(v.name) {
					t.Fatalf("%s: parameters were reordered: %v", label, names)
				}
			}
		}
	}
}

func idx(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// Class 3.8/6.11: every Sign takes a fresh timestamp, so a retry re-signs and
// never replays a stale timestamp or a signature over an older payload.
func TestRetrySignsFreshTimestamp(t *testing.T) {
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	now := time.UnixMilli(1700000000000)
	var r payload.REST
	r.Method = http.MethodGet
	r.Query.AddString("symbol", "BTCUSDT")
	opt := payload.Options{Now: func() time.Time { return now }}
	a, err := r.Sign(h, opt)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(1500 * time.Millisecond)
	b, err := r.Sign(h, opt)
	if err != nil {
		t.Fatal(err)
	}
	if a.Timestamp == b.Timestamp || a.Signature == b.Signature || a.Query == b.Query {
		t.Fatalf("retry reused timestamp/signature: %v %v", a, b)
	}
	if b.Timestamp != 1700000001500 || !strings.Contains(b.Payload, "timestamp=1700000001500") {
		t.Fatalf("timestamp = %d", b.Timestamp)
	}
	opt.Microseconds = true
	c, _ := r.Sign(h, opt)
	if c.Timestamp != 1700000001500000 {
		t.Fatalf("micro timestamp = %d", c.Timestamp)
	}
}

// Class 2 (SIGFMT): HMAC is lower-case hex; RSA and Ed25519 are base64, then
// percent-encoded for REST and left raw for the WebSocket API.
func TestSignatureEncoding(t *testing.T) {
	for name, s := range testSigners(t) {
		var r payload.REST
		r.Method = http.MethodGet
		r.Query.AddString("symbol", "BTCUSDT")
		// Loop until a base64 signature needs escaping, so the assertion
		// cannot pass by luck.
		for i := 0; i < 50; i++ {
			r.Query.Reset()
			r.Query.AddInt("n", int64(i))
			signed, err := r.Sign(s, payload.Options{})
			if err != nil {
				t.Fatal(err)
			}
			raw := decodeSig(t, s.Algorithm(), signed.Signature)
			if s.Algorithm() == sign.HMACSHA256 {
				break
			}
			b64 := base64.StdEncoding.EncodeToString(raw)
			if pct.Escape(b64) != signed.Signature {
				t.Fatalf("%s: wire signature %q is not the escaped base64 %q", name, signed.Signature, b64)
			}
			if strings.ContainsAny(b64, "+/") {
				break
			}
		}
		var w payload.WS
		w.Params.AddString("symbol", "BTCUSDT")
		ws, err := w.Sign(s, "key", payload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Algorithm() != sign.HMACSHA256 {
			if _, err := base64.StdEncoding.DecodeString(ws.Signature); err != nil || strings.Contains(ws.Signature, "%") {
				t.Fatalf("%s: WS signature must be raw base64: %q", name, ws.Signature)
			}
		}
	}
}

// Class 9 (WSAPI): sorted by name, apiKey included, raw UTF-8, no encoding.
func TestWebSocketPayload(t *testing.T) {
	for name, s := range testSigners(t) {
		var w payload.WS
		w.Params.AddString("symbol", "１２３４５６").AddString("side", "BUY").AddString("newClientOrderId", "a-b_c").
			AddString("price", "0.10000000").AddString("note", "a b+c@d/e")
		ws, err := w.Sign(s, "K+y/=", payload.Options{Now: func() time.Time { return time.UnixMilli(1645423376532) }})
		if err != nil {
			t.Fatal(err)
		}
		want := "apiKey=K+y/=&newClientOrderId=a-b_c&note=a b+c@d/e&price=0.10000000&side=BUY&symbol=１２３４５６&timestamp=1645423376532"
		if ws.Payload != want {
			t.Fatalf("%s: payload\n got %q\nwant %q", name, ws.Payload, want)
		}
		v, _ := sign.Public(s)
		var raw []byte
		if s.Algorithm() == sign.HMACSHA256 {
			raw, _ = hex.DecodeString(ws.Signature)
		} else {
			raw, _ = base64.StdEncoding.DecodeString(ws.Signature)
		}
		if err := v.Verify([]byte(want), raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// A percent-encoded payload (the REST rule used by mistake) does not verify.
		if err := v.Verify([]byte(strings.ReplaceAll(want, "１２３４５６", pct.Escape("１２３４５６"))), raw); err == nil {
			t.Fatalf("%s: encoded payload verified too", name)
		}
		last := ws.Params[len(ws.Params)-1]
		if last.Name != "signature" || last.Value != ws.Signature || ws.Map()["apiKey"] != "K+y/=" {
			t.Fatalf("params: %v", ws.Params)
		}
	}
}

// Classes 5, 7 and 11: values Binance would reject with -1100/-1111/-1131
// (or -1022 / -1021) are refused before anything is signed, naming the
// parameter and the fix.
func TestRefusedBeforeSigning(t *testing.T) {
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	tests := []struct {
		name        string
		method      string
		query, body [][2]string
		opt         payload.Options
		err         error
		says        string
	}{
		{"exponent quantity (5.1)", "POST", [][2]string{{"quantity", "3e-05"}}, nil, payload.Options{}, payload.ErrIllegalValue, "no exponent"},
		{"decimal comma (5.8)", "POST", [][2]string{{"price", "0,000005"}}, nil, payload.Options{}, payload.ErrIllegalValue, "decimal comma"},
		{"negative price", "POST", [][2]string{{"price", "-1"}}, nil, payload.Options{}, payload.ErrIllegalValue, "price"},
		{"client id with dot (11.1)", "POST", [][2]string{{"newClientOrderId", "my.order"}}, nil, payload.Options{}, payload.ErrIllegalValue, "^[a-zA-Z0-9-_]{1,36}$"},
		{"client id too long (11.2)", "POST", [][2]string{{"newClientOrderId", "O-20210711-193500-BINANCE-001-001-982"}}, nil, payload.Options{}, payload.ErrIllegalValue, "36"},
		{"client id with space (11.3)", "POST", [][2]string{{"newClientOrderId", "LongTrd 1C5BTC2L"}}, nil, payload.Options{}, payload.ErrIllegalValue, "newClientOrderId"},
		{"order id not digits (11.4)", "GET", [][2]string{{"orderId", "KWxM1eSzVYGwbcj7kn0jJc"}}, nil, payload.Options{}, payload.ErrIllegalValue, "^[0-9]{1,20}$"},
		{"isIsolated as Python bool (5.18)", "POST", [][2]string{{"isIsolated", "True"}}, nil, payload.Options{}, payload.ErrIllegalValue, "TRUE"},
		{"recvWindow too large (7.1)", "GET", [][2]string{{"recvWindow", "6000000"}}, nil, payload.Options{}, payload.ErrRecvWindow, "60000"},
		{"recvWindow 60001", "GET", [][2]string{{"recvWindow", "60001"}}, nil, payload.Options{}, payload.ErrRecvWindow, "60000"},
		{"recvWindow zero", "GET", [][2]string{{"recvWindow", "0"}}, nil, payload.Options{}, payload.ErrRecvWindow, "greater than 0"},
		{"recvWindow 4 decimals", "GET", [][2]string{{"recvWindow", "6000.3461"}}, nil, payload.Options{}, payload.ErrRecvWindow, "3"},
		{"recvWindow option too large", "GET", [][2]string{{"symbol", "X"}}, nil, payload.Options{RecvWindow: 61 * time.Second}, payload.ErrRecvWindow, "60s"},
		{"timestamp in seconds (6.1)", "GET", [][2]string{{"timestamp", "1499827319"}}, nil, payload.Options{}, payload.ErrTimestamp, "seconds"},
		{"timestamp with decimals (5.15)", "GET", [][2]string{{"timestamp", "1515590143.80"}}, nil, payload.Options{}, payload.ErrTimestamp, "integer"},
		{"timestamp NaN (5.16)", "GET", [][2]string{{"timestamp", "NaN"}}, nil, payload.Options{}, payload.ErrTimestamp, "integer"},
		{"caller signature (3.10)", "GET", [][2]string{{"signature", "abc"}}, nil, payload.Options{}, payload.ErrSignature, "added after signing"},
		{"GET with body", "GET", nil, [][2]string{{"symbol", "X"}}, payload.Options{}, payload.ErrPlacement, "query"},
		{"in query and body", "POST", [][2]string{{"symbol", "X"}}, [][2]string{{"symbol", "Y"}}, payload.Options{}, params.ErrDuplicate, "both the query and the body"},
		{"bad method", "PATCH", nil, nil, payload.Options{}, payload.ErrPlacement, "PATCH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := payload.REST{Method: tc.method}
			for _, p := range tc.query {
				r.Query.AddString(p[0], p[1])
			}
			for _, p := range tc.body {
				r.Body.AddString(p[0], p[1])
			}
			_, err := r.Sign(h, tc.opt)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q does not say %q", err, tc.says)
			}
			// The WebSocket builder applies the same value rules.
			if len(tc.query) > 0 && tc.err != payload.ErrPlacement && tc.err != params.ErrDuplicate {
				var w payload.WS
				for _, p := range tc.query {
					w.Params.AddString(p[0], p[1])
				}
				if _, err := w.Sign(h, "k", tc.opt); !errors.Is(err, tc.err) {
					t.Fatalf("WS: err = %v, want %v", err, tc.err)
				}
			}
		})
	}
}

func TestRecvWindowFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Second:                          "5000",
		60 * time.Second:                         "60000",
		6*time.Second + 346*time.Microsecond:     "6000.346",
		6*time.Second + 300*time.Microsecond:     "6000.3",
		1500*time.Millisecond + time.Microsecond: "1500.001",
	} {
		got, err := payload.FormatRecvWindow(d)
		if err != nil || got != want {
			t.Errorf("FormatRecvWindow(%v) = %q, %v; want %q", d, got, err, want)
		}
		if err := payload.ValidateRecvWindow(got); err != nil {
			t.Errorf("formatted value %q does not validate: %v", got, err)
		}
	}
	for _, ok := range []string{"1", "5000", "60000", "6000.346", "0.5"} {
		if err := payload.ValidateRecvWindow(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0", "60000.001", "abc", "1e3", "-5", "5000.", ".5"} {
		if err := payload.ValidateRecvWindow(bad); !errors.Is(err, payload.ErrRecvWindow) {
			t.Errorf("%q accepted", bad)
		}
	}
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	r := payload.REST{Method: "GET"}
	r.Query.AddString("symbol", "BTCUSDT")
	s, err := r.Sign(h, payload.Options{RecvWindow: 5 * time.Second, Now: func() time.Time { return time.UnixMilli(1499827319559) }})
	if err != nil || s.Payload != "symbol=BTCUSDT&recvWindow=5000&timestamp=1499827319559" {
		t.Fatalf("recvWindow option: %q %v", s.Payload, err)
	}
}

func TestUnsignedEncode(t *testing.T) {
	r := payload.REST{Method: "GET"}
	r.Query.Add("symbols", []string{"BTCUSDT", "币安人生USDT"})
	s, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := "symbols=" + pct.Escape(`["BTCUSDT","币安人生USDT"]`)
	if s.Query != want || s.Signature != "" {
		t.Fatalf("Encode = %q", s.Query)
	}
	if u, _ := url.Parse(s.URL("https://api.binance.com/", "/api/v3/ticker/price")); u.RawQuery != want {
		t.Fatalf("URL re-encoded the query: %q", u.RawQuery)
	}
}

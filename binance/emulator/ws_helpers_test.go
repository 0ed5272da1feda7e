package emulator

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/sign"
)

// wsAnswer is an answer frame as the tests read it.
type wsAnswer struct {
	ID     json.RawMessage `json:"id"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data *struct {
			ServerTime int64 `json:"serverTime"`
			RetryAfter int64 `json:"retryAfter"`
		} `json:"data"`
		Explain string `json:"explain"`
	} `json:"error"`
	RateLimits []orderLimitJSON `json:"rateLimits"`
	Raw        []byte           `json:"-"`
}

func (a wsAnswer) code() int {
	if a.Error == nil {
		return 0
	}
	return a.Error.Code
}

func (a wsAnswer) result(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Result, v); err != nil {
		t.Fatalf("result of %s: %v", a.Raw, err)
	}
}

// weight is the REQUEST_WEIGHT count of the answer's rateLimits, or -1.
func (a wsAnswer) weight() int {
	for _, rl := range a.RateLimits {
		if rl.RateLimitType == "REQUEST_WEIGHT" {
			return rl.Count
		}
	}
	return -1
}

func wantWS(t testing.TB, a wsAnswer, status, code int, msg string) {
	t.Helper()
	if a.Status != status || a.code() != code || (msg != "" && (a.Error == nil || a.Error.Msg != msg)) {
		t.Fatalf("got %s; want status %d code %d %q", a.Raw, status, code, msg)
	}
}

func wantWSOK(t testing.TB, a wsAnswer) {
	t.Helper()
	if a.Status != http.StatusOK || a.Error != nil {
		t.Fatalf("got %s; want status 200", a.Raw)
	}
}

// wsClient writes frames exactly as given and reads the answers.
type wsClient struct {
	t  testing.TB
	e  *exchange
	c  *websocket.Conn
	id int
}

func (e *exchange) wsURL(query string) string {
	u := "ws" + strings.TrimPrefix(e.base, "http") + WSAPIPath
	if query != "" {
		u += "?" + query
	}
	return u
}

func (e *exchange) dialWS(t testing.TB, query string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.wsURL(query), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", e.wsURL(query), err, status)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &wsClient{t: t, e: e, c: c}
}

// dialRefused dials expecting the handshake to be answered with an error.
func (e *exchange) dialRefused(t testing.TB, query string) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.wsURL(query), nil)
	if err == nil {
		_ = c.CloseNow()
		t.Fatalf("dial %s succeeded; want it refused", e.wsURL(query))
	}
	if resp == nil {
		t.Fatalf("dial %s: %v without an HTTP answer", e.wsURL(query), err)
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	if resp.Body != nil {
		a.Body, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	var eb errorBody
	if json.Unmarshal(a.Body, &eb) == nil {
		a.Code, a.Msg = eb.Code, eb.Msg
	}
	return a
}

func (w *wsClient) send(frame string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// readErr reads one answer, or the error that ended the connection.
func (w *wsClient) readErr() (wsAnswer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := w.c.Read(ctx)
	if err != nil {
		return wsAnswer{}, err
	}
	a := wsAnswer{Raw: data}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("answer %q: %w", data, err)
	}
	return a, nil
}

func (w *wsClient) read() wsAnswer {
	w.t.Helper()
	a, err := w.readErr()
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	return a
}

func (w *wsClient) roundTrip(frame string) wsAnswer {
	w.t.Helper()
	w.send(frame)
	return w.read()
}

func (w *wsClient) nextID() string {
	w.id++
	return "req-" + strconv.Itoa(w.id)
}

// call sends a request with the params as given.
func (w *wsClient) call(method string, ps []params.Param) wsAnswer {
	w.t.Helper()
	id := w.nextID()
	a := w.roundTrip(wsFrameText(id, method, ps))
	if string(a.ID) != strconv.Quote(id) && string(a.ID) != "null" {
		w.t.Fatalf("answer id %s, want %q", a.ID, id)
	}
	return a
}

// signed signs the params with k the WebSocket API way (binance/payload,
// the client-side rule) and sends them.
func (w *wsClient) signed(k testKey, method string, ps params.List) wsAnswer {
	w.t.Helper()
	return w.call(method, w.sign(k, ps).Params)
}

func (w *wsClient) sign(k testKey, ps params.List) payload.WSSigned {
	w.t.Helper()
	b := payload.WS{Params: ps}
	s, err := b.Sign(k.signer, k.apiKey, payload.Options{Now: w.e.clock.Now})
	if err != nil {
		w.t.Fatalf("sign: %v", err)
	}
	return s
}

// session sends a request that relies on session.logon: timestamp only.
func (w *wsClient) session(method string, list params.List) wsAnswer {
	w.t.Helper()
	all := append(slices.Clone(list.All()), params.Param{Name: "timestamp", Value: w.e.ms()})
	return w.call(method, all)
}

// wsFrameText writes a request frame; timestamp and recvWindow go as JSON
// numbers, as Binance documents them, everything else as strings.
func wsFrameText(id, method string, ps []params.Param) string {
	var b strings.Builder
	idJSON, _ := json.Marshal(id)
	fmt.Fprintf(&b, `{"id":%s,"method":%q`, idJSON, method)
	if ps != nil {
		b.WriteString(`,"params":{`)
		for i, p := range ps {
			if i > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(p.Name)
			b.Write(name)
			b.WriteByte(':')
			if (p.Name == "timestamp" || p.Name == "recvWindow") && p.Value != "" && allDigits(p.Value) {
				b.WriteString(p.Value)
				continue
			}
			v, _ := json.Marshal(p.Value)
			b.Write(v)
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.String()
}

// wsSig signs text with k and writes the signature as the WebSocket API
// takes it: hex for HMAC, plain base64 otherwise.
func wsSig(t testing.TB, k testKey, text string) string {
	t.Helper()
	raw, err := k.signer.AppendSign(nil, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if k.signer.Algorithm() == sign.HMACSHA256 {
		return hex.EncodeToString(raw)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// wsParams is a param list in the order given.
func wsParams(kv ...string) []params.Param {
	out := make([]params.Param, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, params.Param{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// entriesSince are the recorded requests after id.
func entriesSince(e *exchange, id uint64) []Entry {
	var out []Entry
	for _, en := range e.srv.Recent() {
		if en.ID > id {
			out = append(out, en)
		}
	}
	return out
}

func lastWSEntry(t testing.TB, e *exchange) Entry {
	t.Helper()
	r := e.srv.Recent()
	for i := len(r) - 1; i >= 0; i-- {
		if r[i].Method == WSMethod {
			return r[i]
		}
	}
	t.Fatal("no WebSocket request recorded")
	return Entry{}
}

// setClock moves the test clock to t.
func (e *exchange) setClock(t time.Time) { e.clock.Advance(t.Sub(e.clock.Now())) }

package emulator

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/vectors"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

const wsEdReadKey = "wsEd25519Read000000000000000000000000000000000000000000000000001"

// wsConfig has the docs' HMAC key, an RSA and an Ed25519 key with
// USER_DATA and TRADE, and an Ed25519 key with USER_DATA only; every
// account holds the quote assets of the non-ASCII symbols.
func wsConfig(t testing.TB) (Config, map[string]testKey) {
	t.Helper()
	dir := t.TempDir()
	balances := func() map[string]string {
		return map[string]string{"USDT": "10000", "BTC": "1", "４５６": "10000", "456": "10000"}
	}
	rsaCfg, rsaKey := asymmetricKey(t, dir, "rsa", rsaAPIKey, PermUserData, PermTrade)
	edCfg, edKey := asymmetricKey(t, dir, "ed25519", edAPIKey, PermUserData, PermTrade)
	readCfg, readKey := asymmetricKey(t, dir, "ed25519", wsEdReadKey, PermUserData)
	rsaCfg.Balances, edCfg.Balances, readCfg.Balances = balances(), balances(), balances()
	cfg := DefaultConfig()
	cfg.Keys = append(cfg.Keys, rsaCfg, edCfg, readCfg)
	return cfg, map[string]testKey{"hmac": docsKey(t), "rsa": rsaKey, "ed25519": edKey, "edRead": readKey}
}

type wsOrder struct {
	Symbol            string `json:"symbol"`
	OrderID           int64  `json:"orderId"`
	ClientOrderID     string `json:"clientOrderId"`
	OrigClientOrderID string `json:"origClientOrderId"`
	Status            string `json:"status"`
	Side              string `json:"side"`
	Type              string `json:"type"`
	Price             string `json:"price"`
}

func limitBuy(t testing.TB, symbol, price, qty, clientID string) params.List {
	return kv(t, "symbol", symbol, "side", "BUY", "type", "LIMIT", "timeInForce", "GTC",
		"quantity", qty, "price", price, "newClientOrderId", clientID)
}

func vectorParams(v vectors.Vector) []params.Param {
	out := make([]params.Param, 0, len(v.Params))
	for _, p := range v.Params {
		out = append(out, params.Param{Name: p[0], Value: p[1]})
	}
	return out
}

func toVerify(list []params.Param) []verify.Param {
	out := make([]verify.Param, 0, len(list))
	for _, p := range list {
		out = append(out, verify.Param{Name: p.Name, Value: p.Value})
	}
	return out
}

// W1 to W3: the server rebuilds the docs' payloads from the params in the
// docs' (unsorted) order, accepts the docs' signatures over the wire, and
// refuses the percent-encoded payload (the REST rule) with -1022.
func TestWSVectors(t *testing.T) {
	all, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ws []vectors.Vector
	for _, v := range all {
		if v.Kind == "ws-hmac" {
			ws = append(ws, v)
		}
	}
	if len(ws) != 3 {
		t.Fatalf("%d ws-hmac vectors, want W1 to W3", len(ws))
	}
	h, err := sign.NewHMAC(secret.FromString(docsSecret))
	if err != nil {
		t.Fatal(err)
	}
	e := startExchange(t, DefaultConfig(), Options{})
	for _, v := range ws {
		t.Run(v.ID, func(t *testing.T) {
			list := vectorParams(v)
			if got := string(wsPayload(toVerify(list))); got != v.Payload {
				t.Fatalf("payload\n got %s\nwant %s", got, v.Payload)
			}
			sig, err := hex.DecodeString(v.Signature)
			if err != nil || h.Verify([]byte(v.Payload), sig) != nil {
				t.Fatalf("the vector's signature does not verify its payload: %v", err)
			}
			encoded := appendWSPayload(nil, toVerify(list), true, pct.Escape, "")
			if v.ID == "W2" && (string(encoded) == v.Payload || h.Verify(encoded, sig) == nil) {
				t.Fatalf("the percent-encoded payload %s is accepted", encoded)
			}

			var ts string
			for _, p := range list {
				if p.Name == "timestamp" {
					ts = p.Value
				}
			}
			ms, err := strconv.ParseInt(ts, 10, 64)
			if err != nil {
				t.Fatalf("timestamp %q", ts)
			}
			e.setClock(time.UnixMilli(ms + 20))
			e.srv.ResetLimits()
			c := e.dialWS(t, "")
			method := "order.place"
			if v.ID == "W3" {
				method = "session.logon"
			}
			for _, s := range []string{v.Signature, strings.ToUpper(v.Signature)} {
				a := c.roundTrip(wsFrameText(v.ID, method, append(list, params.Param{Name: "signature", Value: s})))
				if string(a.ID) != strconv.Quote(v.ID) {
					t.Fatalf("id %s, want %q", a.ID, v.ID)
				}
				if v.ID == "W3" {
					// The signature verified; session.logon then refuses the HMAC key.
					wantWS(t, a, 400, -4056, "HMAC_SHA256 API key is not supported.")
					continue
				}
				wantWSOK(t, a)
				var o wsOrder
				a.result(t, &o)
				if o.Symbol != list[0].Value || o.OrderID == 0 {
					t.Fatalf("order = %s", a.Result)
				}
				if _, err := e.srv.Store().GetOrder(context.Background(), DocsAPIKey, o.Symbol, o.OrderID, ""); err != nil {
					t.Fatalf("order %d not in the ledger: %v", o.OrderID, err)
				}
			}
			if v.ID != "W2" {
				return
			}
			// The same request signed the REST way (values percent-encoded).
			bad := append(list, params.Param{Name: "signature", Value: wsSig(t, docsKey(t), string(encoded))})
			a := c.roundTrip(wsFrameText("W2-encoded", method, bad))
			wantWS(t, a, 400, -1022, codes.MsgInvalidSignature)
			en := lastWSEntry(t, e)
			if en.Explanation == nil || en.Explanation.Mistake == nil || en.Explanation.Mistake.ID != MistakeWSPercentEncoded {
				t.Fatalf("explanation = %+v", en.Explanation)
			}
		})
	}
}

// Non-ASCII symbols placed, queried and cancelled with HMAC, RSA and
// Ed25519 keys, each request signed over the sorted raw UTF-8 payload.
func TestWSNonASCIIOrdersAllKeyTypes(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	orders := []struct{ symbol, price, qty string }{
		{"１２３４５６", "0.05", "2"},
		{"这是测试币456", "1.50", "1"},
	}
	for _, kt := range []string{"hmac", "rsa", "ed25519"} {
		k := keys[kt]
		for i, o := range orders {
			t.Run(kt+"/"+o.symbol, func(t *testing.T) {
				cid := fmt.Sprintf("ws-%s-%d", kt, i)
				a := c.signed(k, "order.place", limitBuy(t, o.symbol, o.price, o.qty, cid))
				wantWSOK(t, a)
				var placed wsOrder
				a.result(t, &placed)
				if placed.Symbol != o.symbol || placed.ClientOrderID != cid || placed.Status != "NEW" {
					t.Fatalf("order.place = %s", a.Result)
				}
				if en := lastWSEntry(t, e); en.Path != "order.place" || en.APIKey != k.apiKey || en.Verdict != VerdictAccepted || en.Weight != 0 {
					t.Fatalf("entry = %+v", en)
				}

				a = c.signed(k, "order.status", kv(t, "symbol", o.symbol, "origClientOrderId", cid))
				wantWSOK(t, a)
				var got wsOrder
				a.result(t, &got)
				if got.OrderID != placed.OrderID || got.Status != "NEW" || got.Symbol != o.symbol {
					t.Fatalf("order.status = %s", a.Result)
				}

				a = c.signed(k, "order.cancel", kv(t, "symbol", o.symbol, "orderId", placed.OrderID))
				wantWSOK(t, a)
				var canceled wsOrder
				a.result(t, &canceled)
				if canceled.OrderID != placed.OrderID || canceled.Status != "CANCELED" || canceled.OrigClientOrderID != cid {
					t.Fatalf("order.cancel = %s", a.Result)
				}
				account, _ := e.srv.AccountOf(k.apiKey)
				stored, err := e.srv.Store().GetOrder(context.Background(), account, o.symbol, placed.OrderID, "")
				if err != nil || stored.Status != "CANCELED" {
					t.Fatalf("ledger order: %+v, %v", stored, err)
				}
			})
		}
	}
	// The same account's orders through REST and the WebSocket API agree.
	a := c.signed(keys["ed25519"], "openOrders.status", kv(t, "symbol", "１２３４５６"))
	wantWSOK(t, a)
	if string(a.Result) != "[]" {
		t.Fatalf("openOrders.status = %s, want none open", a.Result)
	}
}

// session.logon with an Ed25519 key, then requests with timestamp only;
// an explicit apiKey and signature override the session for one request;
// HMAC and RSA keys cannot log on.
func TestWSSessionLogon(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	ed := keys["ed25519"]

	a := c.session("order.place", limitBuy(t, "这是测试币456", "1.50", "1", "before-logon"))
	wantWS(t, a, 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "apiKey"))

	for _, kt := range []string{"hmac", "rsa"} {
		a := c.signed(keys[kt], "session.logon", params.List{})
		msg := map[string]string{"hmac": "HMAC_SHA256 API key is not supported.", "rsa": "RSA API key is not supported."}[kt]
		wantWS(t, a, 400, -4056, msg)
	}

	now := e.clock.Now()
	a = c.signed(ed, "session.logon", params.List{})
	wantWSOK(t, a)
	var st struct {
		APIKey           *string `json:"apiKey"`
		AuthorizedSince  *int64  `json:"authorizedSince"`
		ConnectedSince   int64   `json:"connectedSince"`
		ReturnRateLimits bool    `json:"returnRateLimits"`
		ServerTime       int64   `json:"serverTime"`
	}
	a.result(t, &st)
	if st.APIKey == nil || *st.APIKey != edAPIKey || st.AuthorizedSince == nil || *st.AuthorizedSince != now.UnixMilli() || !st.ReturnRateLimits || st.ConnectedSince == 0 {
		t.Fatalf("session.logon = %s", a.Result)
	}
	a = c.call("session.status", nil)
	wantWSOK(t, a)
	a.result(t, &st)
	if st.APIKey == nil || *st.APIKey != edAPIKey {
		t.Fatalf("session.status = %s", a.Result)
	}

	a = c.session("order.place", limitBuy(t, "这是测试币456", "1.50", "1", "by-session"))
	wantWSOK(t, a)
	var o wsOrder
	a.result(t, &o)
	if en := lastWSEntry(t, e); en.APIKey != edAPIKey || en.Account != edAPIKey || en.Verdict != VerdictAccepted {
		t.Fatalf("entry = %+v", en)
	}
	a = c.session("order.status", kv(t, "symbol", "这是测试币456", "origClientOrderId", "by-session"))
	wantWSOK(t, a)
	a = c.call("order.status", wsParams("symbol", "这是测试币456", "origClientOrderId", "by-session"))
	wantWS(t, a, 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "timestamp"))

	// An explicit key overrides the session for this request only.
	a = c.signed(keys["hmac"], "order.place", limitBuy(t, "这是测试币456", "1.50", "1", "explicit-hmac"))
	wantWSOK(t, a)
	if _, err := e.srv.Store().GetOrder(context.Background(), DocsAPIKey, "这是测试币456", 0, "explicit-hmac"); err != nil {
		t.Fatalf("the explicit request's order is not on the HMAC key's account: %v", err)
	}
	if _, err := e.srv.Store().GetOrder(context.Background(), edAPIKey, "这是测试币456", 0, "explicit-hmac"); err == nil {
		t.Fatal("the explicit request's order went to the session's account")
	}

	a = c.call("session.logout", nil)
	wantWSOK(t, a)
	a.result(t, &st)
	if st.APIKey != nil || st.AuthorizedSince != nil {
		t.Fatalf("session.logout = %s", a.Result)
	}
	a = c.session("order.status", kv(t, "symbol", "这是测试币456", "orderId", o.OrderID))
	wantWS(t, a, 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "apiKey"))
}

// A key that loses a permission while logged on: the next request gets
// {"id": null, "status": 401, -2015} and the connection is logged out;
// REST sees the change too, and Reset restores the configuration.
func TestWSSessionRevocation(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})

	t.Run("permission removed", func(t *testing.T) {
		c := e.dialWS(t, "")
		wantWSOK(t, c.signed(keys["ed25519"], "session.logon", params.List{}))
		wantWSOK(t, c.session("account.status", params.List{}))

		a := e.admin("POST", "/keys/permissions", `{"apiKey":"`+edAPIKey+`","permissions":["USER_DATA"]}`)
		if a.Status != 200 || !strings.Contains(string(a.Body), `"USER_DATA"`) || strings.Contains(string(a.Body), `"TRADE"`) {
			t.Fatalf("admin: %d %s", a.Status, a.Body)
		}
		a2 := c.call("time", nil)
		if string(a2.ID) != "null" || a2.Status != 401 || a2.code() != -2015 || a2.Error.Msg != codes.MsgRejectedKey || a2.RateLimits != nil {
			t.Fatalf("after the permission change: %s", a2.Raw)
		}
		en := lastWSEntry(t, e)
		if en.Code != -2015 || en.HTTPStatus != 401 || en.APIKey != edAPIKey || !strings.Contains(en.Explanation.Verdict, "lost the TRADE permission") {
			t.Fatalf("entry = %+v %+v", en, en.Explanation)
		}
		a2 = c.call("session.status", nil)
		wantWSOK(t, a2)
		if !strings.Contains(string(a2.Result), `"apiKey":null`) {
			t.Fatalf("session.status after revocation = %s", a2.Result)
		}
		// REST sees the same permissions.
		r := e.signed(keys["ed25519"], "POST", "/api/v3/order", params.List{}, limitBuy(t, "这是测试币456", "1.50", "1", "rest-after"))
		wantCode(t, r, 401, -2015, codes.MsgRejectedKey)
		if err := e.srv.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
		r = e.signed(keys["ed25519"], "POST", "/api/v3/order", params.List{}, limitBuy(t, "这是测试币456", "1.50", "1", "rest-reset"))
		wantOK(t, r)
	})

	t.Run("session key lacks the permission", func(t *testing.T) {
		c := e.dialWS(t, "")
		wantWSOK(t, c.signed(keys["edRead"], "session.logon", params.List{}))
		a := c.session("order.place", limitBuy(t, "这是测试币456", "1.50", "1", "read-only"))
		if string(a.ID) != "null" || a.Status != 401 || a.code() != -2015 {
			t.Fatalf("order.place with a USER_DATA session = %s", a.Raw)
		}
		a = c.session("account.status", params.List{})
		wantWS(t, a, 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "apiKey"))
	})

	t.Run("bad input", func(t *testing.T) {
		if err := e.srv.SetKeyPermissions("nope", nil); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("unknown key: %v", err)
		}
		if err := e.srv.SetKeyPermissions(edAPIKey, []string{"TRADING"}); err == nil || !strings.Contains(err.Error(), "TRADING") {
			t.Fatalf("unknown permission: %v", err)
		}
		if a := e.admin("POST", "/keys/permissions", `{"apiKey":"nope","permissions":[]}`); a.Status != 404 {
			t.Fatalf("admin unknown key: %d %s", a.Status, a.Body)
		}
		if a := e.admin("POST", "/keys/permissions", `{"apiKey":"`+edAPIKey+`"}`); a.Status != 400 {
			t.Fatalf("admin without permissions: %d %s", a.Status, a.Body)
		}
	})
}

// The WebSocket API spends the REST budget of the same address: the
// connection costs 2, each method its documented weight.
func TestWSSharesRESTWeight(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	a := c.call("time", nil)
	wantWSOK(t, a)
	if a.weight() != 3 {
		t.Fatalf("weight after connect and time = %d, want 3: %s", a.weight(), a.Raw)
	}
	wantWSOK(t, c.signed(keys["hmac"], "account.status", params.List{}))
	r := e.get("/api/v3/time", params.List{})
	wantOK(t, r)
	if got := r.Header.Get(headerWeight); got != "24" {
		t.Fatalf("REST %s = %s, want 24 (2 connect + 1 time + 20 account.status + 1)", headerWeight, got)
	}
	a = c.call("ping", nil)
	if a.weight() != 25 {
		t.Fatalf("WS weight after the REST request = %d, want 25", a.weight())
	}
	for _, tt := range []struct {
		method string
		list   params.List
		want   int
	}{
		{"order.status", kv(t, "symbol", "BTCUSDT", "orderId", 1), 4},
		{"openOrders.status", kv(t, "symbol", "BTCUSDT"), 6},
		{"openOrders.status", params.List{}, 80},
		{"session.status", params.List{}, 2},
	} {
		before := a.weight()
		if tt.method == "session.status" {
			a = c.call(tt.method, nil)
		} else {
			a = c.signed(keys["hmac"], tt.method, tt.list)
		}
		if got := a.weight() - before; got != tt.want {
			t.Errorf("%s weight %d, want %d (%s)", tt.method, got, tt.want, a.Raw)
		}
	}
}

// The public market methods and the order-count query answer what REST
// answers, at their documented weights.
func TestWSMarketAndOrderCountMethods(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	a := c.roundTrip(`{"id":1,"method":"exchangeInfo","params":{"symbols":["BTCUSDT","这是测试币456"]}}`)
	wantWSOK(t, a)
	var info struct {
		Symbols []struct{ Symbol string } `json:"symbols"`
	}
	a.result(t, &info)
	if len(info.Symbols) != 2 || info.Symbols[1].Symbol != "这是测试币456" || a.weight() != 22 {
		t.Fatalf("exchangeInfo = %s", a.Raw)
	}
	a = c.call("ticker.price", wsParams("symbol", "１２３４５６"))
	wantWSOK(t, a)
	if string(a.Result) != `{"symbol":"１２３４５６","price":"0.10000000"}` || a.weight() != 24 {
		t.Fatalf("ticker.price = %s", a.Raw)
	}
	wantWSOK(t, c.signed(keys["ed25519"], "order.place", limitBuy(t, "这是测试币456", "1.50", "1", "count-me")))
	a = c.signed(keys["ed25519"], "account.rateLimits.orders", params.List{})
	wantWSOK(t, a)
	if !strings.Contains(string(a.Result), `"interval":"SECOND","intervalNum":10,"limit":50,"count":1`) || a.weight() != 64 {
		t.Fatalf("account.rateLimits.orders = %s", a.Raw)
	}
}

// rateLimits: on by default, off with ?returnRateLimits=false, and the
// request's returnRateLimits wins; order.place shows the ORDERS counts and
// costs nothing when it succeeds.
func TestWSReturnRateLimits(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})

	c := e.dialWS(t, "")
	a := c.call("time", nil)
	if len(a.RateLimits) != 1 || a.RateLimits[0] != (orderLimitJSON{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: 6000, Count: 3}) {
		t.Fatalf("rateLimits = %s", a.Raw)
	}
	a = c.call("time", wsParams("returnRateLimits", "false"))
	if a.RateLimits != nil || strings.Contains(string(a.Raw), "rateLimits") {
		t.Fatalf("returnRateLimits=false: %s", a.Raw)
	}
	a = c.signed(keys["hmac"], "order.place", limitBuy(t, "这是测试币456", "1.50", "1", "rl-1"))
	wantWSOK(t, a)
	want := []orderLimitJSON{
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: 50, Count: 1},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: 160000, Count: 1},
		{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: 6000, Count: 4},
	}
	if fmt.Sprint(a.RateLimits) != fmt.Sprint(want) {
		t.Fatalf("order.place rateLimits = %+v, want %+v (a successful order costs 0)", a.RateLimits, want)
	}

	off := e.dialWS(t, "returnRateLimits=false")
	a = off.call("ping", nil)
	if a.RateLimits != nil {
		t.Fatalf("?returnRateLimits=false: %s", a.Raw)
	}
	a = off.call("ping", wsParams("returnRateLimits", "true"))
	if a.weight() != 8 {
		t.Fatalf("returnRateLimits=true on a quiet connection: %s", a.Raw)
	}
	a = off.call("session.status", nil)
	if !strings.Contains(string(a.Result), `"returnRateLimits":false`) {
		t.Fatalf("session.status = %s", a.Result)
	}
	a = off.call("ping", wsParams("returnRateLimits", "maybe"))
	wantWS(t, a, 400, -1100, fmt.Sprintf(codes.MsgIllegalCharsFmt, "returnRateLimits", "true, false"))
	if r := e.dialRefused(t, "returnRateLimits=maybe"); r.Status != 400 || r.Code != -1100 {
		t.Fatalf("bad URL returnRateLimits: %d %s", r.Status, r.Body)
	}
}

// Over the weight limit: 429 with retryAfter at the end of the minute; a
// request before then earns a 418 ban with retryAfter at its end, the
// connection is closed, new connections and REST are refused.
func TestWSWeightLimitThenBan(t *testing.T) {
	cfg, keys := wsConfig(t)
	cfg.Limits.RequestWeightPerMinute = 50
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "mbxExplain=true")
	now := e.clock.Now()
	for _, want := range []int{22, 42} {
		a := c.signed(keys["hmac"], "account.status", params.List{})
		wantWSOK(t, a)
		if a.weight() != want {
			t.Fatalf("weight %d, want %d", a.weight(), want)
		}
	}
	a := c.signed(keys["hmac"], "account.status", params.List{})
	wantWS(t, a, 429, -1003, fmt.Sprintf(codes.MsgTooMuchWeightFmt, 50, "1 MINUTE"))
	if d := a.Error.Data; d == nil || d.ServerTime != now.UnixMilli() || d.RetryAfter != now.Truncate(time.Minute).Add(time.Minute).UnixMilli() {
		t.Fatalf("429 data = %s", a.Raw)
	}
	if a.weight() != 62 || !strings.Contains(a.Error.Explain, "-1003") {
		t.Fatalf("429 = %s", a.Raw)
	}
	if en := lastWSEntry(t, e); en.Verdict != VerdictLimited || en.HTTPStatus != 429 {
		t.Fatalf("entry = %+v", en)
	}

	e.clock.Advance(5 * time.Second)
	until := e.clock.Now().Add(2 * time.Minute)
	a = c.call("time", nil)
	wantWS(t, a, 418, -1003, fmt.Sprintf(codes.MsgBannedFmt, until.UnixMilli()))
	if d := a.Error.Data; d == nil || d.RetryAfter != until.UnixMilli() || d.ServerTime != e.clock.Now().UnixMilli() {
		t.Fatalf("418 data = %s", a.Raw)
	}
	if _, err := c.readErr(); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("after the 418 the connection should close with 1008: %v", err)
	}
	r := e.dialRefused(t, "")
	if r.Status != 418 || r.Code != -1003 || r.Header.Get("Retry-After") != "120" {
		t.Fatalf("dial during the ban: %d %s %v", r.Status, r.Body, r.Header)
	}
	wantCode(t, e.get("/api/v3/ping", params.List{}), 418, -1003, "")
}

// The order-count limit answers 429 -1015 with retryAfter at the end of the
// 10-second window.
func TestWSOrderCountLimit(t *testing.T) {
	cfg, keys := wsConfig(t)
	cfg.Limits.OrdersPer10s = 2
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	for i := range 2 {
		wantWSOK(t, c.signed(keys["hmac"], "order.place", limitBuy(t, "这是测试币456", "1.50", "1", fmt.Sprintf("oc-%d", i))))
	}
	a := c.signed(keys["hmac"], "order.place", limitBuy(t, "这是测试币456", "1.50", "1", "oc-2"))
	wantWS(t, a, 429, -1015, fmt.Sprintf(codes.MsgTooManyOrdersFmt, 2, "10 SECOND"))
	now := e.clock.Now()
	if d := a.Error.Data; d == nil || d.RetryAfter != now.Truncate(10*time.Second).Add(10*time.Second).UnixMilli() {
		t.Fatalf("429 data = %s", a.Raw)
	}
	if len(a.RateLimits) != 3 || a.RateLimits[0].Count != 2 {
		t.Fatalf("rateLimits = %s", a.Raw)
	}
}

// A signature over the wrong payload is -1022, and the explanation names
// the client's mistake with the payload it signed.
func TestWSSignatureMistakes(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "mbxExplain=true")
	hm, ed := keys["hmac"], keys["ed25519"]

	order := func(k testKey) []params.Param {
		return wsParams("symbol", "这是测试币456", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC",
			"quantity", "1", "price", "1.50", "apiKey", k.apiKey, "timestamp", e.ms())
	}
	build := func(k testKey, list []params.Param, sorted bool, enc func(string) string, skip string) string {
		return string(appendWSPayload(nil, toVerify(list), sorted, enc, skip))
	}
	tests := []struct {
		name    string
		k       testKey
		sig     func(list []params.Param, k testKey) string
		mistake string
		diff    bool
	}{
		{"percent-encoded (REST rule)", hm, func(l []params.Param, k testKey) string {
			return wsSig(t, k, build(k, l, true, pct.Escape, ""))
		}, MistakeWSPercentEncoded, true},
		{"percent-encoded, Ed25519", ed, func(l []params.Param, k testKey) string {
			return wsSig(t, k, build(k, l, true, encodeURIComponent, ""))
		}, MistakeWSPercentEncoded, true},
		{"not sorted", hm, func(l []params.Param, k testKey) string {
			return wsSig(t, k, build(k, l, false, nil, ""))
		}, MistakeWSUnsorted, true},
		{"REST payload", ed, func(l []params.Param, k testKey) string {
			return wsSig(t, k, build(k, l, false, pct.Escape, ""))
		}, MistakeWSRESTPayload, true},
		{"apiKey left out", hm, func(l []params.Param, k testKey) string {
			return wsSig(t, k, build(k, l, true, nil, "apiKey"))
		}, MistakeWSAPIKeyOmitted, true},
		{"timestamp added after signing", hm, func(l []params.Param, k testKey) string {
			return wsSig(t, k, build(k, l, true, nil, "timestamp"))
		}, verify.MistakeTimestampAfter, true},
		{"base64 signature percent-encoded", ed, func(l []params.Param, k testKey) string {
			return pct.Escape(wsSig(t, k, build(k, l, true, nil, "")))
		}, MistakeWSSignatureEncoded, false},
		{"HMAC signature for an Ed25519 key", ed, func(l []params.Param, k testKey) string {
			return wsSig(t, hm, build(k, l, true, nil, ""))
		}, verify.MistakeWrongKeyType, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := order(tt.k)
			s := tt.sig(list, tt.k)
			a := c.call("order.place", append(list, params.Param{Name: "signature", Value: s}))
			wantWS(t, a, 400, -1022, codes.MsgInvalidSignature)
			if !strings.Contains(a.Error.Explain, tt.mistake) {
				t.Errorf("error.explain = %q, want %s", a.Error.Explain, tt.mistake)
			}
			en := lastWSEntry(t, e)
			ex := en.Explanation
			if en.Path != "order.place" || en.Code != -1022 || en.Verdict != VerdictRejected || ex == nil || ex.Mistake == nil || ex.Mistake.ID != tt.mistake {
				t.Fatalf("entry %+v, explanation %+v", en, ex)
			}
			if want := verify.Visible(wsPayload(toVerify(list))); ex.Payload != want || !strings.Contains(ex.Payload, `symbol=\xE8\xBF\x99`) {
				t.Errorf("explanation payload %q, want %q", ex.Payload, want)
			}
			if (ex.Diff != "") != tt.diff {
				t.Errorf("diff = %q", ex.Diff)
			}
			if strings.Contains(ex.Text(), docsSecret) {
				t.Error("the explanation shows the secret")
			}
		})
	}
	// No order was placed by any of them.
	open, err := e.srv.Store().OpenOrders(context.Background(), DocsAPIKey, "这是测试币456")
	if err != nil || len(open) != 0 {
		t.Fatalf("open orders: %v %v", open, err)
	}
}

// Authentication and timing rejections, in REST's order and words.
func TestWSAuthRejections(t *testing.T) {
	cfg, keys := wsConfig(t)
	cfg.Keys[0].IPWhitelist = []string{"10.0.0.0/8"}
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	ed := keys["ed25519"]
	signedWith := func(extra ...string) []params.Param {
		list := append(wsParams("apiKey", ed.apiKey), wsParams(extra...)...)
		return append(list, params.Param{Name: "signature", Value: wsSig(t, ed, string(wsPayload(toVerify(list))))})
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(e.clock.Now().Add(d).UnixMilli(), 10) }
	tests := []struct {
		name   string
		method string
		list   []params.Param
		status int
		code   int
		msg    string
	}{
		{"no apiKey", "account.status", wsParams("timestamp", ms(0), "signature", "x"), 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "apiKey")},
		{"bad apiKey", "account.status", wsParams("apiKey", "a b", "timestamp", ms(0), "signature", "x"), 401, -2014, codes.MsgBadAPIKeyFmt},
		{"unknown apiKey", "account.status", wsParams("apiKey", "unknownKey", "timestamp", ms(0), "signature", "x"), 401, -2015, codes.MsgRejectedKey},
		{"IP not whitelisted", "account.status", wsParams("apiKey", DocsAPIKey, "timestamp", ms(0), "signature", strings.Repeat("a", 64)), 401, -2015, codes.MsgRejectedKey},
		{"no signature", "account.status", wsParams("apiKey", ed.apiKey, "timestamp", ms(0)), 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "signature")},
		{"no timestamp", "account.status", signedWith(), 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "timestamp")},
		{"timestamp not a number", "account.status", signedWith("timestamp", "17e11"), 400, -1100, fmt.Sprintf(codes.MsgIllegalCharsFmt, "timestamp", verify.TimestampRange)},
		{"timestamp ahead", "account.status", signedWith("timestamp", ms(time.Second)), 400, -1021, codes.MsgTimestampAhead},
		{"timestamp too old", "account.status", signedWith("timestamp", ms(-5001*time.Millisecond)), 400, -1021, codes.MsgTimestampOutside},
		{"within recvWindow", "account.status", signedWith("recvWindow", "6000.5", "timestamp", ms(-6*time.Second)), 200, 0, ""},
		{"microseconds", "account.status", signedWith("timestamp", strconv.FormatInt(e.clock.Now().UnixMicro(), 10)), 200, 0, ""},
		{"recvWindow over 60000", "account.status", signedWith("recvWindow", "60001", "timestamp", ms(0)), 400, -1102, fmt.Sprintf(codes.MsgGreaterThanFmt, "recvWindow", "60000")},
		{"unknown param", "account.status", signedWith("timestamp", ms(0), "colour", "red"), 400, -1104, fmt.Sprintf(codes.MsgUnreadFmt, 3, 4)},
		{"TRADE without the permission", "order.place", func() []params.Param {
			r := keys["edRead"]
			list := wsParams("apiKey", r.apiKey, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "timestamp", ms(0))
			return append(list, params.Param{Name: "signature", Value: wsSig(t, r, string(wsPayload(toVerify(list))))})
		}(), 401, -2015, codes.MsgRejectedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.call(tt.method, tt.list)
			if tt.status == 200 {
				wantWSOK(t, a)
				return
			}
			wantWS(t, a, tt.status, tt.code, tt.msg)
			if en := lastWSEntry(t, e); en.Code != tt.code || en.Explanation == nil || en.Explanation.Verdict == "" {
				t.Fatalf("entry = %+v", en)
			}
		})
	}
}

// Malformed frames and unknown methods get Binance's error answers; ids
// are echoed as sent.
func TestWSFrames(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	c := e.dialWS(t, "")
	tests := []struct {
		name   string
		frame  string
		id     string
		status int
		code   int
		msg    string
	}{
		{"not JSON", `time please`, "null", 400, -1000, msgWSInvalidJSON},
		{"an array", `[1,2]`, "null", 400, -1000, msgWSInvalidJSON},
		{"two objects", `{"id":1,"method":"time"}{}`, "null", 400, -1000, msgWSInvalidJSON},
		{"no id", `{"method":"time"}`, "null", 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "id")},
		{"object id", `{"id":{"a":1},"method":"time"}`, "null", 400, -1000, msgWSInvalidID},
		{"no method", `{"id":7,"params":{}}`, "7", 400, -1102, fmt.Sprintf(codes.MsgMandatoryFmt, "method")},
		{"unknown method", `{"id":"x","method":"nope"}`, `"x"`, 400, -1000, "Unknown method 'nope'."},
		{"malformed method", `{"id":"x","method":"order place"}`, `"x"`, 400, -1100, fmt.Sprintf(codes.MsgIllegalCharsFmt, "method", methodNameRange)},
		{"params not an object", `{"id":"x","method":"time","params":[1]}`, `"x"`, 400, -1000, msgWSInvalidParams},
		{"duplicate param", `{"id":"x","method":"time","params":{"a":1,"a":2}}`, `"x"`, 400, -1101, codes.MsgDuplicateParam},
		{"unknown param", `{"id":"x","method":"time","params":{"foo":"1"}}`, `"x"`, 400, -1104, fmt.Sprintf(codes.MsgUnreadFmt, 0, 1)},
		{"null id", `{"id":null,"method":"ping"}`, "null", 200, 0, ""},
		{"big number id, versioned method", `{"id":12345678901234567890,"method":"v3/time"}`, "12345678901234567890", 200, 0, ""},
		{"string id with unicode", `{"id":"ид-１","method":"ping","params":{}}`, `"ид-１"`, 200, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.roundTrip(tt.frame)
			if string(a.ID) != tt.id {
				t.Fatalf("id %s, want %s: %s", a.ID, tt.id, a.Raw)
			}
			if tt.status == 200 {
				wantWSOK(t, a)
				return
			}
			wantWS(t, a, tt.status, tt.code, tt.msg)
			if a.weight() < 0 {
				t.Errorf("no rateLimits: %s", a.Raw)
			}
		})
	}
	t.Run("binary frame", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.c.Write(ctx, websocket.MessageBinary, []byte(`{"id":1,"method":"time"}`)); err != nil {
			t.Fatal(err)
		}
		wantWS(t, c.read(), 400, -1000, msgWSTextOnly)
	})
	t.Run("plain HTTP", func(t *testing.T) {
		a := e.raw("GET", WSAPIPath, "", "", "", "")
		if a.Status != http.StatusUpgradeRequired || a.Code != -1000 {
			t.Fatalf("GET without upgrade: %d %s", a.Status, a.Body)
		}
	})
}

// timeUnit=MICROSECOND turns every time field into microseconds; another
// value refuses the connection with -1194.
func TestWSTimeUnit(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	c := e.dialWS(t, "timeUnit=MICROSECOND")
	var tm struct{ ServerTime int64 }
	a := c.call("time", nil)
	a.result(t, &tm)
	if tm.ServerTime != e.clock.Now().UnixMicro() {
		t.Fatalf("serverTime %d, want %d µs", tm.ServerTime, e.clock.Now().UnixMicro())
	}
	a = e.dialWS(t, "timeUnit=millisecond").call("time", nil)
	a.result(t, &tm)
	if tm.ServerTime != e.clock.Now().UnixMilli() {
		t.Fatalf("serverTime %d, want ms", tm.ServerTime)
	}
	r := e.dialRefused(t, "timeUnit=SECOND")
	if r.Status != 400 || r.Code != -1194 || r.Msg != codes.MsgInvalidTimeUnit {
		t.Fatalf("timeUnit=SECOND: %d %s", r.Status, r.Body)
	}
}

// Every request is recorded for the inspector: the connection (GET, weight
// 2) and each frame (method WS, path the method name).
func TestWSRecent(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	c := e.dialWS(t, "")
	a := c.signed(keys["rsa"], "account.status", kv(t, "omitZeroBalances", "true"))
	wantWSOK(t, a)
	c.call("nope", nil)
	got := entriesSince(e, 0)
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3: %+v", len(got), got)
	}
	hs, acct, unknown := got[0], got[1], got[2]
	if hs.Method != "GET" || hs.Path != WSAPIPath || hs.HTTPStatus != 101 || hs.Weight != 2 || hs.Verdict != VerdictAccepted {
		t.Errorf("handshake entry = %+v", hs)
	}
	if acct.Method != WSMethod || acct.Path != "account.status" || acct.Endpoint != "WS account.status" || acct.Security != secUserData ||
		acct.APIKey != rsaAPIKey || acct.Account != rsaAPIKey || acct.Weight != 20 || acct.UsedWeight != 22 || acct.HTTPStatus != 200 ||
		!strings.Contains(acct.Body, `"method":"account.status"`) || !strings.Contains(acct.Response, `"balances"`) {
		t.Errorf("account.status entry = %+v", acct)
	}
	if unknown.Path != "nope" || unknown.Code != -1000 || unknown.Weight != 0 || unknown.Explanation == nil {
		t.Errorf("unknown method entry = %+v", unknown)
	}
}

// Faults aim at WebSocket methods too: a drop processes the request and
// closes the connection without an answer; a 5xx without process does not
// process it.
func TestWSFaults(t *testing.T) {
	cfg, keys := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	if _, err := e.srv.AddFault(Fault{Kind: Fault5xx, Method: WSMethod, Path: WSAPIPath + "/order.place"}); err != nil {
		t.Fatal(err)
	}
	c := e.dialWS(t, "")
	a := c.signed(keys["hmac"], "order.place", limitBuy(t, "这是测试币456", "1.50", "1", "fault-5xx"))
	wantWS(t, a, 503, -1001, "")
	if _, err := e.srv.Store().GetOrder(context.Background(), DocsAPIKey, "这是测试币456", 0, "fault-5xx"); err == nil {
		t.Fatal("a 5xx fault without process placed the order")
	}
	if _, err := e.srv.AddFault(Fault{Kind: FaultDrop, Method: WSMethod, Path: WSAPIPath + "/order.place"}); err != nil {
		t.Fatal(err)
	}
	s := c.sign(keys["hmac"], limitBuy(t, "这是测试币456", "1.50", "1", "fault-drop"))
	c.send(wsFrameText("drop", "order.place", s.Params))
	if a, err := c.readErr(); err == nil {
		t.Fatalf("answer after a drop fault: %s", a.Raw)
	}
	if _, err := e.srv.Store().GetOrder(context.Background(), DocsAPIKey, "这是测试币456", 0, "fault-drop"); err != nil {
		t.Fatalf("the dropped request was not processed: %v", err)
	}
}

// Close ends open WebSocket API connections.
func TestWSCloseEndsConnections(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	c := e.dialWS(t, "")
	wantWSOK(t, c.call("ping", nil))
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.readErr(); err == nil {
		t.Fatal("the connection is still open after Close")
	}
}

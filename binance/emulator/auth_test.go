package emulator

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/params"
)

const (
	subAPIKey  = "subKey0000000000000000000000000000000000000000000000000000000001"
	subSecret  = "subSecret000000000000000000000000000000000000000000000000000001"
	readAPIKey = "readKey000000000000000000000000000000000000000000000000000000001"
	wlAPIKey   = "whitelistKey0000000000000000000000000000000000000000000000000001"
	wlLocalKey = "whitelistLocal00000000000000000000000000000000000000000000000001"
	otherSecr  = "otherSecret00000000000000000000000000000000000000000000000000001"
	rsaAPIKey  = "rsaKey0000000000000000000000000000000000000000000000000000000001"
	edAPIKey   = "ed25519Key000000000000000000000000000000000000000000000000000001"
)

// authConfig has one key per situation the auth tests need.
func authConfig(t testing.TB) (Config, map[string]testKey) {
	t.Helper()
	dir := t.TempDir()
	main := DefaultKey()
	main.Permissions = []string{PermUserData, PermTrade, PermWithdraw, PermFutures, PermUniversalTransfer}
	main.Email = "main@example.com"
	main.Balances["BRL"] = "5000"
	sub := hmacKey(subAPIKey, subSecret, PermUserData, PermTrade)
	sub.Email = "sub+1@example.com"
	read := hmacKey(readAPIKey, otherSecr, PermUserData)
	wl := hmacKey(wlAPIKey, otherSecr, PermUserData)
	wl.IPWhitelist = []string{"10.0.0.0/8"}
	wlLocal := hmacKey(wlLocalKey, otherSecr, PermUserData)
	wlLocal.IPWhitelist = []string{"192.168.0.1", "127.0.0.1"}
	all := []string{PermUserData, PermTrade, PermFutures, PermUniversalTransfer}
	rsaCfg, rsaKey := asymmetricKey(t, dir, "rsa", rsaAPIKey, all...)
	edCfg, edKey := asymmetricKey(t, dir, "ed25519", edAPIKey, all...)

	cfg := DefaultConfig()
	cfg.Keys = []KeyConfig{main, sub, read, wl, wlLocal, rsaCfg, edCfg}
	cfg.Limits.SAPIUIDWeightPerMinute = 100_000_000 // many fiat withdrawals (45000 each) in one minute
	keys := map[string]testKey{
		"hmac":    docsKey(t),
		"sub":     {apiKey: subAPIKey, signer: mustHMAC(t, subSecret)},
		"read":    {apiKey: readAPIKey, signer: mustHMAC(t, otherSecr)},
		"wl":      {apiKey: wlAPIKey, signer: mustHMAC(t, otherSecr)},
		"wlLocal": {apiKey: wlLocalKey, signer: mustHMAC(t, otherSecr)},
		"rsa":     rsaKey,
		"ed25519": edKey,
	}
	return cfg, keys
}

// Every key type signs correct requests through binance/payload, including
// percent-encoded non-ASCII symbols on spot and futures.
func TestSignedRequestsAllKeyTypes(t *testing.T) {
	cfg, keys := authConfig(t)
	e := startExchange(t, cfg, Options{})
	for _, kt := range []string{"hmac", "rsa", "ed25519"} {
		k := keys[kt]
		t.Run(kt, func(t *testing.T) {
			a := e.signed(k, http.MethodGet, "/api/v3/account", params.List{}, params.List{})
			wantOK(t, a)
			var acct struct {
				Balances []balanceJSON `json:"balances"`
				CanTrade bool          `json:"canTrade"`
			}
			a.json(t, &acct)
			if !acct.CanTrade || len(acct.Balances) == 0 {
				t.Fatalf("account = %s", a.Body)
			}
			if got := a.Header.Get(headerWeight); got == "" {
				t.Errorf("no %s header", headerWeight)
			}

			a = e.signed(k, http.MethodPost, "/fapi/v1/leverage", params.List{}, kv(t, "symbol", "币安人生USDT", "leverage", 7))
			wantOK(t, a)
			var lev leverageResp
			a.json(t, &lev)
			if lev.Symbol != "币安人生USDT" || lev.Leverage != 7 {
				t.Fatalf("leverage = %s", a.Body)
			}

			a = e.signed(k, http.MethodPost, "/api/v3/order/test", params.List{}, kv(t,
				"symbol", "这是测试币456", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "1", "price", "2.00"))
			wantOK(t, a)
			if string(a.Body) != "{}" {
				t.Fatalf("order/test = %s", a.Body)
			}
		})
	}
}

// authCase is one request and the answer Binance would give.
type authCase struct {
	name   string
	send   func(t *testing.T, e *exchange, k map[string]testKey) answer
	status int
	code   int
	msg    string
	check  func(t *testing.T, a answer)
}

// rawSigned signs query‖body (minus nothing: the caller passes both without
// the signature) with k and appends &signature= to the query.
func rawSigned(t *testing.T, e *exchange, k testKey, method, path, query, body string) answer {
	t.Helper()
	s := sig(t, k, query+body, true)
	if query != "" {
		query += "&"
	}
	return e.raw(method, path, query+"signature="+s, body, "", k.apiKey)
}

func TestServerSideBugClasses(t *testing.T) {
	cfg, keys := authConfig(t)
	e := startExchange(t, cfg, Options{})
	ts := e.ms
	cases := []authCase{
		// ENC: non-ASCII must be percent-encoded before signing.
		{name: "raw non-ASCII symbol in the query", status: 400, code: -1022, msg: codes.MsgInvalidSignature,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/fapi/v1/leverage", "symbol=币安人生USDT&leverage=5&timestamp="+ts(), "")
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(a.Header.Get(HeaderExplain), "-1022") {
					t.Errorf("explain = %q", a.Header.Get(HeaderExplain))
				}
			}},
		{name: "raw non-ASCII symbol in the body", status: 400, code: -1022,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/fapi/v1/leverage", "", "symbol=币安人生USDT&leverage=5&timestamp="+ts())
			}},
		{name: "percent-encoded non-ASCII symbol", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/fapi/v1/leverage", "symbol=%E5%B8%81%E5%AE%89%E4%BA%BA%E7%94%9FUSDT&leverage=5&timestamp="+ts(), "")
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), `"symbol":"币安人生USDT"`) {
					t.Errorf("body = %s", a.Body)
				}
			}},
		{name: "lower-case percent-encoding signed as sent", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/fapi/v1/leverage", "symbol=%e5%b8%81%e5%ae%89%e4%ba%ba%e7%94%9fUSDT&leverage=5&timestamp="+ts(), "")
			}},
		{name: "e-mail with @ percent-encoded (builder)", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["hmac"], "POST", "/sapi/v1/sub-account/universalTransfer", params.List{}, kv(t,
					"toEmail", "sub+1@example.com", "fromAccountType", "SPOT", "toAccountType", "SPOT", "asset", "USDT", "amount", "10"))
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), `"tranId":`) {
					t.Errorf("body = %s", a.Body)
				}
				if a.Header.Get(headerSAPIUID) != "360" {
					t.Errorf("%s = %q, want 360", headerSAPIUID, a.Header.Get(headerSAPIUID))
				}
			}},
		{name: "e-mail with raw @ signed as sent", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/sapi/v1/sub-account/universalTransfer", "",
					"fromEmail=main@example.com&toEmail=sub%2B1@example.com&fromAccountType=SPOT&toAccountType=SPOT&asset=USDT&amount=1&timestamp="+ts())
			}},
		{name: "e-mail signed decoded but sent encoded", status: 400, code: -1022,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				body := "toEmail=sub%2B1%40example.com&fromAccountType=SPOT&toAccountType=SPOT&asset=USDT&amount=1&timestamp=" + ts()
				s := sig(t, k["hmac"], "toEmail=sub+1@example.com&fromAccountType=SPOT&toAccountType=SPOT&asset=USDT&amount=1&timestamp="+ts(), true)
				return e.raw("POST", "/sapi/v1/sub-account/universalTransfer", "", body+"&signature="+s, "", k["hmac"].apiKey)
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(a.Header.Get(HeaderExplain), "signed-decoded") {
					t.Errorf("explain = %q, want the signed-decoded mistake", a.Header.Get(HeaderExplain))
				}
			}},
		{name: "unknown e-mail", status: 400, code: -1130,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["hmac"], "POST", "/sapi/v1/sub-account/universalTransfer", params.List{}, kv(t,
					"toEmail", "nobody@example.com", "fromAccountType", "SPOT", "toAccountType", "SPOT", "asset", "USDT", "amount", "1"))
			}},
		{name: "+ for a space, signed as sent", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/sapi/v1/sub-account/universalTransfer", "",
					"toEmail=sub%2B1%40example.com&fromAccountType=SPOT&toAccountType=SPOT&asset=USDT&amount=1&clientTranId=my+transfer&timestamp="+ts())
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), `"clientTranId":"my transfer"`) {
					t.Errorf("body = %s, want the + read as a space", a.Body)
				}
			}},
		{name: "literal * signed as sent", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/sapi/v1/sub-account/universalTransfer", "",
					"toEmail=sub%2B1%40example.com&fromAccountType=SPOT&toAccountType=SPOT&asset=USDT&amount=1&clientTranId=Bnb*60&timestamp="+ts())
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), `"clientTranId":"Bnb*60"`) {
					t.Errorf("body = %s", a.Body)
				}
			}},
		{name: "%2A signed as sent", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/sapi/v1/sub-account/universalTransfer", "",
					"toEmail=sub%2B1%40example.com&fromAccountType=SPOT&toAccountType=SPOT&asset=USDT&amount=1&clientTranId=Bnb%2A60&timestamp="+ts())
			}},

		// ARRAY: lists travel as one JSON array.
		{name: "JSON symbols array", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.get("/api/v3/ticker/price", kv(t, "symbols", []string{"BTCUSDT", "BNBUSDT"}))
			},
			check: func(t *testing.T, a answer) {
				var got []tickerPrice
				a.json(t, &got)
				if len(got) != 2 || got[0].Symbol != "BTCUSDT" || got[1].Symbol != "BNBUSDT" || got[0].Price != "60000.00000000" {
					t.Errorf("prices = %s", a.Body)
				}
				if a.Header.Get(headerWeight) == "" {
					t.Errorf("no weight header")
				}
			}},
		{name: "JSON symbols array unencoded", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.raw("GET", "/api/v3/ticker/price", `symbols=["BTCUSDT","%E5%B8%81%E5%AE%89%E4%BA%BA%E7%94%9FUSDT"]`, "", "", "")
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), "币安人生USDT") {
					t.Errorf("body = %s", a.Body)
				}
			}},
		{name: "symbols[] repeated", status: 400, code: -1101, msg: codes.MsgDuplicateParam,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.raw("GET", "/api/v3/ticker/price", "symbols%5B%5D=BTCUSDT&symbols%5B%5D=BNBUSDT", "", "", "")
			}},
		{name: "JSON array with spaces", status: 400, code: -1100,
			msg: fmt.Sprintf(codes.MsgIllegalCharsFmt, "symbols", symbolsLegalRange),
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.raw("GET", "/api/v3/ticker/price", `symbols=%5B%22BTCUSDT%22%2C%20%22BNBUSDT%22%5D`, "", "", "")
			}},
		{name: "one symbol", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.get("/api/v3/ticker/price", kv(t, "symbol", "１２３４５６"))
			},
			check: func(t *testing.T, a answer) {
				recent := e.srv.Recent()
				if string(a.Body) != `{"symbol":"１２３４５６","price":"0.10000000"}` || recent[len(recent)-1].Weight != 2 {
					t.Errorf("body = %s, weight %d", a.Body, recent[len(recent)-1].Weight)
				}
			}},
		{name: "lower-case symbol", status: 400, code: -1100,
			msg: fmt.Sprintf(codes.MsgIllegalCharsFmt, "symbol", symbolLegalRange),
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.get("/api/v3/ticker/price", kv(t, "symbol", "btcusdt"))
			}},
		{name: "unknown symbol", status: 400, code: -1121, msg: codes.MsgInvalidSymbol,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.get("/api/v3/ticker/price", kv(t, "symbol", "DOGEUSDT"))
			}},

		// ORDER/PLACE: split query/body layouts.
		{name: "docs mixed example: order params in the query, the rest in the body", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
				b := "quantity=1&price=0.1&recvWindow=5000&timestamp=" + ts()
				return e.raw("POST", "/api/v3/order", q, b+"&signature="+sig(t, k["hmac"], q+b, true), "", k["hmac"].apiKey)
			}},
		{name: "go-binance layout: timestamp and signature ending the query, params in the body", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				b := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&newOrderRespType=RESULT"
				return e.raw("POST", "/api/v3/order", q+"&signature="+sig(t, k["hmac"], q+b, true), b, "", k["hmac"].apiKey)
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), `"status":"FILLED"`) {
					t.Errorf("body = %s", a.Body)
				}
			}},
		{name: "signature not last: accepted by default", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				s := sig(t, k["hmac"], "timestamp="+ts()+"&recvWindow=5000", true)
				return e.raw("GET", "/api/v3/account", "timestamp="+ts()+"&signature="+s+"&recvWindow=5000", "", "", k["hmac"].apiKey)
			}},
		{name: "signature sent with the data it does not cover (body-only signed)", status: 400, code: -1022,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
				b := "quantity=1&price=0.1&timestamp=" + ts()
				return e.raw("POST", "/api/v3/order", q, b+"&signature="+sig(t, k["hmac"], b, true), "", k["hmac"].apiKey)
			}},

		// SIGFMT.
		{name: "RSA signature not percent-encoded", status: 400, code: -1022,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				for w := 5000; ; w++ {
					q := "recvWindow=" + strconv.Itoa(w) + "&timestamp=" + ts()
					s := sig(t, k["rsa"], q, false)
					if strings.Contains(s, "+") {
						return e.raw("GET", "/api/v3/account", q+"&signature="+s, "", "", k["rsa"].apiKey)
					}
				}
			}},
		{name: "Ed25519 signature percent-encoded", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["ed25519"], "GET", "/api/v3/account", "timestamp="+ts(), "")
			}},
		{name: "HMAC signature in base64", status: 400, code: -1100,
			msg: "Illegal characters found in parameter 'signature'; legal range is '^[A-Fa-f0-9]{64}$'.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				raw, _ := hex.DecodeString(sig(t, k["hmac"], "timestamp="+ts(), false))
				return e.raw("GET", "/api/v3/account", "timestamp="+ts()+"&signature="+base64.URLEncoding.EncodeToString(raw), "", "", k["hmac"].apiKey)
			}},
		{name: "HMAC signature in upper-case hex", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				return e.raw("GET", "/api/v3/account", q+"&signature="+strings.ToUpper(sig(t, k["hmac"], q, false)), "", "", k["hmac"].apiKey)
			}},

		// TIME.
		{name: "timestamp in seconds", status: 400, code: -1021, msg: codes.MsgTimestampOutside,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "timestamp="+strconv.FormatInt(e.clock.Now().Unix(), 10), "")
			}},
		{name: "timestamp 1000ms ahead", status: 400, code: -1021, msg: codes.MsgTimestampAhead,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "timestamp="+strconv.FormatInt(e.clock.Now().UnixMilli()+1000, 10), "")
			}},
		{name: "timestamp 999ms ahead", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "timestamp="+strconv.FormatInt(e.clock.Now().UnixMilli()+999, 10), "")
			}},
		{name: "timestamp outside the default recvWindow", status: 400, code: -1021, msg: codes.MsgTimestampOutside,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "timestamp="+strconv.FormatInt(e.clock.Now().UnixMilli()-5001, 10), "")
			}},
		{name: "timestamp inside a larger recvWindow", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "recvWindow=10000&timestamp="+strconv.FormatInt(e.clock.Now().UnixMilli()-5001, 10), "")
			}},
		{name: "timestamp in microseconds", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "timestamp="+strconv.FormatInt(e.clock.Now().UnixMicro(), 10), "")
			}},
		{name: "recvWindow 60001", status: 400, code: -1102, msg: "'recvWindow' contains unexpected value. Cannot be greater than 60000.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "recvWindow=60001&timestamp="+ts(), "")
			}},

		// PARAMS.
		{name: "duplicate parameter", status: 400, code: -1101, msg: codes.MsgDuplicateParam,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/account", "omitZeroBalances=true&omitZeroBalances=true&timestamp="+ts(), "")
			}},
		{name: "query beats body", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&newOrderRespType=ACK"
				b := "symbol=BTCUSDT&timestamp=" + ts()
				return e.raw("POST", "/api/v3/order", q, b+"&signature="+sig(t, k["hmac"], q+b, true), "", k["hmac"].apiKey)
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(string(a.Body), `"symbol":"LTCBTC"`) {
					t.Errorf("body = %s, want the query's symbol", a.Body)
				}
			}},
		{name: "empty value", status: 400, code: -1105, msg: "Parameter 'orderId' was empty.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/order", "symbol=BTCUSDT&orderId=&timestamp="+ts(), "")
			}},
		{name: "GET /api/v3/order with order parameters", status: 400, code: -1101, msg: "Too many parameters; expected '6' and received '8'.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=1&orderId=1&timestamp="+ts(), "")
			}},
		{name: "misspelt parameter", status: 400, code: -1104, msg: "Not all sent parameters were read; read '8' parameter(s) but was sent '9'.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderID=abc&timestamp="+ts())
			}},
		{name: "missing mandatory parameter", status: 400, code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/allOrders", "timestamp="+ts(), "")
			}},
		{name: "missing signature", status: 400, code: -1102, msg: "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.raw("GET", "/api/v3/account", "timestamp="+ts(), "", "", k["hmac"].apiKey)
			}},

		// KEY and CONFIG.
		{name: "missing X-MBX-APIKEY", status: 401, code: -2014, msg: codes.MsgBadAPIKeyFmt,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				return e.raw("GET", "/api/v3/account", q+"&signature="+sig(t, k["hmac"], q, false), "", "", "")
			}},
		{name: "unknown key", status: 401, code: -2015, msg: codes.MsgRejectedKey,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				return e.raw("GET", "/api/v3/account", q+"&signature="+sig(t, k["hmac"], q, false), "", "", "NoSuchKey0000000000000000000000000000000000000000000000000000001")
			}},
		{name: "unknown key on /fapi names the address", status: 401, code: -2015, msg: "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				return e.raw("GET", "/fapi/v2/account", q+"&signature="+sig(t, k["hmac"], q, false), "", "", "NoSuchKey0000000000000000000000000000000000000000000000000000001")
			}},
		{name: "wrong secret", status: 400, code: -1022,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				return e.raw("GET", "/api/v3/account", q+"&signature="+sig(t, k["sub"], q, false), "", "", k["hmac"].apiKey)
			}},
		{name: "address outside the IP whitelist", status: 401, code: -2015, msg: codes.MsgRejectedKey,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["wl"], "GET", "/api/v3/account", params.List{}, params.List{})
			}},
		{name: "address inside the IP whitelist", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["wlLocal"], "GET", "/api/v3/account", params.List{}, params.List{})
			}},
		{name: "missing WITHDRAW permission", status: 401, code: -2015, msg: codes.MsgRejectedKey,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["read"], "POST", "/sapi/v1/capital/withdraw/apply", params.List{}, kv(t, "coin", "USDT", "address", "TXabc", "amount", "1"))
			},
			check: func(t *testing.T, a answer) {
				if !strings.Contains(a.Header.Get(HeaderExplain), "WITHDRAW") {
					t.Errorf("explain = %q", a.Header.Get(HeaderExplain))
				}
			}},
		{name: "missing FUTURES permission", status: 401, code: -2015, msg: "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["read"], "GET", "/fapi/v2/account", params.List{}, params.List{})
			}},
		{name: "missing TRADE permission", status: 401, code: -2015,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["read"], "POST", "/api/v3/order/test", params.List{}, kv(t, "symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001"))
			}},
		{name: "withdraw with the permission", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["hmac"], "POST", "/sapi/v1/capital/withdraw/apply", params.List{}, kv(t,
					"coin", "USDT", "address", "TXabc", "amount", "1", "name", "[STAGE]: Main KS's wallet"))
			}},
		{name: "apiRestrictions reflect the permissions", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["wlLocal"], "GET", "/sapi/v1/account/apiRestrictions", params.List{}, params.List{})
			},
			check: func(t *testing.T, a answer) {
				var r apiRestrictionsResp
				a.json(t, &r)
				if !r.IPRestrict || !r.EnableReading || r.EnableWithdrawals || r.EnableFutures || r.EnableSpotAndMarginTrading {
					t.Errorf("restrictions = %s", a.Body)
				}
				if a.Header.Get(headerSAPIIP) != "1" {
					t.Errorf("%s = %q", headerSAPIIP, a.Header.Get(headerSAPIIP))
				}
			}},

		// VALID: values are checked after the signature.
		{name: "bad signature and bad value: the signature wins", status: 400, code: -1022,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				b := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=a.b&timestamp=" + ts()
				return e.raw("POST", "/api/v3/order", "", b+"&signature="+strings.Repeat("0", 64), "", k["hmac"].apiKey)
			}},
		{name: "newClientOrderId with a dot", status: 400, code: -1100,
			msg: "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=a.b&timestamp="+ts())
			}},
		{name: "newClientOrderId over 36 characters", status: 400, code: -1100,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=O-20210711-193500-BINANCE-001-001-982&timestamp="+ts())
			}},
		{name: "quantity in exponent notation", status: 400, code: -1100,
			msg: "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=3e-05&timestamp="+ts())
			}},
		{name: "decimal comma", status: 400, code: -1100,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0%2C001&timestamp="+ts())
			}},
		{name: "orderId not a number", status: 400, code: -1100,
			msg: "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "GET", "/api/v3/order", "symbol=BTCUSDT&orderId=KWxM1eSzVYGwbcj7kn0jJc&timestamp="+ts(), "")
			}},
		{name: "MARKET with timeInForce", status: 400, code: -1106, msg: "Parameter 'timeInForce' sent when not required.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=MARKET&timeInForce=GTC&quantity=0.001&timestamp="+ts())
			}},
		{name: "LIMIT without timeInForce", status: 400, code: -1102,
			msg: "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=50000&timestamp="+ts())
			}},
		{name: "too much precision", status: 400, code: -1111, msg: "Parameter 'quantity' has too much precision.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.000001&price=50000&timestamp="+ts())
			}},
		{name: "too much precision on futures", status: 400, code: -1111, msg: "Precision is over the maximum defined for this asset.",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/fapi/v1/order", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000.001&timestamp="+ts())
			}},
		{name: "trailing zeros are not precision", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order/test", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100000&price=50000.00000000&timestamp="+ts())
			}},
		{name: "notional below the filter", status: 400, code: -1013, msg: "Filter failure: NOTIONAL",
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order/test", "",
					"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00001&price=50000&timestamp="+ts())
			}},
		{name: "insufficient balance", status: 400, code: -2010, msg: codes.MsgInsufficient,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return rawSigned(t, e, k["hmac"], "POST", "/api/v3/order", "",
					"symbol=BTCUSDT&side=SELL&type=MARKET&quantity=5&timestamp="+ts())
			}},

		// Nested accountInfo.
		{name: "fiat withdraw: accountInfo as a form field holding JSON", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["hmac"], "POST", "/sapi/v2/fiat/withdraw", params.List{}, kv(t,
					"currency", "BRL", "apiPaymentMethod", "bank_transfer", "amount", 20,
					"accountInfo", map[string]string{"accountNumber": "1056894222", "agency": "1234"}))
			},
			check: func(t *testing.T, a answer) {
				var r fiatResp
				a.json(t, &r)
				if r.Code != "000000" || r.Message != "success" || r.Data.OrderID == "" {
					t.Errorf("body = %s", a.Body)
				}
				if a.Header.Get(headerSAPIUID) == "" {
					t.Errorf("no %s header", headerSAPIUID)
				}
			}},
		{name: "fiat withdraw: JSON body", status: 200,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				b := `{"currency":"BRL","apiPaymentMethod":"bank_transfer","amount":20,"accountInfo":{"accountNumber":"1056894222","agency":"1234","bankCodeForPix":"222","accountType":"current"}}`
				return e.raw("POST", "/sapi/v2/fiat/withdraw", q+"&signature="+sig(t, k["hmac"], q+b, false), b, "application/json", k["hmac"].apiKey)
			},
			check: func(t *testing.T, a answer) {
				if !strings.HasPrefix(string(a.Body), `{"code":"000000","message":"success","data":{"orderId":"`) {
					t.Errorf("body = %s", a.Body)
				}
			}},
		{name: "fiat withdraw: accountInfo without accountNumber", status: 400, code: -1102,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				q := "timestamp=" + ts()
				b := `{"currency":"BRL","apiPaymentMethod":"bank_transfer","amount":20,"accountInfo":{"agency":"1234"}}`
				return e.raw("POST", "/sapi/v2/fiat/withdraw", q+"&signature="+sig(t, k["hmac"], q+b, false), b, "application/json", k["hmac"].apiKey)
			}},
		{name: "fiat withdraw: accountInfo not JSON", status: 400, code: -1130,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["hmac"], "POST", "/sapi/v2/fiat/withdraw", params.List{}, kv(t,
					"currency", "BRL", "apiPaymentMethod", "bank_transfer", "amount", 20, "accountInfo", "1056894222"))
			}},
		{name: "fiat withdraw: unsupported currency", status: 400, code: -16010,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.signed(k["hmac"], "POST", "/sapi/v2/fiat/withdraw", params.List{}, kv(t,
					"currency", "EUR", "apiPaymentMethod", "bank_transfer", "amount", 20, "accountInfo", map[string]string{"accountNumber": "1"}))
			}},

		// Routing.
		{name: "unknown endpoint", status: 404, code: -1000,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.raw("GET", "/api/v3/nope", "", "", "", "")
			}},
		{name: "wrong method", status: 405, code: -1000,
			send: func(t *testing.T, e *exchange, k map[string]testKey) answer {
				return e.raw("PUT", "/api/v3/order", "", "", "", "")
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.send(t, e, keys)
			if a.Err != nil {
				t.Fatalf("transport: %v", a.Err)
			}
			if c.status == 200 {
				wantOK(t, a)
			} else {
				wantCode(t, a, c.status, c.code, c.msg)
				checkRejectionHeaders(t, e, a)
			}
			if c.check != nil {
				c.check(t, a)
			}
		})
	}
}

// checkRejectionHeaders: the body is exactly {"code","msg"}, and the
// explanation travels in headers that lead to a Recent entry.
func checkRejectionHeaders(t *testing.T, e *exchange, a answer) {
	t.Helper()
	want := fmt.Sprintf(`{"code":%d,"msg":%s}`, a.Code, strconv.Quote(a.Msg))
	if !strings.Contains(a.Msg, `"`) && !strings.Contains(a.Msg, "\\") && string(a.Body) != want {
		t.Errorf("body = %s, want exactly %s", a.Body, want)
	}
	ex := a.Header.Get(HeaderExplain)
	if ex == "" || !strings.HasPrefix(ex, strconv.Itoa(a.Code)) {
		t.Errorf("%s = %q", HeaderExplain, ex)
	}
	for i := 0; i < len(ex); i++ {
		if ex[i] < 0x20 || ex[i] > 0x7e {
			t.Fatalf("%s has a non-printable byte: %q", HeaderExplain, ex)
		}
	}
	insp := a.Header.Get(HeaderInspect)
	id, err := strconv.ParseUint(strings.TrimPrefix(insp, "/mbx/#"), 10, 64)
	if err != nil {
		t.Fatalf("%s = %q", HeaderInspect, insp)
	}
	entry, ok := e.srv.Lookup(id)
	if !ok || entry.Explanation == nil || entry.Code != a.Code || entry.HTTPStatus != a.Status {
		t.Fatalf("Lookup(%d) = %+v, %v", id, entry, ok)
	}
}

func TestStrictSignaturePlacement(t *testing.T) {
	cfg, keys := authConfig(t)
	cfg.StrictSignatureLast = true
	e := startExchange(t, cfg, Options{})
	k := keys["hmac"]
	ts := e.ms()
	s := sig(t, k, "timestamp="+ts+"&recvWindow=5000", true)
	a := e.raw("GET", "/api/v3/account", "timestamp="+ts+"&signature="+s+"&recvWindow=5000", "", "", k.apiKey)
	wantCode(t, a, 400, -1022, codes.MsgInvalidSignature)
	// Last in its part is fine, also when the part is the query and the
	// order parameters follow in the body.
	q := "timestamp=" + ts
	b := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
	wantOK(t, e.raw("POST", "/api/v3/order/test", q+"&signature="+sig(t, k, q+b, true), b, "", k.apiKey))
}

// Skew: a client stamping requests with its own clock is rejected once the
// exchange's clock is off by more than the window allows, and accepted when
// it takes its time from /api/v3/time.
func TestClockSkew(t *testing.T) {
	cfg, keys := authConfig(t)
	e := startExchange(t, cfg, Options{})
	k := keys["hmac"]
	for _, c := range []struct {
		skew time.Duration
		msg  string
	}{
		{-3 * time.Second, codes.MsgTimestampAhead}, // exchange behind: the client's stamp is 3s ahead
		{+8 * time.Second, codes.MsgTimestampOutside},
	} {
		t.Run(c.skew.String(), func(t *testing.T) {
			wantOK(t, e.admin("POST", "/clock", fmt.Sprintf(`{"skew":%q}`, c.skew.String())))
			wantCode(t, rawSigned(t, e, k, "GET", "/api/v3/account", "timestamp="+e.ms(), ""), 400, -1021, c.msg)

			var st serverTimeResp
			a := e.get("/api/v3/time", params.List{})
			wantOK(t, a)
			a.json(t, &st)
			if got := st.ServerTime - e.clock.Now().UnixMilli(); got != c.skew.Milliseconds() {
				t.Fatalf("serverTime - real = %dms, want %v", got, c.skew)
			}
			wantOK(t, rawSigned(t, e, k, "GET", "/api/v3/account", "timestamp="+strconv.FormatInt(st.ServerTime, 10), ""))
		})
	}
	wantOK(t, e.admin("POST", "/clock", `{"skew":"0s"}`))
}

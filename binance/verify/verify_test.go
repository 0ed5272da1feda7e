package verify_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/vectors"
	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Every published REST vector verifies with its secret, wherever the
// signature travels.
func TestPublishedRESTVectors(t *testing.T) {
	vs, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	for _, v := range vs {
		if v.Kind != "rest-hmac" {
			continue
		}
		h, err := sign.NewHMAC(secret.FromString(v.Secret))
		if err != nil {
			t.Fatal(err)
		}
		key := verify.Key{APIKey: v.APIKey, Verifier: h}
		ts := v.Payload[strings.LastIndex(v.Payload, "timestamp=")+len("timestamp="):]
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			t.Fatalf("%s: timestamp %q: %v", v.ID, ts, err)
		}
		opt := verify.Options{ServerTime: time.UnixMilli(ms + 10)}
		type layout struct{ name, query, body, in string }
		var layouts []layout
		if v.Mixed() {
			layouts = []layout{
				{"signature at the end of the body", v.Query, withSig(*v.Body, v.Signature), "body"},
				{"signature at the end of the query, rest in the body", withSig(v.Query, v.Signature), *v.Body, "query"},
				{"upper-case hex", v.Query, withSig(*v.Body, strings.ToUpper(v.Signature)), "body"},
			}
		} else {
			layouts = []layout{
				{"query", withSig(v.Payload, v.Signature), "", "query"},
				{"upper-case hex", withSig(v.Payload, strings.ToUpper(v.Signature)), "", "query"},
				{"body", "", withSig(v.Payload, v.Signature), "body"},
			}
		}
		for _, l := range layouts {
			t.Run(v.ID+"/"+l.name, func(t *testing.T) {
				res, rej := verify.Verify(request(l.query, l.body), key, opt)
				if rej != nil {
					t.Fatalf("rejected %v\n%s", rej, rej.Explanation.Text())
				}
				if string(res.Payload) != v.Payload {
					t.Errorf("payload = %q, want %q", res.Payload, v.Payload)
				}
				if res.SignatureIn != l.in {
					t.Errorf("SignatureIn = %q, want %q", res.SignatureIn, l.in)
				}
				if res.Timestamp.UnixMilli() != ms || res.RecvWindow != 5*time.Second {
					t.Errorf("timestamp %v recvWindow %v", res.Timestamp, res.RecvWindow)
				}
				ran[v.ID] = true
			})
		}
		// One flipped hex digit must fail, or the test above proves nothing.
		bad := []byte(v.Signature)
		bad[10] ^= 1
		q, b := withSig(v.Payload, string(bad)), ""
		if v.Mixed() {
			q, b = v.Query, withSig(*v.Body, string(bad))
		}
		if _, rej := verify.Verify(request(q, b), key, opt); rej == nil || rej.Code != codes.InvalidSignature {
			t.Errorf("%s with a flipped digit: got %v, want -1022", v.ID, rej)
		}
	}
	for _, id := range []string{"H1", "H2", "M1", "D1"} {
		if !ran[id] {
			t.Errorf("vector %s did not run", id)
		}
	}
}

// Requests built by the client's own builder verify for every key type,
// whatever characters the values hold, and their params decode back to the
// values given.
func TestBuilderRequestsVerify(t *testing.T) {
	values := [][2]string{
		{"symbol", "这是测试币456"},
		{"asset", "１２３４５６"},
		{"email", "first+16@example.com"},
		{"note", "hello world *~ !'()"},
		{"symbols", `["BTCUSDT","BNBUSDT"]`},
		{"name", "[STAGE]: Main KS's wallet, 50% & more = ok"},
		{"newClientOrderId", "mbx-7f3a9c2e4b1d4e8f"},
	}
	type layout struct {
		name   string
		method string
		body   int // how many of values go to the body
		tsIn   payload.Part
	}
	layouts := []layout{
		{"GET all in query", http.MethodGet, 0, payload.Auto},
		{"POST all in body", http.MethodPost, len(values), payload.Auto},
		{"POST mixed, signature in body", http.MethodPost, 3, payload.Auto},
		{"POST mixed, signature at end of query", http.MethodPost, 3, payload.Query},
	}
	for _, alg := range []string{"hmac", "rsa", "ed25519"} {
		s, key := keyFor(t, alg)
		for _, l := range layouts {
			t.Run(alg+"/"+l.name, func(t *testing.T) {
				var r payload.REST
				r.Method, r.TimestampIn = l.method, l.tsIn
				for i, v := range values {
					if i >= len(values)-l.body {
						r.Body.AddString(v[0], v[1])
					} else {
						r.Query.AddString(v[0], v[1])
					}
				}
				signed, err := r.Sign(s, payload.Options{Now: func() time.Time { return testNow }, RecvWindow: 6000346 * time.Microsecond})
				if err != nil {
					t.Fatal(err)
				}
				res, rej := verify.Verify(fromSigned(signed), key, opts())
				if rej != nil {
					t.Fatalf("rejected %v\n%s", rej, rej.Explanation.Text())
				}
				if string(res.Payload) != signed.Payload {
					t.Errorf("verified payload %q, client signed %q", res.Payload, signed.Payload)
				}
				if want := signed.SignatureIn.String(); res.SignatureIn != want {
					t.Errorf("SignatureIn = %q, want %q", res.SignatureIn, want)
				}
				if res.RecvWindow != 6000346*time.Microsecond {
					t.Errorf("RecvWindow = %v", res.RecvWindow)
				}
				for _, v := range values {
					if got, _ := res.Params.Get(v[0]); got != v[1] {
						t.Errorf("param %s = %q, want %q", v[0], got, v[1])
					}
				}
				if e := verify.Explain(fromSigned(signed), key, opts()); e.Code != 0 || e.Verdict != "signature valid" || e.Mistake != nil {
					t.Errorf("Explain of an accepted request: %+v", e)
				}
			})
		}
	}
}

func TestTiming(t *testing.T) {
	s, key := keyFor(t, "hmac")
	nowMS := testNow.UnixMilli()
	nowUS := testNow.UnixMicro()
	cases := []struct {
		name       string
		ts         string
		recvWindow string // "" sends none
		code       codes.Code
		msg        string
		mistake    string
		recv       time.Duration
	}{
		{"now", strconv.FormatInt(nowMS, 10), "", 0, "", "", 5 * time.Second},
		{"ahead 999ms", strconv.FormatInt(nowMS+999, 10), "", 0, "", "", 5 * time.Second},
		{"ahead 1000ms", strconv.FormatInt(nowMS+1000, 10), "", codes.InvalidTimestamp, codes.MsgTimestampAhead, verify.MistakeClockAhead, 0},
		{"ahead 1000ms with a large recvWindow", strconv.FormatInt(nowMS+1000, 10), "60000", codes.InvalidTimestamp, codes.MsgTimestampAhead, verify.MistakeClockAhead, 0},
		{"behind 5000ms", strconv.FormatInt(nowMS-5000, 10), "", 0, "", "", 5 * time.Second},
		{"behind 5001ms", strconv.FormatInt(nowMS-5001, 10), "", codes.InvalidTimestamp, codes.MsgTimestampOutside, verify.MistakeClockBehind, 0},
		{"behind 5001ms, recvWindow 6000", strconv.FormatInt(nowMS-5001, 10), "6000", 0, "", "", 6 * time.Second},
		{"recvWindow 60000", strconv.FormatInt(nowMS-59000, 10), "60000", 0, "", "", 60 * time.Second},
		{"recvWindow 60001", strconv.FormatInt(nowMS, 10), "60001", codes.MandatoryParamEmpty, "'recvWindow' contains unexpected value. Cannot be greater than 60000.", "", 0},
		{"recvWindow 60000.001", strconv.FormatInt(nowMS, 10), "60000.001", codes.MandatoryParamEmpty, "'recvWindow' contains unexpected value. Cannot be greater than 60000.", "", 0},
		{"recvWindow 3 decimals", strconv.FormatInt(nowMS-6000, 10), "6000.346", 0, "", "", 6000346 * time.Microsecond},
		{"recvWindow 4 decimals", strconv.FormatInt(nowMS, 10), "6000.3461", codes.IllegalChars, "Illegal characters found in parameter 'recvWindow'; legal range is '^[0-9]{1,20}(\\.[0-9]{1,3})?$'.", "", 0},
		{"recvWindow not a number", strconv.FormatInt(nowMS, 10), "5s", codes.IllegalChars, "", "", 0},
		{"recvWindow empty", strconv.FormatInt(nowMS, 10), "=", codes.ParamEmpty, "Parameter 'recvWindow' was empty.", "", 0},
		{"microseconds now", strconv.FormatInt(nowUS, 10), "", 0, "", "", 5 * time.Second},
		{"microseconds behind 5000000us", strconv.FormatInt(nowUS-5_000_000, 10), "", 0, "", "", 5 * time.Second},
		{"microseconds behind 5000001us", strconv.FormatInt(nowUS-5_000_001, 10), "", codes.InvalidTimestamp, codes.MsgTimestampOutside, verify.MistakeClockBehind, 0},
		{"microseconds ahead 999999us", strconv.FormatInt(nowUS+999_999, 10), "", 0, "", "", 5 * time.Second},
		{"microseconds ahead 1000000us", strconv.FormatInt(nowUS+1_000_000, 10), "", codes.InvalidTimestamp, codes.MsgTimestampAhead, verify.MistakeClockAhead, 0},
		{"microseconds with µs recvWindow", strconv.FormatInt(nowUS-6_000_346, 10), "6000.346", 0, "", "", 6000346 * time.Microsecond},
		{"microseconds 1us outside µs recvWindow", strconv.FormatInt(nowUS-6_000_347, 10), "6000.346", codes.InvalidTimestamp, codes.MsgTimestampOutside, verify.MistakeClockBehind, 0},
		{"seconds", strconv.FormatInt(nowMS/1000, 10), "", codes.InvalidTimestamp, codes.MsgTimestampOutside, verify.MistakeTimestampSeconds, 0},
		{"nanoseconds", strconv.FormatInt(testNow.UnixNano(), 10), "", codes.InvalidTimestamp, codes.MsgTimestampAhead, verify.MistakeTimestampNanos, 0},
		{"20 digits past uint64", "99999999999999999999", "", codes.InvalidTimestamp, codes.MsgTimestampAhead, verify.MistakeClockAhead, 0},
		{"decimal timestamp", "1515590143.80", "", codes.IllegalChars, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.", "", 0},
		{"leading space", "%20" + strconv.FormatInt(nowMS, 10), "", codes.IllegalChars, "", "", 0},
		{"NaN", "NaN", "", codes.IllegalChars, "", "", 0},
		{"21 digits", "123456789012345678901", "", codes.IllegalChars, "", "", 0},
		{"empty", "", "", codes.MandatoryParamEmpty, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := "symbol=BTCUSDT"
			switch c.recvWindow {
			case "":
			case "=":
				q += "&recvWindow="
			default:
				q += "&recvWindow=" + c.recvWindow
			}
			q += "&timestamp=" + c.ts
			req := craft(t, s, q, "", q, "query")
			res, rej := verify.Verify(req, key, opts())
			if c.code == 0 {
				if rej != nil {
					t.Fatalf("rejected %v\n%s", rej, rej.Explanation.Text())
				}
				if res.RecvWindow != c.recv {
					t.Errorf("RecvWindow = %v, want %v", res.RecvWindow, c.recv)
				}
				return
			}
			if rej == nil {
				t.Fatalf("accepted, want %d", c.code)
			}
			if rej.Code != c.code || (c.msg != "" && rej.Msg != c.msg) {
				t.Fatalf("got %d %q, want %d %q", rej.Code, rej.Msg, c.code, c.msg)
			}
			if rej.HTTPStatus != http.StatusBadRequest {
				t.Errorf("HTTP %d, want 400", rej.HTTPStatus)
			}
			e := rej.Explanation
			if c.mistake != "" && (e.Mistake == nil || e.Mistake.ID != c.mistake) {
				t.Errorf("mistake %+v, want %s\n%s", e.Mistake, c.mistake, e.Text())
			}
			if c.mistake == verify.MistakeClockAhead && !strings.Contains(e.Text(), "Raising recvWindow does not help") {
				t.Errorf("ahead explanation lacks the recvWindow note:\n%s", e.Text())
			}
		})
	}
}

// The ahead and behind explanations say by how much.
func TestTimingAmounts(t *testing.T) {
	s, key := keyFor(t, "hmac")
	for _, c := range []struct {
		delta int64
		want  string
	}{
		{1234, "1234ms ahead"},
		{-7200, "7200ms behind the server's time, more than recvWindow 5000ms"},
	} {
		q := "timestamp=" + strconv.FormatInt(testNow.UnixMilli()+c.delta, 10)
		_, rej := verify.Verify(craft(t, s, q, "", q, "query"), key, opts())
		if rej == nil || !strings.Contains(rej.Explanation.Verdict, c.want) {
			t.Errorf("delta %d: got %v, want verdict with %q", c.delta, rej.Explanation, c.want)
		}
	}
}

func TestParamRules(t *testing.T) {
	s, key := keyFor(t, "hmac")
	ts := "timestamp=" + testTS()
	cases := []struct {
		name        string
		query, body string
		sigIn       string // where to put a valid signature; "" sends the wire as given
		code        codes.Code
		msg         string
		status      int
		note        string // text the explanation must hold
	}{
		{"duplicate in query", "symbol=A&symbol=B&" + ts, "", "query", codes.TooManyParameters, codes.MsgDuplicateParam, 400, "appears twice in the query string"},
		{"duplicate in body", "", "symbol=A&symbol=B&" + ts, "body", codes.TooManyParameters, codes.MsgDuplicateParam, 400, "appears twice in the body"},
		{"encoded duplicate in query", "symbols%5B%5D=A&symbols[]=B&" + ts, "", "query", codes.TooManyParameters, codes.MsgDuplicateParam, 400, "JSON array"},
		{"signature twice in query", ts + "&signature=00&signature=11", "", "", codes.TooManyParameters, codes.MsgDuplicateParam, 400, ""},
		{"signature in query and body", ts + "&signature=" + strings.Repeat("a", 64), "x=1&signature=" + strings.Repeat("b", 64), "", codes.TooManyParameters, codes.MsgDuplicateParam, 400, "more than once"},
		{"signature missing", "symbol=A&" + ts, "", "", codes.MandatoryParamEmpty, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.", 400, ""},
		{"signature name in another case", "symbol=A&" + ts + "&Signature=" + strings.Repeat("a", 64), "", "", codes.MandatoryParamEmpty, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.", 400, "case-sensitive"},
		{"signature empty", "symbol=A&" + ts + "&signature=", "", "", codes.MandatoryParamEmpty, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.", 400, ""},
		{"timestamp missing", "symbol=A", "", "query", codes.MandatoryParamEmpty, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.", 400, ""},
		{"timestamp misnamed", "symbol=A&timeStamp=" + testTS(), "", "query", codes.MandatoryParamEmpty, "", 400, "timeStamp"},
		{"malformed escape in value", "symbol=A%ZZ&" + ts, "", "query", codes.IllegalChars, "Illegal characters found in a parameter.", 400, "malformed percent-encoding"},
		{"truncated escape in name", "sym%4=A&" + ts, "", "query", codes.IllegalChars, "Illegal characters found in a parameter.", 400, "malformed percent-encoding"},
		{"HMAC signature with bad characters", "symbol=A&" + ts + "&signature=" + strings.Repeat("g", 64), "", "", codes.IllegalChars, "Illegal characters found in parameter 'signature'; legal range is '^[A-Fa-f0-9]{64}$'.", 400, ""},
		{"HMAC signature too short", "symbol=A&" + ts + "&signature=abc", "", "", codes.IllegalChars, "Illegal characters found in parameter 'signature'; legal range is '^[A-Fa-f0-9]{64}$'.", 400, ""},
		{"HMAC signature with a newline", "symbol=A&" + ts + "&signature=" + strings.Repeat("a", 64) + "%0A", "", "", codes.IllegalChars, "", 400, "whitespace"},
		{"signature syntax before timestamp syntax", "timestamp=abc&signature=xyz", "", "", codes.IllegalChars, "Illegal characters found in parameter 'signature'; legal range is '^[A-Fa-f0-9]{64}$'.", 400, ""},
		{"timestamp syntax before signature verification", "timestamp=12.5&signature=" + strings.Repeat("a", 64), "", "", codes.IllegalChars, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.", 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := request(c.query, c.body)
			if c.sigIn != "" {
				req = craft(t, s, c.query, c.body, c.query+c.body, c.sigIn)
			}
			_, rej := verify.Verify(req, key, opts())
			if rej == nil {
				t.Fatal("accepted")
			}
			if rej.Code != c.code || (c.msg != "" && rej.Msg != c.msg) || rej.HTTPStatus != c.status {
				t.Fatalf("got HTTP %d %d %q, want HTTP %d %d %q", rej.HTTPStatus, rej.Code, rej.Msg, c.status, c.code, c.msg)
			}
			if !strings.HasPrefix(rej.Error(), strconv.Itoa(int(c.code))+" ") {
				t.Errorf("Error() = %q", rej.Error())
			}
			if c.note != "" && !strings.Contains(rej.Explanation.Text(), c.note) {
				t.Errorf("explanation lacks %q:\n%s", c.note, rej.Explanation.Text())
			}
			headerOK(t, rej.Explanation.Header())
		})
	}
}

func TestQueryBeatsBody(t *testing.T) {
	s, key := keyFor(t, "hmac")
	q := "symbol=BTCUSDT&side=BUY"
	b := "symbol=ETHUSDT&quantity=1&timestamp=" + testTS()
	res, rej := verify.Verify(craft(t, s, q, b, q+b, "body"), key, opts())
	if rej != nil {
		t.Fatalf("rejected %v\n%s", rej, rej.Explanation.Text())
	}
	if v, _ := res.Params.Get("symbol"); v != "BTCUSDT" {
		t.Errorf("symbol = %q, want the query's BTCUSDT", v)
	}
	n := 0
	for _, p := range res.Params.List {
		if p.Name == "symbol" {
			n++
		}
	}
	want := []string{"symbol", "side", "quantity", "timestamp", "signature"}
	var got []string
	for _, p := range res.Params.List {
		got = append(got, p.Name)
	}
	if n != 1 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("params %v, want %v", got, want)
	}
	// Binance reads timestamp from the query when both carry it.
	q2 := "timestamp=" + testTS()
	b2 := "timestamp=1000"
	res, rej = verify.Verify(craft(t, s, q2, b2, q2+b2, "body"), key, opts())
	if rej != nil {
		t.Fatalf("rejected %v", rej)
	}
	if res.Timestamp.UnixMilli() != testNow.UnixMilli() {
		t.Errorf("timestamp %v, want the query's", res.Timestamp)
	}
}

// POST /sapi/v2/fiat/withdraw sends timestamp and signature in the query and
// a JSON body: the body's fields are params, and the raw body is signed.
func TestJSONBody(t *testing.T) {
	s, key := keyFor(t, "hmac")
	q := "timestamp=" + testTS()
	body := `{"currency":"BRL","apiPaymentMethod":"bank_transfer","amount":20,"accountInfo":{"accountNumber": "1056894222", "agency":"1234"},"ext":[1, 2],"flag":true}`
	req := craft(t, s, q, body, q+body, "query")
	req.Path, req.ContentType = "/sapi/v2/fiat/withdraw", "application/json; charset=utf-8"
	res, rej := verify.Verify(req, key, opts())
	if rej != nil {
		t.Fatalf("rejected %v\n%s", rej, rej.Explanation.Text())
	}
	want := []verify.Param{
		{Name: "timestamp", Value: testTS()},
		{Name: "signature", Value: res.Params.List[1].Value},
		{Name: "currency", Value: "BRL", InBody: true},
		{Name: "apiPaymentMethod", Value: "bank_transfer", InBody: true},
		{Name: "amount", Value: "20", InBody: true},
		{Name: "accountInfo", Value: `{"accountNumber":"1056894222","agency":"1234"}`, InBody: true},
		{Name: "ext", Value: "[1,2]", InBody: true},
		{Name: "flag", Value: "true", InBody: true},
	}
	if len(res.Params.List) != len(want) {
		t.Fatalf("params %+v", res.Params.List)
	}
	for i := range want {
		if res.Params.List[i] != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, res.Params.List[i], want[i])
		}
	}
	if e := verify.Explain(req, key, opts()); !strings.Contains(e.Text(), "UNCONFIRMED") {
		t.Errorf("the JSON-body note is missing:\n%s", e.Text())
	}
	// Signing the query alone is a mistake the explanation finds.
	bad := craft(t, s, q, body, q, "query")
	bad.ContentType = "application/json"
	_, rej = verify.Verify(bad, key, opts())
	if rej == nil || rej.Code != codes.InvalidSignature || rej.Explanation.Mistake == nil || rej.Explanation.Mistake.ID != verify.MistakeQueryOnly {
		t.Fatalf("query-only JSON request: %v %+v", rej, rej.Explanation)
	}
}

func TestParseParams(t *testing.T) {
	cases := []struct {
		name               string
		query, body, ctype string
		want               string // name=value(|b) joined with ' '
		code               codes.Code
	}{
		{"form decoding", "a=1+2&b=%E8%BF%99&c&d=", "", "", "a=1 2 b=这 c= d=", 0},
		{"empty segments skipped", "&a=1&&b=2&", "", "", "a=1 b=2", 0},
		{"body after query", "a=1", "b=2&c=3", "application/x-www-form-urlencoded", "a=1 b=2|b c=3|b", 0},
		{"query wins", "a=1", "a=2&b=3", "", "a=1 b=3|b", 0},
		{"JSON", "t=1", `{"x":"y","n":1.50,"o":{"k": [1, "2"]},"z":null}`, "application/json", `t=1 x=y|b n=1.50|b o={"k":[1,"2"]}|b z=null|b`, 0},
		{"JSON query wins", "x=q", `{"x":"b"}`, "application/json", "x=q", 0},
		{"other content type ignored", "a=1", "b=2", "text/plain", "a=1", 0},
		{"JSON not an object", "", `["a"]`, "application/json", "", codes.IllegalChars},
		{"JSON invalid", "", `{"a":`, "application/json", "", codes.IllegalChars},
		{"JSON trailing data", "", `{"a":1}{}`, "application/json", "", codes.IllegalChars},
		{"JSON duplicate", "", `{"a":1,"a":2}`, "application/json", "", codes.TooManyParameters},
		{"query duplicate", "a=1&a=2", "", "", "", codes.TooManyParameters},
		{"body duplicate", "", "a=1&a=2", "", "", codes.TooManyParameters},
		{"malformed", "a=%", "", "", "", codes.IllegalChars},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, rej := verify.ParseParams(c.query, []byte(c.body), c.ctype)
			if c.code != 0 {
				if rej == nil || rej.Code != c.code || rej.HTTPStatus != 400 {
					t.Fatalf("got %v, want %d", rej, c.code)
				}
				return
			}
			if rej != nil {
				t.Fatalf("rejected %v", rej)
			}
			var got []string
			for _, p := range ps.List {
				s := p.Name + "=" + p.Value
				if p.InBody {
					s += "|b"
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %q, want %q", g, c.want)
			}
		})
	}
	// Many params take the map path for duplicates.
	var b strings.Builder
	for i := range 100 {
		b.WriteString("p" + strconv.Itoa(i) + "=1&")
	}
	if ps, rej := verify.ParseParams(b.String(), []byte("p5=2&q=3"), ""); rej != nil || len(ps.List) != 101 {
		t.Fatalf("100 params: %v", rej)
	}
	if _, rej := verify.ParseParams(b.String()+"p99=2", nil, ""); rej == nil || rej.Code != codes.TooManyParameters {
		t.Fatalf("duplicate among 101 params: %v", rej)
	}
}

func TestSizeLimit(t *testing.T) {
	_, key := keyFor(t, "hmac")
	big := strings.Repeat("a", 2048)
	for _, c := range []struct{ query, body string }{{big, ""}, {"", big}} {
		_, rej := verify.Verify(request(c.query, c.body), key, verify.Options{ServerTime: testNow, MaxBytes: 1024})
		if rej == nil || rej.HTTPStatus != http.StatusRequestEntityTooLarge || rej.Code != codes.TooManyParameters {
			t.Errorf("oversized request: %v", rej)
		}
	}
	if _, rej := verify.ParseParams(strings.Repeat("a", verify.DefaultMaxBytes+1), nil, ""); rej == nil || rej.HTTPStatus != 413 {
		t.Errorf("ParseParams over 1 MiB: %v", rej)
	}
}

func TestUnknownKey(t *testing.T) {
	_, rej := verify.Verify(request("timestamp="+testTS()+"&signature=00", ""), verify.Key{APIKey: docAPIKey}, opts())
	if rej == nil || rej.Code != codes.RejectedMBXKey || rej.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("nil verifier: %v", rej)
	}
	if _, rej := verify.Verify(nil, verify.Key{}, opts()); rej == nil {
		t.Fatal("nil request accepted")
	}
}

func TestCheckAPIKeyHeader(t *testing.T) {
	cases := []struct {
		name    string
		value   string
		present bool
		ok      bool
	}{
		{"doc key", docAPIKey, true, true},
		{"short printable", "abc-DEF_123", true, true},
		{"256 bytes", strings.Repeat("k", 256), true, true},
		{"missing", "", false, false},
		{"empty", "", true, false},
		{"trailing newline", docAPIKey + "\n", true, false},
		{"leading space", " " + docAPIKey, true, false},
		{"inner space", "abc def", true, false},
		{"control byte", "abc\x00def", true, false},
		{"non-ASCII", "abc\u201ddef", true, false},
		{"257 bytes", strings.Repeat("k", 257), true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rej := verify.CheckAPIKeyHeader(c.value, c.present)
			if c.ok {
				if rej != nil {
					t.Fatalf("rejected: %v", rej)
				}
				return
			}
			if rej == nil || rej.Code != codes.BadAPIKeyFmt || rej.Msg != "API-key format invalid." || rej.HTTPStatus != http.StatusUnauthorized {
				t.Fatalf("got %v, want -2014 HTTP 401", rej)
			}
			if rej.Error() != "-2014 API-key format invalid." {
				t.Errorf("Error() = %q", rej.Error())
			}
			if c.value != "" && strings.Contains(rej.Explanation.Text(), strings.TrimSpace(c.value)) {
				t.Errorf("the explanation echoes the key: %s", rej.Explanation.Text())
			}
			headerOK(t, rej.Explanation.Header())
		})
	}
}

func TestVisible(t *testing.T) {
	cases := map[string]string{
		"symbol=BTCUSDT":    "symbol=BTCUSDT",
		"symbol=币":          `symbol=\xE5\xB8\x81`,
		"a\\b":              `a\\b`,
		"l1\nl2\r\t":        `l1\nl2\r\t`,
		"\x00\x7f\xff":      `\x00\x7F\xFF`,
		`%E5\xE5`:           `%E5\\xE5`,
		"":                  "",
		"space and ~!*'()@": "space and ~!*'()@",
	}
	for in, want := range cases {
		if got := verify.Visible([]byte(in)); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

// Values are listed for people; check the decoded list matches the
// payload builder's own encoding of them.
func TestParamsMatchBuilder(t *testing.T) {
	l, err := params.Of("symbol", "这是测试币456", "qty", 1.5, "list", []string{"A", "B"})
	if err != nil {
		t.Fatal(err)
	}
	var r payload.REST
	r.Method = http.MethodGet
	r.Query = l
	enc, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ps, rej := verify.ParseParams(enc.Query, nil, "")
	if rej != nil {
		t.Fatal(rej)
	}
	for i, p := range l.All() {
		if ps.List[i].Name != p.Name || ps.List[i].Value != p.Value {
			t.Errorf("param %d = %+v, want %+v", i, ps.List[i], p)
		}
	}
}

// Where Binance does not read a signature, the explanation says why.
func TestSignatureWhereNotRead(t *testing.T) {
	_, key := keyFor(t, "hmac")
	sig := strings.Repeat("a", 64)
	cases := []struct {
		name, query, body, ctype string
		code                     codes.Code
		note                     string
	}{
		{"signature field in a JSON body", "timestamp=" + testTS(), `{"amount":1,"signature":"` + sig + `"}`, "application/json", codes.MandatoryParamEmpty, "reads signature from the query string"},
		{"signature in query and JSON body", "timestamp=" + testTS() + "&signature=" + sig, `{"signature":"` + sig + `"}`, "application/json", codes.TooManyParameters, "more than once"},
		{"form body sent as text/plain", "", "timestamp=" + testTS() + "&signature=" + sig, "text/plain", codes.MandatoryParamEmpty, "not application/x-www-form-urlencoded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := request(c.query, c.body)
			req.ContentType = c.ctype
			_, rej := verify.Verify(req, key, opts())
			if rej == nil || rej.Code != c.code {
				t.Fatalf("got %v, want %d", rej, c.code)
			}
			if !strings.Contains(rej.Explanation.Text(), c.note) {
				t.Errorf("explanation lacks %q:\n%s", c.note, rej.Explanation.Text())
			}
		})
	}
}

// A payload too large to search still gets a verdict, quickly.
func TestLargePayloadExplained(t *testing.T) {
	s, key := keyFor(t, "hmac")
	q := "note=" + strings.Repeat("x", 70<<10) + "&timestamp=" + testTS()
	_, rej := verify.Verify(craft(t, s, q, "", "other", "query"), key, opts())
	if rej == nil || rej.Code != codes.InvalidSignature {
		t.Fatalf("got %v", rej)
	}
	e := rej.Explanation
	if !strings.Contains(e.Text(), "no search for known client mistakes") || !strings.Contains(e.Payload, "more bytes)") {
		t.Errorf("explanation of a large payload:\n%.600s", e.Text())
	}
	headerOK(t, e.Header())
}

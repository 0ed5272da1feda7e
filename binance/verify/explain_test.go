package verify_test

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// mistake is one deliberately wrong client.
type mistake struct {
	name        string
	algs        []string // key types it applies to; nil means all three
	query, body string   // the wire, without the signature
	signed      string   // what the client signed
	in          string   // where the signature goes: "query" or "body"
	after       string   // pairs sent after the signature pair (the client added them after signing)
	// sigText, when set, writes the signature of payload (the correct
	// payload of the wire) instead of the correct client.
	sigText func(t testing.TB, s sign.Signer, payload string) string
	opt     func(*verify.Options)
	code    codes.Code
	id      string
	// diffAt, when >= 0, is the byte offset the diff must name.
	diffAt int
}

var allAlgs = []string{"hmac", "rsa", "ed25519"}

func mistakes() []mistake {
	ts := "timestamp=" + testTS()
	const zh = "%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456"
	return []mistake{
		{name: "signed '@' before encoding", query: "email=a%40b.com&amount=1&" + ts, signed: "email=a@b.com&amount=1&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeSignedDecoded, diffAt: 7},
		{name: "signed raw UTF-8, sent encoded", query: "symbol=" + zh + "&side=BUY&" + ts, signed: "symbol=这是测试币456&side=BUY&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeSignedDecoded, diffAt: 7},
		{name: "signed raw UTF-8 in the body", query: "symbol=BTCUSDT", body: "note=%EF%BC%91&" + ts, signed: "symbol=BTCUSDTnote=１&" + ts, in: "body", code: codes.InvalidSignature, id: verify.MistakeSignedDecoded, diffAt: 19},
		{name: "signed form-decoded ('+' as space)", query: "note=a+b&" + ts, signed: "note=a b&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeSignedDecoded, diffAt: 6},
		{name: "signed '@' decoded but UTF-8 encoded (pre-2026 habit)", query: "email=a%40b.com&symbol=%E5%B8%81&" + ts, signed: "email=a@b.com&symbol=%E5%B8%81&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeSignedDecoded, diffAt: 7},
		{name: "sorted", query: "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&" + ts, signed: "quantity=1&side=BUY&symbol=BTCUSDT&" + ts + "&type=LIMIT", in: "query", code: codes.InvalidSignature, id: verify.MistakeSorted, diffAt: 0},
		{name: "sorted across query and body", query: "symbol=BTCUSDT&side=BUY", body: "quantity=1&" + ts, signed: "quantity=1&side=BUY&symbol=BTCUSDT&" + ts, in: "body", code: codes.InvalidSignature, id: verify.MistakeSorted, diffAt: 0},
		{name: "WebSocket rule for REST", query: "symbol=" + zh + "&side=BUY&" + ts, signed: "apiKey=" + docAPIKey + "&side=BUY&symbol=这是测试币456&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeSorted, diffAt: 0},
		{name: "query only", query: "symbol=BTCUSDT&" + ts, body: "quantity=1&price=0.1", signed: "symbol=BTCUSDT&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeQueryOnly, diffAt: 38},
		{name: "body only", query: "symbol=BTCUSDT&side=BUY", body: "quantity=1&" + ts, signed: "quantity=1&" + ts, in: "body", code: codes.InvalidSignature, id: verify.MistakeBodyOnly, diffAt: 0},
		{name: "query and body joined with '&'", query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC", body: "quantity=1&price=0.1&" + ts, signed: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&" + ts, in: "body", code: codes.InvalidSignature, id: verify.MistakeAmpJoin, diffAt: 49},
		{name: "JS encodeURIComponent", query: "projectId=Bnb%2A60%20x&" + ts, signed: "projectId=Bnb*60%20x&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeEncodedDifferently, diffAt: 13},
		{name: "'+' for space", query: "note=a%20b%3Ac&" + ts, signed: "note=a+b%3Ac&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeEncodedDifferently, diffAt: 6},
		{name: "lower-case hex", query: "symbol=" + zh + "&" + ts, signed: "symbol=" + strings.ToLower(zh) + "&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeEncodedDifferently, diffAt: 8},
		{name: "only what preceded the signature was signed", query: "symbol=BTCUSDT&" + ts, signed: "symbol=BTCUSDT&" + ts, in: "query", after: "&side=BUY",
			code: codes.InvalidSignature, id: verify.MistakeSigNotLast, diffAt: 38},
		{name: "timestamp appended after signing", query: "symbol=BTCUSDT&side=BUY&" + ts, signed: "symbol=BTCUSDT&side=BUY", in: "query", code: codes.InvalidSignature, id: verify.MistakeTimestampAfter, diffAt: 23},
		{name: "timestamp and recvWindow appended after signing", body: "symbol=BTCUSDT&recvWindow=5000&" + ts, signed: "symbol=BTCUSDT", in: "body", code: codes.InvalidSignature, id: verify.MistakeTimestampAfter, diffAt: 14},
		{name: "timestamp moved to the end", query: ts + "&symbol=BTCUSDT&side=BUY", signed: "symbol=BTCUSDT&side=BUY&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeTimestampAfter, diffAt: 0},
		{name: "signed only timestamp", query: "symbol=BTCUSDT&side=BUY&" + ts, signed: ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeSignedSubset, diffAt: 0},
		{name: "signed the bare timestamp value", query: ts, signed: testTS(), in: "query", code: codes.InvalidSignature, id: verify.MistakeSignedSubset, diffAt: 0},
		{name: "raw UTF-8 sent and signed", query: "symbol=这是测试币456&" + ts, signed: "symbol=这是测试币456&" + ts, in: "query", code: codes.InvalidSignature, id: verify.MistakeNonASCII, diffAt: -1},
		{name: "secret with a trailing newline", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: hmacWith(docSecret + "\n"), code: codes.InvalidSignature, id: verify.MistakeSecretNewline, diffAt: -1},
		{name: "secret with CR LF", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: hmacWith(docSecret + "\r\n"), code: codes.InvalidSignature, id: verify.MistakeSecretNewline, diffAt: -1},
		{name: "secret with a trailing space", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: hmacWith(docSecret + " "), code: codes.InvalidSignature, id: verify.MistakeSecretSpace, diffAt: -1},
		{name: "API key used as the secret", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: hmacWith(docAPIKey), code: codes.InvalidSignature, id: verify.MistakeAPIKeyAsSecret, diffAt: -1},
		{name: "base64 signature not percent-encoded", algs: []string{"rsa", "ed25519"}, query: "symbol=BTCUSDT", body: "quantity=1&" + ts, in: "body",
			sigText: rawBase64WithPlus, code: codes.InvalidSignature, id: verify.MistakePlusSpace, diffAt: -1},
		{name: "HMAC hex sent for an asymmetric key", algs: []string{"rsa", "ed25519"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: hmacWith(docSecret), code: codes.InvalidSignature, id: verify.MistakeWrongKeyType, diffAt: -1},
		{name: "RSA signature sent for an Ed25519 key", algs: []string{"ed25519"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: otherKey("rsa"), code: codes.InvalidSignature, id: verify.MistakeWrongKeyType, diffAt: -1},
		{name: "Ed25519 signature sent for an RSA key", algs: []string{"rsa"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: otherKey("ed25519"), code: codes.InvalidSignature, id: verify.MistakeWrongKeyType, diffAt: -1},
		{name: "Ed25519 base64 sent for an HMAC key", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: otherKey("ed25519"), code: codes.IllegalChars, id: verify.MistakeWrongKeyType, diffAt: -1},
		{name: "HMAC written as base64", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: func(t testing.TB, s sign.Signer, p string) string {
				return pct.Escape(base64.StdEncoding.EncodeToString(rawSig(t, s, p)))
			}, code: codes.IllegalChars, id: verify.MistakeHMACBase64, diffAt: -1},
		{name: "the secret sent as the signature", algs: []string{"hmac"}, query: "symbol=BTCUSDT&" + ts, in: "query",
			sigText: func(testing.TB, sign.Signer, string) string { return docSecret }, code: codes.IllegalChars, id: verify.MistakeSecretAsSignature, diffAt: -1},
		{name: "strict: signature not last", query: "symbol=BTCUSDT&" + ts, in: "query", signed: "symbol=BTCUSDT&" + ts + "&side=BUY", after: "&side=BUY",
			opt: func(o *verify.Options) { o.SignatureMustBeLast = true }, code: codes.InvalidSignature, id: verify.MistakeSigNotLast, diffAt: -1},
	}
}

func testTSPair() string { return "timestamp=" + testTS() }

// hmacWith signs the payload with another HMAC secret.
func hmacWith(sec string) func(testing.TB, sign.Signer, string) string {
	return func(t testing.TB, _ sign.Signer, p string) string {
		h, err := sign.NewHMAC(secret.FromString(sec))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(rawSig(t, h, p))
	}
}

// otherKey signs the payload with a key of another type, written correctly
// for that type.
func otherKey(alg string) func(testing.TB, sign.Signer, string) string {
	return func(t testing.TB, _ sign.Signer, p string) string {
		s, _ := keyFor(t, alg)
		return wireSig(s.Algorithm(), rawSig(t, s, p))
	}
}

// rawBase64WithPlus writes the base64 signature without percent-encoding.
func rawBase64WithPlus(t testing.TB, s sign.Signer, p string) string {
	return base64.StdEncoding.EncodeToString(rawSig(t, s, p))
}

func TestMistakes(t *testing.T) {
	for _, m := range mistakes() {
		algs := m.algs
		if algs == nil {
			algs = allAlgs
		}
		for _, alg := range algs {
			t.Run(alg+"/"+m.name, func(t *testing.T) {
				s, key := keyFor(t, alg)
				req := buildMistake(t, m, s)
				if m.id == verify.MistakePlusSpace && !strings.Contains(req.RawQuery+string(req.Body), "+") {
					t.Fatal("the crafted signature holds no '+'")
				}
				opt := opts()
				if m.opt != nil {
					m.opt(&opt)
				}
				res, rej := verify.Verify(req, key, opt)
				if rej == nil {
					t.Fatalf("accepted (payload %q)", res.Payload)
				}
				if rej.Code != m.code {
					t.Fatalf("code %d %q, want %d\n%s", rej.Code, rej.Msg, m.code, rej.Explanation.Text())
				}
				e := rej.Explanation
				if e.Mistake == nil || e.Mistake.ID != m.id {
					t.Fatalf("mistake %+v, want %s\n%s", e.Mistake, m.id, e.Text())
				}
				if e.Mistake.Title == "" || e.Mistake.Fix == "" {
					t.Errorf("mistake without title or fix: %+v", e.Mistake)
				}
				if m.diffAt >= 0 {
					want := "first difference at byte " + strconv.Itoa(m.diffAt) + " "
					if !strings.HasPrefix(e.Diff, want) {
						t.Errorf("diff does not start with %q:\n%s", want, e.Diff)
					}
					if m.signed != "" && e.Mistake.Signed != verify.Visible([]byte(m.signed)) {
						t.Errorf("Signed = %q, want %q", e.Mistake.Signed, verify.Visible([]byte(m.signed)))
					}
				}
				if m.id == verify.MistakeNonASCII && !strings.Contains(e.Verdict, "non-ASCII") {
					t.Errorf("verdict does not name non-ASCII: %q", e.Verdict)
				}
				// Explain gives the same answer as the rejection carries.
				if e2 := verify.Explain(req, key, opt); e2.Code != int(m.code) || e2.Mistake == nil || e2.Mistake.ID != m.id {
					t.Errorf("Explain disagrees with Verify: %+v", e2)
				}
				headerOK(t, e.Header())
				noSecret(t, rej, docSecret)
			})
		}
	}
}

// buildMistake lays out one wrong request.
func buildMistake(t testing.TB, m mistake, s sign.Signer) *verify.Request {
	t.Helper()
	if m.after != "" {
		sig := wireSig(s.Algorithm(), rawSig(t, s, m.signed))
		return request(withSig(m.query, sig)+m.after, m.body)
	}
	if m.sigText == nil {
		return craft(t, s, m.query, m.body, m.signed, m.in)
	}
	sig := m.sigText(t, s, m.query+m.body)
	if m.id == verify.MistakePlusSpace {
		// Find a timestamp whose signature holds a '+' (most do).
		for i := 0; !strings.Contains(sig, "+") && i < 200; i++ {
			m.body = "quantity=1&timestamp=" + strconv.FormatInt(testNow.UnixMilli()-int64(i), 10)
			sig = m.sigText(t, s, m.query+m.body)
		}
	}
	if m.in == "body" {
		return request(m.query, withSig(m.body, sig))
	}
	return request(withSig(m.query, sig), m.body)
}

// The signature value is form-decoded once, as on Binance: a base64
// signature with only its '+' encoded (raw '/' and '=') verifies; with the
// lenient default a signature in the middle is accepted and noted.
func TestLenientCases(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		s, key := keyFor(t, alg)
		q := "symbol=BTCUSDT&timestamp=" + testTS()
		b64 := base64.StdEncoding.EncodeToString(rawSig(t, s, q))
		sig := strings.ReplaceAll(b64, "+", "%2B")
		if _, rej := verify.Verify(request(withSig(q, sig), ""), key, opts()); rej != nil {
			t.Errorf("%s: base64 with raw '/' and '=' rejected: %v", alg, rej)
		}
		if strings.Contains(b64, "+") {
			if _, rej := verify.Verify(request(withSig(q, b64), ""), key, opts()); rej == nil {
				t.Errorf("%s: base64 with a raw '+' accepted", alg)
			}
		}
	}
	s, key := keyFor(t, "hmac")
	q := "symbol=BTCUSDT&timestamp=" + testTS()
	sig := wireSig(sign.HMACSHA256, rawSig(t, s, q+"side=BUY"))
	req := request("symbol=BTCUSDT&signature="+sig+"&timestamp="+testTS(), "side=BUY")
	res, rej := verify.Verify(req, key, opts())
	if rej != nil {
		t.Fatalf("signature in the middle of the query rejected: %v\n%s", rej, rej.Explanation.Text())
	}
	if string(res.Payload) != q+"side=BUY" {
		t.Errorf("payload %q", res.Payload)
	}
	e := verify.Explain(req, key, opts())
	if e.SignatureLocation != "pair 2 of 3 in the query string (not last)" || !strings.Contains(e.Text(), "SignatureMustBeLast is off") {
		t.Errorf("explanation of a signature in the middle:\n%s", e.Text())
	}
	if _, rej := verify.Verify(req, key, verify.Options{ServerTime: testNow, SignatureMustBeLast: true}); rej == nil || rej.Code != codes.InvalidSignature {
		t.Errorf("strict mode accepted a signature in the middle: %v", rej)
	}
}

// A wrong key reproduces no known mistake, and the explanation says so.
func TestUnknownMistake(t *testing.T) {
	_, key := keyFor(t, "hmac")
	other, _ := sign.NewHMAC(secret.FromString("another-secret-entirely-0123456789"))
	q := "symbol=BTCUSDT&timestamp=" + testTS()
	_, rej := verify.Verify(craft(t, other, q, "", q, "query"), key, opts())
	if rej == nil || rej.Code != codes.InvalidSignature {
		t.Fatalf("got %v", rej)
	}
	if rej.Explanation.Mistake != nil || !strings.Contains(rej.Explanation.Verdict, "no known client mistake") {
		t.Errorf("explanation: %+v", rej.Explanation)
	}
}

// The secret of an HMAC key never appears in an error, text or header, even
// when the client sends it.
func TestNoSecretInOutput(t *testing.T) {
	s, key := keyFor(t, "hmac")
	ts := "timestamp=" + testTS()
	type tc struct {
		req *verify.Request
		opt verify.Options
	}
	var reqs []tc
	for _, m := range mistakes() {
		if m.algs != nil && m.algs[0] != "hmac" {
			continue
		}
		opt := opts()
		if m.opt != nil {
			m.opt(&opt)
		}
		reqs = append(reqs, tc{buildMistake(t, m, s), opt})
	}
	leaky := []string{
		"secret=" + docSecret + "&" + ts,
		"apiSecret=" + docSecret + "%0A&" + ts,
		"note=prefix" + docSecret + "suffix&" + ts,
		"symbol=" + docSecret,
		"symbol=%ZZ" + docSecret,
		docSecret + "=" + docSecret + "&" + docSecret + "=1",
		"timestamp=" + docSecret,
		"recvWindow=" + docSecret + "&" + ts,
	}
	for _, q := range leaky {
		reqs = append(reqs, tc{craft(t, s, q, "", q+"x", "query"), opts()}, tc{request(q+"&signature="+docSecret, ""), opts()}, tc{request(q, "signature="+docSecret), opts()})
	}
	reqs = append(reqs, tc{request(ts+"&signature="+docSecret+"%0A", ""), opts()}, tc{request(ts, "signature="+pct.Escape(docSecret)), opts()})
	n := 0
	for _, c := range reqs {
		req := c.req
		_, rej := verify.Verify(req, key, c.opt)
		if rej == nil {
			t.Errorf("accepted %q", req.RawQuery)
			continue
		}
		n++
		noSecret(t, rej, docSecret)
		headerOK(t, rej.Explanation.Header())
		e := verify.Explain(req, key, c.opt)
		noSecret(t, &verify.Rejection{Code: codes.Code(e.Code), Explanation: e}, docSecret)
	}
	if n < 40 {
		t.Errorf("only %d rejections checked", n)
	}
}

func TestDiff(t *testing.T) {
	s, key := keyFor(t, "hmac")
	long := strings.Repeat("x", 60)
	q := "a=" + long + "&email=a%40b.com&" + testTSPair()
	e := verify.Explain(craft(t, s, q, "", "a="+long+"&email=a@b.com&"+testTSPair(), "query"), key, opts())
	lines := strings.Split(e.Diff, "\n")
	if len(lines) != 4 {
		t.Fatalf("diff:\n%s", e.Diff)
	}
	if lines[0] != "first difference at byte 70 (sent 102 bytes, signed 100 bytes)" {
		t.Errorf("line 1: %q", lines[0])
	}
	sentAt := strings.Index(lines[1], "%40")
	signedAt := strings.Index(lines[2], "@")
	caret := strings.Index(lines[3], "^")
	if sentAt < 0 || sentAt != signedAt || caret != sentAt || !strings.HasPrefix(lines[1], "sent:   ...") {
		t.Errorf("caret not under the difference:\n%s", e.Diff)
	}
}

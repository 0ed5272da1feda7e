package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/explain"
	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The Binance docs' public example key pair.
const (
	explainAPIKey = emulator.DocsAPIKey
	explainSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// explainT is the exchange's time in the tests that do not ask it.
var explainT = time.UnixMilli(1767225600123)

func explainTS() string { return strconv.FormatInt(explainT.UnixMilli(), 10) }

// runIn executes the CLI with stdin.
func runIn(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newRootCmd(context.Background(), streams{in: strings.NewReader(stdin), out: &out, err: &errb})
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return -1
}

// hmacOf signs text with an HMAC secret, in hex.
func hmacOf(t testing.TB, sec, text string) string {
	t.Helper()
	h, err := sign.NewHMAC(secret.FromString(sec))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := h.AppendSign(nil, []byte(text))
	return hex.EncodeToString(raw)
}

// wire is a request as sent: query and body, signature included.
type wire struct {
	method, path, query, body, apiKey string
}

func (w wire) curl() string {
	var b strings.Builder
	b.WriteString("curl -s")
	if w.apiKey != "" {
		b.WriteString(" -H " + shellQuote("X-MBX-APIKEY: "+w.apiKey))
	}
	b.WriteString(" -X " + w.method)
	if w.body != "" {
		b.WriteString(" -H 'Content-Type: application/x-www-form-urlencoded' --data-raw " + shellQuote(w.body))
	}
	u := "https://api.binance.com" + w.path
	if w.query != "" {
		u += "?" + w.query
	}
	b.WriteString(" \\\n  " + shellQuote(u))
	return b.String()
}

func (w wire) raw() string {
	target := w.path
	if w.query != "" {
		target += "?" + w.query
	}
	s := w.method + " " + target + " HTTP/1.1\r\nHost: api.binance.com\r\n"
	if w.apiKey != "" {
		s += "X-MBX-APIKEY: " + w.apiKey + "\r\n"
	}
	if w.body != "" {
		s += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(w.body)) + "\r\n"
	}
	return s + "\r\n" + w.body
}

// rsaKey is one RSA key per test binary (generation is slow), and its
// private key file.
var rsaKey = sync.OnceValues(func() (*sign.RSA, error) { return sign.GenerateRSA(2048) })

func rsaKeyFile(t *testing.T) (*sign.RSA, string) {
	t.Helper()
	k, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := sign.MarshalPrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	return k, writeFile(t, "rsa.pem", string(pemBytes), 0o600)
}

// explainCase is one request, usually a real client mistake.
type explainCase struct {
	name    string
	wire    wire
	rsa     bool   // verify with the RSA key instead of the HMAC secret
	code    int    // Binance's answer (0: accepted)
	mistake string // verify's mistake id, when one is expected
	says    []string
}

func explainCases(t *testing.T) []explainCase {
	ts := explainTS()
	now := func() time.Time { return explainT }
	hm, err := sign.NewHMAC(secret.FromString(explainSecret))
	if err != nil {
		t.Fatal(err)
	}
	// The correct request, as binance/payload builds it; the mistakes start from it.
	r := payload.REST{Method: "POST"}
	r.Query.Add("symbol", "这是测试币456").Add("side", "BUY").Add("type", "MARKET").Add("quantity", 1)
	ok, err := r.Sign(hm, payload.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := pct.Unescape(ok.Payload)
	if err != nil {
		t.Fatal(err)
	}
	order := func(q, body string) wire {
		return wire{method: "POST", path: "/api/v3/order", query: q, body: body, apiKey: explainAPIKey}
	}
	sig := func(text string) string { return hmacOf(t, explainSecret, text) }

	mixed := payload.REST{Method: "POST"}
	mixed.Query.Add("symbol", "BTCUSDT").Add("side", "BUY")
	mixed.Body.Add("type", "MARKET").Add("quantity", "0.001")
	ms, err := mixed.Sign(hm, payload.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	bodyNoSig := strings.TrimSuffix(ms.Body, "&signature="+ms.Signature)

	raw := "symbol=这是测试币456&side=BUY&type=MARKET&quantity=1&timestamp=" + ts
	sorted := "quantity=1&side=BUY&symbol=" + pct.Escape("这是测试币456") + "&timestamp=" + ts + "&type=MARKET"
	seconds := "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1&timestamp=" + strconv.FormatInt(explainT.Unix(), 10)
	ahead := "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1&timestamp=" + strconv.FormatInt(explainT.Add(5*time.Second).UnixMilli(), 10)

	// An RSA signature with a '+' in its base64, sent without
	// percent-encoding it (the '+' then reads as a space).
	rk, _ := rsaKeyFile(t)
	var rsaQ, rsaSig string
	for i := 0; ; i++ {
		rsaQ = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1&newClientOrderId=plus" + strconv.Itoa(i) + "&timestamp=" + ts
		b, _ := rk.AppendSign(nil, []byte(rsaQ))
		if rsaSig = base64.StdEncoding.EncodeToString(b); strings.Contains(rsaSig, "+") {
			break
		}
	}

	return []explainCase{
		{name: "correct request", wire: order(ok.Query, ""), says: []string{"ACCEPTED", "signature valid", ok.Payload}},
		{name: "raw UTF-8 symbol sent and signed", wire: order(raw+"&signature="+sig(raw), ""), code: -1022, mistake: verify.MistakeNonASCII,
			says: []string{`symbol=\xE8\xBF\x99`}},
		{name: "signed decoded, sent encoded", wire: order(ok.Payload+"&signature="+sig(decoded), ""), code: -1022, mistake: verify.MistakeSignedDecoded,
			says: []string{"first difference at byte 7", "sent:   symbol=%E8%BF%99", `signed: symbol=\xE8\xBF\x99`}},
		{name: "signed sorted", wire: order(ok.Payload+"&signature="+sig(sorted), ""), code: -1022, mistake: verify.MistakeSorted},
		{name: "'&' between query and body", wire: order(ms.Query, bodyNoSig+"&signature="+sig(ms.Query+"&"+bodyNoSig)), code: -1022, mistake: verify.MistakeAmpJoin,
			says: []string{"no '&' between them"}},
		{name: "secret with a trailing newline", wire: order(ok.Payload+"&signature="+hmacOf(t, explainSecret+"\n", ok.Payload), ""), code: -1022, mistake: verify.MistakeSecretNewline},
		{name: "RSA base64 signature not percent-encoded", wire: order(rsaQ+"&signature="+rsaSig, ""), rsa: true, code: -1022, mistake: verify.MistakePlusSpace,
			says: []string{"RSA key from --key-file"}},
		{name: "timestamp in seconds", wire: order(seconds+"&signature="+sig(seconds), ""), code: -1021, mistake: verify.MistakeTimestampSeconds},
		{name: "timestamp ahead of the exchange", wire: order(ahead+"&signature="+sig(ahead), ""), code: -1021, mistake: verify.MistakeClockAhead,
			says: []string{"5000ms ahead", "--server-time"}},
		{name: "the secret itself sent as the signature", wire: order(ok.Payload+"&signature="+explainSecret, ""), code: -1100, mistake: verify.MistakeSecretAsSignature},
		{name: "no API key header", wire: wire{method: "POST", path: "/api/v3/order", query: ok.Query}, code: -2014, says: []string{"-2014", "missing"}},
	}
}

// Real client mistakes, given as curl command lines and as raw HTTP
// requests: explain names the mistake, exits 1, and never prints the secret;
// the correct request is valid and exits 0.
func TestExplainMistakes(t *testing.T) {
	hmacFile := writeFile(t, "secret.txt", explainSecret+"\n", 0o600)
	_, rsaFile := rsaKeyFile(t)
	for _, tc := range explainCases(t) {
		for _, form := range []string{"curl", "http"} {
			t.Run(tc.name+"/"+form, func(t *testing.T) {
				input := tc.wire.curl()
				if form == "http" {
					input = tc.wire.raw()
				}
				keyFile := hmacFile
				if tc.rsa {
					keyFile = rsaFile
				}
				args := []string{"explain", "--key-file", keyFile, "--server-time", explainTS()}
				// Text, with the request as an argument.
				stdout, stderr, err := runIn(t, "", append(args, input)...)
				checkExplainRun(t, tc, stdout, stderr, err)
				for _, s := range tc.says {
					if !strings.Contains(stdout, s) {
						t.Errorf("output lacks %q:\n%s", s, stdout)
					}
				}
				// JSON, with the request on standard input.
				jout, jerr, err := runIn(t, input, append(args, "--json", "-")...)
				checkExplainRun(t, tc, jout, jerr, err)
				var got explain.Report
				if err := json.Unmarshal([]byte(jout), &got); err != nil {
					t.Fatalf("--json output is not JSON: %v\n%s", err, jout)
				}
				if got.Code != tc.code || got.Accepted != (tc.code == 0) || got.Request.Path != "/api/v3/order" || got.Request.Format != form {
					t.Fatalf("--json: %+v", got)
				}
				wantSig := map[int]string{0: "valid", -1021: "valid", -1022: "invalid", -1100: "not checked"}
				if w, ok := wantSig[tc.code]; ok && got.Signature != w {
					t.Fatalf("--json signature %q, want %q", got.Signature, w)
				}
				if tc.mistake != "" {
					m := got.Explanation.Mistake
					if m == nil || m.ID != tc.mistake {
						t.Fatalf("--json mistake %+v, want %s", m, tc.mistake)
					}
					// The text shows the same mistake with its title and fix.
					if !strings.Contains(stdout, "mistake:   "+m.ID+": "+m.Title) || !strings.Contains(stdout, m.Fix) {
						t.Fatalf("text output lacks the mistake %q:\n%s", m.Title, stdout)
					}
				}
			})
		}
	}
}

func checkExplainRun(t *testing.T, tc explainCase, stdout, stderr string, err error) {
	t.Helper()
	want := 0
	if tc.code != 0 {
		want = 1
	}
	if got := exitCode(err); got != want {
		t.Fatalf("exit %d (%v), want %d\n%s\n%s", got, err, want, stdout, stderr)
	}
	all := stdout + stderr + fmt.Sprint(err)
	for _, form := range []string{explainSecret, explainSecret[:16], explainSecret[len(explainSecret)-16:], pct.Escape(explainSecret)} {
		if strings.Contains(all, form) {
			t.Fatalf("the secret was printed:\n%s", all)
		}
	}
	if tc.code != 0 && !strings.Contains(stdout, fmt.Sprintf("%d", tc.code)) {
		t.Fatalf("output lacks the code %d:\n%s", tc.code, stdout)
	}
	if tc.mistake != "" && !strings.Contains(stdout, tc.mistake) {
		t.Fatalf("output lacks the mistake %s:\n%s", tc.mistake, stdout)
	}
}

// The key from --secret-env and from a creds profile; the secret is never
// printed, whatever the source.
func TestExplainKeySources(t *testing.T) {
	ts := explainTS()
	q := "symbol=BTCUSDT&timestamp=" + ts
	good := wire{method: "GET", path: "/api/v3/openOrders", query: q + "&signature=" + hmacOf(t, explainSecret, q), apiKey: explainAPIKey}
	t.Setenv("MBX_TEST_EXPLAIN_SECRET", explainSecret+"\r\n")
	credsFile := writeFile(t, "creds.yml", fmt.Sprintf("default: main\nprofiles:\n  main:\n    api_key: %s\n    secret: %s\n    env: testnet\n", explainAPIKey, explainSecret), 0o600)
	for _, args := range [][]string{
		{"--secret-env", "MBX_TEST_EXPLAIN_SECRET"},
		{"--creds", credsFile},
		{"--creds", credsFile, "--profile", "main"},
	} {
		stdout, stderr, err := runIn(t, "", append(append([]string{"explain", "--server-time", ts}, args...), good.curl())...)
		if err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, stdout, stderr)
		}
		if !strings.Contains(stdout, "ACCEPTED") || strings.Contains(stdout+stderr, explainSecret[:16]) {
			t.Fatalf("%v:\n%s\n%s", args, stdout, stderr)
		}
	}
	// The profile's environment is testnet, the request went to production:
	// the -2015 checks lead with that.
	stdout, _, err := runIn(t, "", "explain", "--server-time", ts, "--creds", credsFile, "--code=-2015", good.curl())
	if err != nil || !strings.Contains(stdout, "Environment mismatch: the key is from the testnet but the request went to production") ||
		!strings.Contains(stdout, "IP whitelist") || !strings.Contains(stdout, "Permission:") {
		t.Fatalf("-2015 checks: %v\n%s", err, stdout)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--secret-env", "MBX_TEST_EXPLAIN_UNSET"}, "not set"},
		{[]string{"--secret-env", "MBX_TEST_EXPLAIN_SECRET", "--creds", credsFile}, "one way"},
		{[]string{"--creds", credsFile, "--profile", "nope"}, "nope"},
		{[]string{"--key-file", filepath.Join(t.TempDir(), "missing.txt")}, "missing.txt"},
	} {
		_, _, err := runIn(t, "", append(append([]string{"explain", "--server-time", ts}, tc.args...), good.curl())...)
		if err == nil || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), explainSecret[:16]) {
			t.Errorf("%v: err %v, want it to say %q", tc.args, err, tc.says)
		}
	}
}

// Timing: judged against the exchange's clock with --ask, against this
// machine's clock by default (and the output says so).
func TestExplainAsksTheExchangesClock(t *testing.T) {
	srv, base, err := startExchange(context.Background(), emulator.DefaultConfig(), emulator.Options{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetClockSkew(-10 * time.Second) // the exchange's clock is 10s behind this machine's
	keyFile := writeFile(t, "secret.txt", explainSecret, 0o600)
	q := "symbol=BTCUSDT&timestamp=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	q += "&signature=" + hmacOf(t, explainSecret, q)
	curl := "curl -H 'X-MBX-APIKEY: " + explainAPIKey + "' '" + base + "/api/v3/openOrders?" + q + "'"

	stdout, _, err := runIn(t, "", "explain", "--key-file", keyFile, curl)
	if err != nil || !strings.Contains(stdout, "ACCEPTED") || !strings.Contains(stdout, "this machine's clock, not the exchange's") {
		t.Fatalf("against the local clock: %v\n%s", err, stdout)
	}
	before := len(srv.Recent())
	stdout, _, err = runIn(t, "", "explain", "--key-file", keyFile, "--ask", curl)
	if exitCode(err) != 1 || !strings.Contains(stdout, verify.MistakeClockAhead) || !strings.Contains(stdout, "asked "+base) ||
		!strings.Contains(stdout, "ahead of") {
		t.Fatalf("--ask: %v\n%s", err, stdout)
	}
	asked := srv.Recent()[before:]
	if len(asked) == 0 {
		t.Fatal("--ask did not ask the exchange")
	}
	for _, e := range asked {
		if e.Path != "/api/v3/time" {
			t.Fatalf("--ask sent %s %s: explain must only ask the time", e.Method, e.Path)
		}
	}
	// --base-url names the exchange when the request is a bare path.
	stdout, _, err = runIn(t, "", "explain", "--key-file", keyFile, "--ask", "--base-url", base,
		"--method", "GET", "/api/v3/openOrders?"+q)
	if exitCode(err) != 1 || !strings.Contains(stdout, verify.MistakeClockAhead) {
		t.Fatalf("--ask --base-url: %v\n%s", err, stdout)
	}
}

// A URL with --body, an API key that is not the key's, and bad input.
func TestExplainURLAndErrors(t *testing.T) {
	ts := explainTS()
	keyFile := writeFile(t, "secret.txt", explainSecret, 0o600)
	q, body := "symbol=BTCUSDT&side=BUY", "type=MARKET&quantity=1&timestamp="+ts
	body += "&signature=" + hmacOf(t, explainSecret, q+body)
	stdout, _, err := runIn(t, "", "explain", "--key-file", keyFile, "--server-time", ts, "--body", body,
		"https://testnet.binance.vision/api/v3/order?"+q)
	if err != nil || !strings.Contains(stdout, "ACCEPTED") || !strings.Contains(stdout, "POST https://testnet.binance.vision/api/v3/order") ||
		!strings.Contains(stdout, "(no X-MBX-APIKEY header)") {
		t.Fatalf("URL with --body: %v\n%s", err, stdout)
	}
	// The key given belongs to another API key than the request's.
	w := wire{method: "POST", path: "/api/v3/order", query: q, body: body, apiKey: explainAPIKey}
	stdout, _, err = runIn(t, "", "explain", "--key-file", keyFile, "--api-key", "someOtherKey0123456789", "--server-time", ts, w.curl())
	if err != nil || !strings.Contains(stdout, "but the key you gave belongs to some…6789") {
		t.Fatalf("API key mismatch: %v\n%s", err, stdout)
	}
	for _, tc := range []struct {
		args  []string
		stdin string
		says  string
	}{
		{[]string{"--server-time", ts, "--ask", w.curl()}, "", "contradict"},
		{[]string{"--server-time", "-5", w.curl()}, "", "milliseconds"},
		{[]string{"--server-time", ts}, "", "no request given"},
		{[]string{"--server-time", ts, "curl 'https://h/x"}, "", "never closed"},
		{[]string{"--server-time", ts, "-"}, "wget https://h/x", "unrecognised input"},
		{[]string{"--server-time", ts, "--body", "a=1", w.curl()}, "", "--body"},
		{[]string{"--ask", "--method", "GET", "/api/v3/time"}, "", "which exchange"},
	} {
		_, _, err := runIn(t, tc.stdin, append([]string{"explain", "--key-file", keyFile}, tc.args...)...)
		if err == nil || exitCode(err) == 1 || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: err %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
}

// readInput reads standard input up to the limit.
func TestExplainReadsStdin(t *testing.T) {
	got, err := readInput(streams{in: io.LimitReader(strings.NewReader("curl https://h/x\n"), 100)}, "-")
	if err != nil || got != "curl https://h/x\n" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := readInput(streams{in: strings.NewReader("  \n")}, "-"); err == nil {
		t.Fatal("blank input accepted")
	}
	_ = os.Stdin
}

package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// mbx proxy in front of the local exchange, with the keys of a creds file:
// a wrongly signed request is answered -1022 with its explanation, a
// correct one gets the exchange's answer, and the secret is never printed.
func TestProxyCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, exBase, err := startExchange(ctx, emulator.DefaultConfig(), emulator.Options{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	credsFile := writeFile(t, "creds.yml", fmt.Sprintf("profiles:\n  main:\n    api_key: %s\n    secret: %s\n  nokey:\n    secret: %s\n",
		explainAPIKey, explainSecret, explainSecret), 0o600)
	var out, errb testenv.SyncBuffer
	done := make(chan error, 1)
	go func() {
		cmd := newRootCmd(ctx, streams{in: strings.NewReader(""), out: &out, err: &errb})
		cmd.SetArgs([]string{"proxy", "--listen", "127.0.0.1:0", "--upstream", exBase, "--creds", credsFile})
		done <- cmd.Execute()
	}()
	listening := regexp.MustCompile(`mbx proxy listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Ctrl-C") {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("the proxy did not start:\n%s\n%s", out.String(), errb.String())
	}
	banner := out.String()
	for _, want := range []string{"upstream   " + exBase, "inspector  " + base + "/mbx/", "vmPU…Eh8A", `profile "main"`} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if !strings.Contains(errb.String(), `profile "nokey" has no api_key`) {
		t.Errorf("no warning about the profile without api_key: %s", errb.String())
	}

	h, err := sign.NewHMAC(secret.FromString(explainSecret))
	if err != nil {
		t.Fatal(err)
	}
	get := func(q, signed string) (*http.Response, string) {
		raw, _ := h.AppendSign(nil, []byte(signed))
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v3/openOrders", nil)
		req.URL.RawQuery = q + "&signature=" + hex.EncodeToString(raw)
		req.Header.Set("X-MBX-APIKEY", explainAPIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	q := "symbol=" + "%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456" + "&timestamp=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	resp, body := get(q, strings.Replace(q, "%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81", "这是测试币", 1))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "-1022") || !strings.Contains(resp.Header.Get("X-MBX-EXPLAIN"), "signed-decoded") {
		t.Fatalf("wrong signature: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	for _, e := range srv.Recent() {
		if e.Path == "/api/v3/openOrders" {
			t.Fatal("the wrongly signed request reached the exchange")
		}
	}
	resp, body = get(q, q)
	if resp.StatusCode != http.StatusOK || body != "[]" {
		t.Fatalf("correct request: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("mbx proxy: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("mbx proxy did not stop")
	}
	all := out.String() + errb.String()
	if !strings.Contains(all, "1 rejected locally") || !strings.Contains(all, "forwarded") {
		t.Errorf("no summary at exit:\n%s", out.String())
	}
	if strings.Contains(all, explainSecret[:16]) || strings.Contains(all, "&signature=") {
		t.Fatalf("the proxy printed the secret or a signed query:\n%s", all)
	}
}

func TestProxyCommandErrors(t *testing.T) {
	keyFile := writeFile(t, "secret.txt", explainSecret, 0o600)
	pub := writeFile(t, "pub.pem", "not a pem", 0o600)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"proxy"}, "--upstream is required"},
		{[]string{"proxy", "--upstream", "ftp://x"}, "base URL"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--key-file", keyFile}, "needs --api-key"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--api-key", "k"}, "needs --key-file"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--public-key", "nokey"}, "APIKEY=FILE"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--public-key", "k=" + pub}, pub},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--listen", "256.0.0.1:99999"}, "listen"},
	} {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: err %v, want it to say %q", tc.args, err, tc.says)
		}
	}
}

// A cleartext upstream off loopback is refused without the flag; on
// loopback, or with the flag, it is warned about.
func TestProxyCleartextUpstream(t *testing.T) {
	badListen := []string{"--listen", "256.0.0.1:99999"} // fails after the upstream check
	for _, tc := range []struct {
		name      string
		args      []string
		errSays   string
		stderrHas string
	}{
		{"remote http refused", []string{"--upstream", "http://api.binance.example"}, "--allow-cleartext-upstream", ""},
		{"remote http by IP refused", []string{"--upstream", "http://192.0.2.10:8080"}, "--allow-cleartext-upstream", ""},
		{"remote http allowed", []string{"--upstream", "http://api.binance.example", "--allow-cleartext-upstream"}, "listen", "unencrypted"},
		{"loopback http warned", []string{"--upstream", "http://127.0.0.1:8765"}, "listen", "fine on loopback"},
		{"localhost http warned", []string{"--upstream", "http://localhost:8765"}, "listen", "fine on loopback"},
		{"https silent", []string{"--upstream", "https://api.binance.example"}, "listen", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := run(t, append(append([]string{"proxy"}, tc.args...), badListen...)...)
			if err == nil || !strings.Contains(err.Error(), tc.errSays) {
				t.Fatalf("err %v, want it to say %q", err, tc.errSays)
			}
			if tc.stderrHas != "" && !strings.Contains(stderr, tc.stderrHas) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderrHas)
			}
			if tc.stderrHas == "" && strings.Contains(stderr, "cleartext") {
				t.Errorf("unexpected warning: %s", stderr)
			}
		})
	}
}

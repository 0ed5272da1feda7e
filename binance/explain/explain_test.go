package explain_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/explain"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/reqparse"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The spot docs' public example key pair.
const (
	docAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	ts        = "1499827319559"
)

func signer(t testing.TB, sec string) *sign.HMAC {
	h, err := sign.NewHMAC(secret.FromString(sec))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sig(t testing.TB, sec, payload string) string {
	b, err := signer(t, sec).AppendSign(nil, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func at(ms int64) func(context.Context, *reqparse.Request) (explain.Timing, error) {
	return func(context.Context, *reqparse.Request) (explain.Timing, error) {
		return explain.Timing{Source: "given", ServerTimeMs: ms}, nil
	}
}

func TestExplain(t *testing.T) {
	q := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
	b := "quantity=1&price=0.1&recvWindow=5000&timestamp=" + ts
	curl := func(host, sigv string) string {
		return fmt.Sprintf("curl -H 'X-MBX-APIKEY: %s' -X POST 'https://%s/api/v3/order?%s' -d '%s&signature=%s'", docAPIKey, host, q, b, sigv)
	}
	tests := []struct {
		name      string
		text      string
		env, code string
		accepted  bool
		mistake   string
		keyCheck  string // a substring of one key check; "" for none
	}{
		{"valid", curl("api.binance.com", sig(t, docSecret, q+b)), "", "", true, "", "testnet"},
		{"two mistakes", curl("api.binance.com", sig(t, docSecret+"\n", q+"&"+b)), "", "", false, verify.MistakeAmpJoin + "+" + verify.MistakeSecretNewline, ""},
		{"testnet key on production", curl("api.binance.com", sig(t, docSecret, q+b)), "testnet", "-2015", true, "", "Environment mismatch"},
		{"another key", curl("testnet.binance.vision", sig(t, "another-secret-0123456789", q+b)), "", "", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := 0
			fmt.Sscan(tt.code, &code)
			r, err := explain.Explain(context.Background(), explain.Input{Text: tt.text, Signer: signer(t, docSecret), KeySource: "test", APIKey: docAPIKey, Env: tt.env, Code: code, Clock: at(1499827319559)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Accepted != tt.accepted {
				t.Fatalf("accepted %v, want %v: %+v", r.Accepted, tt.accepted, r.Explanation)
			}
			got := ""
			if r.Explanation.Mistake != nil {
				got = r.Explanation.Mistake.ID
			}
			if got != tt.mistake {
				t.Errorf("mistake %q, want %q\n%s", got, tt.mistake, r.Explanation.Text())
			}
			joined := strings.Join(r.KeyChecks, "\n")
			if tt.keyCheck == "" && len(r.KeyChecks) > 0 || !strings.Contains(joined, tt.keyCheck) {
				t.Errorf("key checks %q, want one with %q", joined, tt.keyCheck)
			}
			if r.Request.HostEnv != explain.HostEnv(r.Request.Host) || r.Request.APIKey == docAPIKey {
				t.Errorf("request %+v", r.Request)
			}
		})
	}
}

func TestHostEnv(t *testing.T) {
	for host, want := range map[string]string{
		"api.binance.com": "prod", "API1.binance.com:443": "prod", "testnet.binance.vision": "testnet",
		"testnet.binancefuture.com": "testnet", "demo-api.binance.com": "demo", "127.0.0.1:8765": "local",
		"[::1]:8765": "local", "example.com": "", "": "",
	} {
		if got := explain.HostEnv(host); got != want {
			t.Errorf("HostEnv(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestKeyChecks(t *testing.T) {
	for _, tt := range []struct{ host, method, path, env, want string }{
		{"api.binance.com", "POST", "/fapi/v1/order", "testnet", "Environment mismatch"},
		{"testnet.binance.vision", "POST", "/api/v3/order", "", "testnet keys are created"},
		{"api.binance.com", "POST", "/sapi/v1/capital/withdraw/apply", "", "Withdraw"},
		{"h", "POST", "/fapi/v1/order", "", "Futures"},
		{"h", "GET", "/api/v3/accuont", "", "did you mean /api/v3/account"},
	} {
		if got := strings.Join(explain.KeyChecks(tt.host, tt.method, tt.path, tt.env, -2015), "\n"); !strings.Contains(got, tt.want) {
			t.Errorf("KeyChecks(%s %s %s) lacks %q:\n%s", tt.host, tt.path, tt.env, tt.want, got)
		}
	}
}

func ExampleExplain() {
	q := "symbol=LTCBTC&side=BUY&type=LIMIT&quantity=1&price=0.1&timestamp=" + ts
	h, _ := sign.NewHMAC(secret.FromString(docSecret))
	raw, _ := h.AppendSign(nil, []byte(q))
	r, err := explain.Explain(context.Background(), explain.Input{
		Text:   "curl -H 'X-MBX-APIKEY: " + docAPIKey + "' 'https://api.binance.com/api/v3/order?" + q + "&signature=" + hex.EncodeToString(raw) + "'",
		Signer: h,
		Clock: func(context.Context, *reqparse.Request) (explain.Timing, error) {
			return explain.Timing{Source: "given", ServerTimeMs: time.UnixMilli(1499827319559).UnixMilli()}, nil
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Accepted, r.Request.HostEnv, r.Signature)
	// Output: true prod valid
}

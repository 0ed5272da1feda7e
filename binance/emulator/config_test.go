package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The example from the issue, as a user would write it.
const issueExample = `
keys:
  - api_key: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A
    type: hmac                      # hmac | rsa | ed25519
    secret: NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j   # hmac only
    permissions: [USER_DATA, TRADE]  # also WITHDRAW, FUTURES, ...
    ip_whitelist: []                 # empty: any address
    balances: {USDT: "10000", BTC: "1"}
limits:
  request_weight_per_minute: 6000
  raw_requests_per_5m: 300000
  orders_per_10s: 50
  orders_per_day: 160000
  fapi_request_weight_per_minute: 2400
  ban_base: 2m                       # first 418 ban; doubles per repeat, capped at 72h
faults:
  clock_skew: 0s                     # the exchange's clock minus real time
  latency: 0s
`

func TestParseConfigIssueExample(t *testing.T) {
	c, err := ParseConfig([]byte(issueExample), "")
	if err != nil {
		t.Fatal(err)
	}
	k := c.Keys[0]
	if k.APIKey != DocsAPIKey || k.Type != "hmac" || string(k.Secret.Expose()) != docsSecret ||
		strings.Join(k.Permissions, ",") != "USER_DATA,TRADE" || k.Balances["BTC"] != "1" {
		t.Fatalf("key = %+v", k)
	}
	if c.Limits.BanBase != 2*time.Minute || c.Limits.FAPIRequestWeightPerMinute != 2400 || c.Limits.MaxBodyBytes != 1<<20 {
		t.Fatalf("limits = %+v", c.Limits)
	}
	if len(c.Symbols) != len(DefaultSymbols()) {
		t.Fatalf("symbols = %d, want the defaults", len(c.Symbols))
	}
}

func TestParseConfigFiles(t *testing.T) {
	dir := t.TempDir()
	kc, _ := asymmetricKey(t, dir, "ed25519", edAPIKey, PermUserData)
	if err := os.WriteFile(filepath.Join(dir, "hmac.secret"), []byte(subSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`
keys:
  - api_key: %s
    type: ed25519
    public_key_file: %s
    permissions: [USER_DATA, FUTURES]
    ip_whitelist: [127.0.0.1, "10.0.0.0/8"]
    email: me@example.com
    balances: {USDT: 10000, 币安人生: 5.5}
  - api_key: %s
    type: hmac
    secret_file: hmac.secret
    account: shared
symbols:
  - {symbol: XYZUSDT, base: XYZ, quote: USDT, price: "1.25", tick_size: "0.01", step_size: "1", min_qty: "1", min_notional: "1"}
strict_signature_last: true
data: state
`, edAPIKey, filepath.Base(kc.PublicKeyFile), subAPIKey)
	path := filepath.Join(dir, "mbx.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Keys[0].Balances["USDT"] != "10000" || c.Keys[0].Balances["币安人生"] != "5.5" {
		t.Fatalf("unquoted balances = %v", c.Keys[0].Balances)
	}
	if string(c.Keys[1].Secret.Expose()) != subSecret {
		t.Fatal("secret_file not read (or its newline kept)")
	}
	if !c.StrictSignatureLast || c.Data != filepath.Join(dir, "state") || len(c.Symbols) != 1 {
		t.Fatalf("config = %+v", c)
	}
	srv, err := New(t.Context(), c, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	keys := srv.Keys()
	if len(keys) != 2 || keys[0].Type != "ed25519" || keys[1].Account != "shared" || keys[0].Email != "me@example.com" {
		t.Fatalf("Keys() = %+v", keys)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	kc, _ := asymmetricKey(t, dir, "rsa", rsaAPIKey, PermUserData)
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"misspelt field", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    permisions: [TRADE]\n", "permisions"},
		{"unknown type", "keys:\n  - api_key: k\n    type: dsa\n", "keys[0].type"},
		{"missing type", "keys:\n  - api_key: k\n    secret: s\n", "keys[0].type"},
		{"hmac without secret", "keys:\n  - api_key: k\n    type: hmac\n", "keys[0].secret"},
		{"hmac with a public key", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    public_key_file: x.pem\n", "keys[0].public_key_file"},
		{"rsa without public key", "keys:\n  - api_key: k\n    type: rsa\n", "keys[0].public_key_file"},
		{"rsa with a secret", "keys:\n  - api_key: k\n    type: rsa\n    secret: s\n", "keys[0].secret"},
		{"rsa key file missing", "keys:\n  - api_key: k\n    type: rsa\n    public_key_file: nope.pem\n", "keys[0].public_key_file"},
		{"type does not match the key", fmt.Sprintf("keys:\n  - api_key: k\n    type: ed25519\n    public_key_file: %s\n", kc.PublicKeyFile), "keys[0].type"},
		{"api key with a space", "keys:\n  - api_key: \"a b\"\n    type: hmac\n    secret: s\n", "keys[0].api_key"},
		{"secret with a space", "keys:\n  - api_key: k\n    type: hmac\n    secret: \"ab cd\"\n", "keys[0].secret"},
		{"unknown permission", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    permissions: [READ]\n", "keys[0].permissions[0]"},
		{"bad whitelist", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    ip_whitelist: [localhost]\n", "keys[0].ip_whitelist[0]"},
		{"negative balance", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    balances: {BTC: \"-1\"}\n", "keys[0].balances.BTC"},
		{"bad e-mail", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    email: nobody\n", "keys[0].email"},
		{"duplicate key", "keys:\n  - {api_key: k, type: hmac, secret: s}\n  - {api_key: k, type: hmac, secret: t}\n", "keys[1].api_key"},
		{"ban too long", "limits:\n  ban_base: 100h\n", "limits.ban_base"},
		{"bad duration", "limits:\n  ban_base: soon\n", "ban_base"},
		{"zero weight", "limits:\n  request_weight_per_minute: 0\n", "limits.request_weight_per_minute"},
		{"negative latency", "faults:\n  latency: -1s\n", "faults.latency"},
		{"symbol price off tick", "symbols:\n  - {symbol: ABCUSDT, base: ABC, quote: USDT, price: \"1.005\", tick_size: \"0.01\", step_size: \"1\"}\n", "symbols[0].price"},
		{"symbol without quote", "symbols:\n  - {symbol: ABCUSDT, base: ABC, price: \"1\", tick_size: \"0.01\", step_size: \"1\"}\n", "symbols[0].base"},
		{"lower-case symbol", "symbols:\n  - {symbol: abcusdt, base: ABC, quote: USDT, price: \"1\", tick_size: \"0.01\", step_size: \"1\"}\n", "symbols[0].symbol"},
		{"not YAML", "keys: [", "emulator config"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml), dir)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name %q", err, c.want)
			}
		})
	}
}

// The secret never prints, whatever way the config is shown.
func TestConfigNeverShowsSecrets(t *testing.T) {
	c, err := ParseConfig([]byte(issueExample), "")
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("config", "cfg", c, "key", c.Keys[0])
	for _, out := range []string{
		c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.Keys[0], c.Keys[0], c.Keys), string(js), logBuf.String(),
	} {
		if strings.Contains(out, docsSecret) || strings.Contains(out, "NhqPtmdS") {
			t.Fatalf("secret shown: %s", out)
		}
	}
	if !strings.Contains(c.String(), DocsAPIKey) {
		t.Errorf("String() = %q, want the API key", c.String())
	}
	srv, err := New(t.Context(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ks, _ := json.Marshal(srv.Keys())
	if strings.Contains(string(ks), docsSecret) || !srv.Keys()[0].DocsExample {
		t.Fatalf("Keys() = %s", ks)
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Keys[0].APIKey != DocsAPIKey || len(c.Keys[0].Permissions) != 2 {
		t.Fatalf("default key = %v", c.Keys[0])
	}
	names := map[string]bool{}
	for _, s := range c.Symbols {
		names[s.Symbol] = true
	}
	for _, want := range []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "LTCBTC", "币安人生USDT", "这是测试币456", "１２３４５６"} {
		if !names[want] {
			t.Errorf("default symbols lack %s", want)
		}
	}
	// With no keys, the docs' key is accepted.
	c2, err := ParseConfig([]byte("limits:\n  orders_per_10s: 5\n"), "")
	if err != nil || c2.Keys[0].APIKey != DocsAPIKey || c2.Limits.OrdersPer10s != 5 || c2.Limits.RequestWeightPerMinute != 6000 {
		t.Fatalf("config without keys = %v, %v", c2, err)
	}
}

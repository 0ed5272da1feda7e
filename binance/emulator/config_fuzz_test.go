package emulator

import (
	"strings"
	"testing"
)

// FuzzParseConfig: any YAML either parses into a config that validates and
// never prints a secret, or is refused with an error naming the problem;
// nothing panics.
func FuzzParseConfig(f *testing.F) {
	seeds := []string{
		"",
		"keys:\n  - api_key: k1\n    type: hmac\n    secret: s3cretValue123\n    permissions: [USER_DATA, TRADE]\n",
		"limits:\n  request_weight_per_minute: 10\n  ban_base: 2s\n",
		"faults:\n  clock_skew: -3s\n  latency: 5ms\n",
		"symbols:\n  - symbol: 这是测试币456\n    base: 这是测试币\n    quote: \"456\"\n    price: \"2.00\"\n",
		"keys: [",
		"keys:\n  - api_key: k\n    type: rsa\n    public_key: nope\n",
		"unknown_field: 1\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, t.TempDir())
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("ParseConfig accepted a config that does not validate: %v", verr)
		}
		printed := cfg.String()
		for _, k := range cfg.Keys {
			if sec := string(k.Secret.Expose()); len(sec) >= 8 && strings.Contains(printed, sec) {
				t.Fatalf("Config.String shows a secret")
			}
		}
	})
}

package exchanges

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKeys(t *testing.T) {
	const leak = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pass.txt"), []byte("pp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "open.txt"), []byte("pp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := "keys:\n  - api_key: k1\n    secret: s1\n    passphrase_file: pass.txt\n    permissions: [read, trade]\n    balances: {USDT: \"10\"}\n"
	keys, err := ParseKeys([]byte(good), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].APIKey != "k1" || string(keys[0].Secret.Expose()) != "s1" ||
		string(keys[0].Passphrase.Expose()) != "pp" || keys[0].Balances["USDT"] != "10" || len(keys[0].Permissions) != 2 {
		t.Fatalf("parsed %+v", keys)
	}
	bad := []struct {
		name, yaml, field string
		line              int
	}{
		{"secret as a list", "keys:\n  - api_key: k\n    secret:\n      - " + leak + "\n", "secret", 4},
		{"secret in permissions", "keys:\n  - api_key: k\n    secret: s\n    permissions: " + leak + "\n", "permissions", 4},
		{"secret in balances", "keys:\n  - api_key: k\n    secret: s\n    balances: [" + leak + "]\n", "balances", 4},
		{"unknown field", "keys:\n  - api_key: k\n    secert: " + leak + "\n", "secert", 3},
		{"missing secret", "keys:\n  - api_key: k\n", "secret", 2},
		{"not yaml", "keys: [\n  " + leak + ": {\n", "(file)", 0},
		{"open passphrase file", "keys:\n  - api_key: k\n    secret: s\n    passphrase_file: open.txt\n", "passphrase_file", 4},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseKeys([]byte(c.yaml), dir)
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want a ConfigError", err)
			}
			if ce.Field != c.field || (c.line != 0 && ce.Line != c.line) {
				t.Fatalf("field %q line %d, want %q line %d (%v)", ce.Field, ce.Line, c.field, c.line, err)
			}
			if strings.Contains(err.Error(), leak[:6]) {
				t.Fatalf("the error shows the value: %v", err)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	if e, err := Lookup(""); err != nil || e.Name != Binance {
		t.Fatalf("default: %v %v", e.Name, err)
	}
	if _, err := Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), "binance") {
		t.Fatalf("unknown: %v", err)
	}
}

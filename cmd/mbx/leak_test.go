package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
)

// The whole CLI, run with a known secret through every command that loads
// it, success and failure paths, verbose logging on: the secret appears in
// no line of stdout, stderr or any error.
func TestCLINeverPrintsTheSecret(t *testing.T) {
	const known = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	base := binancetest.NewServer(t).URL
	dir := t.TempDir()
	key := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(key, []byte(known+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	credsFile := filepath.Join(dir, "creds.yml")
	body := fmt.Sprintf("default: main\nprofiles:\n  main:\n    api_key: %s\n    secret: %s\n    base_url: %s\n  typo:\n    api_key: %s\n    secert: %s\n",
		emulator.DocsAPIKey, known, base, emulator.DocsAPIKey, known)
	if err := os.WriteFile(credsFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	target := []string{"--base-url", base, "--api-key", emulator.DocsAPIKey, "--key-file", key, "--verbose"}
	runs := [][]string{
		{"sign", "--key-file", key, "symbol=BTCUSDT"},
		{"sign", "--key-file", key, "--json", "--ws", "--api-key", "k", "symbol=BTCUSDT"},
		{"sign", "--key-file", key, "quantity=1e-5"},
		append([]string{"call", "GET", "/api/v3/account"}, target...),
		append([]string{"call", "GET", "/api/v3/order", "symbol=BTCUSDT", "orderId=42"}, target...),
		append([]string{"call", "GET", "/api/v3/account", "--json"}, target...),
		append([]string{"time"}, target...),
		append([]string{"doctor"}, target...),
		append([]string{"doctor", "--json"}, target...),
		{"doctor", "--creds", credsFile, "--verbose"},
		{"doctor", "--creds", credsFile, "--profile", "typo"},
		{"call", "GET", "/api/v3/account", "--creds", credsFile, "--profile", "main", "--verbose"},
	}
	for _, args := range runs {
		stdout, stderr, err := run(t, args...)
		all := stdout + stderr + fmt.Sprint(err) + fmt.Sprintf("%+v", err)
		if strings.Contains(all, known) || strings.Contains(all, known[:16]) {
			t.Fatalf("mbx %s printed the secret:\n%s", strings.Join(args, " "), all)
		}
		if strings.Contains(all, "&signature=") && args[0] != "sign" {
			t.Fatalf("mbx %s logged a signed query:\n%s", strings.Join(args, " "), all)
		}
	}
}

package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/creds"
)

// TestConfigErrorsNeverShowAValue: a secret in the wrong place (a list item
// under secret:, a permission, a number) makes an error that names the line
// and the field but shows no character of the secret.
func TestConfigErrorsNeverShowAValue(t *testing.T) {
	const sec = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	tests := []struct {
		name, yaml, want string
	}{
		{"list under secret", "keys:\n  - api_key: k\n    type: hmac\n    secret:\n      - " + sec + "\n", "line 5 (keys[0].secret"},
		{"mapping under permissions", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    permissions: {" + sec + ": x}\n", "line 5 (keys[0].permissions"},
		{"text under permissions", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    permissions: " + sec + "\n", "line 5 (keys[0].permissions)"},
		{"text under max_body_bytes", "limits:\n  max_body_bytes: " + sec + "\n", "line 2 (limits.max_body_bytes)"},
		{"text under ban_base", "limits:\n  ban_base: " + sec + "\n", "line 2 (limits.ban_base)"},
		{"list item under permissions", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    permissions:\n      - " + sec + "\n", "keys[0].permissions[0]"},
		{"list item under ip_whitelist", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    ip_whitelist: [" + sec + "]\n", "keys[0].ip_whitelist[0]"},
		{"secret as the e-mail", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    email: " + sec + "\n", "keys[0].email"},
		{"secret as the type", "keys:\n  - api_key: k\n    type: " + sec + "\n", "keys[0].type"},
		{"secret as a balance", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    balances: {USDT: " + sec + "}\n", "keys[0].balances.USDT"},
		{"secret as an asset", "keys:\n  - api_key: k\n    type: hmac\n    secret: s\n    balances: {" + sec + ": x}\n", "keys[0].balances"},
		{"secret as a field name", "keys:\n  - api_key: k\n    " + sec + ": x\n", "line 3"},
		{"quoted secret in a syntax error", "keys:\n  - api_key: \"" + sec + "\n", "emulator config"},
		{"secret after a tab", "keys:\n\t- " + sec + "\n", "emulator config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml), "")
			if err == nil || !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name %q", msg, tc.want)
			}
			// No run of 4 characters of the secret appears.
			for i := 0; i+4 <= len(sec); i++ {
				if strings.Contains(msg, sec[i:i+4]) {
					t.Fatalf("error shows %q of the secret: %s", sec[i:i+4], msg)
				}
			}
		})
	}
}

// TestConfigSecretFileMode: a secret_file group or others may read is
// refused, with the chmod that fixes it; at 0600 it is read.
func TestConfigSecretFileMode(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		says string
	}{
		{0o644, "chmod 600"},
		{0o640, "chmod 600"},
		{0o600, ""},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("secret-%o.txt", tc.mode))
			if err := os.WriteFile(path, []byte("s3cretValue\n"), tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			c, err := ParseConfig([]byte("keys:\n  - {api_key: k, type: hmac, secret_file: "+path+"}\n"), dir)
			if tc.says == "" {
				if err != nil || string(c.Keys[0].Secret.Expose()) != "s3cretValue" {
					t.Fatalf("ParseConfig: %v", err)
				}
				return
			}
			var pe *creds.PermissionError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "keys[0].secret_file") {
				t.Fatalf("err %v; want a permission error naming keys[0].secret_file and %q", err, tc.says)
			}
		})
	}
}

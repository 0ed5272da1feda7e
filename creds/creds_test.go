package creds_test

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/internal/credtest"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// The Binance documentation's HMAC example (spec §2.2) and its vector H1.
const (
	docsKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	h1Payload  = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	h1Sig      = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
)

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not describe access on Windows; creds does not check them there")
	}
}

func TestLoadPermissions(t *testing.T) {
	skipOnWindows(t)
	body := "profiles:\n  main:\n    api_key: " + docsKey + "\n    secret: " + docsSecret + "\n"
	tests := []struct {
		mode fs.FileMode
		ok   bool
		desc string
	}{
		{0o600, true, ""},
		{0o400, true, ""},
		{0o640, false, "readable by group"},
		{0o644, false, "readable by group and others"},
		{0o604, false, "readable by others"},
		{0o660, false, "readable and writable by group"},
		{0o602, false, "writable by others"},
		{0o610, false, "executable by group"},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := credtest.Write(t, t.TempDir(), "creds.yml", body, tt.mode)
			f, err := creds.Load(path)
			if tt.ok {
				if err != nil {
					t.Fatalf("mode %04o: %v", tt.mode, err)
				}
				if _, ok := f.Profiles["main"]; !ok {
					t.Fatalf("profile main missing: %v", f)
				}
				return
			}
			if err == nil {
				t.Fatalf("mode %04o accepted", tt.mode)
			}
			var pe *creds.PermissionError
			if !errors.As(err, &pe) || pe.Path != path || pe.Mode.Perm() != tt.mode {
				t.Fatalf("error is not a PermissionError for %s %04o: %#v", path, tt.mode, err)
			}
			for _, want := range []string{path, "chmod 600 " + path, tt.desc, modeOctal(tt.mode)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func modeOctal(m fs.FileMode) string {
	const digits = "01234567"
	p := uint32(m.Perm())
	return string([]byte{'0', digits[p>>6&7], digits[p>>3&7], digits[p&7]})
}

func TestLoadProfilesAndDefaults(t *testing.T) {
	dir := t.TempDir()
	body := `default: ed
profiles:
  main:
    api_key: ` + docsKey + `
    secret: ` + docsSecret + `
    env: testnet
    recv_window: 2500.5
  ed:
    api_key: ` + docsKey + `
    key_file: keys/ed.pem
    passphrase: file:~/pw.txt
    base_url: http://127.0.0.1:8765/
  plain:
    api_key: "` + docsKey + `"
    secret_file: ~/secret.txt
    recv_window: 7s
  quoted:
    secret: "0123"
`
	t.Setenv("HOME", "/home/tester")
	f := loadString(t, dir, body)
	want := map[string]creds.Profile{
		"main": {Name: "main", APIKey: docsKey, Secret: secret.FromString(docsSecret), Env: creds.EnvTestnet,
			RecvWindow: 2500*time.Millisecond + 500*time.Microsecond},
		"ed": {Name: "ed", APIKey: docsKey, KeyFile: filepath.Join(dir, "keys", "ed.pem"),
			Passphrase: creds.PassphraseSource{Kind: creds.PassphraseFile, Ref: "/home/tester/pw.txt"},
			BaseURL:    "http://127.0.0.1:8765", RecvWindow: 5 * time.Second},
		"plain":  {Name: "plain", APIKey: docsKey, SecretFile: "/home/tester/secret.txt", Env: creds.EnvProd, RecvWindow: 7 * time.Second},
		"quoted": {Name: "quoted", Secret: secret.FromString("0123"), Env: creds.EnvProd, RecvWindow: 5 * time.Second},
	}
	if got := f.Names(); !slices.Equal(got, []string{"ed", "main", "plain", "quoted"}) {
		t.Fatalf("names = %v", got)
	}
	for name, w := range want {
		g := f.Profiles[name]
		if g.Name != w.Name || g.APIKey != w.APIKey || !g.Secret.Equal(w.Secret) || g.SecretFile != w.SecretFile ||
			g.KeyFile != w.KeyFile || g.Passphrase.Kind != w.Passphrase.Kind || g.Passphrase.Ref != w.Passphrase.Ref ||
			g.Env != w.Env || g.BaseURL != w.BaseURL || g.RecvWindow != w.RecvWindow {
			t.Errorf("profile %s:\n got %#v\nwant %#v", name, g, w)
		}
	}

	tests := []struct {
		ask, want, err string
	}{
		{"", "ed", ""},
		{"main", "main", ""},
		{"nope", "", `"nope" is not in ` + f.Path + ` (available: ed, main, plain, quoted)`},
	}
	for _, tt := range tests {
		p, err := f.Profile(tt.ask)
		if tt.err != "" {
			if !errors.Is(err, creds.ErrUnknownProfile) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Profile(%q) error = %v, want %q", tt.ask, err, tt.err)
			}
			continue
		}
		if err != nil || p.Name != tt.want {
			t.Errorf("Profile(%q) = %s, %v; want %s", tt.ask, p.Name, err, tt.want)
		}
	}
}

func TestProfileDefaultFallback(t *testing.T) {
	tests := []struct {
		name, body, want, err string
	}{
		{"named default", "profiles:\n  default:\n    env: demo\n  other: {}\n", "default", ""},
		{"no default", "profiles:\n  a: {}\n  b: {}\n", "", "available: a, b"},
		{"no profiles", "", "", "has no profiles"},
		{"null profiles", "profiles:\n", "", "has no profiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadString(t, t.TempDir(), tt.body)
			p, err := f.Profile("")
			if tt.err != "" {
				if !errors.Is(err, creds.ErrUnknownProfile) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || p.Name != tt.want {
				t.Fatalf("got %s, %v; want %s", p.Name, err, tt.want)
			}
		})
	}
}

func loadString(t testing.TB, dir, body string) *creds.File {
	t.Helper()
	f, err := creds.Load(credtest.Write(t, dir, "creds.yml", body, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // substrings of the error
		is   error
	}{
		{"unknown profile field", "profiles:\n  main:\n    api_key: x\n    secert: y\n", []string{"line 4", "profiles.main", `unknown field "secert"`, "did you mean secret?"}, creds.ErrConfig},
		{"unknown top field", "defualt: main\nprofiles: {}\n", []string{"line 1", "top level", `unknown field "defualt"`, "did you mean default?"}, creds.ErrConfig},
		{"long unknown field not echoed", "profiles:\n  main:\n    " + docsSecret + ": x\n", []string{"line 3", "64 characters (not shown"}, creds.ErrConfig},
		{"recv_window too large", "profiles:\n  main:\n    recv_window: 61s\n", []string{"line 3", "profiles.main.recv_window", "at most 60s"}, creds.ErrRecvWindow},
		{"recv_window ms too large", "profiles:\n  main:\n    recv_window: 60001\n", []string{"line 3", "at most 60000"}, creds.ErrRecvWindow},
		{"recv_window decimals", "profiles:\n  main:\n    recv_window: 5000.1234\n", []string{"line 3", "4 decimals"}, creds.ErrRecvWindow},
		{"recv_window zero", "profiles:\n  main:\n    recv_window: 0\n", []string{"line 3", "greater than 0"}, creds.ErrRecvWindow},
		{"recv_window negative", "profiles:\n  main:\n    recv_window: -5s\n", []string{"line 3", "greater than 0"}, creds.ErrRecvWindow},
		{"recv_window word", "profiles:\n  main:\n    recv_window: soon\n", []string{"line 3", "want milliseconds"}, creds.ErrRecvWindow},
		{"recv_window nanoseconds", "profiles:\n  main:\n    recv_window: 1500ns\n", []string{"line 3", "sub-microsecond"}, creds.ErrRecvWindow},
		{"bad env", "profiles:\n  main:\n    env: production\n", []string{"line 3", "profiles.main.env", "want prod, testnet or demo"}, creds.ErrConfig},
		{"base_url scheme", "profiles:\n  main:\n    base_url: ftp://x\n", []string{"line 3", "http:// or https://"}, creds.ErrConfig},
		{"base_url password", "profiles:\n  main:\n    base_url: https://u:pw@api.binance.com\n", []string{"line 3", "user name or password"}, creds.ErrConfig},
		{"passphrase inline", "profiles:\n  main:\n    passphrase: hunter2\n", []string{"line 3", "want env:NAME, file:PATH, prompt or none"}, creds.ErrConfig},
		{"passphrase env name", "profiles:\n  main:\n    passphrase: env:1X\n", []string{"line 3", "variable name"}, creds.ErrConfig},
		{"secret and key_file", "profiles:\n  main:\n    secret: abc\n    key_file: /k.pem\n", []string{"line 4", "secret and key_file are both set"}, creds.ErrConfig},
		{"secret_file and key_file", "profiles:\n  main:\n    key_file: /k.pem\n    secret_file: /s\n", []string{"line 4", "key_file and secret_file are both set"}, creds.ErrConfig},
		{"duplicate field", "profiles:\n  main:\n    env: prod\n    env: demo\n", []string{"line 4", "env is given twice (first at line 3)"}, creds.ErrConfig},
		{"duplicate profile", "profiles:\n  a: {}\n  a: {}\n", []string{"line 3", `profile "a" is defined twice`}, creds.ErrConfig},
		{"default missing", "default: x\nprofiles:\n  a: {}\n", []string{"line 1", "default", "no profile of that name (profiles: a)"}, creds.ErrConfig},
		{"profile not a mapping", "profiles:\n  a: hello\n", []string{"line 2", "profiles.a", "found a single value"}, creds.ErrConfig},
		{"field not a string", "profiles:\n  a:\n    api_key: [1, 2]\n", []string{"line 3", "profiles.a.api_key", "want a string, found a list"}, creds.ErrConfig},
		{"root scalar", docsSecret + "\n", []string{"line 1", "found a single value"}, creds.ErrConfig},
		{"bad profile name", "profiles:\n  \"my profile\": {}\n", []string{"line 2", "profile name"}, creds.ErrConfig},
		{"syntax", "profiles:\n  a:\n    env: prod\n   secret: x\n", []string{"yaml: line"}, creds.ErrConfig},
		{"two documents", "profiles: {}\n---\nprofiles: {}\n", []string{"second YAML document"}, creds.ErrConfig},
		{"tilde user", "profiles:\n  a:\n    key_file: ~bob/k.pem\n", []string{"line 3", "only ~ and ~/"}, creds.ErrConfig},
		{"key material as path", "profiles:\n  a:\n    key_file: " + docsSecret + "\n", []string{"line 3", "looks like a key or secret, not a path"}, creds.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := credtest.Write(t, t.TempDir(), "creds.yml", tt.body, 0o600)
			_, err := creds.Load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, tt.is) || !errors.Is(err, creds.ErrConfig) {
				t.Errorf("errors.Is(%v, %v) = false (or not ErrConfig)", err, tt.is)
			}
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error %q does not start with the path", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), docsSecret[:7]) {
				t.Errorf("error quotes the secret: %q", err)
			}
		})
	}
}

func TestLoadMissingAndSize(t *testing.T) {
	dir := t.TempDir()
	if _, err := creds.Load(filepath.Join(dir, "nope.yml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	big := credtest.Write(t, dir, "big.yml", "# "+strings.Repeat("x", 1<<20)+"\n", 0o600)
	if _, err := creds.Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		creds, xdg, want string
	}{
		{"/etc/mbx/creds.yml", "/xdg", "/etc/mbx/creds.yml"},
		{"~/my.yml", "/xdg", filepath.Join(home, "my.yml")},
		{"", "/xdg", filepath.Join("/xdg", "mbx", "creds.yml")},
		{"", "relative/xdg", filepath.Join(home, ".config", "mbx", "creds.yml")},
		{"", "", filepath.Join(home, ".config", "mbx", "creds.yml")},
	}
	for _, tt := range tests {
		t.Setenv("HOME", home)
		t.Setenv("MBX_CREDS", tt.creds)
		t.Setenv("XDG_CONFIG_HOME", tt.xdg)
		got, err := creds.DefaultPath()
		if err != nil || got != tt.want {
			t.Errorf("MBX_CREDS=%q XDG_CONFIG_HOME=%q: %q, %v; want %q", tt.creds, tt.xdg, got, err, tt.want)
		}
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		ok   bool
		err  string
		want creds.Profile
	}{
		{name: "nothing", vars: map[string]string{"HOME": "/h"}, ok: false},
		{name: "hmac", vars: map[string]string{"MBX_API_KEY": docsKey, "MBX_API_SECRET": docsSecret}, ok: true,
			want: creds.Profile{Name: "environment", APIKey: docsKey, Secret: secret.FromString(docsSecret), Env: creds.EnvProd, RecvWindow: 5 * time.Second}},
		{name: "key file", vars: map[string]string{"MBX_API_KEY": docsKey, "MBX_KEY_FILE": "~/k.pem", "HOME": "/h", "MBX_KEY_PASSPHRASE": "pw", "MBX_ENV": "testnet", "MBX_RECV_WINDOW": "3000"}, ok: true,
			want: creds.Profile{Name: "environment", APIKey: docsKey, KeyFile: "/h/k.pem", Passphrase: creds.PassphraseSource{Kind: creds.PassphraseValue, Ref: "MBX_KEY_PASSPHRASE", Value: secret.FromString("pw")},
				Env: creds.EnvTestnet, RecvWindow: 3 * time.Second}},
		{name: "base url", vars: map[string]string{"MBX_BASE_URL": "http://127.0.0.1:8765", "MBX_RECV_WINDOW": "1.5s"}, ok: true,
			want: creds.Profile{Name: "environment", BaseURL: "http://127.0.0.1:8765", RecvWindow: 1500 * time.Millisecond}},
		{name: "env and base url", vars: map[string]string{"MBX_BASE_URL": "https://demo-api.binance.com", "MBX_ENV": "demo"}, ok: true,
			want: creds.Profile{Name: "environment", BaseURL: "https://demo-api.binance.com", Env: creds.EnvDemo, RecvWindow: 5 * time.Second}},
		{name: "secret and key file", vars: map[string]string{"MBX_API_SECRET": docsSecret, "MBX_KEY_FILE": "/k"}, err: "MBX_API_SECRET: both MBX_API_SECRET and MBX_KEY_FILE are set"},
		{name: "passphrase alone", vars: map[string]string{"MBX_KEY_PASSPHRASE": "pw"}, err: "MBX_KEY_PASSPHRASE: is set but there is no key file"},
		{name: "passphrase with secret", vars: map[string]string{"MBX_KEY_PASSPHRASE": "pw", "MBX_API_SECRET": docsSecret}, err: "MBX_KEY_PASSPHRASE: is set but there is no key file"},
		{name: "bad env", vars: map[string]string{"MBX_ENV": "live"}, err: "MBX_ENV: want prod, testnet or demo"},
		{name: "bad base url", vars: map[string]string{"MBX_BASE_URL": "api.binance.com"}, err: "MBX_BASE_URL: want an http:// or https:// URL"},
		{name: "bad recv window", vars: map[string]string{"MBX_RECV_WINDOW": "90000"}, err: "MBX_RECV_WINDOW: "},
		{name: "secret in key file", vars: map[string]string{"MBX_KEY_FILE": docsSecret}, err: "MBX_KEY_FILE: this looks like a key or secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok, err := creds.FromEnv(env(tt.vars))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, creds.ErrConfig) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				if ok {
					t.Fatal("ok with an error")
				}
				return
			}
			if err != nil || ok != tt.ok {
				t.Fatalf("ok=%v err=%v; want ok=%v", ok, err, tt.ok)
			}
			if !ok {
				return
			}
			w := tt.want
			if p.Name != w.Name || p.APIKey != w.APIKey || !p.Secret.Equal(w.Secret) || p.KeyFile != w.KeyFile ||
				p.Passphrase.Kind != w.Passphrase.Kind || p.Passphrase.Ref != w.Passphrase.Ref || !p.Passphrase.Value.Equal(w.Passphrase.Value) ||
				p.Env != w.Env || p.BaseURL != w.BaseURL || p.RecvWindow != w.RecvWindow {
				t.Fatalf("\n got %#v\nwant %#v", p, w)
			}
		})
	}
}

// Environment variables override a profile from a file, field by field, and
// a key from the environment replaces the profile's key as a whole.
func TestWithEnvOverrides(t *testing.T) {
	base := creds.Profile{Name: "main", APIKey: docsKey, KeyFile: "/keys/ed.pem",
		Passphrase: creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: "PW"},
		BaseURL:    "http://127.0.0.1:8765", RecvWindow: 7 * time.Second}
	tests := []struct {
		name  string
		vars  map[string]string
		check func(p creds.Profile) bool
	}{
		{"none set keeps all", nil, func(p creds.Profile) bool {
			return p.KeyFile == base.KeyFile && p.BaseURL == base.BaseURL && p.RecvWindow == base.RecvWindow && p.Passphrase.Ref == "PW"
		}},
		{"secret replaces key file and passphrase", map[string]string{"MBX_API_SECRET": docsSecret}, func(p creds.Profile) bool {
			return p.KeyFile == "" && p.Secret.Equal(secret.FromString(docsSecret)) && p.Passphrase.Kind == creds.PassphrasePrompt && p.APIKey == docsKey
		}},
		{"env drops base url", map[string]string{"MBX_ENV": "testnet"}, func(p creds.Profile) bool {
			return p.Env == creds.EnvTestnet && p.BaseURL == "" && p.RecvWindow == 7*time.Second
		}},
		{"recv window only", map[string]string{"MBX_RECV_WINDOW": "2s"}, func(p creds.Profile) bool {
			return p.RecvWindow == 2*time.Second && p.BaseURL == base.BaseURL
		}},
		{"passphrase for the profile's key file", map[string]string{"MBX_KEY_PASSPHRASE": "pw"}, func(p creds.Profile) bool {
			return p.KeyFile == base.KeyFile && p.Passphrase.Kind == creds.PassphraseValue && p.Passphrase.Value.Equal(secret.FromString("pw"))
		}},
		{"base url keeps env unset", map[string]string{"MBX_BASE_URL": "https://testnet.binance.vision/"}, func(p creds.Profile) bool {
			return p.BaseURL == "https://testnet.binance.vision" && p.Env == ""
		}},
		{"api key only", map[string]string{"MBX_API_KEY": "other"}, func(p creds.Profile) bool {
			return p.APIKey == "other" && p.KeyFile == base.KeyFile
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := base.WithEnv(env(tt.vars))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(p) {
				t.Fatalf("%#v", p)
			}
		})
	}
}

func TestMaskKey(t *testing.T) {
	tests := map[string]string{
		docsKey:        "vmPU…Eh8A",
		"":             "",
		"short":        "…",
		"abcdefghijkl": "abcd…ijkl",
		"ÄÖÜabcdefghẞ": "ÄÖÜa…fghẞ",
	}
	for in, want := range tests {
		if got := creds.MaskKey(in); got != want {
			t.Errorf("MaskKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSigner(t *testing.T) {
	k := credtest.MakeKeys(t)
	t.Setenv("MBX_TEST_PW", "correct horse")
	t.Setenv("MBX_TEST_WRONG_PW", "wrong horse")
	pwFile := credtest.Write(t, k.Dir, "pw.txt", "correct horse\n", 0o600)
	pwFileOpen := credtest.Write(t, k.Dir, "pw-644.txt", "correct horse\n", 0o644)
	edOpen := credtest.Write(t, k.Dir, "ed-644.pem", credtest.MustRead(t, k.EdPEM), 0o644)
	prompt := func() ([]byte, error) { return []byte("correct horse"), nil }

	tests := []struct {
		name   string
		yaml   string // profile body, indented by 4
		prompt func() ([]byte, error)
		alg    sign.Algorithm
		warn   string
		err    string
		is     error
	}{
		{name: "hmac inline", yaml: "secret: " + docsSecret, alg: sign.HMACSHA256},
		{name: "hmac inline block scalar newline", yaml: "secret: |\n      " + docsSecret, alg: sign.HMACSHA256, warn: "trimmed 1 surrounding whitespace/newline"},
		{name: "hmac secret_file", yaml: "secret_file: " + k.SecretOK, alg: sign.HMACSHA256},
		{name: "hmac secret_file trailing newline", yaml: "secret_file: " + k.SecretNL, alg: sign.HMACSHA256, warn: "secret_file " + k.SecretNL + ": HMAC secret: trimmed 1 surrounding"},
		{name: "hmac secret_file 0644", yaml: "secret_file: " + k.SecretOpen, err: "chmod 600 " + k.SecretOpen},
		{name: "hmac key_file", yaml: "key_file: " + k.SecretNL, alg: sign.HMACSHA256, warn: "trimmed"},
		{name: "secret_file holding a PEM", yaml: "secret_file: " + k.EdPEM, err: "PEM key was given where an HMAC secret is needed", is: sign.ErrUnsupportedKey},
		{name: "ed25519", yaml: "key_file: " + k.EdPEM, alg: sign.Ed25519},
		{name: "ed25519 0644", yaml: "key_file: " + edOpen, err: "chmod 600 " + edOpen},
		{name: "encrypted env", yaml: "key_file: " + k.EncPEM + "\n    passphrase: env:MBX_TEST_PW", alg: sign.Ed25519},
		{name: "encrypted file", yaml: "key_file: " + k.EncPEM + "\n    passphrase: file:" + pwFile, alg: sign.Ed25519},
		{name: "encrypted file 0644", yaml: "key_file: " + k.EncPEM + "\n    passphrase: file:" + pwFileOpen, err: "chmod 600 " + pwFileOpen},
		{name: "encrypted prompt", yaml: "key_file: " + k.EncPEM, prompt: prompt, alg: sign.Ed25519},
		{name: "encrypted no terminal", yaml: "key_file: " + k.EncPEM, err: "no terminal", is: sign.ErrNeedPassphrase},
		{name: "encrypted none", yaml: "key_file: " + k.EncPEM + "\n    passphrase: none", err: "passphrase: none", is: sign.ErrNeedPassphrase},
		{name: "encrypted unset env", yaml: "key_file: " + k.EncPEM + "\n    passphrase: env:MBX_TEST_UNSET_PW", err: "env:MBX_TEST_UNSET_PW: the variable is not set", is: sign.ErrNeedPassphrase},
		{name: "encrypted wrong", yaml: "key_file: " + k.EncPEM + "\n    passphrase: env:MBX_TEST_WRONG_PW", err: "does not decrypt", is: sign.ErrBadPassphrase},
		{name: "public key", yaml: "key_file: " + k.EdPub, err: "register it with the exchange", is: sign.ErrPublicKey},
		{name: "missing key file", yaml: "key_file: " + filepath.Join(k.Dir, "nope.pem"), err: "nope.pem", is: fs.ErrNotExist},
		{name: "no key", yaml: "env: prod", err: `profile "p" has no secret`, is: creds.ErrNoKey},
		{name: "inner whitespace", yaml: "secret: \"abc def\"", err: "whitespace at byte 3", is: sign.ErrSecretFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadString(t, t.TempDir(), "profiles:\n  p:\n    "+tt.yaml+"\n")
			p, err := f.Profile("p")
			if err != nil {
				t.Fatal(err)
			}
			s, warnings, err := p.Signer(tt.prompt)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Fatalf("errors.Is(%v, %v) = false", err, tt.is)
				}
				if strings.HasPrefix(tt.err, "chmod") {
					var pe *creds.PermissionError
					if !errors.As(err, &pe) {
						t.Fatalf("not a PermissionError: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Algorithm() != tt.alg {
				t.Fatalf("algorithm %v, want %v", s.Algorithm(), tt.alg)
			}
			joined := strings.Join(warnings, "\n")
			if (tt.warn == "") != (joined == "") || !strings.Contains(joined, tt.warn) {
				t.Fatalf("warnings %q, want %q", warnings, tt.warn)
			}
			sig, err := s.AppendSign(nil, []byte(h1Payload))
			if err != nil {
				t.Fatal(err)
			}
			switch tt.alg {
			case sign.HMACSHA256:
				if got := hex.EncodeToString(sig); got != h1Sig {
					t.Fatalf("HMAC of vector H1 = %s, want %s", got, h1Sig)
				}
			case sign.Ed25519:
				if err := k.Ed.Public().Verify([]byte(h1Payload), sig); err != nil {
					t.Fatalf("signature does not verify with the generated key: %v", err)
				}
			}
		})
	}
}

// The passphrase given in MBX_KEY_PASSPHRASE survives repeated loads: sign
// wipes the buffer it is handed, which must be a copy.
func TestSignerPassphraseValueNotWiped(t *testing.T) {
	k := credtest.MakeKeys(t)
	p, ok, err := creds.FromEnv(env(map[string]string{"MBX_KEY_FILE": k.EncPEM, "MBX_KEY_PASSPHRASE": "correct horse"}))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for i := range 2 {
		if _, _, err := p.Signer(nil); err != nil {
			t.Fatalf("load %d: %v", i+1, err)
		}
	}
}

func TestSignerConflictingKeys(t *testing.T) {
	p := creds.Profile{Name: "x", Secret: secret.FromString(docsSecret), KeyFile: "/k.pem"}
	if _, _, err := p.Signer(nil); !errors.Is(err, creds.ErrConfig) || !strings.Contains(err.Error(), "more than one") {
		t.Fatalf("error = %v", err)
	}
}

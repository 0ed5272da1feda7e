package creds_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/internal/credtest"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/secret"
)

// canary is the known secret: 64 letters and digits, like a Binance secret,
// with no run a path or a number could contain by chance.
const (
	canary     = "Lk9QzXvBnRtYwEuIoPaSdFgHjKlZxCvBnMqWeRtYuIoPaSdFgHjKlQwErTyUiOp1"
	canaryPass = "pwCanaryQuokkaZebra"
)

// leaks reports any 7-byte window of s found in out: yaml.v3 quotes the first
// 7 bytes of a value it cannot decode, so a window that short is what a leak
// looks like.
func leaks(out, s string) string {
	const w = 7
	for i := 0; i+w <= len(s); i++ {
		if strings.Contains(out, s[i:i+w]) {
			return s[i : i+w]
		}
	}
	return ""
}

func TestNoSecretLeaks(t *testing.T) {
	if len(canary) != 64 {
		t.Fatalf("canary is %d bytes", len(canary))
	}
	k := credtest.MakeKeys(t)
	pemBody := strings.Join(strings.Split(strings.TrimSpace(credtest.MustRead(t, k.EdPEM)), "\n")[1:2], "")

	var outputs []string // every string a user or a log could see
	record := func(label string, s ...string) {
		for _, x := range s {
			outputs = append(outputs, label+": "+x)
		}
	}
	recordErr := func(label string, err error) {
		if err == nil {
			t.Errorf("%s: no error", label)
			return
		}
		record(label, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}

	// Every Load error path, with the canary where a user might put it.
	badFiles := map[string]string{
		"unknown field":      "profiles:\n  main:\n    secret: " + canary + "\n    secert: x\n",
		"root scalar":        canary + "\n",
		"secret as key":      "profiles:\n  main:\n    " + canary + ": x\n",
		"secret as name":     "profiles:\n  " + canary + "x: {}\n",
		"recv_window":        "profiles:\n  main:\n    recv_window: " + canary + "\n",
		"env":                "profiles:\n  main:\n    env: " + canary + "\n",
		"base_url":           "profiles:\n  main:\n    base_url: https://u:" + canary + "@api.binance.com\n",
		"base_url garbage":   "profiles:\n  main:\n    base_url: " + canary + "\n",
		"passphrase inline":  "profiles:\n  main:\n    passphrase: " + canaryPass + "\n",
		"key_file":           "profiles:\n  main:\n    key_file: " + canary + "\n",
		"secret_file":        "profiles:\n  main:\n    secret_file: " + canary + "\n",
		"passphrase file":    "profiles:\n  main:\n    passphrase: file:" + canary + "\n",
		"anchor":             "profiles:\n  main:\n    secret: *" + canary + "\n",
		"tag":                "profiles:\n  main:\n    secret: !" + canary + " {a: b\n",
		"duplicate":          "profiles:\n  main:\n    secret: " + canary + "\n    secret: " + canary + "\n",
		"secret and key":     "profiles:\n  main:\n    secret: " + canary + "\n    key_file: /k\n",
		"secret list":        "profiles:\n  main:\n    secret: [" + canary + "]\n",
		"secret map":         "profiles:\n  main:\n    secret: {" + canary + ": 1}\n",
		"unterminated quote": "profiles:\n  main:\n    secret: \"" + canary + "\n",
		"default":            "default: " + canary + "\nprofiles: {}\n",
		"profiles scalar":    "profiles: " + canary + "\n",
		"second document":    "profiles: {}\n---\n" + canary + "\n",
	}
	for label, body := range badFiles {
		_, err := creds.Load(credtest.Write(t, t.TempDir(), "creds.yml", body, 0o600))
		recordErr("load "+label, err)
	}
	if runtime.GOOS != "windows" {
		_, err := creds.Load(credtest.Write(t, t.TempDir(), "creds.yml", "profiles:\n  main:\n    secret: "+canary+"\n", 0o644))
		recordErr("load 0644", err)
	}

	// A good file, printed every way.
	f := loadString(t, t.TempDir(), "default: main\nprofiles:\n  main:\n    api_key: "+docsKey+"\n    secret: "+canary+"\n  ed:\n    key_file: "+k.EncPEM+"\n    passphrase: env:MBX_LEAK_PW\n")
	p, err := f.Profile("")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Secret.Equal(secret.FromString(canary)) {
		t.Fatal("the canary was not loaded as the secret")
	}
	envP, ok, err := creds.FromEnv(env(map[string]string{"MBX_API_KEY": docsKey, "MBX_KEY_FILE": k.EncPEM, "MBX_KEY_PASSPHRASE": canaryPass}))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	envSecret, _, err := creds.FromEnv(env(map[string]string{"MBX_API_SECRET": canary}))
	if err != nil {
		t.Fatal(err)
	}
	for label, v := range map[string]any{"file": f, "*file": *f, "profile": p, "env profile": envP, "env secret": envSecret, "passphrase": envP.Passphrase, "profiles": f.Profiles} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			record(label+" "+verb, fmt.Sprintf(verb, v))
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: json: %v", label, err)
		}
		record(label+" json", string(j))
		for _, h := range []func(*bytes.Buffer) slog.Handler{
			func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var b bytes.Buffer
			slog.New(h(&b)).Info("loaded", "v", v, slog.Any("again", v))
			record(label+" slog", b.String())
		}
	}
	// The printed forms are redacted, not empty: the test must see the
	// profile it claims to have checked.
	if s := fmt.Sprintf("%+v", p); !strings.Contains(s, secret.Redacted) || !strings.Contains(s, "vmPU…Eh8A") {
		t.Errorf("%%+v of the profile = %q; want the redaction and the masked key", s)
	}

	// Signer: good loads (warnings), and each failure.
	t.Setenv("MBX_LEAK_PW", canaryPass)
	for label, prof := range map[string]creds.Profile{
		"newline":        {Name: "n", Secret: secret.FromString(canary + "\n")},
		"inner space":    {Name: "s", Secret: secret.FromString(canary[:20] + " " + canary[20:])},
		"control":        {Name: "c", Secret: secret.FromString(canary[:20] + "\x01" + canary[20:])},
		"wrong pass":     {Name: "w", KeyFile: k.EncPEM, Passphrase: creds.PassphraseSource{Kind: creds.PassphraseValue, Value: secret.FromString(canaryPass)}},
		"wrong pass env": {Name: "e", KeyFile: k.EncPEM, Passphrase: creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: "MBX_LEAK_PW"}},
		"public key":     {Name: "p", KeyFile: k.EdPub},
		"two keys":       {Name: "t", Secret: secret.FromString(canary), KeyFile: k.EdPEM},
		"ed25519":        {Name: "d", KeyFile: k.EdPEM},
	} {
		s, warnings, err := prof.Signer(func() ([]byte, error) { return []byte(canaryPass), nil })
		record("signer "+label, warnings...)
		if err != nil {
			record("signer "+label, err.Error(), fmt.Sprintf("%#v", err))
		} else {
			record("signer "+label, fmt.Sprintf("%v %+v %#v %s", s, s, s, s))
		}
	}

	// FromEnv errors.
	for label, vars := range map[string]map[string]string{
		"env":         {"MBX_ENV": canary},
		"base url":    {"MBX_BASE_URL": "https://x:" + canary + "@h"},
		"recv window": {"MBX_RECV_WINDOW": canary},
		"key file":    {"MBX_KEY_FILE": canary},
		"both":        {"MBX_API_SECRET": canary, "MBX_KEY_FILE": "/k"},
		"pass alone":  {"MBX_KEY_PASSPHRASE": canaryPass},
	} {
		_, _, err := creds.FromEnv(env(vars))
		recordErr("fromenv "+label, err)
	}

	if len(outputs) < 150 {
		t.Fatalf("only %d outputs were collected; the test is not exercising what it claims", len(outputs))
	}
	for _, out := range outputs {
		for name, s := range map[string]string{"secret": canary, "passphrase": canaryPass, "private key": pemBody} {
			if w := leaks(out, s); w != "" {
				t.Errorf("the %s leaks (%q) in:\n%s", name, w, out)
			}
		}
	}
}

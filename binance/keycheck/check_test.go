package keycheck_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/internal/credtest"

	"github.com/mbxkit/mbx/binance/keycheck"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/secret"
)

// want is one expected finding: its level, check, and a piece of its message
// (and of its fix, when given).
type want struct {
	level, check, msg, fix string
}

func TestCheck(t *testing.T) {
	skipOnWindows(t)
	k := credtest.MakeKeys(t)
	openKey := credtest.Write(t, k.Dir, "ed-open.pem", credtest.MustRead(t, k.EdPEM), 0o640)
	shortSecret := credtest.Write(t, k.Dir, "short.txt", docsSecret[:63]+"\n", 0o600)
	t.Setenv("MBX_TEST_PW", "correct horse")
	pwFile := credtest.Write(t, k.Dir, "pw.txt", "correct horse\n", 0o600)
	pwOpen := credtest.Write(t, k.Dir, "my pw.txt", "correct horse\n", 0o604)
	badPEM := credtest.Write(t, k.Dir, "id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", 0o600)
	ok := creds.Profile{Name: "ok", APIKey: docsKey, Secret: secret.FromString(docsSecret), Env: creds.EnvProd, RecvWindow: 5 * time.Second}
	with := func(f func(p *creds.Profile)) creds.Profile {
		p := ok
		f(&p)
		return p
	}
	tests := []struct {
		name string
		p    creds.Profile
		want []want
		// failed is what keycheck.Failed must say.
		failed bool
	}{
		{name: "all good", p: ok, want: []want{
			{"ok", "endpoint", "Binance prod", ""},
			{"ok", "api_key", "64 letters and digits", ""},
			{"ok", "secret", "64 letters and digits", ""},
			{"ok", "recv_window", "5s", ""},
		}},
		{name: "api key trailing newline", p: with(func(p *creds.Profile) { p.APIKey = docsKey + "\n" }), failed: true, want: []want{
			{"fail", "api_key", "1 trailing whitespace/newline byte(s)", "remove the surrounding whitespace/newline"},
		}},
		{name: "api key leading space", p: with(func(p *creds.Profile) { p.APIKey = " " + docsKey }), failed: true, want: []want{
			{"fail", "api_key", "1 leading whitespace byte(s)", ""},
		}},
		{name: "api key inner space", p: with(func(p *creds.Profile) { p.APIKey = docsKey[:30] + " " + docsKey[31:] }), failed: true, want: []want{
			{"fail", "api_key", "byte 30 is whitespace", "in one piece"},
		}},
		{name: "api key short", p: with(func(p *creds.Profile) { p.APIKey = docsKey[:63] }), failed: true, want: []want{
			{"fail", "api_key", "63 characters; Binance API keys are 64", ""},
		}},
		{name: "api key short against local exchange", p: with(func(p *creds.Profile) { p.APIKey = "local"; p.Env = ""; p.BaseURL = "http://127.0.0.1:8765" }), want: []want{
			{"ok", "endpoint", "not a Binance host", ""},
			{"warn", "api_key", "5 characters", ""},
		}},
		{name: "api key smart quote", p: with(func(p *creds.Profile) { p.APIKey = "“" + docsKey[3:] + "”" }), failed: true, want: []want{
			{"fail", "api_key", "byte 0 is non-ASCII", ""},
		}},
		{name: "api key punctuation", p: with(func(p *creds.Profile) { p.APIKey = docsKey[:10] + "-" + docsKey[11:] }), failed: true, want: []want{
			{"fail", "api_key", "byte 10 is punctuation", ""},
		}},
		{name: "no api key", p: with(func(p *creds.Profile) { p.APIKey = "" }), failed: true, want: []want{
			{"fail", "api_key", "no API key", "MBX_API_KEY"},
		}},
		{name: "secret trailing newline", p: with(func(p *creds.Profile) { p.Secret = secret.FromString(docsSecret + "\r\n") }), want: []want{
			{"warn", "secret", "2 trailing whitespace/newline byte(s)", "printf"},
		}},
		{name: "secret inner tab", p: with(func(p *creds.Profile) { p.Secret = secret.FromString(docsSecret[:5] + "\t" + docsSecret[6:]) }), failed: true, want: []want{
			{"fail", "secret", "byte 5 is whitespace", ""},
		}},
		{name: "secret control byte", p: with(func(p *creds.Profile) { p.Secret = secret.FromString(docsSecret[:5] + "\x00" + docsSecret[6:]) }), failed: true, want: []want{
			{"fail", "secret", "byte 5 is a control character", ""},
		}},
		{name: "secret short", p: with(func(p *creds.Profile) { p.Secret = secret.FromString(docsSecret[1:]) }), failed: true, want: []want{
			{"fail", "secret", "63 characters; Binance HMAC secrets are 64", ""},
		}},
		{name: "secret is api key", p: with(func(p *creds.Profile) { p.Secret = secret.FromString(docsKey) }), failed: true, want: []want{
			{"fail", "secret", "same as the API key", ""},
		}},
		{name: "no key material", p: with(func(p *creds.Profile) { p.Secret = secret.Value{} }), failed: true, want: []want{
			{"fail", "secret", "no secret, secret_file or key_file", ""},
		}},
		{name: "secret_file short with newline", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.SecretFile = shortSecret }), failed: true, want: []want{
			{"ok", "permissions", shortSecret + " has mode 0600", ""},
			{"warn", "secret_file", "1 trailing whitespace/newline", ""},
			{"fail", "secret_file", "63 characters", ""},
		}},
		{name: "secret_file 0644", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.SecretFile = k.SecretOpen }), failed: true, want: []want{
			{"fail", "permissions", "has mode 0644: readable by group and others", "chmod 600 " + k.SecretOpen},
			{"ok", "secret_file", "64 letters and digits", ""},
		}},
		{name: "secret_file missing", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.SecretFile = k.Dir + "/nope" }), failed: true, want: []want{
			{"fail", "secret_file", "does not exist", ""},
		}},
		{name: "key_file public key", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = k.EdPub }), failed: true, want: []want{
			{"fail", "key_file", "holds a public key, not the private key", "register this public key with Binance"},
		}},
		{name: "key_file ed25519", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = k.EdPEM }), want: []want{
			{"ok", "key_file", "Ed25519 private key", ""},
		}},
		{name: "key_file 0640", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = openKey }), failed: true, want: []want{
			{"fail", "permissions", "mode 0640: readable by group", "chmod 600 " + openKey},
		}},
		{name: "key_file HMAC secret", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = k.SecretNL }), want: []want{
			{"warn", "key_file", "1 trailing whitespace/newline", ""},
		}},
		{name: "encrypted env set", p: with(func(p *creds.Profile) {
			p.Secret = secret.Value{}
			p.KeyFile = k.EncPEM
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: "MBX_TEST_PW"}
		}), want: []want{
			{"ok", "key_file", "encrypted private key", ""},
			{"ok", "passphrase", "env:MBX_TEST_PW", ""},
		}},
		{name: "encrypted env unset", p: with(func(p *creds.Profile) {
			p.Secret = secret.Value{}
			p.KeyFile = k.EncPEM
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: "MBX_TEST_NOPE"}
		}), failed: true, want: []want{
			{"fail", "passphrase", "variable is not set", "export MBX_TEST_NOPE"},
		}},
		{name: "encrypted prompt", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = k.EncPEM }), want: []want{
			{"warn", "passphrase", "asked on the terminal", ""},
		}},
		{name: "encrypted none", p: with(func(p *creds.Profile) {
			p.Secret = secret.Value{}
			p.KeyFile = k.EncPEM
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseNone}
		}), failed: true, want: []want{
			{"fail", "passphrase", "passphrase: none", ""},
		}},
		{name: "encrypted passphrase file", p: with(func(p *creds.Profile) {
			p.Secret = secret.Value{}
			p.KeyFile = k.EncPEM
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseFile, Ref: pwFile}
		}), want: []want{
			{"ok", "permissions", pwFile + " has mode 0600", ""},
			{"ok", "passphrase", "passphrase from file:" + pwFile, ""},
		}},
		{name: "encrypted passphrase file 0604", p: with(func(p *creds.Profile) {
			p.Secret = secret.Value{}
			p.KeyFile = k.EncPEM
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseFile, Ref: pwOpen}
		}), failed: true, want: []want{
			{"fail", "permissions", "mode 0604: readable by others", "chmod 600 '" + pwOpen + "'"},
		}},
		{name: "unencrypted key with a passphrase", p: with(func(p *creds.Profile) {
			p.Secret = secret.Value{}
			p.KeyFile = k.EdPEM
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: "MBX_TEST_PW"}
		}), want: []want{
			{"warn", "passphrase", "is not encrypted", "remove passphrase"},
		}},
		{name: "key_file not a key", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = badPEM }), failed: true, want: []want{
			{"fail", "key_file", "OpenSSH key format", "PKCS#8"},
		}},
		{name: "key_file directory", p: with(func(p *creds.Profile) { p.Secret = secret.Value{}; p.KeyFile = k.Dir }), failed: true, want: []want{
			{"fail", "key_file", "not a regular file", ""},
		}},
		{name: "demo host and env", p: with(func(p *creds.Profile) { p.Env = creds.EnvDemo; p.BaseURL = "https://demo-api.binance.com" }), want: []want{
			{"ok", "endpoint", "Binance demo", ""},
		}},
		{name: "futures testnet host", p: with(func(p *creds.Profile) { p.Env = creds.EnvTestnet; p.BaseURL = "https://testnet.binancefuture.com" }), want: []want{
			{"ok", "endpoint", "Binance testnet", ""},
		}},
		{name: "bad env", p: with(func(p *creds.Profile) { p.Env = "live" }), failed: true, want: []want{
			{"fail", "endpoint", `env "live"`, ""},
		}},
		{name: "bad base url", p: with(func(p *creds.Profile) { p.BaseURL = "ftp://x" }), failed: true, want: []want{
			{"fail", "endpoint", "not an http(s) URL", ""},
		}},
		{name: "testnet env with production base url", p: with(func(p *creds.Profile) { p.Env = creds.EnvTestnet; p.BaseURL = "https://api.binance.com" }), failed: true, want: []want{
			{"fail", "endpoint", "env testnet, but base_url https://api.binance.com is a Binance prod host", ""},
		}},
		{name: "testnet host", p: with(func(p *creds.Profile) { p.Env = ""; p.BaseURL = "https://testnet.binance.vision" }), want: []want{
			{"ok", "endpoint", "Binance testnet", ""},
		}},
		{name: "testnet key short", p: with(func(p *creds.Profile) { p.Env = creds.EnvTestnet; p.APIKey = docsKey[:40] }), failed: true, want: []want{
			{"fail", "api_key", "40 characters", ""},
		}},
		{name: "env ignored with local base url", p: with(func(p *creds.Profile) { p.Env = creds.EnvProd; p.BaseURL = "http://localhost:8765" }), want: []want{
			{"warn", "endpoint", "env prod is ignored", ""},
		}},
		{name: "plain http to remote", p: with(func(p *creds.Profile) { p.Env = ""; p.BaseURL = "http://10.1.2.3:8765" }), failed: true, want: []want{
			{"fail", "endpoint", "unencrypted", "https"},
		}},
		{name: "recv window large", p: with(func(p *creds.Profile) { p.RecvWindow = 30 * time.Second }), want: []want{
			{"warn", "recv_window", "does not fix a clock ahead", "sync the clock"},
		}},
		{name: "recv window too large", p: with(func(p *creds.Profile) { p.RecvWindow = 61 * time.Second }), failed: true, want: []want{
			{"fail", "recv_window", "at most 60s", ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keycheck.Check(tt.p)
			for _, w := range tt.want {
				if !hasFinding(got, w) {
					t.Errorf("no finding %+v in\n%s", w, dump(got))
				}
			}
			if keycheck.Failed(got) != tt.failed {
				t.Errorf("Failed = %v, want %v:\n%s", keycheck.Failed(got), tt.failed, dump(got))
			}
			for _, f := range got {
				if f.Level != keycheck.LevelOK && f.Level != keycheck.LevelWarn && f.Level != keycheck.LevelFail {
					t.Errorf("bad level %q", f.Level)
				}
				if f.Level != keycheck.LevelOK && f.Fix == "" {
					t.Errorf("%s finding without a fix: %v", f.Level, f)
				}
			}
		})
	}
}

func hasFinding(fs []keycheck.Finding, w want) bool {
	for _, f := range fs {
		if f.Level == w.level && f.Check == w.check && strings.Contains(f.Message, w.msg) && strings.Contains(f.Fix, w.fix) {
			return true
		}
	}
	return false
}

func dump(fs []keycheck.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintln(&b, "  ", f)
	}
	return b.String()
}

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not describe access on Windows; the check is off there")
	}
}

// The Binance documentation's HMAC example (public).
const docsKey, docsSecret = credtest.DocsKey, credtest.DocsSecret

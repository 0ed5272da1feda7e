package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/internal/vectors"
	"github.com/mbxkit/mbx/sign"
)

// run executes the CLI in-process and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newRootCmd(context.Background(), streams{in: strings.NewReader(""), out: &out, err: &errb})
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

func writeFile(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every published vector reproduces through `mbx sign --json`, and the
// secret never appears in what the command prints.
func TestSignVectorsThroughCLI(t *testing.T) {
	vs, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Run(v.ID, func(t *testing.T) {
			key := writeFile(t, "secret.txt", v.Secret+"\n", 0o600)
			args := []string{"sign", "--json", "--key-file", key}
			switch {
			case v.Kind == "ws-hmac":
				args = append(args, "--ws", "--api-key", v.APIKey)
				for _, p := range v.Params {
					if p[0] != "apiKey" {
						args = append(args, p[0]+"="+p[1])
					}
				}
			case v.Mixed():
				args = append(args, "--method", "POST")
				for _, kv := range strings.Split(v.Query, "&") {
					args = append(args, kv)
				}
				for _, kv := range strings.Split(*v.Body, "&") {
					name, _, _ := strings.Cut(kv, "=")
					args = append(args, kv, "--body", name)
				}
			default:
				for _, p := range v.Params {
					args = append(args, p[0]+"="+p[1])
				}
			}
			stdout, stderr, err := run(t, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var got signOutput
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout)
			}
			if got.Payload != v.Payload || got.Signature != v.Signature {
				t.Fatalf("payload %q sig %s; want %q %s", got.Payload, got.Signature, v.Payload, v.Signature)
			}
			if v.Kind == "rest-hmac" && !v.Mixed() && got.Query != v.Payload+"&signature="+v.Signature {
				t.Fatalf("query = %q", got.Query)
			}
			if v.Mixed() && (got.Query != v.Query || got.Body != *v.Body+"&signature="+v.Signature) {
				t.Fatalf("query %q body %q", got.Query, got.Body)
			}
			if strings.Contains(stdout+stderr, v.Secret) {
				t.Fatal("the secret was printed")
			}
			if !strings.Contains(stderr, "trimmed") {
				t.Fatalf("no warning about the trailing newline: %q", stderr)
			}
		})
	}
}

func TestSignReadableAndCurl(t *testing.T) {
	key := writeFile(t, "secret.txt", "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j", 0o600)
	out, _, err := run(t, "sign", "--key-file", key, "--api-key", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
		"--method", "POST", "symbol=这是测试币456", "side=BUY", "type=MARKET", "quantity=1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"payload", "signature", "query", "symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456&side=BUY", "timestamp=", "curl -H 'X-MBX-APIKEY: vmPUZE6", "-X POST"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j") {
		t.Fatal("secret printed")
	}
}

func TestSignErrors(t *testing.T) {
	key := writeFile(t, "secret.txt", "abc", 0o600)
	pub := writeFile(t, "pub.pem", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAgmDRTtj2FA+wzJUIlAL9ly1eovjLBu7uXUFR+jFULmg=\n-----END PUBLIC KEY-----\n", 0o600)
	tests := []struct {
		args []string
		says string
	}{
		{[]string{"sign", "symbol=X"}, "--key-file is required"},
		{[]string{"sign", "--key-file", key, "symbol"}, "NAME=VALUE"},
		{[]string{"sign", "--key-file", key, "--ws", "symbol=X"}, "--api-key"},
		{[]string{"sign", "--key-file", key, "recvWindow=70000"}, "60000"},
		{[]string{"sign", "--key-file", key, "timestamp=1499827319"}, "seconds"},
		{[]string{"sign", "--key-file", key, "quantity=1e-05"}, "exponent"},
		{[]string{"sign", "--key-file", key, "a=1", "a=2"}, "duplicate"},
		{[]string{"sign", "--key-file", key, "orderId="}, "empty"},
		{[]string{"sign", "--key-file", pub, "a=1"}, "register it with the exchange"},
		{[]string{"sign", "--key-file", key, "--method", "GET", "--body", "a", "a=1"}, "query"},
	}
	for _, tc := range tests {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: err = %v, want it to say %q", tc.args, err, tc.says)
		}
	}
}

func TestKeysGen(t *testing.T) {
	for _, tc := range []struct {
		typ, bits string
		alg       sign.Algorithm
	}{{"ed25519", "2048", sign.Ed25519}, {"rsa", "2048", sign.RSASHA256}} {
		dir := filepath.Join(t.TempDir(), "keys")
		out, _, err := run(t, "keys", "gen", "--type", tc.typ, "--bits", tc.bits, "--out", dir)
		if err != nil {
			t.Fatal(err)
		}
		priv := filepath.Join(dir, tc.typ+".pem")
		st, err := os.Stat(priv)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("private key mode: %v %v", st.Mode(), err)
		}
		pubPEM, _ := os.ReadFile(filepath.Join(dir, tc.typ+".pub.pem"))
		if !strings.Contains(out, string(pubPEM)) || !strings.Contains(out, "Self-generated") {
			t.Fatalf("output lacks the public key or how to register it:\n%s", out)
		}
		privPEM, _ := os.ReadFile(priv)
		body := strings.Split(string(privPEM), "\n")[1]
		if strings.Contains(out, body) {
			t.Fatal("private key printed")
		}
		l, err := sign.LoadKeyFile(priv, sign.LoadOptions{})
		if err != nil || l.Signer.Algorithm() != tc.alg {
			t.Fatalf("generated key does not load: %v", err)
		}
		v, err := sign.ParsePublicKeyPEM(pubPEM)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := l.Signer.AppendSign(nil, []byte("m"))
		if v.Verify([]byte("m"), sig) != nil {
			t.Fatal("public key does not match private key")
		}
		// Never overwrite.
		if _, _, err := run(t, "keys", "gen", "--type", tc.typ, "--out", dir); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("overwrote an existing key: %v", err)
		}
		after, _ := os.ReadFile(priv)
		if !bytes.Equal(after, privPEM) {
			t.Fatal("private key changed")
		}
	}
	if _, _, err := run(t, "keys", "gen", "--type", "rsa", "--bits", "1024", "--out", t.TempDir()); err == nil || !strings.Contains(err.Error(), "2048 or 4096") {
		t.Fatalf("1024 bits: %v", err)
	}
	if _, _, err := run(t, "keys", "gen", "--type", "dsa", "--out", t.TempDir()); err == nil {
		t.Fatal("dsa accepted")
	}
}

func TestSignWithGeneratedKeyAndEncryptedKey(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := run(t, "keys", "gen", "--type", "ed25519", "--out", dir); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "sign", "--json", "--key-file", filepath.Join(dir, "ed25519.pem"), "--ws", "--api-key", "K", "symbol=１２３４５６")
	if err != nil {
		t.Fatal(err)
	}
	var got signOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Payload, "apiKey=K&symbol=１２３４５６&timestamp=") || got.KeyType != "Ed25519" || len(got.Request) == 0 {
		t.Fatalf("ws output: %+v", got)
	}

	// An encrypted PKCS#8 key made by openssl, unlocked from an environment variable.
	openssl := testenv.LookPath(t, "openssl", "apt-get install -y openssl")
	enc := filepath.Join(dir, "enc.pem")
	cmd := exec.Command(openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", filepath.Join(dir, "ed25519.pem"), "-out", enc, "-passout", "pass:s3cret-pass")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v %s", err, b)
	}
	t.Setenv("MBX_TEST_PASS", "s3cret-pass")
	out, _, err = run(t, "sign", "--json", "--key-file", enc, "--passphrase-env", "MBX_TEST_PASS", "symbol=BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	var encOut signOutput
	if err := json.Unmarshal([]byte(out), &encOut); err != nil || encOut.KeyType != "Ed25519" {
		t.Fatalf("encrypted key: %v %s", err, out)
	}
	if strings.Contains(out, "s3cret-pass") {
		t.Fatal("passphrase printed")
	}
	if _, _, err := run(t, "sign", "--key-file", enc, "symbol=BTCUSDT"); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("no passphrase: %v", err)
	}
	t.Setenv("MBX_TEST_PASS", "wrong")
	if _, _, err := run(t, "sign", "--key-file", enc, "--passphrase-env", "MBX_TEST_PASS", "symbol=BTCUSDT"); err == nil || !strings.Contains(err.Error(), "passphrase does not decrypt") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "mbx ") {
		t.Fatalf("%q %v", out, err)
	}
}

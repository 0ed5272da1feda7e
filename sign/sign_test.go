package sign_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/internal/vectors"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/youmark/pkcs8"
)

func TestHMACVectors(t *testing.T) {
	vs, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		h, err := sign.NewHMAC(secret.FromString(v.Secret))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := h.AppendSign(nil, []byte(v.Payload))
		if got := hex.EncodeToString(raw); got != v.Signature {
			t.Errorf("%s: %s, want %s", v.ID, got, v.Signature)
		}
		if err := h.Verify([]byte(v.Payload), raw); err != nil {
			t.Errorf("%s: Verify: %v", v.ID, err)
		}
		raw[0] ^= 1
		if err := h.Verify([]byte(v.Payload), raw); !errors.Is(err, sign.ErrMismatch) {
			t.Errorf("%s: tampered signature verified: %v", v.ID, err)
		}
	}
}

func genKeys(t *testing.T) map[string]sign.Signer {
	t.Helper()
	ed, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := sign.GenerateRSA(2048)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	return map[string]sign.Signer{"ed25519": ed, "rsa2048": r2, "hmac": h}
}

// Signatures verify with the standard library's own verifiers, not only
// with ours, and every signer is safe for concurrent use.
func TestSignersVerifyWithStdlib(t *testing.T) {
	keys := genKeys(t)
	r4, err := sign.GenerateRSA(4096)
	if err != nil {
		t.Fatal(err)
	}
	keys["rsa4096"] = r4
	msg := []byte("symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456&side=BUY&timestamp=1499827319559")
	for name, s := range keys {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			sigs := make([][]byte, 16)
			for i := range sigs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sigs[i], _ = s.AppendSign(nil, msg)
				}()
			}
			wg.Wait()
			for i, sig := range sigs {
				switch k := s.(type) {
				case *sign.RSA:
					pub := k.PrivateKey().Public().(*rsa.PublicKey)
					d := sha256.Sum256(msg)
					if err := rsa.VerifyPKCS1v15(pub, 5 /* crypto.SHA256 */, d[:], sig); err != nil {
						t.Fatalf("sig %d: crypto/rsa: %v", i, err)
					}
				case *sign.Ed25519Signer:
					pub := k.PrivateKey().Public().(ed25519.PublicKey)
					if !ed25519.Verify(pub, msg, sig) {
						t.Fatalf("sig %d: crypto/ed25519 rejects it", i)
					}
				case *sign.HMAC:
					if !strings.EqualFold(hex.EncodeToString(sig), hex.EncodeToString(sigs[0])) {
						t.Fatalf("HMAC not deterministic under concurrency")
					}
				}
				v, err := sign.Public(s)
				if err != nil {
					t.Fatal(err)
				}
				if err := v.Verify(msg, sig); err != nil {
					t.Fatalf("own verifier: %v", err)
				}
				if err := v.Verify(append(msg, 'x'), sig); !errors.Is(err, sign.ErrMismatch) {
					t.Fatalf("verifier accepted a different message: %v", err)
				}
			}
		})
	}
}

// One test checks signatures with the openssl command line, an
// implementation that shares no code with Go's.
func TestSignaturesVerifyWithOpenSSL(t *testing.T) {
	openssl := testenv.LookPath(t, "openssl", "apt-get install -y openssl")
	dir := t.TempDir()
	msg := []byte("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000")
	msgPath := filepath.Join(dir, "payload")
	must(t, os.WriteFile(msgPath, msg, 0o600))
	for name, s := range genKeys(t) {
		if name == "hmac" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			pub, err := sign.MarshalPublicKeyPEM(s)
			must(t, err)
			pubPath := filepath.Join(dir, name+".pub.pem")
			must(t, os.WriteFile(pubPath, pub, 0o600))
			sig, err := s.AppendSign(nil, msg)
			must(t, err)
			// Round-trip through base64 as Binance carries it.
			raw, err := base64.StdEncoding.DecodeString(base64.StdEncoding.EncodeToString(sig))
			must(t, err)
			sigPath := filepath.Join(dir, name+".sig")
			must(t, os.WriteFile(sigPath, raw, 0o600))
			var cmd *exec.Cmd
			if name == "ed25519" {
				cmd = exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-in", msgPath, "-sigfile", sigPath)
			} else {
				cmd = exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, msgPath)
			}
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verif") {
				t.Fatalf("openssl rejects the %s signature: %v\n%s", name, err, out)
			}
			// And openssl rejects a tampered one, so the check can fail.
			raw[len(raw)-1] ^= 0x55
			must(t, os.WriteFile(sigPath, raw, 0o600))
			if out, err := exec.Command(cmd.Path, cmd.Args[1:]...).CombinedOutput(); err == nil {
				t.Fatalf("openssl accepted a tampered signature: %s", out)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseKeyFormats(t *testing.T) {
	ed, _ := sign.GenerateEd25519()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	edPEM, _ := sign.MarshalPrivateKeyPEM(ed)
	edPub, _ := sign.MarshalPublicKeyPEM(ed)
	rsaPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})
	der8, _ := x509.MarshalPKCS8PrivateKey(rk)
	rsaPKCS8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der8})
	encDER, err := pkcs8.MarshalPrivateKey(ed.PrivateKey(), []byte("correct horse"), nil)
	must(t, err)
	encPEM := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: encDER})
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})
	seed := ed.PrivateKey().(ed25519.PrivateKey).Seed()
	pubBody := strings.Join(strings.Split(strings.TrimSpace(string(edPub)), "\n")[1:2], "")
	pass := func(p string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(p), nil } }

	tests := []struct {
		name    string
		data    []byte
		opt     sign.LoadOptions
		alg     sign.Algorithm
		err     error
		warn    bool
		errText string
	}{
		{name: "hmac", data: []byte("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"), alg: sign.HMACSHA256},
		{name: "hmac trailing newline", data: []byte("abcDEF123\n"), alg: sign.HMACSHA256, warn: true},
		{name: "hmac crlf and spaces", data: []byte("  abcDEF123\r\n"), alg: sign.HMACSHA256, warn: true},
		{name: "hmac inner space", data: []byte("abc DEF"), err: sign.ErrSecretFormat, errText: "whitespace"},
		{name: "hmac inner newline", data: []byte("abc\nDEF"), err: sign.ErrSecretFormat},
		{name: "hmac smart quote", data: []byte("abc”DEF"), err: sign.ErrSecretFormat, errText: "non-ASCII"},
		{name: "empty", data: []byte("\n"), err: sign.ErrSecretFormat},
		{name: "ed25519 pkcs8", data: edPEM, alg: sign.Ed25519},
		{name: "rsa pkcs1", data: rsaPKCS1, alg: sign.RSASHA256},
		{name: "rsa pkcs8", data: rsaPKCS8, alg: sign.RSASHA256},
		{name: "encrypted pkcs8", data: encPEM, opt: sign.LoadOptions{Passphrase: pass("correct horse")}, alg: sign.Ed25519},
		{name: "encrypted wrong pass", data: encPEM, opt: sign.LoadOptions{Passphrase: pass("wrong")}, err: sign.ErrBadPassphrase},
		{name: "encrypted no pass", data: encPEM, err: sign.ErrNeedPassphrase},
		{name: "raw seed", data: seed, alg: sign.Ed25519},
		{name: "public pem", data: edPub, err: sign.ErrPublicKey, errText: "register it with the exchange"},
		{name: "public base64 body", data: []byte(pubBody), err: sign.ErrPublicKey, errText: "register it with the exchange"},
		{name: "ssh public", data: []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host"), err: sign.ErrPublicKey},
		{name: "rsa 1024", data: smallPEM, errText: "2048"},
		{name: "flattened pem", data: []byte("-----BEGIN PRIVATE KEY----- MC4CAQAwBQYDK2VwBCIEI -----END PRIVATE KEY-----"), err: sign.ErrUnsupportedKey, errText: "newlines"},
		{name: "forced type mismatch", data: edPEM, opt: sign.LoadOptions{Type: "rsa"}, err: sign.ErrUnsupportedKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := sign.ParseKey(tc.data, tc.opt)
			if tc.err != nil || tc.errText != "" {
				if err == nil {
					t.Fatalf("want error, got %s key", l.Signer.Algorithm())
				}
				if tc.err != nil && !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err %q does not say %q", err, tc.errText)
				}
				assertNoKeyMaterial(t, err.Error(), tc.data)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Signer.Algorithm() != tc.alg {
				t.Fatalf("alg = %s, want %s", l.Signer.Algorithm(), tc.alg)
			}
			if tc.warn != (len(l.Warnings) > 0) {
				t.Fatalf("warnings = %q, want warn=%v", l.Warnings, tc.warn)
			}
			for _, w := range l.Warnings {
				assertNoKeyMaterial(t, w, tc.data)
			}
			if s := fmt.Sprintf("%v %+v %#v %s", l.Signer, l.Signer, l.Signer, l.Signer); strings.Contains(s, "abcDEF") || strings.Contains(s, "NhqPtmd") {
				t.Fatalf("signer prints key material: %s", s)
			}
		})
	}
}

// assertNoKeyMaterial checks an error or warning holds no run of 8+ bytes
// of the key it was about.
func assertNoKeyMaterial(t *testing.T, msg string, key []byte) {
	t.Helper()
	k := strings.TrimSpace(string(key))
	for i := 0; i+8 <= len(k); i++ {
		chunk := k[i : i+8]
		if strings.Contains(chunk, "-") || strings.Contains(chunk, " ") || strings.Contains(chunk, "\n") {
			continue
		}
		if strings.Contains(msg, chunk) {
			t.Fatalf("message %q contains key material %q", msg, chunk)
		}
	}
}

func TestLoadKeyFileErrorsNamePath(t *testing.T) {
	_, err := sign.LoadKeyFile(filepath.Join(t.TempDir(), "missing.pem"), sign.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("err = %v", err)
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	keys := genKeys(t)
	for _, name := range []string{"ed25519", "rsa2048"} {
		s := keys[name]
		pub, _ := sign.MarshalPublicKeyPEM(s)
		v, err := sign.ParsePublicKeyPEM(pub)
		must(t, err)
		sig, _ := s.AppendSign(nil, []byte("x"))
		if err := v.Verify([]byte("x"), sig); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	priv, _ := sign.MarshalPrivateKeyPEM(keys["ed25519"])
	if _, err := sign.ParsePublicKeyPEM(priv); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("private key accepted as public: %v", err)
	}
}

func ExampleNewHMAC() {
	h, _ := sign.NewHMAC(secret.FromString("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	sig, _ := h.AppendSign(nil, []byte("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"))
	fmt.Println(hex.EncodeToString(sig))
	fmt.Println(h)
	// Output:
	// c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71
	// HMAC-SHA256 signer
}

// Package credtest builds the key and secret files the credentials tests
// (creds, binance/keycheck) read: one set of fixtures for both.
package credtest

import (
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mbxkit/mbx/sign"
	"github.com/youmark/pkcs8"
)

// The Binance documentation's HMAC example key and secret (public).
const (
	DocsKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	DocsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// Keys are the files MakeKeys writes: an Ed25519 private key, its public
// key, the key encrypted with the passphrase "correct horse", and the
// docs' secret with and without a trailing newline and with mode 0644.
type Keys struct {
	Dir                            string
	EdPEM, EdPub, EncPEM, RSAPEM   string
	Ed                             *sign.Ed25519Signer
	SecretNL, SecretOK, SecretOpen string
}

// MakeKeys writes Keys into a temporary directory of t.
func MakeKeys(t testing.TB) Keys {
	t.Helper()
	dir := t.TempDir()
	ed, err := sign.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := sign.MarshalPrivateKeyPEM(ed)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sign.MarshalPublicKeyPEM(ed)
	if err != nil {
		t.Fatal(err)
	}
	der, err := pkcs8.MarshalPrivateKey(ed.PrivateKey(), []byte("correct horse"), nil)
	if err != nil {
		t.Fatal(err)
	}
	enc := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
	return Keys{
		Dir:        dir,
		Ed:         ed,
		EdPEM:      Write(t, dir, "ed.pem", string(priv), 0o600),
		EdPub:      Write(t, dir, "ed.pub.pem", string(pub), 0o600),
		EncPEM:     Write(t, dir, "enc.pem", string(enc), 0o600),
		SecretNL:   Write(t, dir, "secret-nl.txt", DocsSecret+"\n", 0o600),
		SecretOK:   Write(t, dir, "secret.txt", DocsSecret, 0o600),
		SecretOpen: Write(t, dir, "secret-644.txt", DocsSecret, 0o644),
	}
}

// Write writes content to dir/name with mode (which the umask does not
// narrow) and returns the path.
func Write(t testing.TB, dir, name, content string, mode fs.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// MustRead returns the contents of path.
func MustRead(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

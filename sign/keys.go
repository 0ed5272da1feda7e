package sign

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode"

	"github.com/mbxkit/mbx/secret"
	"github.com/youmark/pkcs8"
)

// Key-loading errors, matched with errors.Is. Messages never contain key material.
var (
	ErrPublicKey       = errors.New("this is a public key, not a private key")
	ErrNeedPassphrase  = errors.New("the private key is encrypted and needs a passphrase")
	ErrBadPassphrase   = errors.New("the passphrase does not decrypt the private key")
	ErrUnsupportedKey  = errors.New("unsupported key format")
	ErrSecretFormat    = errors.New("malformed HMAC secret")
	errPublicKeyFixFmt = "%w: register it with the exchange (its API management page, e.g. Create API → Self-generated) and give mbx the matching private key file (%s)"
)

// LoadOptions tune key loading.
type LoadOptions struct {
	// Passphrase is asked only when the key is encrypted. It may read a
	// terminal, an environment variable or a file; it is never stored.
	Passphrase func() ([]byte, error)
	// Type forces a key type ("hmac", "rsa", "ed25519"); empty detects it.
	Type string
	// CheckFile, when set, checks the opened key file before LoadKeyFile
	// reads it (creds refuses a file group or others may read).
	CheckFile func(fs.FileInfo) error
}

// Loaded is a parsed key with any warnings about how it was written.
type Loaded struct {
	Signer   Signer
	Warnings []string
}

// MaxKeyFileBytes bounds what ReadKeyFile reads: an RSA-4096 PEM is about
// 3.3 KB, an encrypted one a little more; a larger file is not a key.
const MaxKeyFileBytes = 64 << 10

// ErrKeyFileTooLarge: a key or secret file is larger than MaxKeyFileBytes.
var ErrKeyFileTooLarge = errors.New("key file too large")

// ReadKeyFile reads a key or secret file safely: a path that is not a
// regular file (a FIFO, a device such as /dev/zero, a directory) is refused
// before it is opened, the file is opened once, the opened file is checked
// again (fstat: still a regular file, the same file as checked, and check,
// when given, e.g. a mode check, sees exactly what is read) and at most
// MaxKeyFileBytes are read; a larger file is ErrKeyFileTooLarge, naming the
// file and the limit. The path appears in errors; the contents never do.
func ReadKeyFile(path string, check func(fs.FileInfo) error) ([]byte, error) {
	pre, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !pre.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); give the key file itself", path, pre.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !fi.Mode().IsRegular() || !os.SameFile(pre, fi) {
		return nil, fmt.Errorf("%s changed while it was opened; try again", path)
	}
	if check != nil {
		if err := check(fi); err != nil {
			return nil, err
		}
	}
	if fi.Size() > MaxKeyFileBytes {
		return nil, fmt.Errorf("%w: %s has %d bytes, more than the limit of %d (64 KiB): is this the right file?", ErrKeyFileTooLarge, path, fi.Size(), MaxKeyFileBytes)
	}
	// The size can grow after the fstat: the read is bounded all the same.
	data, err := io.ReadAll(io.LimitReader(f, MaxKeyFileBytes+1))
	if err != nil {
		clear(data)
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxKeyFileBytes {
		clear(data)
		return nil, fmt.Errorf("%w: %s is larger than the limit of %d bytes (64 KiB): is this the right file?", ErrKeyFileTooLarge, path, MaxKeyFileBytes)
	}
	return data, nil
}

// LoadKeyFile reads a key file with ReadKeyFile (opt.CheckFile checks the
// opened file) and parses it with ParseKey. The path appears in errors; the
// contents never do.
func LoadKeyFile(path string, opt LoadOptions) (Loaded, error) {
	data, err := ReadKeyFile(path, opt.CheckFile)
	if err != nil {
		return Loaded{}, fmt.Errorf("reading key file: %w", err)
	}
	l, err := ParseKey(data, opt)
	if err != nil {
		return Loaded{}, fmt.Errorf("key file %s: %w", path, err)
	}
	return l, nil
}

// ParseKey detects and parses key material: a PEM private key (PKCS#8,
// encrypted PKCS#8, PKCS#1 RSA), a raw 32-byte Ed25519 seed, or else an
// HMAC secret. A public key (PEM, ssh or bare base64 SPKI as Binance's page
// shows it) is refused with ErrPublicKey and what to do with it.
func ParseKey(data []byte, opt LoadOptions) (Loaded, error) {
	forced := Algorithm(0)
	if opt.Type != "" {
		a, err := ParseKeyType(opt.Type)
		if err != nil {
			return Loaded{}, err
		}
		forced = a
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		if forced == HMACSHA256 {
			return Loaded{}, fmt.Errorf("%w: a PEM key was given where an HMAC secret is needed", ErrUnsupportedKey)
		}
		s, err := ParsePrivateKeyPEM(trimmed, opt.Passphrase)
		if err != nil {
			return Loaded{}, err
		}
		if forced != 0 && s.Algorithm() != forced {
			return Loaded{}, fmt.Errorf("%w: the file holds an %s key, not %s", ErrUnsupportedKey, s.Algorithm(), forced)
		}
		return Loaded{Signer: s}, nil
	}
	if isPublicKeyText(trimmed) {
		return Loaded{}, fmt.Errorf(errPublicKeyFixFmt, ErrPublicKey, "PEM, BEGIN PRIVATE KEY")
	}
	if forced == Ed25519 || (forced == 0 && len(data) == ed25519.SeedSize && !isPrintable(data)) {
		s, err := NewEd25519FromSeed(data)
		if err != nil {
			return Loaded{}, err
		}
		return Loaded{Signer: s}, nil
	}
	if forced == RSASHA256 {
		return Loaded{}, fmt.Errorf("%w: an RSA key must be a PEM file (BEGIN PRIVATE KEY)", ErrUnsupportedKey)
	}
	h, warnings, err := ParseHMACSecret(data)
	if err != nil {
		return Loaded{}, err
	}
	return Loaded{Signer: h, Warnings: warnings}, nil
}

// ParseHMACSecret accepts a secret as pasted: surrounding whitespace and
// newlines are trimmed with a warning (a trailing newline from `echo` is the
// classic cause of -1022); whitespace or control bytes inside are refused.
func ParseHMACSecret(raw []byte) (*HMAC, []string, error) {
	var warnings []string
	s := bytes.TrimFunc(raw, unicode.IsSpace)
	if len(s) != len(raw) {
		warnings = append(warnings, fmt.Sprintf("HMAC secret: trimmed %d surrounding whitespace/newline byte(s); store the secret without them", len(raw)-len(s)))
	}
	if len(s) == 0 {
		return nil, warnings, fmt.Errorf("%w: it is empty; paste the Secret Key shown when the API key was created", ErrSecretFormat)
	}
	for i, r := range string(s) {
		switch {
		case unicode.IsSpace(r):
			return nil, warnings, fmt.Errorf("%w: whitespace at byte %d inside the secret; it was probably pasted in pieces, paste it again in one piece", ErrSecretFormat, i)
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return nil, warnings, fmt.Errorf("%w: control or invalid byte at byte %d; the file is not a plain-text secret", ErrSecretFormat, i)
		case r > unicode.MaxASCII:
			return nil, warnings, fmt.Errorf("%w: non-ASCII character at byte %d; API secrets are ASCII (a smart quote from a document?)", ErrSecretFormat, i)
		}
	}
	h, err := NewHMAC(secret.New(s))
	return h, warnings, err
}

// ParsePrivateKeyPEM parses a PEM private key: PKCS#8 (RSA or Ed25519),
// encrypted PKCS#8 (with a passphrase), or PKCS#1 RSA.
func ParsePrivateKeyPEM(data []byte, passphrase func() ([]byte, error)) (Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found; a PEM key starts with -----BEGIN PRIVATE KEY----- on its own line (a key flattened to one line must get its newlines back)", ErrUnsupportedKey)
	}
	_ = rest
	switch block.Type {
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, fmt.Errorf(errPublicKeyFixFmt, ErrPublicKey, "BEGIN PRIVATE KEY")
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: PKCS#8 private key does not parse: %v", ErrUnsupportedKey, err)
		}
		return signerFor(k)
	case "ENCRYPTED PRIVATE KEY":
		if passphrase == nil {
			return nil, fmt.Errorf("%w: give one (--passphrase-env, --passphrase-file or a terminal prompt)", ErrNeedPassphrase)
		}
		pw, err := passphrase()
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		k, err := pkcs8.ParsePKCS8PrivateKey(block.Bytes, pw)
		clear(pw)
		if err != nil {
			return nil, fmt.Errorf("%w (or the file is damaged)", ErrBadPassphrase)
		}
		return signerFor(k)
	case "RSA PRIVATE KEY":
		if _, encrypted := block.Headers["Proc-Type"]; encrypted {
			return nil, fmt.Errorf("%w: legacy OpenSSL PEM encryption is not supported; convert it with `openssl pkcs8 -topk8 -in OLD.pem -out key.pem` (encrypted PKCS#8)", ErrUnsupportedKey)
		}
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: PKCS#1 RSA private key does not parse: %v", ErrUnsupportedKey, err)
		}
		return NewRSA(k)
	case "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%w: OpenSSH key format; convert it with `ssh-keygen -p -m PKCS8 -f FILE` or generate one with `mbx keys gen`", ErrUnsupportedKey)
	case "EC PRIVATE KEY":
		return nil, fmt.Errorf("%w: ECDSA keys are not supported (exchanges take HMAC, RSA or Ed25519); use Ed25519 (`mbx keys gen --type ed25519`)", ErrUnsupportedKey)
	}
	return nil, fmt.Errorf("%w: PEM block %q; want PRIVATE KEY, ENCRYPTED PRIVATE KEY or RSA PRIVATE KEY", ErrUnsupportedKey, block.Type)
}

func signerFor(k any) (Signer, error) {
	switch key := k.(type) {
	case *rsa.PrivateKey:
		return NewRSA(key)
	case ed25519.PrivateKey:
		return NewEd25519(key)
	case *ed25519.PrivateKey:
		return NewEd25519(*key)
	}
	return nil, fmt.Errorf("%w: %T keys are not supported; use Ed25519 or RSA", ErrUnsupportedKey, k)
}

// ParsePublicKeyPEM parses a PEM SPKI public key (RSA or Ed25519), the form
// Binance's API management page accepts. A bare base64 body is accepted too.
func ParsePublicKeyPEM(data []byte) (Verifier, error) {
	der := data
	if block, _ := pem.Decode(bytes.TrimSpace(data)); block != nil {
		switch block.Type {
		case "PUBLIC KEY":
			der = block.Bytes
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: PKCS#1 RSA public key does not parse: %v", ErrUnsupportedKey, err)
			}
			return &RSAVerifier{Key: k}, nil
		default:
			if strings.Contains(block.Type, "PRIVATE") {
				return nil, fmt.Errorf("%w: a private key was given where a public key is needed; never share it — give the public key (`openssl pkey -in key.pem -pubout`)", ErrUnsupportedKey)
			}
			return nil, fmt.Errorf("%w: PEM block %q; want PUBLIC KEY", ErrUnsupportedKey, block.Type)
		}
	} else {
		b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
		if err != nil {
			return nil, fmt.Errorf("%w: not PEM and not base64", ErrUnsupportedKey)
		}
		der = b
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: SPKI public key does not parse: %v", ErrUnsupportedKey, err)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("%w: RSA public key has %d bits; exchanges take 2048 or 4096", ErrUnsupportedKey, k.N.BitLen())
		}
		return &RSAVerifier{Key: k}, nil
	case ed25519.PublicKey:
		return &Ed25519Verifier{Key: k}, nil
	}
	return nil, fmt.Errorf("%w: %T public keys are not supported; use Ed25519 or RSA", ErrUnsupportedKey, pub)
}

// GenerateEd25519 makes a new Ed25519 key.
func GenerateEd25519() (*Ed25519Signer, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating Ed25519 key: %w", err)
	}
	return &Ed25519Signer{key: k}, nil
}

// GenerateRSA makes a new RSA key of 2048 or 4096 bits.
func GenerateRSA(bits int) (*RSA, error) {
	if bits != 2048 && bits != 4096 {
		return nil, fmt.Errorf("--bits %d: exchanges take RSA keys of 2048 or 4096 bits", bits)
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("generating RSA key: %w", err)
	}
	return NewRSA(k)
}

// MarshalPrivateKeyPEM writes an RSA or Ed25519 signer's key as unencrypted PKCS#8 PEM.
func MarshalPrivateKeyPEM(s Signer) ([]byte, error) {
	k, ok := s.(interface{ PrivateKey() crypto.Signer })
	if !ok {
		return nil, fmt.Errorf("%s keys have no PEM form", s.Algorithm())
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.PrivateKey())
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKeyPEM writes the public half of an RSA or Ed25519 signer as
// SPKI PEM (BEGIN PUBLIC KEY), the form Binance's API management page accepts.
func MarshalPublicKeyPEM(s Signer) ([]byte, error) {
	k, ok := s.(interface{ PrivateKey() crypto.Signer })
	if !ok {
		return nil, fmt.Errorf("%s keys have no public key", s.Algorithm())
	}
	der, err := x509.MarshalPKIXPublicKey(k.PrivateKey().Public())
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

func isPublicKeyText(b []byte) bool {
	s := string(b)
	if strings.HasPrefix(s, "ssh-ed25519 ") || strings.HasPrefix(s, "ssh-rsa ") {
		return true
	}
	// Binance's page shows the SPKI body without PEM armour.
	if len(s) < 40 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	_, err = x509.ParsePKIXPublicKey(der)
	return err == nil
}

func isPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

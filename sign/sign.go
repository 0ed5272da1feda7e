// Package sign holds mbx's generic signers and verifiers: HMAC-SHA256, RSA
// (PKCS#1 v1.5 with SHA-256) and Ed25519, and the loading of their keys.
//
// Nothing here knows an exchange's rules: a Signer turns exact bytes into raw
// signature bytes. How the bytes are assembled and how the signature is
// written down (hex, base64, percent-encoded) belongs to the exchange's
// payload package (for Binance, binance/payload). Each key is parsed once, at
// construction, and every Signer is safe for concurrent use.
package sign

import (
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/mbxkit/mbx/secret"
)

// Algorithm names a signature algorithm.
type Algorithm uint8

// The algorithms Binance accepts.
const (
	HMACSHA256 Algorithm = iota + 1
	RSASHA256            // RSASSA-PKCS1-v1_5 with SHA-256
	Ed25519
)

func (a Algorithm) String() string {
	switch a {
	case HMACSHA256:
		return "HMAC-SHA256"
	case RSASHA256:
		return "RSA"
	case Ed25519:
		return "Ed25519"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// KeyType is the lower-case name used in config files: hmac, rsa or ed25519.
func (a Algorithm) KeyType() string {
	switch a {
	case HMACSHA256:
		return "hmac"
	case RSASHA256:
		return "rsa"
	case Ed25519:
		return "ed25519"
	}
	return ""
}

// ParseKeyType is the inverse of KeyType.
func ParseKeyType(s string) (Algorithm, error) {
	switch s {
	case "hmac", "HMAC":
		return HMACSHA256, nil
	case "rsa", "RSA":
		return RSASHA256, nil
	case "ed25519", "Ed25519", "ED25519":
		return Ed25519, nil
	}
	return 0, fmt.Errorf("key type %q: want hmac, rsa or ed25519", s)
}

// Signer signs exact bytes.
type Signer interface {
	Algorithm() Algorithm
	// AppendSign appends the raw signature of msg to dst.
	AppendSign(dst, msg []byte) ([]byte, error)
}

// Verifier checks a raw signature over exact bytes.
type Verifier interface {
	Algorithm() Algorithm
	// Verify returns nil when sig is a valid signature of msg, and an error
	// matching ErrMismatch otherwise.
	Verify(msg, sig []byte) error
}

// ErrMismatch means a signature does not verify.
var ErrMismatch = errors.New("signature does not match")

// HMAC signs with HMAC-SHA256. Its keyed state is computed once and reused
// through a pool, so signing does not re-derive the inner and outer pads.
type HMAC struct {
	key  secret.Value
	pool sync.Pool
}

// NewHMAC returns an HMAC-SHA256 signer and verifier for key.
func NewHMAC(key secret.Value) (*HMAC, error) {
	if key.IsZero() {
		return nil, errors.New("HMAC secret is empty: paste the Secret Key shown once when the API key was created")
	}
	h := &HMAC{key: key}
	raw := key.Expose()
	h.pool.New = func() any { return hmac.New(sha256.New, raw) }
	return h, nil
}

// Algorithm is HMACSHA256.
func (h *HMAC) Algorithm() Algorithm { return HMACSHA256 }

// AppendSign appends the 32-byte MAC of msg.
func (h *HMAC) AppendSign(dst, msg []byte) ([]byte, error) {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	dst = m.Sum(dst)
	h.pool.Put(m)
	return dst, nil
}

// Verify compares in constant time.
func (h *HMAC) Verify(msg, sig []byte) error {
	var buf [sha256.Size]byte
	want, _ := h.AppendSign(buf[:0], msg)
	if !hmac.Equal(want, sig) {
		return ErrMismatch
	}
	return nil
}

// NewHash returns a fresh keyed HMAC-SHA256 state for one goroutine to
// reuse (Reset, Write, Sum). Builders that sign many payloads in a row hold
// one and skip the pool that makes AppendSign safe for concurrent use.
func (h *HMAC) NewHash() hash.Hash { return hmac.New(sha256.New, h.key.Expose()) }

// Secret returns the key, still redacted when printed.
func (h *HMAC) Secret() secret.Value { return h.key }

// String never shows the key.
func (h *HMAC) String() string { return "HMAC-SHA256 signer" }

// RSA signs with RSASSA-PKCS1-v1_5 over SHA-256.
type RSA struct {
	key *rsa.PrivateKey
}

// MinRSABits is the smallest key Binance accepts (2048 and 4096 are documented).
const MinRSABits = 2048

// NewRSA returns an RSA signer for key.
func NewRSA(key *rsa.PrivateKey) (*RSA, error) {
	if key == nil {
		return nil, errors.New("RSA private key is nil")
	}
	if bits := key.N.BitLen(); bits < MinRSABits {
		return nil, fmt.Errorf("RSA key has %d bits: exchanges take 2048- and 4096-bit keys; generate one with `mbx keys gen --type rsa --bits 2048`", bits)
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("RSA private key is inconsistent: %w", err)
	}
	key.Precompute()
	return &RSA{key: key}, nil
}

// Algorithm is RSASHA256.
func (r *RSA) Algorithm() Algorithm { return RSASHA256 }

// AppendSign appends the PKCS#1 v1.5 signature of SHA-256(msg).
func (r *RSA) AppendSign(dst, msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, r.key, crypto.SHA256, d[:])
	if err != nil {
		return dst, fmt.Errorf("RSA signing failed: %w", err)
	}
	return append(dst, sig...), nil
}

// Public is the matching verifier.
func (r *RSA) Public() Verifier { return &RSAVerifier{Key: &r.key.PublicKey} }

// PrivateKey gives the key to code that must serialise it (mbx keys gen).
func (r *RSA) PrivateKey() crypto.Signer { return r.key }

// String never shows the key.
func (r *RSA) String() string { return fmt.Sprintf("RSA-%d signer", r.key.N.BitLen()) }

// Ed25519Signer signs with Ed25519.
type Ed25519Signer struct {
	key ed25519.PrivateKey
}

// NewEd25519 returns an Ed25519 signer for key.
func NewEd25519(key ed25519.PrivateKey) (*Ed25519Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("Ed25519 private key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	return &Ed25519Signer{key: append(ed25519.PrivateKey(nil), key...)}, nil
}

// NewEd25519FromSeed returns an Ed25519 signer from a raw 32-byte seed.
func NewEd25519FromSeed(seed []byte) (*Ed25519Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("Ed25519 seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return &Ed25519Signer{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Algorithm is Ed25519.
func (e *Ed25519Signer) Algorithm() Algorithm { return Ed25519 }

// AppendSign appends the 64-byte signature of msg.
func (e *Ed25519Signer) AppendSign(dst, msg []byte) ([]byte, error) {
	return append(dst, ed25519.Sign(e.key, msg)...), nil
}

// Public is the matching verifier.
func (e *Ed25519Signer) Public() Verifier {
	return &Ed25519Verifier{Key: e.key.Public().(ed25519.PublicKey)}
}

// PrivateKey gives the key to code that must serialise it (mbx keys gen).
func (e *Ed25519Signer) PrivateKey() crypto.Signer { return e.key }

// String never shows the key.
func (e *Ed25519Signer) String() string { return "Ed25519 signer" }

// RSAVerifier verifies RSA PKCS#1 v1.5 SHA-256 signatures.
type RSAVerifier struct{ Key *rsa.PublicKey }

// Algorithm is RSASHA256.
func (v *RSAVerifier) Algorithm() Algorithm { return RSASHA256 }

// Verify checks sig over msg.
func (v *RSAVerifier) Verify(msg, sig []byte) error {
	d := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(v.Key, crypto.SHA256, d[:], sig); err != nil {
		return fmt.Errorf("%w (RSA)", ErrMismatch)
	}
	return nil
}

// Ed25519Verifier verifies Ed25519 signatures.
type Ed25519Verifier struct{ Key ed25519.PublicKey }

// Algorithm is Ed25519.
func (v *Ed25519Verifier) Algorithm() Algorithm { return Ed25519 }

// Verify checks sig over msg.
func (v *Ed25519Verifier) Verify(msg, sig []byte) error {
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(v.Key, msg, sig) {
		return fmt.Errorf("%w (Ed25519)", ErrMismatch)
	}
	return nil
}

// Public returns the verifier matching a signer. HMAC verifies with its own secret.
func Public(s Signer) (Verifier, error) {
	switch k := s.(type) {
	case *HMAC:
		return k, nil
	case *RSA:
		return k.Public(), nil
	case *Ed25519Signer:
		return k.Public(), nil
	}
	if p, ok := s.(interface{ Public() Verifier }); ok {
		return p.Public(), nil
	}
	return nil, fmt.Errorf("no verifier for %T", s)
}

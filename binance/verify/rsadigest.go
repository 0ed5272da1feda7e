package verify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"math/big"

	"github.com/mbxkit/mbx/sign"
)

// sha256DigestInfo is the DER prefix PKCS#1 v1.5 puts before a SHA-256
// digest (RFC 8017, section 9.2, note 1).
var sha256DigestInfo = [...]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// rsaSignedDigest recovers the SHA-256 digest an RSA PKCS#1 v1.5
// signature carries (sig^e mod n, its padding and DigestInfo checked), or
// nil. The search then pays one SHA-256 per candidate payload instead of
// one modular exponentiation; a candidate whose digest matches is still
// confirmed with the key's own verifier before it is reported.
func rsaSignedDigest(v sign.Verifier, sig []byte) []byte {
	rv, ok := v.(*sign.RSAVerifier)
	if !ok || rv.Key == nil || len(sig) == 0 {
		return nil
	}
	pub := rv.Key
	k := pub.Size()
	if len(sig) != k {
		return nil
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return nil
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	tail := len(sha256DigestInfo) + sha256.Size
	if k < tail+11 || em[0] != 0 || em[1] != 1 || em[k-tail-1] != 0 {
		return nil
	}
	for _, c := range em[2 : k-tail-1] {
		if c != 0xff {
			return nil
		}
	}
	if !bytes.Equal(em[k-tail:k-sha256.Size], sha256DigestInfo[:]) {
		return nil
	}
	return em[k-sha256.Size:]
}

// digestCheck verifies a search's candidates cheaply: through a
// recovered RSA digest, or with one reused HMAC state per key variant.
type digestCheck struct {
	done   [8]bool
	digest [8][]byte
	macs   [32]hash.Hash
	sum    []byte
}

// verify reports whether sig (the run's signature, numbered sigID) is
// valid over payload for v (the run's key, numbered keyID).
func (d *digestCheck) verify(v sign.Verifier, keyID, sigID byte, sig, payload []byte) bool {
	if h, ok := v.(*sign.HMAC); ok && int(keyID) < len(d.macs) {
		m := d.macs[keyID]
		if m == nil {
			m = h.NewHash()
			d.macs[keyID] = m
		}
		m.Reset()
		m.Write(payload)
		d.sum = m.Sum(d.sum[:0])
		return hmac.Equal(d.sum, sig)
	}
	if _, ok := v.(*sign.RSAVerifier); ok && int(sigID) < len(d.done) {
		if !d.done[sigID] {
			d.done[sigID], d.digest[sigID] = true, rsaSignedDigest(v, sig)
		}
		if dg := d.digest[sigID]; dg != nil {
			h := sha256.Sum256(payload)
			if !bytes.Equal(h[:], dg) {
				return false
			}
		}
	}
	return v.Verify(payload, sig) == nil
}

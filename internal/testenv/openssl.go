package testenv

import (
	"bytes"
	"os/exec"
	"testing"
)

// OpenSSLHMAC computes HMAC-<alg>(key, msg) with the openssl program, an
// implementation independent of Go's, for deriving test vectors where an
// exchange's docs publish none; alg is "sha256" or "sha512". An empty key
// computes the plain digest. Without openssl the test skips (developer
// machine) or fails (CI).
func OpenSSLHMAC(t testing.TB, alg, key string, msg []byte) []byte {
	t.Helper()
	bin := LookPath(t, "openssl", "apt-get install -y openssl")
	args := []string{"dgst", "-" + alg, "-binary"}
	if key != "" {
		args = append(args, "-hmac", key)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(msg)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %v: %v: %s", args[:2], err, errOut.Bytes())
	}
	return out.Bytes()
}

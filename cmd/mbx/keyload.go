package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/sign"
	"golang.org/x/term"
)

// keyFlags are the flags every command that loads a private key shares.
type keyFlags struct {
	file           string
	passphraseEnv  string
	passphraseFile string
}

// load parses the key file through the same checks as a creds profile
// (file mode, format); warnings go to stderr, never the key.
func (k keyFlags) load(s streams) (sign.Signer, error) {
	if k.file == "" {
		return nil, fmt.Errorf("--key-file is required: a file holding an HMAC secret or a PEM private key")
	}
	p := creds.Profile{Name: "--key-file", KeyFile: k.file}
	switch {
	case k.passphraseEnv != "":
		p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: k.passphraseEnv}
	case k.passphraseFile != "":
		p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseFile, Ref: k.passphraseFile}
	}
	signer, warnings, err := p.Signer(k.passphrase(s))
	for _, w := range warnings {
		fmt.Fprintln(s.err, "warning:", w)
	}
	return signer, err
}

// passphrase returns a source that reads, in order: the named environment
// variable, the named file, or a terminal prompt.
func (k keyFlags) passphrase(s streams) func() ([]byte, error) {
	return func() ([]byte, error) {
		switch {
		case k.passphraseEnv != "":
			v, ok := os.LookupEnv(k.passphraseEnv)
			if !ok {
				return nil, fmt.Errorf("--passphrase-env %s: the variable is not set", k.passphraseEnv)
			}
			return []byte(v), nil
		case k.passphraseFile != "":
			b, err := os.ReadFile(k.passphraseFile)
			if err != nil {
				return nil, fmt.Errorf("--passphrase-file: %w", err)
			}
			return bytes.TrimRight(b, "\r\n"), nil
		}
		if f, ok := s.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fmt.Fprint(s.err, "Passphrase for the private key: ")
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(s.err)
			return b, err
		}
		return nil, fmt.Errorf("the key is encrypted: give --passphrase-env VAR or --passphrase-file FILE (no terminal to prompt on)")
	}
}

func (k *keyFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&k.file, "key-file", "", "file holding an HMAC secret or a PEM private key (RSA or Ed25519, PKCS#8, PKCS#1 or encrypted PKCS#8)")
	fs.StringVar(&k.passphraseEnv, "passphrase-env", "", "environment variable holding the passphrase of an encrypted key")
	fs.StringVar(&k.passphraseFile, "passphrase-file", "", "file holding the passphrase of an encrypted key")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var _ io.Reader = (*os.File)(nil)

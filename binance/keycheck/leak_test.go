package keycheck_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/keycheck"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/credtest"
	"github.com/mbxkit/mbx/secret"
)

// A known secret: 64 letters and digits, like a Binance secret, with no run
// a path or a number could contain by chance.
const canary = "Lk9QzXvBnRtYwEuIoPaSdFgHjKlZxCvBnMqWeRtYuIoPaSdFgHjKlQwErTyUiOp1"

// Check's findings name positions, lengths and paths, never key material:
// not with the canary broken in each way Check reports, nor any 7-byte
// window of it (yaml-style quoting of a prefix is what a leak looks like).
func TestCheckLeaksNoSecret(t *testing.T) {
	k := credtest.MakeKeys(t)
	pemBody := strings.Join(strings.Split(strings.TrimSpace(credtest.MustRead(t, k.EdPEM)), "\n")[1:2], "")
	var outputs []string
	for label, prof := range map[string]creds.Profile{
		"ok":          {Name: "ok", APIKey: docsKey, Secret: secret.FromString(canary)},
		"newline":     {Name: "n", APIKey: docsKey, Secret: secret.FromString(canary + "\n")},
		"inner":       {Name: "i", APIKey: docsKey, Secret: secret.FromString(canary[:9] + " " + canary[9:])},
		"short":       {Name: "s", APIKey: docsKey, Secret: secret.FromString(canary[:50])},
		"swapped":     {Name: "w", APIKey: canary, Secret: secret.FromString(docsSecret)},
		"same":        {Name: "m", APIKey: canary, Secret: secret.FromString(canary)},
		"key newline": {Name: "k", APIKey: canary + "\n", Secret: secret.FromString(canary)},
		"pem secret":  {Name: "p", APIKey: docsKey, SecretFile: k.EdPEM},
		"public key":  {Name: "u", APIKey: docsKey, KeyFile: k.EdPub},
		"encrypted":   {Name: "e", APIKey: docsKey, KeyFile: k.EncPEM, Passphrase: creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: "MBX_KEY_PASSPHRASE"}},
	} {
		for _, fd := range keycheck.Check(prof) {
			outputs = append(outputs, label+": "+fd.String(), label+": "+fmt.Sprintf("%#v", fd))
		}
	}
	if len(outputs) < 40 {
		t.Fatalf("only %d outputs: the test is not exercising what it claims", len(outputs))
	}
	for _, out := range outputs {
		for name, s := range map[string]string{"secret": canary, "private key": pemBody} {
			for i := 0; i+7 <= len(s); i++ {
				if strings.Contains(out, s[i:i+7]) {
					t.Errorf("the %s leaks (%q) in:\n%s", name, s[i:i+7], out)
					break
				}
			}
		}
	}
}

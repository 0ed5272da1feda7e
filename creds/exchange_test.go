package creds_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/internal/credtest"
	"github.com/mbxkit/mbx/secret"

	"github.com/mbxkit/mbx/creds"
)

// The names are the test's own: creds knows no exchange.
func knownExchanges() creds.LoadOptions {
	return creds.LoadOptions{Exchanges: []string{"alpha", "beta", "gamma-x"}, DefaultExchange: "alpha"}
}

func TestProfileExchange(t *testing.T) {
	tests := []struct {
		name    string
		field   string // the exchange: line, "" for none
		opt     creds.LoadOptions
		want    string
		wantErr []string
	}{
		{"default when unset", "", knownExchanges(), "alpha", nil},
		{"named", "exchange: beta", knownExchanges(), "beta", nil},
		{"case-insensitive", "exchange: Gamma-X", knownExchanges(), "gamma-x", nil},
		{"unknown, with a suggestion", "exchange: betta", knownExchanges(), "", []string{"profiles.main.exchange", "line 4", `"betta" is not a known exchange`, "did you mean beta?", "known: alpha, beta, gamma-x"}},
		{"unknown, far from every name", "exchange: zzzzzzzz", knownExchanges(), "", []string{`"zzzzzzzz" is not a known exchange`, "known: alpha"}},
		{"not a name", "exchange: 'a b'", knownExchanges(), "", []string{"profiles.main.exchange", "letters, digits"}},
		{"any name without a list (Load)", "exchange: delta", creds.LoadOptions{}, "delta", nil},
		{"unset without a default", "", creds.LoadOptions{}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "default: main\nprofiles:\n  main:\n"
			if tt.field != "" {
				body += "    " + tt.field + "\n"
			}
			body += "    api_key: " + docsKey + "\n    secret_file: ./s.txt\n"
			path := credtest.Write(t, t.TempDir(), "creds.yml", body, 0o600)
			f, err := creds.LoadWith(path, tt.opt)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; profile %+v", f.Profiles["main"])
				}
				if !errors.Is(err, creds.ErrConfig) {
					t.Errorf("error %v is not ErrConfig", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.Profile("")
			if err != nil {
				t.Fatal(err)
			}
			if p.Exchange != tt.want {
				t.Errorf("Exchange %q, want %q", p.Exchange, tt.want)
			}
			if tt.want != "" && !strings.Contains(p.String(), "exchange "+tt.want) {
				t.Errorf("String() %q does not name the exchange", p.String())
			}
		})
	}
}

func TestLoadWithRefusesAnInconsistentList(t *testing.T) {
	path := credtest.Write(t, t.TempDir(), "creds.yml", "profiles:\n  default:\n    api_key: "+docsKey+"\n", 0o600)
	_, err := creds.LoadWith(path, creds.LoadOptions{Exchanges: []string{"alpha"}, DefaultExchange: "omega"})
	if err == nil || !strings.Contains(err.Error(), "DefaultExchange") {
		t.Fatalf("error %v", err)
	}
}

func ExampleLoadWith() {
	dir, err := os.MkdirTemp("", "creds")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "creds.yml")
	// Owner-only, as Load requires.
	if err := os.WriteFile(path, []byte("profiles:\n  default:\n    exchange: beta\n    api_key: "+docsKey+"\n"), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	f, err := creds.LoadWith(path, creds.LoadOptions{Exchanges: []string{"alpha", "beta"}, DefaultExchange: "alpha"})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := f.Profile("")
	fmt.Println(p.Exchange)
	// Output: beta
}

// api_passphrase names where an exchange's API passphrase is (OKX, KuCoin),
// never the passphrase itself; ReadAPIPassphrase reads it with the file
// checks a secret file gets.
func TestAPIPassphrase(t *testing.T) {
	dir := t.TempDir()
	pass := credtest.Write(t, dir, "pass.txt", "Passphrase-1\n", 0o600)
	open := credtest.Write(t, dir, "open.txt", "Passphrase-1\n", 0o644)
	for _, tt := range []struct {
		name, field, want, errHas string
	}{
		{"file", "file:" + pass, "Passphrase-1", ""},
		{"env", "env:MBX_TEST_API_PASSPHRASE", "from-env", ""},
		{"inline value refused", "Passphrase-1", "", "want env:NAME"},
		{"prompt refused", "prompt", "", "api_passphrase wants env:NAME or file:PATH"},
		{"open file refused on read", "file:" + open, "", "chmod 600"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MBX_TEST_API_PASSPHRASE", "from-env")
			path := credtest.Write(t, t.TempDir(), "creds.yml", "profiles:\n  x:\n    exchange: okx\n    api_key: k\n    api_passphrase: "+tt.field+"\n", 0o600)
			f, err := creds.LoadWith(path, creds.LoadOptions{Exchanges: []string{"okx"}})
			var p creds.Profile
			if err == nil {
				p, err = f.Profile("x")
			}
			var v secret.Value
			if err == nil {
				v, _, err = p.ReadAPIPassphrase()
			}
			switch {
			case tt.errHas != "":
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v; want it to say %q", err, tt.errHas)
				}
				if strings.Contains(err.Error(), "Passphrase-1") {
					t.Errorf("the passphrase appears in the error: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case string(v.Expose()) != tt.want:
				t.Errorf("passphrase %q, want %q", v.Expose(), tt.want)
			}
			if s := fmt.Sprintf("%v %+v %#v", p, p, p); strings.Contains(s, "Passphrase-1") || strings.Contains(s, "from-env") {
				t.Errorf("the profile prints its passphrase: %s", s)
			}
		})
	}
}

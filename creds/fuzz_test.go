package creds_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/creds"
)

// FuzzLoad feeds arbitrary YAML to Load: it must never panic, and a secret it
// loads must never show in the printed, marshalled or checked profile.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("default: main\nprofiles:\n  main:\n    api_key: " + docsKey + "\n    secret: " + docsSecret + "\n    env: prod\n    recv_window: 5s\n"))
	f.Add([]byte("profiles:\n  ed:\n    key_file: ~/k.pem\n    passphrase: env:PW\n    base_url: http://127.0.0.1:8765\n"))
	f.Add([]byte("profiles:\n  a: &x {secret: abc}\n  b: *x\n"))
	f.Add([]byte("profiles:\n  a:\n    secret: *nope\n"))
	f.Add([]byte("---\n...\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "creds.yml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := creds.Load(path)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, name := range file.Names() {
			p, err := file.Profile(name)
			if err != nil || p.Name != name {
				t.Fatalf("Profile(%q) = %q, %v", name, p.Name, err)
			}
			if p.RecvWindow <= 0 || p.RecvWindow > 60e9 {
				t.Fatalf("profile %q: recvWindow %v escaped validation", name, p.RecvWindow)
			}
			j, _ := json.Marshal(p)
			out := fmt.Sprintf("%v %+v %#v %s", p, p, p, j)
			// Short secrets are ordinary words and may appear by chance.
			if s := string(p.Secret.Expose()); len(s) >= 16 && strings.Contains(out, s) {
				t.Fatalf("secret of profile %q printed:\n%s", name, out)
			}
		}
		_, _ = file.Profile("")
	})
}

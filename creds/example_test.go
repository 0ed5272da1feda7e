package creds_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mbxkit/mbx/creds"
)

// A credentials file with two profiles: an HMAC key for production and an
// Ed25519 key for the local exchange. Only the profile in use is turned into
// a signer, so the missing key file of "ed" does not matter here.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "creds-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "creds.yml")
	const file = `default: main
profiles:
  main:
    api_key: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A
    secret: NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j
    env: prod
    recv_window: 5s
  ed:
    api_key: 4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO
    key_file: ~/.mbx/keys/ed25519.pem
    passphrase: env:MBX_PASSPHRASE
    base_url: http://127.0.0.1:8765
`
	// 0600: Load refuses a file that group or others can read.
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	f, err := creds.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := f.Profile("") // the default profile
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p) // the key is masked and the secret redacted
	s, warnings, err := p.Signer(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sig, _ := s.AppendSign(nil, []byte("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"))
	fmt.Println(s.Algorithm(), hex.EncodeToString(sig), len(warnings))
	// Output:
	// profile "main": api key "vmPU…Eh8A", secret [REDACTED], env prod, recvWindow 5s
	// HMAC-SHA256 c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71 0
}

// In a container the credentials come from the environment.
func ExampleFromEnv() {
	vars := map[string]string{
		"MBX_API_KEY":     "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
		"MBX_API_SECRET":  "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
		"MBX_ENV":         "testnet",
		"MBX_RECV_WINDOW": "3000", // milliseconds, or a Go duration such as 3s
	}
	p, ok, err := creds.FromEnv(func(k string) string { return vars[k] }) // os.Getenv in a program
	if err != nil || !ok {
		fmt.Println(ok, err)
		return
	}
	fmt.Printf("%v\n", p)
	// Output:
	// profile "environment": api key "vmPU…Eh8A", secret [REDACTED], env testnet, recvWindow 3s
}

func ExampleMaskKey() {
	fmt.Println(creds.MaskKey("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"))
	// Output: vmPU…Eh8A
}

package keycheck_test

import (
	"fmt"

	"github.com/mbxkit/mbx/binance/keycheck"
	"github.com/mbxkit/mbx/creds"
)

// Check finds the classic causes of -2014 and -1022 before a request is sent.
func ExampleCheck() {
	p := creds.Profile{
		Name:   "pasted",
		APIKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\n", // copied with its newline
		Env:    creds.EnvProd,
	}
	for _, f := range keycheck.Check(p) {
		if f.Level != keycheck.LevelOK {
			fmt.Println(f.Level, f.Check+":", f.Message)
		}
	}
	// Output:
	// fail api_key: API key has 1 trailing whitespace/newline byte(s); sent in the X-MBX-APIKEY header it is refused as an invalid header or gives -2014
	// fail secret: no secret, secret_file or key_file: requests cannot be signed
}

package sign_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mbxkit/mbx/sign"
)

// ReadKeyFile refuses what is not a small regular key file, naming the
// file and the limit, never its contents.
func ExampleReadKeyFile() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	big := filepath.Join(dir, "backup.tar")
	f, _ := os.Create(big)
	_ = f.Truncate(1 << 20)
	f.Close()
	_, err := sign.ReadKeyFile(big, nil)
	fmt.Println(errors.Is(err, sign.ErrKeyFileTooLarge))
	_, err = sign.ReadKeyFile(dir, nil)
	fmt.Println(err != nil)
	// Output:
	// true
	// true
}

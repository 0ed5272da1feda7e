//go:build unix

package sign_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mbxkit/mbx/sign"
)

func TestReadKeyFileIsBounded(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int64, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, mode)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("abcd"); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil { // sparse: no disk, no time
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	ok := write("ok.txt", sign.MaxKeyFileBytes, 0o600)
	huge := write("huge.txt", 3<<30, 0o600)
	open := write("open.txt", 64, 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(ok, link); err != nil {
		t.Fatal(err)
	}
	errMode := errors.New("mode refused")
	refuseOpen := func(fi fs.FileInfo) error {
		if fi.Mode().Perm()&0o077 != 0 {
			return errMode
		}
		return nil
	}
	tests := []struct {
		name    string
		path    string
		wantErr error
		says    string
		n       int
	}{
		{"at the limit", ok, nil, "", sign.MaxKeyFileBytes},
		{"through a symlink", link, nil, "", sign.MaxKeyFileBytes},
		{"sparse 3 GiB", huge, sign.ErrKeyFileTooLarge, fmt.Sprint(sign.MaxKeyFileBytes), 0},
		{"mode checked on the opened file", open, errMode, "", 0},
		{"FIFO refused without blocking", fifo, nil, "not a regular file", 0},
		{"device", "/dev/zero", nil, "not a regular file", 0},
		{"directory", dir, nil, "not a regular file", 0},
		{"missing", filepath.Join(dir, "nope"), fs.ErrNotExist, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := sign.ReadKeyFile(tc.path, refuseOpen)
			switch {
			case tc.wantErr == nil && tc.says == "":
				if err != nil || len(b) != tc.n {
					t.Fatalf("ReadKeyFile = %d bytes, %v; want %d", len(b), err, tc.n)
				}
				return
			case err == nil:
				t.Fatalf("ReadKeyFile read %d bytes, want an error", len(b))
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			case !strings.Contains(err.Error(), tc.says):
				t.Fatalf("err %q does not say %q", err, tc.says)
			}
			if tc.wantErr == sign.ErrKeyFileTooLarge && !strings.Contains(err.Error(), tc.path) {
				t.Errorf("err %q does not name the file", err)
			}
		})
	}
	// LoadKeyFile goes through it.
	if _, err := sign.LoadKeyFile(huge, sign.LoadOptions{}); !errors.Is(err, sign.ErrKeyFileTooLarge) {
		t.Errorf("LoadKeyFile of a huge file: %v", err)
	}
}

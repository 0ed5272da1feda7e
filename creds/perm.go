package creds

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// maxFileSize bounds what is read from a credentials, key or passphrase file:
// they are a few kilobytes, and key_file: /dev/zero must not eat the memory.
const maxFileSize = 1 << 20

// PermissionError is a credentials, key, secret or passphrase file that group
// or others may access. It is refused, as ssh refuses such a private key.
type PermissionError struct {
	Path string
	Mode fs.FileMode
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s has mode %04o: it is %s, and mbx refuses credentials others can access (as ssh does); fix: %s",
		e.Path, uint32(e.Mode.Perm()), AccessDescription(e.Mode), e.Fix())
}

// Fix is the command that repairs the mode.
func (e *PermissionError) Fix() string { return "chmod 600 " + shellQuote(e.Path) }

// AccessDescription says who besides the owner may access a file of mode m
// ("readable by group and others").
func AccessDescription(m fs.FileMode) string {
	who := func(bits fs.FileMode, name string) string {
		var can []string
		if bits&4 != 0 {
			can = append(can, "readable")
		}
		if bits&2 != 0 {
			can = append(can, "writable")
		}
		if bits&1 != 0 {
			can = append(can, "executable")
		}
		if len(can) == 0 {
			return ""
		}
		return strings.Join(can, " and ") + " by " + name
	}
	if g, o := m>>3&7, m&7; g == o {
		return who(g, "group and others")
	}
	var parts []string
	for _, s := range []string{who(m>>3&7, "group"), who(m&7, "others")} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// InsecureMode reports a mode ssh would refuse. Windows modes do not describe
// who may read a file, so nothing is refused there.
func InsecureMode(m fs.FileMode) bool {
	return runtime.GOOS != "windows" && m.Perm()&0o077 != 0
}

// checkFile refuses a file that is not a regular file or that others may
// access.
func checkFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return checkInfo(path, fi)
}

// CheckPrivateFile refuses an opened file (fi from its Stat) that is not a
// regular file, or that group or others may access (*PermissionError, with
// the chmod that fixes it), as ssh refuses such a private key. Servers that
// read secret files (mbx serve's secret_file) use it through
// sign.ReadKeyFile.
func CheckPrivateFile(path string, fi fs.FileInfo) error { return checkInfo(path, fi) }

func checkInfo(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if InsecureMode(fi.Mode()) {
		return &PermissionError{Path: path, Mode: fi.Mode()}
	}
	return nil
}

// ReadLimited reads a regular file of at most maxFileSize bytes.
func ReadLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpen(f, path)
}

func readOpen(f *os.File, path string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(b) > maxFileSize {
		clear(b)
		return nil, fmt.Errorf("%s is larger than %d bytes; a credentials file is a few kilobytes: is this the right file?", path, maxFileSize)
	}
	return b, nil
}

// shellQuote quotes s for a POSIX shell when it needs it, so the fix can be
// pasted as shown.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+,:@%=", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

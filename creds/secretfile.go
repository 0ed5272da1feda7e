package creds

import "os"

// ReadSecretFile reads a small file that holds a secret (an API secret or
// passphrase) with the checks a creds file gets: a regular file, not
// readable by others, bounded in size. The path appears in errors; the
// contents never do.
func ReadSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkInfo(path, fi); err != nil {
		return nil, err
	}
	return readOpen(f, path)
}

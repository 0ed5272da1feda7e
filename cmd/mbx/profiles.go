package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/exchanges"
)

// openCreds loads the credentials file at path (the default path when
// empty). A profile may name any registered exchange; one that names none
// is Binance's.
func openCreds(path string) (*creds.File, string, error) {
	if path == "" {
		var err error
		if path, err = creds.DefaultPath(); err != nil {
			return nil, "", err
		}
	}
	f, err := creds.LoadWith(path, creds.LoadOptions{Exchanges: exchanges.Names(), DefaultExchange: exchanges.Binance})
	return f, path, err
}

// profileSource is where resolveProfile found a profile.
type profileSource struct {
	Where string // for people: `profile "main" from PATH`, `MBX_* environment variables`
	Path  string // the credentials file, when the profile came from one
}

// resolveProfile is the one credential resolution of every command:
// --profile or --creds pick a profile from the credentials file; without
// them the MBX_* variables, and then (when fileDefault) the file's default
// profile if the file exists. ok is false when nothing was found.
func resolveProfile(profile, credsPath string, fileDefault bool) (creds.Profile, profileSource, bool, error) {
	if profile != "" || credsPath != "" {
		file, path, err := openCreds(credsPath)
		if err != nil {
			return creds.Profile{}, profileSource{}, false, err
		}
		p, err := file.Profile(profile)
		if err != nil {
			return p, profileSource{}, false, err
		}
		return p, profileSource{Where: fmt.Sprintf("profile %q from %s", p.Name, path), Path: path}, true, nil
	}
	if p, ok, err := creds.FromEnv(os.Getenv); err != nil {
		return p, profileSource{}, false, fmt.Errorf("MBX_* environment variables: %w", err)
	} else if ok {
		return p, profileSource{Where: "MBX_* environment variables"}, true, nil
	}
	if !fileDefault {
		return creds.Profile{}, profileSource{}, false, nil
	}
	file, path, err := openCreds("")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return creds.Profile{}, profileSource{}, false, nil
	case err != nil:
		return creds.Profile{}, profileSource{}, false, err
	}
	p, err := file.Profile("")
	if err != nil {
		return p, profileSource{}, false, err
	}
	return p, profileSource{Where: fmt.Sprintf("profile %q from %s", p.Name, path), Path: path}, true, nil
}

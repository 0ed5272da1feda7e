package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/exchanges"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/spf13/pflag"
)

// targetFlags are the global flags of every command that talks to an exchange.
type targetFlags struct {
	profile    string
	credsPath  string
	env        string
	baseURL    string
	apiKey     string
	key        keyFlags
	jsonOut    bool
	recvWindow time.Duration
	verbose    bool
}

func (f *targetFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.profile, "profile", "", "credentials profile from the creds file")
	fs.StringVar(&f.credsPath, "creds", "", "credentials file (default $MBX_CREDS or ~/.config/mbx/creds.yml)")
	fs.StringVar(&f.env, "env", "", "environment: prod, testnet or demo")
	fs.StringVar(&f.baseURL, "base-url", "", "base URL for every family, e.g. http://127.0.0.1:8765 (mbx serve)")
	fs.StringVar(&f.apiKey, "api-key", "", "API key (overrides the profile's)")
	f.key.register(fs)
	fs.BoolVar(&f.jsonOut, "json", false, "print JSON")
	fs.DurationVar(&f.recvWindow, "recv-window", 0, "recvWindow for signed requests (default the profile's, else 5s; at most 60s)")
	fs.BoolVar(&f.verbose, "verbose", false, "log each request (secrets and signatures are never logged)")
}

// given reports whether any flag or MBX_* variable names a target.
func (f *targetFlags) given() bool {
	if f.profile != "" || f.credsPath != "" || f.env != "" || f.baseURL != "" || f.apiKey != "" || f.key.file != "" {
		return true
	}
	_, ok, _ := creds.FromEnv(os.Getenv)
	return ok
}

// target is a resolved exchange to talk to.
type target struct {
	Profile   creds.Profile
	Signer    sign.Signer // nil when no key
	Client    *binance.Client
	Where     string // how it was chosen, for people
	CredsPath string // the creds file used, if any
	Warnings  []string
	Embedded  *emulator.Server // the in-process local exchange, when used
	SignerErr error            // why there is no signer, when a key was configured but did not load
}

func (t *target) close() {
	if t.Embedded != nil {
		t.Embedded.Close()
	}
}

// resolve picks the target: flags, then MBX_* environment variables, then
// the creds file's default profile. embedded starts the local exchange
// in-process when nothing names a target (mbx doctor); otherwise that is an
// error with the ways to name one.
func (f *targetFlags) resolve(ctx context.Context, s streams, embedded bool) (*target, error) {
	t := &target{}
	// Without flags, the file's default profile is used unless the embedded
	// exchange is wanted (doctor with nothing given).
	p, src, _, err := resolveProfile(f.profile, f.credsPath, !f.given() && !embedded)
	if err != nil {
		return nil, err
	}
	t.CredsPath, t.Where = src.Path, src.Where
	if p.Exchange != "" && p.Exchange != exchanges.Binance {
		return nil, fmt.Errorf("%s is a %s profile: add --exchange %s", src.Where, p.Exchange, p.Exchange)
	}
	// Flags override the profile.
	if f.env != "" {
		e, err := creds.ParseEnv(f.env)
		if err != nil {
			return nil, fmt.Errorf("--env %q: %w", f.env, err)
		}
		p.Env, p.BaseURL = e, ""
	}
	if f.baseURL != "" {
		p.BaseURL = f.baseURL
	}
	if f.apiKey != "" {
		p.APIKey = f.apiKey
	}
	if f.key.file != "" {
		p.KeyFile, p.Secret, p.SecretFile = f.key.file, secret.Value{}, ""
		switch {
		case f.key.passphraseEnv != "":
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseEnv, Ref: f.key.passphraseEnv}
		case f.key.passphraseFile != "":
			p.Passphrase = creds.PassphraseSource{Kind: creds.PassphraseFile, Ref: f.key.passphraseFile}
		}
	}
	if f.recvWindow != 0 {
		p.RecvWindow = f.recvWindow
	}
	if t.Where == "" && f.given() {
		t.Where = "command-line flags"
	}
	if p.Env == "" && p.BaseURL == "" {
		if !embedded || f.given() {
			if !f.given() && t.Where == "" {
				return nil, fmt.Errorf("no exchange to talk to: give --base-url http://127.0.0.1:8765 (after `mbx serve`), or --env prod|testnet|demo with --api-key and --key-file, or --profile NAME from a creds file (%s)", credsHint())
			}
			p.Env = creds.EnvProd
		} else {
			srv, base, err := startExchange(ctx, emulator.DefaultConfig(), emulator.Options{}, "127.0.0.1:0")
			if err != nil {
				return nil, fmt.Errorf("starting the embedded local exchange: %w", err)
			}
			t.Embedded, p.BaseURL = srv, base
			docs := emulator.DefaultKey()
			p.Name, p.APIKey, p.Secret = "embedded", docs.APIKey, docs.Secret
			t.Where = "the embedded local exchange at " + base + " with the Binance docs' example key (no credentials were given)"
		}
	}
	t.Profile = p
	if p.APIKey != "" || !p.Secret.IsZero() || p.KeyFile != "" || p.SecretFile != "" {
		signer, warnings, err := p.Signer(f.key.passphrase(s))
		t.Warnings = append(t.Warnings, warnings...)
		if err != nil {
			t.SignerErr = err
		} else {
			t.Signer = signer
		}
	}
	logger := slog.New(slog.DiscardHandler)
	if f.verbose {
		logger = slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	opt := binance.Options{Env: binance.Env(p.Env), BaseURL: p.BaseURL, APIKey: p.APIKey, Signer: t.Signer,
		RecvWindow: p.RecvWindow, Logger: logger}
	c, err := binance.New(opt)
	if err != nil {
		t.close()
		return nil, err
	}
	t.Client = c
	return t, nil
}

func credsHint() string {
	p, err := creds.DefaultPath()
	if err != nil {
		return "~/.config/mbx/creds.yml"
	}
	return p
}

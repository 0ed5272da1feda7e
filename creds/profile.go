package creds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Errors matched with errors.Is.
var (
	// ErrConfig marks a malformed credentials file or environment variable.
	ErrConfig = errors.New("invalid credentials configuration")
	// ErrUnknownProfile means the profile asked for does not exist.
	ErrUnknownProfile = errors.New("unknown profile")
	// ErrNoKey means a profile has no secret, secret_file or key_file.
	ErrNoKey = errors.New("no signing key")
)

// DefaultRecvWindow is the recvWindow a profile gets when it sets none
// (Binance's default and recommendation).
const DefaultRecvWindow = 5 * time.Second

// Env is the Binance environment a profile talks to.
type Env string

// The environments. A profile with a base URL may leave Env empty.
const (
	EnvProd    Env = "prod"
	EnvTestnet Env = "testnet"
	EnvDemo    Env = "demo"
)

// ParseEnv accepts prod, testnet or demo.
func ParseEnv(s string) (Env, error) {
	switch e := Env(s); e {
	case EnvProd, EnvTestnet, EnvDemo:
		return e, nil
	}
	return "", fmt.Errorf("want prod, testnet or demo")
}

// Profile is one set of credentials and where to use them.
type Profile struct {
	Name string
	// Exchange names the exchange the key belongs to (exchange: in the
	// file). The names are the caller's (LoadOptions.Exchanges): this
	// package knows none. Unset in the file, it is
	// LoadOptions.DefaultExchange ("" with Load).
	Exchange string
	// APIKey is public but still shown masked (MaskKey) in output.
	APIKey string
	// Secret is an inline HMAC secret.
	Secret secret.Value
	// SecretFile is a file holding the HMAC secret; it is read by Signer.
	SecretFile string
	// KeyFile is a PEM private key (RSA or Ed25519) or a file holding an
	// HMAC secret; it is read by Signer.
	KeyFile string
	// Passphrase says where an encrypted key's passphrase comes from.
	Passphrase PassphraseSource
	// APIPassphrase says where the API passphrase comes from, for the
	// exchanges whose keys have one (OKX, KuCoin): env:NAME or file:PATH.
	APIPassphrase PassphraseSource
	// Env is prod, testnet or demo; empty when BaseURL is set.
	Env Env
	// BaseURL overrides Env (e.g. the local exchange http://127.0.0.1:8765).
	BaseURL string
	// RecvWindow is sent with signed requests; at most 60s, default 5s.
	RecvWindow time.Duration
}

// PassphraseKind is where a passphrase comes from.
type PassphraseKind uint8

// The passphrase sources. The zero value asks on the terminal.
const (
	PassphrasePrompt PassphraseKind = iota // ask through the prompt given to Signer
	PassphraseEnv                          // env:NAME, read when the key is loaded
	PassphraseFile                         // file:PATH, trailing newline removed
	PassphraseNone                         // the key is not encrypted; never ask
	PassphraseValue                        // given directly (MBX_KEY_PASSPHRASE)
)

// PassphraseSource is where an encrypted key's passphrase comes from. In a
// file it is written env:NAME, file:PATH, prompt or none; the passphrase
// itself is never written there.
type PassphraseSource struct {
	Kind PassphraseKind
	// Ref is the variable name (PassphraseEnv), the path (PassphraseFile) or
	// the variable the value came from (PassphraseValue).
	Ref string
	// Value is the passphrase itself (PassphraseValue only).
	Value secret.Value
}

// ParsePassphraseSource parses env:NAME, file:PATH, prompt or none (empty is
// prompt). File paths are returned as written.
func ParsePassphraseSource(s string) (PassphraseSource, error) {
	const want = "want env:NAME, file:PATH, prompt or none (never the passphrase itself)"
	switch {
	case s == "" || s == "prompt":
		return PassphraseSource{Kind: PassphrasePrompt}, nil
	case s == "none":
		return PassphraseSource{Kind: PassphraseNone}, nil
	case strings.HasPrefix(s, "env:"):
		name := s[len("env:"):]
		if !validEnvName(name) {
			return PassphraseSource{}, errors.New("env:NAME needs a variable name of letters, digits and _ (not starting with a digit)")
		}
		return PassphraseSource{Kind: PassphraseEnv, Ref: name}, nil
	case strings.HasPrefix(s, "file:"):
		p := s[len("file:"):]
		if p == "" {
			return PassphraseSource{}, errors.New("file:PATH needs a path")
		}
		return PassphraseSource{Kind: PassphraseFile, Ref: p}, nil
	}
	return PassphraseSource{}, errors.New(want)
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// String is the source as written in a file; a direct value is redacted.
func (s PassphraseSource) String() string {
	switch s.Kind {
	case PassphraseEnv:
		return "env:" + s.Ref
	case PassphraseFile:
		return "file:" + s.Ref
	case PassphraseNone:
		return "none"
	case PassphraseValue:
		if s.Ref != "" {
			return "value of $" + s.Ref
		}
		return "value " + secret.Redacted
	}
	return "prompt"
}

// MaskKey shows an API key masked by the one rule of [secret.MaskKey]:
// first 4 and last 4 characters around "…", only "…" for a key shorter
// than 12 characters.
func MaskKey(k string) string { return secret.MaskKey(k) }

// Signer parses the profile's key once and returns a signer for it, with
// warnings about how the key was stored (e.g. a trailing newline that was
// trimmed). prompt asks for an encrypted key's passphrase when the profile's
// source is prompt; nil means there is no terminal. Key, secret and
// passphrase files that group or others can access are refused.
func (p Profile) Signer(prompt func() ([]byte, error)) (sign.Signer, []string, error) {
	n := 0
	for _, set := range []bool{!p.Secret.IsZero(), p.SecretFile != "", p.KeyFile != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, nil, fmt.Errorf("%w: profile %q has no secret, secret_file or key_file (or set MBX_API_SECRET or MBX_KEY_FILE)", ErrNoKey, p.Name)
	case n > 1:
		return nil, nil, fmt.Errorf("%w: profile %q sets more than one of secret, secret_file and key_file; keep one", ErrConfig, p.Name)
	}
	if !p.Secret.IsZero() {
		h, w, err := sign.ParseHMACSecret(p.Secret.Expose())
		if err != nil {
			return nil, nil, fmt.Errorf("profile %q: secret: %w", p.Name, err)
		}
		return h, w, nil
	}
	path, field, opt := p.KeyFile, "key_file", sign.LoadOptions{Passphrase: p.passphraseFunc(prompt)}
	if p.SecretFile != "" {
		// A secret file is always an HMAC secret: a 32-byte binary file must
		// not turn into an Ed25519 seed, nor a PEM into something else.
		path, field, opt = p.SecretFile, "secret_file", sign.LoadOptions{Type: sign.HMACSHA256.KeyType()}
	}
	// The mode is checked on the opened file, so it is the mode of what is read.
	opt.CheckFile = func(fi fs.FileInfo) error { return checkInfo(path, fi) }
	l, err := sign.LoadKeyFile(path, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("profile %q: %s: %w", p.Name, field, err)
	}
	warnings := make([]string, len(l.Warnings))
	for i, w := range l.Warnings {
		warnings[i] = fmt.Sprintf("%s %s: %s", field, path, w)
	}
	return l.Signer, warnings, nil
}

// passphraseFunc is called by sign only for an encrypted key, so a source
// that cannot answer fails only then. sign wipes what it is given, hence the
// copies.
func (p Profile) passphraseFunc(prompt func() ([]byte, error)) func() ([]byte, error) {
	src := p.Passphrase
	return func() ([]byte, error) {
		switch src.Kind {
		case PassphraseEnv:
			v, ok := os.LookupEnv(src.Ref)
			if !ok {
				return nil, fmt.Errorf("%w: passphrase: env:%s: the variable is not set", sign.ErrNeedPassphrase, src.Ref)
			}
			return []byte(v), nil
		case PassphraseFile:
			if err := checkFile(src.Ref); err != nil {
				return nil, fmt.Errorf("passphrase: %w", err)
			}
			b, err := ReadLimited(src.Ref)
			if err != nil {
				return nil, fmt.Errorf("passphrase: %w", err)
			}
			return TrimNewline(b), nil
		case PassphraseNone:
			return nil, fmt.Errorf("%w: profile %q says passphrase: none, but the key is encrypted; set passphrase: env:NAME, file:PATH or prompt", sign.ErrNeedPassphrase, p.Name)
		case PassphraseValue:
			return append([]byte(nil), src.Value.Expose()...), nil
		}
		if prompt == nil {
			return nil, fmt.Errorf("%w: there is no terminal to ask on; set passphrase: env:NAME or file:PATH in profile %q (or MBX_KEY_PASSPHRASE)", sign.ErrNeedPassphrase, p.Name)
		}
		return prompt()
	}
}

// TrimNewline removes one trailing line ending: a passphrase may end in
// spaces, but not in the newline an editor adds.
func TrimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// WithEnv lays the MBX_* variables that are set over p: MBX_API_KEY,
// MBX_API_SECRET or MBX_KEY_FILE (either replaces the profile's key;
// MBX_KEY_PASSPHRASE goes with MBX_KEY_FILE), MBX_ENV (drops the profile's
// base URL), MBX_BASE_URL and MBX_RECV_WINDOW (milliseconds or a Go
// duration). An empty variable counts as unset.
func (p Profile) WithEnv(getenv func(string) string) (Profile, error) {
	p, _, err := applyEnv(p, getenv)
	return p, err
}

// The environment variables FromEnv and WithEnv read.
const (
	VarAPIKey        = "MBX_API_KEY"
	VarAPISecret     = "MBX_API_SECRET"
	VarKeyFile       = "MBX_KEY_FILE"
	VarKeyPassphrase = "MBX_KEY_PASSPHRASE"
	VarEnv           = "MBX_ENV"
	VarBaseURL       = "MBX_BASE_URL"
	VarRecvWindow    = "MBX_RECV_WINDOW"
	VarCreds         = "MBX_CREDS"
)

// FromEnv builds a profile named "environment" from the MBX_* variables (see
// WithEnv) for containers; ok is false when none of them is set.
func FromEnv(getenv func(string) string) (Profile, bool, error) {
	p, n, err := applyEnv(Profile{Name: "environment", Env: EnvProd, RecvWindow: DefaultRecvWindow}, getenv)
	if err != nil || n == 0 {
		return Profile{}, false, err
	}
	return p, true, nil
}

func applyEnv(p Profile, getenv func(string) string) (Profile, int, error) {
	v := map[string]string{}
	for _, name := range []string{VarAPIKey, VarAPISecret, VarKeyFile, VarKeyPassphrase, VarEnv, VarBaseURL, VarRecvWindow} {
		if s := getenv(name); s != "" {
			v[name] = s
		}
	}
	if len(v) == 0 {
		return p, 0, nil
	}
	envErr := func(name, format string, args ...any) error {
		return newConfigError("", 0, name, format, args...)
	}
	if _, ok := v[VarAPISecret]; ok {
		if _, ok := v[VarKeyFile]; ok {
			return Profile{}, 0, envErr(VarAPISecret, "both %s and %s are set; keep one", VarAPISecret, VarKeyFile)
		}
	}
	if s, ok := v[VarAPIKey]; ok {
		p.APIKey = s
	}
	if s, ok := v[VarAPISecret]; ok {
		p.Secret, p.SecretFile, p.KeyFile, p.Passphrase = secret.FromString(s), "", "", PassphraseSource{}
	}
	if s, ok := v[VarKeyFile]; ok {
		path, err := expandPath(s, "", getenv("HOME"))
		if err != nil {
			return Profile{}, 0, envErr(VarKeyFile, "%v", err)
		}
		p.Secret, p.SecretFile, p.KeyFile, p.Passphrase = secret.Value{}, "", path, PassphraseSource{}
	}
	if s, ok := v[VarKeyPassphrase]; ok {
		if p.KeyFile == "" {
			return Profile{}, 0, envErr(VarKeyPassphrase, "is set but there is no key file (%s or key_file); the passphrase decrypts a key file", VarKeyFile)
		}
		p.Passphrase = PassphraseSource{Kind: PassphraseValue, Ref: VarKeyPassphrase, Value: secret.FromString(s)}
	}
	if s, ok := v[VarEnv]; ok {
		e, err := ParseEnv(s)
		if err != nil {
			return Profile{}, 0, envErr(VarEnv, "%v", err)
		}
		p.Env, p.BaseURL = e, ""
	}
	if s, ok := v[VarBaseURL]; ok {
		u, err := parseBaseURL(s)
		if err != nil {
			return Profile{}, 0, envErr(VarBaseURL, "%v", err)
		}
		p.BaseURL = u
		if _, ok := v[VarEnv]; !ok {
			p.Env = ""
		}
	}
	if s, ok := v[VarRecvWindow]; ok {
		d, err := parseRecvWindow(s)
		if err != nil {
			return Profile{}, 0, envErr(VarRecvWindow, "%w", err)
		}
		p.RecvWindow = d
	}
	return p, len(v), nil
}

// String describes the profile with the key masked and the secret redacted.
func (p Profile) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %q:", p.Name)
	if p.Exchange != "" {
		fmt.Fprintf(&b, " exchange %s,", p.Exchange)
	}
	if p.APIKey != "" {
		fmt.Fprintf(&b, " api key %q,", MaskKey(p.APIKey))
	}
	switch {
	case !p.Secret.IsZero():
		b.WriteString(" secret " + secret.Redacted + ",")
	case p.SecretFile != "":
		fmt.Fprintf(&b, " secret_file %s,", p.SecretFile)
	case p.KeyFile != "":
		fmt.Fprintf(&b, " key_file %s (passphrase %s),", p.KeyFile, p.Passphrase)
	}
	if p.BaseURL != "" {
		fmt.Fprintf(&b, " base URL %s,", p.BaseURL)
	}
	if p.Env != "" {
		fmt.Fprintf(&b, " env %s,", p.Env)
	}
	fmt.Fprintf(&b, " recvWindow %v", p.RecvWindow)
	return b.String()
}

// GoString is %#v: the struct with the key masked and the secret redacted.
func (p Profile) GoString() string {
	return fmt.Sprintf("creds.Profile{Name:%q, APIKey:%q, Secret:%#v, SecretFile:%q, KeyFile:%q, Passphrase:%q, Env:%q, BaseURL:%q, RecvWindow:%q}",
		p.Name, MaskKey(p.APIKey), p.Secret, p.SecretFile, p.KeyFile, p.Passphrase.String(), p.Env, p.BaseURL, p.RecvWindow.String())
}

// Format makes every verb go through String or GoString: fmt would otherwise
// print the API key in full.
func (p Profile) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(p.GoString()))
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(p.String())))
	default:
		_, _ = f.Write([]byte(p.String()))
	}
}

// LogValue is the profile for slog, key masked and secret redacted.
func (p Profile) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("name", p.Name), slog.String("api_key", MaskKey(p.APIKey))}
	if p.Exchange != "" {
		attrs = append(attrs, slog.String("exchange", p.Exchange))
	}
	if !p.Secret.IsZero() {
		attrs = append(attrs, slog.String("secret", secret.Redacted))
	}
	if p.SecretFile != "" {
		attrs = append(attrs, slog.String("secret_file", p.SecretFile))
	}
	if p.KeyFile != "" {
		attrs = append(attrs, slog.String("key_file", p.KeyFile), slog.String("passphrase", p.Passphrase.String()))
	}
	if p.Env != "" {
		attrs = append(attrs, slog.String("env", string(p.Env)))
	}
	if p.BaseURL != "" {
		attrs = append(attrs, slog.String("base_url", p.BaseURL))
	}
	attrs = append(attrs, slog.Duration("recv_window", p.RecvWindow))
	return slog.GroupValue(attrs...)
}

// MarshalJSON writes the profile with the key masked and the secret redacted.
func (p Profile) MarshalJSON() ([]byte, error) {
	type out struct {
		Name       string `json:"name"`
		APIKey     string `json:"api_key,omitempty"`
		Secret     string `json:"secret,omitempty"`
		SecretFile string `json:"secret_file,omitempty"`
		KeyFile    string `json:"key_file,omitempty"`
		Passphrase string `json:"passphrase,omitempty"`
		Env        Env    `json:"env,omitempty"`
		BaseURL    string `json:"base_url,omitempty"`
		RecvWindow string `json:"recv_window"`
	}
	o := out{Name: p.Name, APIKey: MaskKey(p.APIKey), SecretFile: p.SecretFile, KeyFile: p.KeyFile,
		Env: p.Env, BaseURL: p.BaseURL, RecvWindow: p.RecvWindow.String()}
	if !p.Secret.IsZero() {
		o.Secret = secret.Redacted
	}
	if p.KeyFile != "" {
		o.Passphrase = p.Passphrase.String()
	}
	return json.Marshal(o)
}

// ReadAPIPassphrase reads the API passphrase APIPassphrase names: a variable
// or a file (one trailing line ending removed; a file others may read is
// refused). ok is false when the profile names none.
func (p Profile) ReadAPIPassphrase() (v secret.Value, ok bool, err error) {
	switch src := p.APIPassphrase; src.Kind {
	case PassphraseEnv:
		s, set := os.LookupEnv(src.Ref)
		if !set {
			return v, false, fmt.Errorf("profile %q: api_passphrase: env:%s: the variable is not set", p.Name, src.Ref)
		}
		return secret.FromString(s), true, nil
	case PassphraseFile:
		b, err := ReadSecretFile(src.Ref)
		if err != nil {
			return v, false, fmt.Errorf("profile %q: api_passphrase: %w", p.Name, err)
		}
		defer clear(b)
		return secret.New(TrimNewline(b)), true, nil
	case PassphraseValue:
		return src.Value, true, nil
	}
	return v, false, nil
}

package creds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/internal/editdist"
	"github.com/mbxkit/mbx/secret"
	"gopkg.in/yaml.v3"
)

// File is a loaded credentials file.
type File struct {
	Path     string
	Default  string
	Profiles map[string]Profile
}

// String names the file, its default and its profiles; nothing secret.
func (f *File) String() string {
	if f == nil {
		return "<nil>"
	}
	return fmt.Sprintf("creds file %s (default %q, profiles %s)", f.Path, f.Default, strings.Join(f.Names(), ", "))
}

// LogValue is the file for slog, each profile masked and redacted.
func (f *File) LogValue() slog.Value {
	if f == nil {
		return slog.StringValue("<nil>")
	}
	attrs := []slog.Attr{slog.String("path", f.Path), slog.String("default", f.Default)}
	for _, n := range f.Names() {
		attrs = append(attrs, slog.Any(n, f.Profiles[n]))
	}
	return slog.GroupValue(attrs...)
}

// Names are the profile names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Profile returns the named profile; "" means the file's default, else the
// profile named "default". An unknown name is an error listing the names.
func (f *File) Profile(name string) (Profile, error) {
	avail := strings.Join(f.Names(), ", ")
	if avail == "" {
		return Profile{}, fmt.Errorf("%w: %s has no profiles; add one under profiles: (see `go doc github.com/mbxkit/mbx/creds`)", ErrUnknownProfile, f.Path)
	}
	if name == "" {
		name = f.Default
		if name == "" {
			if _, ok := f.Profiles["default"]; !ok {
				return Profile{}, fmt.Errorf("%w: no profile chosen and %s has neither default: nor a profile named \"default\"; pass --profile NAME or set default: NAME (available: %s)", ErrUnknownProfile, f.Path, avail)
			}
			name = "default"
		}
	}
	p, ok := f.Profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("%w: %q is not in %s (available: %s)", ErrUnknownProfile, name, f.Path, avail)
	}
	return p, nil
}

// DefaultPath is $MBX_CREDS, else $XDG_CONFIG_HOME/mbx/creds.yml, else
// ~/.config/mbx/creds.yml.
func DefaultPath() (string, error) {
	home := func() (string, error) {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the credentials file: %w (set %s to its path)", err, VarCreds)
		}
		return h, nil
	}
	if p := os.Getenv(VarCreds); p != "" {
		if p == "~" || strings.HasPrefix(p, "~/") {
			h, err := home()
			if err != nil {
				return "", err
			}
			return expandPath(p, "", h)
		}
		return p, nil
	}
	// The XDG spec says a relative value is invalid and must be ignored.
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "mbx", "creds.yml"), nil
	}
	h, err := home()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, ".config", "mbx", "creds.yml"), nil
}

// LoadOptions say which exchanges a profile may name. The caller (the CLI's
// exchange registry) gives the names, so this package stays free of any
// exchange.
type LoadOptions struct {
	// Exchanges are the known exchange names, lower case. Empty: any name
	// of letters, digits, '-' and '_' is accepted.
	Exchanges []string
	// DefaultExchange is the exchange of a profile without exchange:.
	DefaultExchange string
}

// Load reads a credentials file with LoadOptions{}: a profile's exchange is
// read but not checked against a list. See LoadWith.
func Load(path string) (*File, error) { return LoadWith(path, LoadOptions{}) }

// LoadWith reads a credentials file. It refuses a file that group or others may
// access (with the chmod that fixes it), unknown fields (with their line), and
// malformed values. Key files are not read here: Profile.Signer reads and
// checks them.
func LoadWith(path string, opt LoadOptions) (*File, error) {
	if opt.DefaultExchange != "" && len(opt.Exchanges) > 0 && !slices.Contains(opt.Exchanges, opt.DefaultExchange) {
		return nil, fmt.Errorf("credentials file: LoadOptions.DefaultExchange %q is not among LoadOptions.Exchanges (%s)", opt.DefaultExchange, strings.Join(opt.Exchanges, ", "))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	// The mode is checked on the open file, so it is the mode of what is read.
	if err := checkInfo(path, fi); err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	data, err := readOpen(f, path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	defer clear(data)
	home, _ := os.UserHomeDir()
	return parse(data, path, filepath.Dir(path), home, opt)
}

// configError locates a problem: in a file (path and line) or in an
// environment variable (field only). It never quotes a value.
type configError struct {
	path    string
	line    int
	field   string
	problem string
	err     error
}

func (e *configError) Error() string {
	var b strings.Builder
	if e.path != "" {
		b.WriteString(e.path + ": ")
	}
	if e.line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.line)
	}
	if e.field != "" {
		b.WriteString(e.field + ": ")
	}
	b.WriteString(e.problem)
	return b.String()
}

func (e *configError) Unwrap() []error {
	if e.err != nil {
		return []error{ErrConfig, e.err}
	}
	return []error{ErrConfig}
}

// The known fields, as functions: a package-level slice could be modified.
func profileFields() []string {
	return []string{"exchange", "api_key", "secret", "secret_file", "key_file", "passphrase", "api_passphrase", "env", "base_url", "recv_window"}
}

func topFields() []string { return []string{"default", "profiles"} }

type decoder struct {
	path, dir, home string
	opt             LoadOptions
}

func (d *decoder) errf(n *yaml.Node, field, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return newConfigError(d.path, line, field, format, args...)
}

// newConfigError keeps an error argument reachable by errors.Is (e.g.
// ErrRecvWindow) as well as ErrConfig.
func newConfigError(path string, line int, field, format string, args ...any) error {
	e := &configError{path: path, line: line, field: field, problem: fmt.Errorf(format, args...).Error()}
	for _, a := range args {
		if err, ok := a.(error); ok {
			e.err = err
		}
	}
	return e
}

// parse walks the YAML node tree itself rather than decoding into a struct:
// yaml.v3's type errors quote the start of the offending value, which could be
// a secret pasted in the wrong place, and Node.Decode cannot refuse unknown
// fields.
func parse(data []byte, path, dir, home string, opt LoadOptions) (*File, error) {
	d := &decoder{path: path, dir: dir, home: home, opt: opt}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &configError{path: path, problem: redactYAMLError(err) + " (check the indentation and quoting against `go doc github.com/mbxkit/mbx/creds`)"}
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, &configError{path: path, line: more.Line, problem: "a second YAML document (---); keep one document with default: and profiles:"}
	}
	f := &File{Path: path, Profiles: map[string]Profile{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, d.errf(root, "", "want a mapping with default: and profiles:, found %s", kindName(root))
	}
	var defaultNode *yaml.Node
	err := d.eachField(root, "", topFields(), func(key, val *yaml.Node) error {
		switch key.Value {
		case "default":
			s, null, err := d.scalar(val, "default")
			if err != nil || null {
				return err
			}
			f.Default, defaultNode = s, val
		case "profiles":
			return d.profiles(resolve(val), f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.Default != "" {
		if _, ok := f.Profiles[f.Default]; !ok {
			return nil, d.errf(defaultNode, "default", "there is no profile of that name (profiles: %s)", strings.Join(f.Names(), ", "))
		}
	}
	return f, nil
}

func (d *decoder) profiles(n *yaml.Node, f *File) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "profiles", "want a mapping of profile names to profiles, found %s", kindName(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.errf(k, "profiles", "a profile name must be a plain string")
		}
		name := k.Value
		if !validProfileName(name) {
			return d.errf(k, "profiles", "a profile name is 1 to 64 letters, digits, '-', '_' or '.'")
		}
		if line, dup := seen[name]; dup {
			return d.errf(k, "profiles", "profile %q is defined twice (first at line %d)", name, line)
		}
		seen[name] = k.Line
		p, err := d.profile(name, resolve(v))
		if err != nil {
			return err
		}
		f.Profiles[name] = p
	}
	return nil
}

func validProfileName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (d *decoder) profile(name string, n *yaml.Node) (Profile, error) {
	p := Profile{Name: name}
	field := "profiles." + name
	if n.Kind != yaml.MappingNode {
		return p, d.errf(n, field, "want a mapping of api_key, secret, key_file, env, ... found %s", kindName(n))
	}
	lines := map[string]int{}
	err := d.eachField(n, field, profileFields(), func(key, val *yaml.Node) error {
		fname := field + "." + key.Value
		s, null, err := d.scalar(val, fname)
		if err != nil || null {
			return err
		}
		lines[key.Value] = key.Line
		switch key.Value {
		case "exchange":
			name, err := d.exchange(s)
			if err != nil {
				return d.errf(val, fname, "%v", err)
			}
			p.Exchange = name
		case "api_key":
			p.APIKey = s
		case "secret":
			p.Secret = secret.FromString(s)
		case "secret_file", "key_file":
			path, err := expandPath(s, d.dir, d.home)
			if err != nil {
				return d.errf(val, fname, "%v", err)
			}
			if key.Value == "secret_file" {
				p.SecretFile = path
			} else {
				p.KeyFile = path
			}
		case "passphrase":
			src, err := ParsePassphraseSource(s)
			if err != nil {
				return d.errf(val, fname, "%v", err)
			}
			if src.Kind == PassphraseFile {
				if src.Ref, err = expandPath(src.Ref, d.dir, d.home); err != nil {
					return d.errf(val, fname, "%v", err)
				}
			}
			p.Passphrase = src
		case "api_passphrase":
			src, err := ParsePassphraseSource(s)
			if err == nil && (src.Kind == PassphrasePrompt || src.Kind == PassphraseNone) {
				err = errors.New("api_passphrase wants env:NAME or file:PATH (the API passphrase chosen when the key was created; never the passphrase itself)")
			}
			if err != nil {
				return d.errf(val, fname, "%v", err)
			}
			if src.Kind == PassphraseFile {
				if src.Ref, err = expandPath(src.Ref, d.dir, d.home); err != nil {
					return d.errf(val, fname, "%v", err)
				}
			}
			p.APIPassphrase = src
		case "env":
			e, err := ParseEnv(s)
			if err != nil {
				return d.errf(val, fname, "%v", err)
			}
			p.Env = e
		case "base_url":
			u, err := parseBaseURL(s)
			if err != nil {
				return d.errf(val, fname, "%v", err)
			}
			p.BaseURL = u
		case "recv_window":
			w, err := parseRecvWindow(s)
			if err != nil {
				return d.errf(val, fname, "%w", err)
			}
			p.RecvWindow = w
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	var keys []string
	for _, k := range []string{"secret", "secret_file", "key_file"} {
		if _, ok := lines[k]; ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return lines[a] - lines[b] })
	if len(keys) > 1 {
		return p, d.errf(&yaml.Node{Line: lines[keys[1]]}, field, "%s and %s are both set; a profile has one key: keep one", keys[0], keys[1])
	}
	if p.Exchange == "" {
		p.Exchange = d.opt.DefaultExchange
	}
	if p.Env == "" && p.BaseURL == "" {
		p.Env = EnvProd
	}
	if p.RecvWindow == 0 {
		p.RecvWindow = DefaultRecvWindow
	}
	return p, nil
}

// exchange checks a profile's exchange: name against the caller's list,
// suggesting the closest name for a typo.
func (d *decoder) exchange(s string) (string, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "" || len(name) > 32 || strings.IndexFunc(name, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		return "", fmt.Errorf("want an exchange name of letters, digits, '-' and '_' (e.g. %s)", d.exampleExchange())
	}
	known := d.opt.Exchanges
	if len(known) == 0 || slices.Contains(known, name) {
		return name, nil
	}
	msg := fmt.Sprintf("%q is not a known exchange", name)
	best, bestD := "", 3
	for _, k := range known {
		if dd := editdist.Distance(name, k, bestD); dd < bestD {
			best, bestD = k, dd
		}
	}
	if best != "" {
		msg += fmt.Sprintf("; did you mean %s?", best)
	}
	return "", fmt.Errorf("%s (known: %s)", msg, strings.Join(known, ", "))
}

func (d *decoder) exampleExchange() string {
	if len(d.opt.Exchanges) > 0 {
		return d.opt.Exchanges[0]
	}
	return "the name `mbx --help` lists"
}

// eachField calls fn for each key of mapping n, refusing unknown and
// repeated keys.
func (d *decoder) eachField(n *yaml.Node, field string, known []string, fn func(key, val *yaml.Node) error) error {
	seen := map[string]int{}
	where := field
	if where == "" {
		where = "top level"
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.errf(k, where, "a field name must be a plain string")
		}
		if !slices.Contains(known, k.Value) {
			return d.errf(k, where, "%s", unknownField(k.Value, known))
		}
		if line, dup := seen[k.Value]; dup {
			return d.errf(k, where, "%s is given twice (first at line %d)", k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// unknownField names an unknown field and suggests the closest known one. A
// long name is not echoed: it may be key material that lost its `secret:`.
func unknownField(name string, known []string) string {
	shown := strconv.Quote(name)
	if len(name) > 24 {
		shown = fmt.Sprintf("of %d characters (not shown: it may be key material missing its field name)", len(name))
	}
	msg := "unknown field " + shown
	best, bestD := "", 3
	for _, k := range known {
		if dd := editdist.Distance(strings.ToLower(name), k, bestD); dd < bestD {
			best, bestD = k, dd
		}
	}
	if best != "" {
		msg += fmt.Sprintf("; did you mean %s?", best)
	}
	return msg + " (known: " + strings.Join(known, ", ") + ")"
}

// scalar returns a field's text as written (never the YAML-resolved type: a
// secret of digits must stay its digits). null reports an empty value.
func (d *decoder) scalar(n *yaml.Node, field string) (s string, null bool, err error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return "", false, d.errf(n, field, "want a string, found %s", kindName(n))
	}
	if n.Tag == "!!null" && n.Style == 0 {
		return "", true, nil
	}
	return n.Value, false, nil
}

// resolve follows aliases; yaml.v3 refuses unknown anchors and cycles while
// parsing, and the chain is bounded in case it did not.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < 16 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// redactYAMLError keeps yaml.v3's message and line but drops anything it
// quotes: an anchor or tag name copied from the file could be a secret.
func redactYAMLError(err error) string {
	msg := err.Error()
	var b strings.Builder
	for len(msg) > 0 {
		i := strings.IndexAny(msg, "'`\"")
		if i < 0 {
			b.WriteString(msg)
			break
		}
		q := msg[i]
		j := strings.IndexByte(msg[i+1:], q)
		if j < 0 {
			b.WriteString(msg[:i])
			break
		}
		b.WriteString(msg[:i+1] + "…" + string(q))
		msg = msg[i+1+j+1:]
	}
	return b.String()
}

// expandPath expands ~ and ~/ with home and makes a relative path relative to
// dir (when dir is not empty).
func expandPath(p, dir, home string) (string, error) {
	switch {
	case looksLikeKeyMaterial(p):
		// Not echoed, and not turned into a path that errors would show.
		return "", errors.New("this looks like a key or secret, not a path: put an HMAC secret in secret: (or MBX_API_SECRET) and a file path here")
	case p == "~" || strings.HasPrefix(p, "~/"):
		if home == "" {
			return "", errors.New("cannot expand ~: the home directory is unknown; give an absolute path")
		}
		return filepath.Join(home, p[1:]), nil
	case strings.HasPrefix(p, "~"):
		return "", errors.New("only ~ and ~/ are expanded (not ~user); give an absolute path")
	case dir != "" && !filepath.IsAbs(p):
		return filepath.Join(dir, p), nil
	}
	return p, nil
}

// parseBaseURL accepts an http or https URL with a host and no query,
// fragment or user information. Errors do not quote the URL: a password in
// it must not reach a log.
func parseBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", errors.New("not a URL; want e.g. https://api.binance.com or http://127.0.0.1:8765")
	case u.User != nil:
		return "", errors.New("the URL holds a user name or password; remove them (Binance authenticates with the API key)")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("want an http:// or https:// URL, e.g. https://api.binance.com or http://127.0.0.1:8765")
	case u.Host == "":
		return "", errors.New("the URL has no host; want e.g. https://api.binance.com")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", errors.New("the URL has a query or fragment; give only scheme, host and optional path")
	}
	return strings.TrimRight(s, "/"), nil
}

// ErrRecvWindow marks a recv_window (or MBX_RECV_WINDOW) that no exchange
// would take.
var ErrRecvWindow = errors.New("invalid recvWindow")

// MaxRecvWindow is the largest receive window a profile may set: the most
// any supported exchange accepts.
const MaxRecvWindow = 60 * time.Second

// parseRecvWindow accepts milliseconds (5000, 6000.346: at most three
// decimals, the microseconds some exchanges take) or a Go duration (5s,
// 5500ms), greater than 0 and at most MaxRecvWindow.
func parseRecvWindow(s string) (time.Duration, error) {
	if len(s) > 24 {
		// Not echoed: a value this long is not a recvWindow and may be a
		// secret pasted on the wrong line.
		return 0, fmt.Errorf("%w: a value of %d characters is not a recvWindow; want milliseconds (5000) or a duration (5s)", ErrRecvWindow, len(s))
	}
	var d time.Duration
	if s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.') && strings.Trim(s, "0123456789.") == "" {
		intPart, frac, hasFrac := strings.Cut(s, ".")
		if intPart == "" || strings.Contains(frac, ".") || (hasFrac && frac == "") {
			return 0, fmt.Errorf("%w: %q is not a plain number of milliseconds (e.g. 5000 or 6000.346)", ErrRecvWindow, s)
		}
		if len(frac) > 3 {
			return 0, fmt.Errorf("%w: %q has %d decimals; at most 3 (microseconds)", ErrRecvWindow, s, len(frac))
		}
		ms, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil || ms > int64(MaxRecvWindow/time.Millisecond) {
			return 0, fmt.Errorf("%w: %q must be greater than 0 and at most %d milliseconds (5000 or less is the usual advice; a larger window does not fix a clock that runs ahead)", ErrRecvWindow, s, MaxRecvWindow/time.Millisecond)
		}
		us, _ := strconv.Atoi((frac + "000")[:3])
		d = time.Duration(ms)*time.Millisecond + time.Duration(us)*time.Microsecond
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%w: want milliseconds (5000) or a duration (5s, 5500ms)", ErrRecvWindow)
		}
	}
	switch {
	case d <= 0 || d > MaxRecvWindow:
		return 0, fmt.Errorf("%w: %v must be greater than 0 and at most 60s (60000 milliseconds; 5s is the usual advice)", ErrRecvWindow, d)
	case d%time.Microsecond != 0:
		return 0, fmt.Errorf("%w: %v has sub-microsecond precision; at most 3 decimals of a millisecond", ErrRecvWindow, d)
	}
	return d, nil
}

// looksLikeKeyMaterial spots a secret or base64 key given where a path
// belongs: long, one word, without a directory or an extension.
func looksLikeKeyMaterial(s string) bool {
	if len(s) < 40 || strings.ContainsAny(s, "/\\.~") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '=' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

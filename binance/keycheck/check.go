package keycheck

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/sign"
)

// Finding levels.
const (
	LevelOK   = "ok"
	LevelWarn = "warn"
	LevelFail = "fail"
)

// Finding is the result of one format check. It names positions, lengths and
// paths, never key material.
type Finding struct {
	Level   string // LevelOK, LevelWarn or LevelFail
	Check   string // api_key, secret, secret_file, key_file, passphrase, permissions, endpoint, recv_window
	Message string
	Fix     string // empty when nothing needs doing
}

func (f Finding) String() string {
	s := fmt.Sprintf("%-4s %s: %s", f.Level, f.Check, f.Message)
	if f.Fix != "" {
		s += " (fix: " + f.Fix + ")"
	}
	return s
}

// Failed reports whether any finding is a failure.
func Failed(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Level == LevelFail })
}

// binanceKeyLen is the length of every Binance API key and HMAC secret
// (letters and digits), on production, testnet and demo alike.
const binanceKeyLen = 64

// recvWindowWarn is where a larger recvWindow stops being a latency allowance
// and starts being a sign that someone is fighting -1021 the wrong way.
const recvWindowWarn = 10 * time.Second

// Check tests a profile's format before any request is sent: the API key and
// HMAC secret (length, alphabet, surrounding whitespace or newline: the
// classic -2014 and -1022 causes), the key file (a public key given instead of
// the private one, PEM type, encryption and passphrase source), the mode of
// every file it names, whether env and base URL agree, and recvWindow. It reads
// the files the profile names but never asks for a passphrase.
func Check(p creds.Profile) []Finding {
	c := checker{p: p}
	c.target()
	c.apiKey()
	c.keyMaterial()
	c.recvWindow()
	return c.out
}

type checker struct {
	p   creds.Profile
	out []Finding
	// binance is true when requests go to a Binance host, where key lengths
	// are known; a local exchange or proxy may use other keys.
	binance bool
}

func (c *checker) add(level, check, msg, fix string) {
	c.out = append(c.out, Finding{Level: level, Check: check, Message: msg, Fix: fix})
}

// lengthLevel fails a wrong length against Binance and warns elsewhere.
func (c *checker) lengthLevel() string {
	if c.binance {
		return LevelFail
	}
	return LevelWarn
}

func (c *checker) target() {
	p := c.p
	if p.BaseURL == "" {
		env := p.Env
		if env == "" {
			env = creds.EnvProd
		}
		if _, err := creds.ParseEnv(string(env)); err != nil {
			c.add(LevelFail, "endpoint", fmt.Sprintf("env %q is not an environment", p.Env), "set env: prod, testnet or demo, or base_url")
			return
		}
		c.binance = true
		c.add(LevelOK, "endpoint", "Binance "+string(env), "")
		return
	}
	u, err := url.Parse(p.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		c.add(LevelFail, "endpoint", "base_url is not an http(s) URL with a host (and no user name or password)", "set base_url to e.g. https://api.binance.com or http://127.0.0.1:8765")
		return
	}
	host := u.Hostname()
	envs := hostEnvs(host)
	c.binance = envs != nil
	if u.Scheme == "http" && !isLoopback(host) {
		c.add(LevelFail, "endpoint", fmt.Sprintf("base_url %s is plain http to a host that is not this machine: the API key and signed requests would cross the network unencrypted", p.BaseURL),
			"use https://, or reach the host through a loopback tunnel")
	}
	switch {
	case envs == nil && p.Env != "":
		c.add(LevelWarn, "endpoint", fmt.Sprintf("env %s is ignored: base_url %s overrides it", p.Env, p.BaseURL), "remove env, or remove base_url to use Binance "+string(p.Env))
	case envs != nil && p.Env != "" && !slices.Contains(envs, p.Env):
		c.add(LevelFail, "endpoint", fmt.Sprintf("env %s, but base_url %s is a Binance %s host; keys work only in the environment that issued them (-2014/-2015)", p.Env, p.BaseURL, joinEnvs(envs)),
			"remove base_url, or set env to match it")
	case envs != nil:
		c.add(LevelOK, "endpoint", fmt.Sprintf("base_url %s (Binance %s)", p.BaseURL, joinEnvs(envs)), "")
	default:
		c.add(LevelOK, "endpoint", fmt.Sprintf("base_url %s (not a Binance host: a local exchange or proxy)", p.BaseURL), "")
	}
}

// hostEnvs is the environment of a Binance REST host, nil for other hosts.
// demo-fapi serves as the futures testnet too (spec §7).
func hostEnvs(host string) []creds.Env {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case host == "demo-fapi.binance.com":
		return []creds.Env{creds.EnvDemo, creds.EnvTestnet}
	case host == "binance.vision" || strings.HasSuffix(host, ".binance.vision"),
		host == "binancefuture.com" || strings.HasSuffix(host, ".binancefuture.com"):
		return []creds.Env{creds.EnvTestnet}
	case strings.HasSuffix(host, ".binance.com") && strings.HasPrefix(host, "demo-"):
		return []creds.Env{creds.EnvDemo}
	case host == "binance.com" || strings.HasSuffix(host, ".binance.com"):
		return []creds.Env{creds.EnvProd}
	}
	return nil
}

func joinEnvs(envs []creds.Env) string {
	s := make([]string, len(envs))
	for i, e := range envs {
		s[i] = string(e)
	}
	return strings.Join(s, "/")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *checker) apiKey() {
	k := c.p.APIKey
	if k == "" {
		c.add(LevelFail, "api_key", "no API key; every signed request carries it in X-MBX-APIKEY (-2014 without it)",
			"set api_key in the profile or MBX_API_KEY to the key shown on Binance's API Management page")
		return
	}
	fails := len(c.out)
	trimmed := c.whitespace("api_key", "API key", []byte(k), LevelFail,
		"sent in the X-MBX-APIKEY header it is refused as an invalid header or gives -2014",
		"remove the surrounding whitespace/newline from api_key (or MBX_API_KEY)")
	c.alphabet("api_key", "API key", trimmed, "copy the key again in one piece from API Management")
	if n := utf8.RuneCount(trimmed); n != binanceKeyLen {
		c.add(c.lengthLevel(), "api_key", fmt.Sprintf("API key is %d characters; Binance API keys are %d (a truncated or padded key gives -2014)", n, binanceKeyLen),
			"copy the whole key again from API Management")
	}
	if len(c.out) == fails {
		c.add(LevelOK, "api_key", fmt.Sprintf("API key: %d letters and digits", len(trimmed)), "")
	}
}

// whitespace reports surrounding whitespace at level and returns the rest.
func (c *checker) whitespace(check, what string, b []byte, level, effect, fix string) []byte {
	start, end := 0, len(b)
	for start < end && isSpace(b[start]) {
		start++
	}
	for end > start && isSpace(b[end-1]) {
		end--
	}
	if start == 0 && end == len(b) {
		return b
	}
	var where []string
	if start > 0 {
		where = append(where, fmt.Sprintf("%d leading %s", start, spaceKind(b[:start])))
	}
	if end < len(b) {
		where = append(where, fmt.Sprintf("%d trailing %s", len(b)-end, spaceKind(b[end:])))
	}
	c.add(level, check, fmt.Sprintf("%s has %s byte(s); %s", what, strings.Join(where, " and "), effect), fix)
	return b[start:end]
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func spaceKind(b []byte) string {
	for _, c := range b {
		if c == '\n' || c == '\r' {
			return "whitespace/newline"
		}
	}
	return "whitespace"
}

// alphabet fails at the first byte that is not A-Za-z0-9, naming its position
// and class but not the byte.
func (c *checker) alphabet(check, what string, b []byte, fix string) {
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
			continue
		}
		var class string
		switch {
		case isSpace(ch):
			class = "whitespace (pasted in pieces?)"
		case ch < 0x20 || ch == 0x7f:
			class = "a control character"
		case ch >= 0x80:
			class = "non-ASCII (a smart quote or look-alike letter from a document?)"
		default:
			class = "punctuation"
		}
		c.add(LevelFail, check, fmt.Sprintf("%s byte %d is %s; Binance keys and secrets are only letters A-Z, a-z and digits", what, i, class), fix)
		return
	}
}

func (c *checker) keyMaterial() {
	p := c.p
	var set []string
	if !p.Secret.IsZero() {
		set = append(set, "secret")
	}
	if p.SecretFile != "" {
		set = append(set, "secret_file")
	}
	if p.KeyFile != "" {
		set = append(set, "key_file")
	}
	switch len(set) {
	case 0:
		c.add(LevelFail, "secret", "no secret, secret_file or key_file: requests cannot be signed",
			"set secret_file or key_file in the profile (or MBX_API_SECRET / MBX_KEY_FILE)")
		return
	case 1:
	default:
		c.add(LevelFail, set[1], fmt.Sprintf("both %s and %s are set; a profile has one key", set[0], set[1]), "keep one of them")
		return
	}
	switch set[0] {
	case "secret":
		c.secret("secret", "secret", p.Secret.Expose())
	case "secret_file":
		if data, ok := c.readFile("secret_file", p.SecretFile); ok {
			c.secret("secret_file", "secret in "+p.SecretFile, data)
			clear(data)
		}
	case "key_file":
		if data, ok := c.readFile("key_file", p.KeyFile); ok {
			c.keyFile(data)
			clear(data)
		}
	}
}

// secret checks an HMAC secret as stored.
func (c *checker) secret(check, what string, raw []byte) {
	fails := len(c.out)
	// sign.ParseHMACSecret trims it, so mbx signs correctly; other tools fed
	// the same file would not.
	trimmed := c.whitespace(check, what, raw, LevelWarn,
		"mbx trims them, but a tool that signs with them gets -1022",
		"store the secret without them (printf '%s' \"$SECRET\" > FILE, not echo)")
	if len(trimmed) == 0 {
		c.add(LevelFail, check, what+" is empty", "paste the Secret Key shown when the API key was created")
		return
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		c.add(LevelFail, check, what+" is a PEM key, not an HMAC secret", "give PEM keys as key_file")
		return
	}
	c.alphabet(check, what, trimmed, "paste the secret again in one piece")
	if n := utf8.RuneCount(trimmed); n != binanceKeyLen {
		c.add(c.lengthLevel(), check, fmt.Sprintf("%s is %d characters; Binance HMAC secrets are %d (one missing letter gives -1022)", what, n, binanceKeyLen),
			"copy the whole Secret Key again; if it is lost, create a new API key")
	}
	if k := strings.TrimFunc(c.p.APIKey, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }); k != "" &&
		subtle.ConstantTimeCompare([]byte(k), trimmed) == 1 {
		c.add(LevelFail, check, what+" is the same as the API key: one was pasted in place of the other (-2014/-1022)",
			"put the API Key in api_key and the Secret Key in the secret")
	}
	if len(c.out) == fails {
		c.add(LevelOK, check, fmt.Sprintf("%s: %d letters and digits", what, len(trimmed)), "")
	}
}

// readFile reads a file the profile names, reporting a missing file or a
// mode others can access.
func (c *checker) readFile(check, path string) ([]byte, bool) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.add(LevelFail, check, fmt.Sprintf("%s does not exist", path), "fix the path in "+check)
		return nil, false
	case err != nil:
		c.add(LevelFail, check, fmt.Sprintf("%s: %v", path, err), "make the file readable by you")
		return nil, false
	case !fi.Mode().IsRegular():
		c.add(LevelFail, check, fmt.Sprintf("%s is not a regular file", path), "point "+check+" at the file itself")
		return nil, false
	}
	c.mode(path, fi.Mode())
	data, err := creds.ReadLimited(path)
	if err != nil {
		c.add(LevelFail, check, err.Error(), "point "+check+" at the right file")
		return nil, false
	}
	return data, true
}

func (c *checker) mode(path string, m fs.FileMode) {
	if creds.InsecureMode(m) {
		e := &creds.PermissionError{Path: path, Mode: m}
		c.add(LevelFail, "permissions", fmt.Sprintf("%s has mode %04o: %s; mbx refuses it as ssh does", path, uint32(m.Perm()), creds.AccessDescription(m)), e.Fix())
		return
	}
	c.add(LevelOK, "permissions", fmt.Sprintf("%s has mode %04o", path, uint32(m.Perm())), "")
}

func (c *checker) keyFile(data []byte) {
	path := c.p.KeyFile
	l, err := sign.ParseKey(data, sign.LoadOptions{})
	switch {
	case errors.Is(err, sign.ErrPublicKey):
		c.add(LevelFail, "key_file", fmt.Sprintf("%s holds a public key, not the private key", path),
			"register this public key with Binance (API Management → Create API → Self-generated) and set key_file to the matching private key (BEGIN PRIVATE KEY)")
		return
	case errors.Is(err, sign.ErrNeedPassphrase):
		c.add(LevelOK, "key_file", fmt.Sprintf("%s: encrypted private key (PKCS#8)", path), "")
		c.passphrase()
		return
	case errors.Is(err, sign.ErrSecretFormat):
		c.secret("key_file", "HMAC secret in "+path, data)
		return
	case err != nil:
		// sign's messages name formats and fixes, never key bytes.
		c.add(LevelFail, "key_file", fmt.Sprintf("%s: %v", path, err), "give an unencrypted or encrypted PKCS#8 PEM private key (RSA 2048/4096 or Ed25519), or `mbx keys gen`")
		return
	}
	switch l.Signer.Algorithm() {
	case sign.HMACSHA256:
		c.secret("key_file", "HMAC secret in "+path, data)
	default:
		c.add(LevelOK, "key_file", fmt.Sprintf("%s: %s private key", path, l.Signer.Algorithm()), "")
	}
	if c.p.Passphrase.Kind == creds.PassphraseEnv || c.p.Passphrase.Kind == creds.PassphraseFile || c.p.Passphrase.Kind == creds.PassphraseValue {
		c.add(LevelWarn, "passphrase", fmt.Sprintf("passphrase %s is set but %s is not encrypted", c.p.Passphrase, path),
			"remove passphrase, or encrypt the key (openssl pkcs8 -topk8 -v2 aes-256-cbc)")
	}
}

func (c *checker) passphrase() {
	src := c.p.Passphrase
	switch src.Kind {
	case creds.PassphraseEnv:
		if _, ok := os.LookupEnv(src.Ref); !ok {
			c.add(LevelFail, "passphrase", fmt.Sprintf("passphrase env:%s, but the variable is not set", src.Ref), "export "+src.Ref+" before running mbx")
			return
		}
		c.add(LevelOK, "passphrase", "passphrase from env:"+src.Ref, "")
	case creds.PassphraseFile:
		if data, ok := c.readFile("passphrase", src.Ref); ok {
			if len(creds.TrimNewline(data)) == 0 {
				c.add(LevelFail, "passphrase", src.Ref+" is empty", "write the passphrase into it")
			} else {
				c.add(LevelOK, "passphrase", "passphrase from file:"+src.Ref, "")
			}
			clear(data)
		}
	case creds.PassphraseNone:
		c.add(LevelFail, "passphrase", "passphrase: none, but the key file is encrypted", "set passphrase: env:NAME, file:PATH or prompt")
	case creds.PassphraseValue:
		c.add(LevelOK, "passphrase", "passphrase given ("+src.String()+")", "")
	default:
		c.add(LevelWarn, "passphrase", "the passphrase will be asked on the terminal; without one (a container, a service) loading fails",
			"for unattended use set passphrase: env:NAME or file:PATH (or MBX_KEY_PASSPHRASE)")
	}
}

func (c *checker) recvWindow() {
	w := c.p.RecvWindow
	if w == 0 {
		c.add(LevelOK, "recv_window", fmt.Sprintf("recvWindow not set: %v", creds.DefaultRecvWindow), "")
		return
	}
	if _, err := payload.FormatRecvWindow(w); err != nil {
		c.add(LevelFail, "recv_window", err.Error(), "set recv_window to at most 60s (5s is recommended)")
		return
	}
	if w > recvWindowWarn {
		c.add(LevelWarn, "recv_window", fmt.Sprintf("recvWindow %v is large: it only tolerates latency and a clock behind the server; it does not fix a clock ahead (a timestamp 1s or more ahead of the server is always rejected with -1021)", w),
			"keep 5s and sync the clock (mbx time)")
		return
	}
	c.add(LevelOK, "recv_window", fmt.Sprintf("recvWindow %v", w), "")
}

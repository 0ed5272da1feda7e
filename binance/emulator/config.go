package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// Permissions a key may hold. USER_DATA allows the signed read endpoints,
// TRADE spot orders, WITHDRAW both withdraw endpoints, FUTURES every signed
// /fapi and /dapi endpoint, UNIVERSAL_TRANSFER
// /sapi/v1/sub-account/universalTransfer, MARGIN the margin trading and
// MARGIN-type /sapi endpoints. Which endpoint needs which is the catalogue's
// (package binance/catalog).
const (
	PermUserData          = catalog.PermUserData
	PermTrade             = catalog.PermTrade
	PermWithdraw          = catalog.PermWithdraw
	PermFutures           = catalog.PermFutures
	PermUniversalTransfer = catalog.PermUniversalTransfer
	PermMargin            = catalog.PermMargin
	PermOptions           = catalog.PermOptions
)

func knownPermissions() []string {
	return []string{PermUserData, PermTrade, PermWithdraw, PermFutures, PermUniversalTransfer, PermMargin, PermOptions}
}

// The Binance docs' public example key: every signed sample in Binance's
// documentation runs unchanged against the default configuration.
const (
	DocsAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// Config is the exchange's configuration, usually read from YAML with
// LoadConfig. The YAML names are given in the field tags.
type Config struct {
	Keys    []KeyConfig    `yaml:"keys"`
	Limits  Limits         `yaml:"limits"`
	Faults  Faults         `yaml:"faults"`
	Symbols []SymbolConfig `yaml:"symbols"`
	// CoinM are the COIN-M (/dapi) contracts; empty: DefaultCoinM. USDⓈ-M
	// (/fapi) lists the Symbols quoted in USDT.
	CoinM []SymbolConfig `yaml:"coinm_symbols"`
	// StrictSignatureLast rejects (-1022) a signature that is not the last
	// pair of its part. Whether Binance does is UNCONFIRMED; default lenient.
	StrictSignatureLast bool `yaml:"strict_signature_last"`
	// Data is the state directory (the database mbx.db lives there); ""
	// keeps state in memory. `mbx serve --data` overrides it.
	Data string `yaml:"data"`
}

// KeyConfig is one API key the exchange accepts.
type KeyConfig struct {
	APIKey string `yaml:"api_key"`
	Type   string `yaml:"type"` // hmac | rsa | ed25519
	// Secret is the HMAC secret (hmac keys only). It never prints.
	Secret secret.Value `yaml:"-"`
	// SecretFile reads the HMAC secret from a file instead (trailing newline trimmed).
	SecretFile string `yaml:"secret_file"`
	// PublicKeyFile is the PEM (SPKI) public key of an rsa or ed25519 key;
	// a relative path is relative to the config file.
	PublicKeyFile string `yaml:"public_key_file"`
	// PublicKey is the same PEM given inline.
	PublicKey   string            `yaml:"public_key"`
	Permissions []string          `yaml:"permissions"`
	IPWhitelist []string          `yaml:"ip_whitelist"` // addresses or CIDR prefixes; empty: any
	Balances    map[string]string `yaml:"balances"`     // asset -> amount, the account's starting balances
	// Email identifies the key's account in /sapi e-mail parameters
	// (universalTransfer fromEmail/toEmail).
	Email string `yaml:"email"`
	// Account names the ledger account; keys with the same Account share
	// balances and orders. Default: the API key itself.
	Account string `yaml:"account"`
}

// Limits are the rate limits, as Binance documents them by default.
type Limits struct {
	RequestWeightPerMinute     int           `yaml:"request_weight_per_minute"`
	RawRequestsPer5m           int           `yaml:"raw_requests_per_5m"`
	OrdersPer10s               int           `yaml:"orders_per_10s"`
	OrdersPerDay               int           `yaml:"orders_per_day"`
	FAPIRequestWeightPerMinute int           `yaml:"fapi_request_weight_per_minute"`
	FAPIOrdersPer10s           int           `yaml:"fapi_orders_per_10s"`
	FAPIOrdersPerMinute        int           `yaml:"fapi_orders_per_minute"`
	SAPIIPWeightPerMinute      int           `yaml:"sapi_ip_weight_per_minute"`  // per /sapi endpoint and IP
	SAPIUIDWeightPerMinute     int           `yaml:"sapi_uid_weight_per_minute"` // per /sapi endpoint and account
	BanBase                    time.Duration `yaml:"ban_base"`                   // first 418 ban; doubles per repeat, capped at 72h
	MaxBodyBytes               int           `yaml:"max_body_bytes"`
	MaxQueryBytes              int           `yaml:"max_query_bytes"`
}

// MaxBan is the longest 418 ban (Binance: "from 2 minutes to 3 days").
const MaxBan = 72 * time.Hour

// Faults are injected at start; the admin API changes them at run time.
type Faults struct {
	ClockSkew time.Duration `yaml:"clock_skew"` // the exchange's clock minus real time
	Latency   time.Duration `yaml:"latency"`    // added before each API request is processed
}

// SymbolConfig is one tradable symbol with its deterministic price and
// filters. Decimals are strings so that YAML never rounds them.
type SymbolConfig struct {
	Symbol      string `yaml:"symbol"`
	Base        string `yaml:"base"`
	Quote       string `yaml:"quote"`
	Price       string `yaml:"price"`
	TickSize    string `yaml:"tick_size"`
	StepSize    string `yaml:"step_size"`
	MinQty      string `yaml:"min_qty"`
	MinNotional string `yaml:"min_notional"`
}

// DefaultLimits are Binance's documented values (2026).
func DefaultLimits() Limits {
	return Limits{
		RequestWeightPerMinute:     6000,
		RawRequestsPer5m:           300000,
		OrdersPer10s:               50,
		OrdersPerDay:               160000,
		FAPIRequestWeightPerMinute: 2400,
		FAPIOrdersPer10s:           300,
		FAPIOrdersPerMinute:        1200,
		SAPIIPWeightPerMinute:      12000,
		SAPIUIDWeightPerMinute:     180000,
		BanBase:                    2 * time.Minute,
		MaxBodyBytes:               verify.DefaultMaxBodyBytes,
		MaxQueryBytes:              verify.DefaultMaxQueryBytes,
	}
}

// DefaultSymbols is the default catalogue: common pairs plus the non-ASCII
// symbols Binance lists (futures 币安人生USDT, testnet 这是测试币456, the
// docs' example １２３４５６).
func DefaultSymbols() []SymbolConfig {
	return []SymbolConfig{
		{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: "60000.00", TickSize: "0.01", StepSize: "0.00001", MinQty: "0.00001", MinNotional: "5"},
		{Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Price: "3000.00", TickSize: "0.01", StepSize: "0.0001", MinQty: "0.0001", MinNotional: "5"},
		{Symbol: "BNBUSDT", Base: "BNB", Quote: "USDT", Price: "600.00", TickSize: "0.01", StepSize: "0.001", MinQty: "0.001", MinNotional: "5"},
		{Symbol: "LTCBTC", Base: "LTC", Quote: "BTC", Price: "0.001500", TickSize: "0.000001", StepSize: "0.001", MinQty: "0.001", MinNotional: "0.0001"},
		{Symbol: "币安人生USDT", Base: "币安人生", Quote: "USDT", Price: "0.1500", TickSize: "0.0001", StepSize: "1", MinQty: "1", MinNotional: "5"},
		{Symbol: "这是测试币456", Base: "这是测试币", Quote: "456", Price: "2.00", TickSize: "0.01", StepSize: "0.01", MinQty: "0.01", MinNotional: "1"},
		{Symbol: "１２３４５６", Base: "１２３", Quote: "４５６", Price: "0.10", TickSize: "0.01", StepSize: "1", MinQty: "1", MinNotional: "0.05"},
	}
}

// DefaultKey is the Binance docs' example HMAC key with USER_DATA and TRADE.
func DefaultKey() KeyConfig {
	return KeyConfig{
		APIKey:      DocsAPIKey,
		Type:        "hmac",
		Secret:      secret.FromString(docsSecret),
		Permissions: []string{PermUserData, PermTrade},
		Balances: map[string]string{
			"USDT": "10000", "BTC": "1", "BNB": "10",
			"币安人生": "10000", "这是测试币": "100", "456": "10000", "１２３": "100", "４５６": "10000",
		},
	}
}

// DefaultConfig is what `mbx serve` runs without a config file.
func DefaultConfig() Config {
	return Config{
		Keys:    []KeyConfig{DefaultKey()},
		Limits:  DefaultLimits(),
		Symbols: DefaultSymbols(),
	}
}

// String summarises the configuration. Secrets never appear.
func (c Config) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d key(s):", len(c.Keys))
	for _, k := range c.Keys {
		fmt.Fprintf(&b, " [%s %s %s]", k.APIKey, k.Type, strings.Join(k.Permissions, ","))
	}
	fmt.Fprintf(&b, "; %d symbol(s); limits %d weight/min, %d orders/10s, %d orders/day, fapi %d weight/min, ban base %v",
		len(c.Symbols), c.Limits.RequestWeightPerMinute, c.Limits.OrdersPer10s, c.Limits.OrdersPerDay,
		c.Limits.FAPIRequestWeightPerMinute, c.Limits.BanBase)
	if c.Faults.ClockSkew != 0 || c.Faults.Latency != 0 {
		fmt.Fprintf(&b, "; faults: clock skew %v, latency %v", c.Faults.ClockSkew, c.Faults.Latency)
	}
	if c.StrictSignatureLast {
		b.WriteString("; strict signature placement")
	}
	return b.String()
}

// String never shows the secret.
func (k KeyConfig) String() string {
	return fmt.Sprintf("%s key %s (%s)", k.Type, k.APIKey, strings.Join(k.Permissions, ","))
}

// fileConfig mirrors Config with plain types, so that decoding can refuse
// unknown fields everywhere (a misspelt permission list is a silent
// security hole) and the secret lands in a secret.Value at once.
type fileConfig struct {
	Keys                []fileKey      `yaml:"keys"`
	Limits              Limits         `yaml:"limits"`
	Faults              Faults         `yaml:"faults"`
	Symbols             []SymbolConfig `yaml:"symbols"`
	CoinM               []SymbolConfig `yaml:"coinm_symbols"`
	StrictSignatureLast bool           `yaml:"strict_signature_last"`
	Data                string         `yaml:"data"`
}

type fileKey struct {
	APIKey        string            `yaml:"api_key"`
	Type          string            `yaml:"type"`
	Secret        string            `yaml:"secret"`
	SecretFile    string            `yaml:"secret_file"`
	PublicKeyFile string            `yaml:"public_key_file"`
	PublicKey     string            `yaml:"public_key"`
	Permissions   []string          `yaml:"permissions"`
	IPWhitelist   []string          `yaml:"ip_whitelist"`
	Balances      map[string]string `yaml:"balances"`
	Email         string            `yaml:"email"`
	Account       string            `yaml:"account"`
}

// ErrConfig marks every configuration error (errors.Is).
var ErrConfig = errors.New("emulator config")

func configErr(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
}

// LoadConfig reads a YAML config file. Fields left out take the defaults
// (DefaultLimits, DefaultSymbols; no keys means the docs' example key).
// Relative key file paths are resolved against the file's directory. The
// result is validated.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("%w: reading %s: %v", ErrConfig, path, err)
	}
	c, err := ParseConfig(data, filepath.Dir(path))
	if err != nil {
		return Config{}, fmt.Errorf("config file %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses YAML config text; dir resolves relative file paths.
func ParseConfig(data []byte, dir string) (Config, error) {
	fc := fileConfig{Limits: DefaultLimits()}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: %s (check the field names and values against the example in `mbx serve --help`)", ErrConfig, explainYAMLError(data, err))
	}
	c := Config{
		Limits:              fc.Limits,
		Faults:              fc.Faults,
		Symbols:             fc.Symbols,
		CoinM:               fc.CoinM,
		StrictSignatureLast: fc.StrictSignatureLast,
		Data:                fc.Data,
	}
	if c.Data != "" && dir != "" && !filepath.IsAbs(c.Data) {
		c.Data = filepath.Join(dir, c.Data)
	}
	for i, fk := range fc.Keys {
		k := KeyConfig{
			APIKey: fk.APIKey, Type: fk.Type, SecretFile: fk.SecretFile, PublicKeyFile: fk.PublicKeyFile,
			PublicKey: fk.PublicKey, Permissions: fk.Permissions, IPWhitelist: fk.IPWhitelist,
			Balances: fk.Balances, Email: fk.Email, Account: fk.Account,
		}
		if fk.Secret != "" {
			k.Secret = secret.FromString(fk.Secret)
		}
		for _, p := range []*string{&k.SecretFile, &k.PublicKeyFile} {
			if *p != "" && dir != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(dir, *p)
			}
		}
		if k.SecretFile != "" {
			if !k.Secret.IsZero() {
				return Config{}, configErr(fmt.Sprintf("keys[%d]", i), "both secret and secret_file are set; keep one")
			}
			// Opened once, mode checked on the opened file, read bounded: as
			// creds reads a client's secret_file.
			path := k.SecretFile
			raw, err := sign.ReadKeyFile(path, func(fi fs.FileInfo) error { return creds.CheckPrivateFile(path, fi) })
			if err != nil {
				return Config{}, fmt.Errorf("%w: keys[%d].secret_file: %w", ErrConfig, i, err)
			}
			k.Secret = secret.New(bytes.TrimRight(raw, "\r\n"))
			clear(raw)
		}
		c.Keys = append(c.Keys, k)
	}
	if len(c.Keys) == 0 {
		c.Keys = []KeyConfig{DefaultKey()}
	}
	if len(c.Symbols) == 0 {
		c.Symbols = DefaultSymbols()
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// explainYAMLError rewrites yaml.v3's errors so that they name the line
// and the field but never a value: yaml.v3 quotes the offending value
// ("cannot unmarshal !!str `NhqPt...` into int"), and the value may be the
// secret, written one line off or as a list. Each message is rebuilt from
// the line number, the field path found in the document and the kinds
// involved; nothing of the text between the user's quotes survives.
func explainYAMLError(data []byte, err error) string {
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // best effort: the path is a help, not a need
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return scrubYAMLMessage(err.Error())
	}
	out := make([]string, 0, len(te.Errors))
	for _, msg := range te.Errors {
		var n int
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &n); scanErr != nil {
			out = append(out, scrubYAMLMessage(msg))
			continue
		}
		where := fmt.Sprintf("line %d", n)
		if path := yamlPathAt(&root, n); path != "" {
			where += " (" + path + ")"
		}
		out = append(out, where+": "+describeYAMLTypeError(msg))
	}
	return strings.Join(out, "; ")
}

// yamlUnmarshalRE matches yaml.v3's "cannot unmarshal !!tag [`value`] into type".
var yamlUnmarshalRE = regexp.MustCompile("cannot unmarshal !!([a-z]+)(?: `[^\\n]*`)? into (\\S+)")

// yamlFieldRE matches yaml.v3's "field NAME not found in type T".
var yamlFieldRE = regexp.MustCompile(`field (.*) not found in type`)

// safeFieldName is what an unknown field name must look like to be shown:
// a misspelt field name, not a secret pasted as a key.
var safeFieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func describeYAMLTypeError(msg string) string {
	if m := yamlUnmarshalRE.FindStringSubmatch(msg); m != nil {
		got := map[string]string{"seq": "a list", "map": "a mapping", "str": "a text", "int": "a number",
			"float": "a number", "bool": "true/false", "null": "nothing"}[m[1]]
		if got == "" {
			got = "a value of the wrong kind"
		}
		want := m[2]
		switch {
		case want == "time.Duration":
			return got + " where a duration belongs; write a duration such as 2m, 90s, 1500ms or 1h30m"
		case strings.HasPrefix(want, "[]"):
			want = "a list"
		case strings.HasPrefix(want, "map["):
			want = "a mapping"
		case want == "string":
			want = "a single text"
		case strings.HasPrefix(want, "int") || strings.HasPrefix(want, "uint") || strings.HasPrefix(want, "float"):
			want = "a number"
		case want == "bool":
			want = "true or false"
		default:
			want = "a " + strings.TrimPrefix(want, "emulator.")
		}
		return got + " where " + want + " belongs (the value is not shown: it may be a secret)"
	}
	if m := yamlFieldRE.FindStringSubmatch(msg); m != nil {
		if safeFieldName.MatchString(m[1]) {
			return "unknown field " + m[1]
		}
		return "unknown field (its name is not shown: it may be a secret)"
	}
	if strings.Contains(msg, "already set in map") {
		return "a field is given twice"
	}
	return "value of the wrong kind (not shown: it may be a secret)"
}

// scrubYAMLMessage removes every quoted part of a yaml.v3 syntax error.
func scrubYAMLMessage(msg string) string {
	var b strings.Builder
	var quote rune
	for _, r := range msg {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				b.WriteString("…")
			}
		case r == '`' || r == '"' || r == '\'':
			quote = r
		default:
			b.WriteRune(r)
		}
	}
	if quote != 0 {
		b.WriteString("…")
	}
	return b.String()
}

// yamlPathAt returns the path (keys[0].secret) of the innermost field whose
// value spans line, naming map keys only when they look like field or asset
// names.
func yamlPathAt(n *yaml.Node, line int) string {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	var path strings.Builder
	for {
		found := false
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Line <= line && line <= lastLine(v) {
					if path.Len() > 0 {
						path.WriteByte('.')
					}
					if utf8.RuneCountInString(k.Value) <= 24 && !strings.ContainsAny(k.Value, " \t\n") {
						path.WriteString(k.Value)
					} else {
						path.WriteString("…")
					}
					n, found = v, true
					break
				}
			}
		case yaml.SequenceNode:
			for i, v := range n.Content {
				if v.Line <= line && line <= lastLine(v) {
					fmt.Fprintf(&path, "[%d]", i)
					n, found = v, true
					break
				}
			}
		}
		if !found {
			return path.String()
		}
	}
}

// lastLine is the last line a node's subtree starts a node on.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	return last
}

// Validate checks the configuration; each error names the field and the fix.
func (c Config) Validate() error {
	_, err := c.compile()
	return err
}

// compiled is a validated configuration in the form the server uses.
type compiled struct {
	keys    []*apiKey
	byKey   map[string]*apiKey
	byEmail map[string]string // e-mail -> account
	symbols []*symbol
	bySym   map[string]*symbol
	coinM   []*symbol // COIN-M contracts (/dapi), see exchangeinfo.go
}

func (c Config) compile() (*compiled, error) {
	out := &compiled{byKey: map[string]*apiKey{}, byEmail: map[string]string{}, bySym: map[string]*symbol{}}
	if len(c.Keys) == 0 {
		return nil, configErr("keys", "no API keys; add at least one (or leave keys out to accept the Binance docs' example key)")
	}
	for i := range c.Keys {
		k, err := compileKey(i, c.Keys[i])
		if err != nil {
			return nil, err
		}
		if _, dup := out.byKey[k.cfg.APIKey]; dup {
			return nil, configErr(fmt.Sprintf("keys[%d].api_key", i), "%s is listed twice; each API key once", k.cfg.APIKey)
		}
		if e := k.cfg.Email; e != "" {
			if acct, dup := out.byEmail[e]; dup && acct != k.account {
				return nil, configErr(fmt.Sprintf("keys[%d].email", i), "%s belongs to another account already; one e-mail per account", e)
			}
			out.byEmail[e] = k.account
		}
		out.byKey[k.cfg.APIKey] = k
		out.keys = append(out.keys, k)
	}
	if len(c.Symbols) == 0 {
		return nil, configErr("symbols", "no symbols; add at least one (or leave symbols out for the default catalogue)")
	}
	for i, sc := range c.Symbols {
		s, err := compileSymbol(i, sc)
		if err != nil {
			return nil, err
		}
		if _, dup := out.bySym[s.name]; dup {
			return nil, configErr(fmt.Sprintf("symbols[%d].symbol", i), "%s is listed twice", s.name)
		}
		out.bySym[s.name] = s
		out.symbols = append(out.symbols, s)
	}
	if err := out.compileCoinM(c.CoinM); err != nil {
		return nil, err
	}
	l := c.Limits
	for _, f := range []struct {
		name string
		v    int
	}{
		{"request_weight_per_minute", l.RequestWeightPerMinute}, {"raw_requests_per_5m", l.RawRequestsPer5m},
		{"orders_per_10s", l.OrdersPer10s}, {"orders_per_day", l.OrdersPerDay},
		{"fapi_request_weight_per_minute", l.FAPIRequestWeightPerMinute}, {"fapi_orders_per_10s", l.FAPIOrdersPer10s},
		{"fapi_orders_per_minute", l.FAPIOrdersPerMinute}, {"sapi_ip_weight_per_minute", l.SAPIIPWeightPerMinute},
		{"sapi_uid_weight_per_minute", l.SAPIUIDWeightPerMinute}, {"max_body_bytes", l.MaxBodyBytes},
		{"max_query_bytes", l.MaxQueryBytes},
	} {
		if f.v <= 0 || f.v > 1<<40 {
			return nil, configErr("limits."+f.name, "%d must be a positive number (leave it out for Binance's default)", f.v)
		}
	}
	if l.BanBase <= 0 || l.BanBase > MaxBan {
		return nil, configErr("limits.ban_base", "%v must be greater than 0 and at most 72h (Binance starts at 2m)", l.BanBase)
	}
	if d := c.Faults.ClockSkew; d < -24*time.Hour || d > 24*time.Hour {
		return nil, configErr("faults.clock_skew", "%v is beyond ±24h; use e.g. 3s or -1500ms", d)
	}
	if d := c.Faults.Latency; d < 0 || d > time.Minute {
		return nil, configErr("faults.latency", "%v must be between 0s and 1m", d)
	}
	return out, nil
}

// apiKey is a configured key ready for verification.
type apiKey struct {
	cfg      KeyConfig
	alg      sign.Algorithm
	account  string
	perms    permSet
	nets     []netip.Prefix
	verifier sign.Verifier
}

func compileKey(i int, k KeyConfig) (*apiKey, error) {
	field := func(name string) string { return fmt.Sprintf("keys[%d].%s", i, name) }
	if err := validAPIKey(k.APIKey); err != nil {
		return nil, configErr(field("api_key"), "%v", err)
	}
	if k.Type == "" {
		return nil, configErr(field("type"), "missing; set hmac, rsa or ed25519")
	}
	alg, err := sign.ParseKeyType(k.Type)
	if err != nil {
		// Not the value: a secret pasted one line off would show.
		return nil, configErr(field("type"), "unknown key type; want hmac, rsa or ed25519")
	}
	out := &apiKey{cfg: k, alg: alg, account: k.Account}
	if out.account == "" {
		out.account = k.APIKey
	}
	switch alg {
	case sign.HMACSHA256:
		if k.PublicKeyFile != "" || k.PublicKey != "" {
			return nil, configErr(field("public_key_file"), "an hmac key has a secret, not a public key; remove public_key_file or set type: rsa/ed25519")
		}
		if k.Secret.IsZero() {
			return nil, configErr(field("secret"), "an hmac key needs its secret (secret: or secret_file:)")
		}
		h, _, err := sign.ParseHMACSecret(k.Secret.Expose())
		if err != nil {
			return nil, configErr(field("secret"), "%v", err)
		}
		out.verifier = h
	default:
		if !k.Secret.IsZero() {
			return nil, configErr(field("secret"), "an %s key is verified with its public key; remove secret and set public_key_file", k.Type)
		}
		pemText := []byte(k.PublicKey)
		switch {
		case k.PublicKeyFile != "" && k.PublicKey != "":
			return nil, configErr(field("public_key_file"), "both public_key_file and public_key are set; keep one")
		case k.PublicKeyFile != "":
			if pemText, err = os.ReadFile(k.PublicKeyFile); err != nil {
				return nil, configErr(field("public_key_file"), "%v", err)
			}
		case k.PublicKey == "":
			return nil, configErr(field("public_key_file"), "an %s key needs its PEM public key (`openssl pkey -in key.pem -pubout`)", k.Type)
		}
		v, err := sign.ParsePublicKeyPEM(pemText)
		if err != nil {
			return nil, configErr(field("public_key_file"), "%v", err)
		}
		if v.Algorithm() != alg {
			return nil, configErr(field("type"), "is %s but the public key is %s; fix type or the file", k.Type, v.Algorithm())
		}
		out.verifier = v
	}
	for j, p := range k.Permissions {
		if !slices.Contains(knownPermissions(), p) {
			return nil, configErr(fmt.Sprintf("keys[%d].permissions[%d]", i, j), "unknown permission (not shown); use %s", strings.Join(knownPermissions(), ", "))
		}
	}
	out.perms.set(k.Permissions)
	for j, a := range k.IPWhitelist {
		pfx, err := parsePrefix(a)
		if err != nil {
			return nil, configErr(fmt.Sprintf("keys[%d].ip_whitelist[%d]", i, j), "not an IP address or CIDR prefix (e.g. 127.0.0.1 or 10.0.0.0/8)")
		}
		out.nets = append(out.nets, pfx)
	}
	for asset, amt := range k.Balances {
		if asset == "" || !utf8.ValidString(asset) || strings.ContainsAny(asset, " \t\r\n") {
			return nil, configErr(field("balances"), "an asset name is empty, not UTF-8 or has spaces; write e.g. BTC")
		}
		d, err := decimal.NewFromString(amt)
		if err != nil || d.IsNegative() {
			name := asset
			if utf8.RuneCountInString(name) > 24 { // not a name but something pasted, maybe a secret
				name = "…"
			}
			return nil, configErr(field("balances."+name), "must be a non-negative decimal such as \"10000\" or \"0.5\"")
		}
	}
	if e := k.Email; e != "" && (!strings.Contains(e, "@") || strings.ContainsAny(e, " \t\r\n")) {
		return nil, configErr(field("email"), "not an e-mail address (e.g. me@example.com)")
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validAPIKey applies the rule the exchange uses for the X-MBX-APIKEY
// header: printable ASCII without spaces, at most 256 bytes.
func validAPIKey(s string) error {
	switch {
	case s == "":
		return errors.New("missing; Binance API keys are 64 letters and digits")
	case len(s) > 256:
		return fmt.Errorf("%d bytes is too long for an API key", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fmt.Errorf("byte %d is a space, control or non-ASCII character; an API key is letters and digits", i)
		}
	}
	return nil
}

func (k *apiKey) allows(ip netip.Addr) bool {
	if len(k.nets) == 0 {
		return true
	}
	ip = ip.Unmap()
	for _, n := range k.nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// permSet is a key's permissions. Server.SetKeyPermissions changes them
// while requests read them, so the set is replaced whole, never modified.
type permSet struct {
	m atomic.Pointer[map[string]bool]
}

func (p *permSet) has(name string) bool {
	m := p.m.Load()
	return m != nil && (*m)[name]
}

func (p *permSet) set(list []string) {
	m := make(map[string]bool, len(list))
	for _, n := range list {
		m[n] = true
	}
	p.m.Store(&m)
}

func (k *apiKey) permList() []string {
	var out []string
	for _, p := range knownPermissions() {
		if k.perms.has(p) {
			out = append(out, p)
		}
	}
	return out
}

package main

// The --exchange paths: every exchange other than Binance is reached through
// the generic contract (package exchange) found in the registry
// (internal/exchanges), so this file holds no exchange's rules.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/doctor"
	"github.com/mbxkit/mbx/internal/exchanges"
	"github.com/mbxkit/mbx/internal/reqparse"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/spf13/pflag"
)

// venueFlags are the flags that only exchanges other than Binance read.
type venueFlags struct {
	exchange       string
	passphraseFile string
	keyVersion     string
}

func (v *venueFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&v.exchange, "exchange", "", "exchange: "+strings.Join(exchanges.Names(), ", ")+" (default binance, or the --profile's exchange)")
	fs.StringVar(&v.passphraseFile, "api-passphrase-file", "", "file holding the API passphrase (OKX, KuCoin); not --passphrase-file, which decrypts a key file")
	fs.StringVar(&v.keyVersion, "api-key-version", "", "KuCoin API key version (2 or 3; default 2)")
}

// entry resolves --exchange: ok is false for Binance, whose tools are wired
// directly. Without --exchange, a profile given with --profile or --creds
// decides: a profile names its exchange.
func (v venueFlags) entry(profile ...string) (exchanges.Entry, bool, error) {
	name := v.exchange
	if name == "" && len(profile) == 2 && (profile[0] != "" || profile[1] != "") {
		p, _, _, err := resolveProfile(profile[0], profile[1], false)
		if err != nil {
			return exchanges.Entry{}, false, err
		}
		name = p.Exchange
	}
	e, err := exchanges.Lookup(name)
	if err != nil {
		return exchanges.Entry{}, false, err
	}
	return e, e.New != nil, nil
}

// credentials loads the API key, secret (or private key) and passphrase
// given on the command line.
func (v venueFlags) credentials(s streams, e exchanges.Entry, apiKey string, key keyFlags) (exchange.Credentials, error) {
	return v.credentialsFrom(s, e, creds.Profile{}, apiKey, key)
}

// credentialsFrom is credentials over a profile: the flags given override
// the profile's api_key, key and api_passphrase.
func (v venueFlags) credentialsFrom(s streams, e exchanges.Entry, p creds.Profile, apiKey string, key keyFlags) (exchange.Credentials, error) {
	if apiKey == "" {
		apiKey = p.APIKey
	}
	c := exchange.Credentials{APIKey: apiKey, KeyVersion: v.keyVersion}
	if apiKey == "" {
		return c, fmt.Errorf("--api-key is required: %s signs the API key into every request", e.Title)
	}
	var signer sign.Signer
	var err error
	if key.file != "" || (p.KeyFile == "" && p.SecretFile == "" && p.Secret.IsZero()) {
		signer, err = key.load(s)
	} else {
		var warnings []string
		signer, warnings, err = p.Signer(key.passphrase(s))
		for _, w := range warnings {
			fmt.Fprintln(s.err, "warning:", w)
		}
	}
	if err != nil {
		return c, err
	}
	if h, ok := signer.(*sign.HMAC); ok {
		c.Secret = h.Secret()
	} else {
		c.Signer = signer
	}
	if v.passphraseFile != "" {
		if c.Passphrase, err = readPassphraseFile(v.passphraseFile); err != nil {
			return c, err
		}
	} else if pp, ok, err := p.ReadAPIPassphrase(); err != nil {
		return c, err
	} else if ok {
		c.Passphrase = pp
	}
	if e.NeedsPassphrase && c.Passphrase.IsZero() {
		return c, fmt.Errorf("%s keys have an API passphrase: give --api-passphrase-file FILE, or api_passphrase: file:PATH in the profile (the passphrase chosen when the key was created)", e.Title)
	}
	return c, nil
}

// readPassphraseFile reads an API passphrase with the same file checks as a
// secret file; one trailing newline (from echo) is dropped.
func readPassphraseFile(path string) (secret.Value, error) {
	b, err := creds.ReadSecretFile(path)
	if err != nil {
		return secret.Value{}, fmt.Errorf("--api-passphrase-file: %w", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return secret.Value{}, fmt.Errorf("--api-passphrase-file %s is empty: write the API passphrase in it", path)
	}
	return secret.New(b), nil
}

// venueSignOutput is the --json shape of `mbx sign --exchange`.
type venueSignOutput struct {
	Exchange  string            `json:"exchange"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Payload   string            `json:"payload"`
	Signature string            `json:"signature"`
	Headers   map[string]string `json:"headers"`
	Query     string            `json:"query"`
	Body      string            `json:"body"`
	Timestamp int64             `json:"timestamp_ms"`
	URL       string            `json:"url,omitempty"`
}

func runVenueSign(s streams, e exchanges.Entry, v venueFlags, o signOpts, args []string) error {
	ps, err := parseArgs(args)
	if err != nil {
		return err
	}
	if !o.pathSet {
		return fmt.Errorf("--path is required with --exchange %s: the path is part of what %s signs (e.g. --path %s)", e.Name, e.Title, e.Balance.Path)
	}
	c, err := v.credentials(s, e, o.apiKey, o.key)
	if err != nil {
		return err
	}
	ts := time.Now()
	if o.timestampMS != "" {
		ms, err := strconv.ParseInt(o.timestampMS, 10, 64)
		if err != nil || ms <= 0 {
			return fmt.Errorf("--timestamp %q: want milliseconds since 1970 (e.g. 1700000000000)", o.timestampMS)
		}
		ts = time.UnixMilli(ms)
	}
	req := exchange.Request{Method: strings.ToUpper(o.method), Path: o.path, Time: ts}
	for _, p := range ps {
		req.Params = append(req.Params, exchange.Param{Name: p.Name, Value: p.Value})
	}
	signed, err := e.New().Sign(req, c)
	if err != nil {
		return err
	}
	// The secret and the passphrase never leave: OKX sends the passphrase
	// itself in a header, and a parameter may carry either by mistake.
	red := redactCreds(c)
	out := venueSignOutput{Exchange: e.Name, Method: signed.Method, Path: signed.Path, Payload: red(string(signed.Payload)),
		Signature: signed.Signature, Headers: map[string]string{}, Query: red(signed.Query), Body: red(string(signed.Body)),
		Timestamp: ts.UnixMilli()}
	for i, h := range signed.Headers {
		signed.Headers[i].Value = red(h.Value)
		out.Headers[h.Name] = signed.Headers[i].Value
	}
	base := e.BaseURL
	if o.baseURLSet {
		base = o.baseURL
	}
	out.URL = red(strings.TrimRight(base, "/") + signed.Target())
	if o.jsonOut {
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("exchange", e.Title)
	row("payload", strconv.Quote(out.Payload)+"   (the exact bytes signed)")
	row("signature", out.Signature)
	for _, h := range signed.Headers {
		row("header", h.Name+": "+h.Value)
	}
	row("query", orNone(out.Query))
	row("body", orNone(out.Body))
	row("url", out.URL)
	return tw.Flush()
}

// redactCreds returns a function that removes the secret and the
// passphrase of c, in every form they travel in, from a text to print.
func redactCreds(c exchange.Credentials) func(string) string {
	rs := []secret.Redactor{secret.NewRedactor(c.Secret), secret.NewRedactor(c.Passphrase)}
	return func(s string) string {
		for _, r := range rs {
			s = r.String(s)
		}
		return s
	}
}

// venueTarget resolves the exchange to talk to for doctor, call and time:
// the flags, or the embedded local exchange with its public test key.
type venueTarget struct {
	entry    exchanges.Entry
	ex       exchange.Exchange
	base     string
	creds    exchange.Credentials
	where    string
	embedded exchange.Emulator
}

func (t *venueTarget) close() {
	if t.embedded != nil {
		t.embedded.Close()
	}
}

func resolveVenue(ctx context.Context, s streams, e exchanges.Entry, v venueFlags, tf targetFlags, embedded bool) (*venueTarget, error) {
	t := &venueTarget{entry: e, ex: e.New()}
	if tf.env != "" {
		return nil, fmt.Errorf("--env applies to Binance; for %s give --base-url (default %s)", e.Title, e.BaseURL)
	}
	if tf.profile != "" || tf.credsPath != "" {
		p, src, _, err := resolveProfile(tf.profile, tf.credsPath, false)
		if err != nil {
			return nil, err
		}
		if p.Exchange != e.Name {
			return nil, fmt.Errorf("%s is a %s profile, not %s: use --exchange %s, or a profile with exchange: %s", src.Where, p.Exchange, e.Name, p.Exchange, e.Name)
		}
		t.base = firstNonEmpty(tf.baseURL, p.BaseURL, e.BaseURL)
		if t.creds, err = v.credentialsFrom(s, e, p, tf.apiKey, tf.key); err != nil {
			return nil, err
		}
		t.where = e.Title + " at " + t.base + " with " + src.Where
		return t, nil
	}
	if tf.baseURL == "" && tf.apiKey == "" && tf.key.file == "" {
		if !embedded {
			return nil, fmt.Errorf("no %s to talk to: give --base-url (e.g. after `mbx serve --exchange %s`) with --api-key and --key-file", e.Title, e.Name)
		}
		em, base, err := startVenue(ctx, e, exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{e.TestKey}}, "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("starting the embedded local %s: %w", e.Title, err)
		}
		t.embedded, t.base = em, base
		t.creds = exchange.Credentials{APIKey: e.TestKey.APIKey, Secret: e.TestKey.Secret, Passphrase: e.TestKey.Passphrase}
		t.where = "the embedded local " + e.Title + " exchange at " + base + " with its public test key (no credentials were given)"
		return t, nil
	}
	t.base = tf.baseURL
	if t.base == "" {
		t.base = e.BaseURL
	}
	c, err := v.credentials(s, e, tf.apiKey, tf.key)
	if err != nil {
		return nil, err
	}
	t.creds, t.where = c, e.Title+" at "+t.base
	return t, nil
}

func startVenue(ctx context.Context, e exchanges.Entry, cfg exchange.EmulatorConfig, addr string) (exchange.Emulator, string, error) {
	em, err := e.New().NewEmulator(ctx, cfg)
	if err != nil {
		return nil, "", err
	}
	base, err := em.Start(ctx, addr)
	if err != nil {
		em.Close()
		return nil, "", err
	}
	return em, base, nil
}

func runVenueDoctor(ctx context.Context, s streams, e exchanges.Entry, v venueFlags, tf targetFlags, noColor bool) error {
	tty := isTTY(s.out) && !tf.jsonOut
	color := tty && !noColor && os.Getenv("NO_COLOR") == ""
	t, err := resolveVenue(ctx, s, e, v, tf, true)
	if err != nil {
		return err
	}
	defer t.close()
	if t.embedded != nil && !tf.jsonOut {
		fmt.Fprintf(s.out, "No credentials or base URL given: starting the embedded local %s exchange in-process and checking against it.\n\n", e.Title)
	}
	dt := &doctor.ExchangeTarget{Entry: e, Exchange: t.ex, BaseURL: t.base, Creds: t.creds, Where: t.where,
		Embedded: t.embedded != nil, HTTP: &http.Client{Timeout: 20 * time.Second}}
	progress := func(i, n int, title string) {
		if tty {
			fmt.Fprintf(s.out, "\r\033[K[%d/%d] %s…", i+1, n, title)
		}
	}
	rep := doctor.RunExchange(ctx, dt, progress)
	if tty {
		fmt.Fprint(s.out, "\r\033[K")
	}
	return finishDoctor(s, rep, tf.jsonOut, color)
}

func runVenueCall(ctx context.Context, s streams, e exchanges.Entry, v venueFlags, o callOpts, args []string) error {
	method, path := strings.ToUpper(args[0]), args[1]
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("PATH %q must start with /", path)
	}
	ps, err := parseArgs(args[2:])
	if err != nil {
		return err
	}
	t, err := resolveVenue(ctx, s, e, v, o.target, false)
	if err != nil {
		return err
	}
	defer t.close()
	req := exchange.Request{Method: method, Path: path, Time: time.Now()}
	for _, p := range ps {
		req.Params = append(req.Params, exchange.Param{Name: p.Name, Value: p.Value})
	}
	signed, err := t.ex.Sign(req, t.creds)
	if err != nil {
		return err
	}
	hr, err := signed.NewHTTPRequest(ctx, t.base)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(hr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if json.Indent(&buf, body, "", "  ") != nil {
		buf.Reset()
		buf.Write(body)
	}
	fmt.Fprintln(s.out, buf.String())
	if eerr := e.Envelope(resp.StatusCode, body); eerr != nil {
		fmt.Fprintln(s.err, "error:", eerr)
		if x := resp.Header.Get("X-MBX-EXPLAIN"); x != "" {
			fmt.Fprintln(s.err, "exchange explains:", x)
		}
		return &exitError{code: 1}
	}
	return nil
}

// venueExplainOutput is the --json shape of `mbx explain --exchange`.
type venueExplainOutput struct {
	Exchange    string   `json:"exchange"`
	Accepted    bool     `json:"accepted"`
	Status      int      `json:"status"`
	Code        string   `json:"code,omitempty"`
	Message     string   `json:"message,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
	Mistakes    []string `json:"mistakes,omitempty"`
}

func runVenueExplain(s streams, e exchanges.Entry, v venueFlags, input string, o explainOpts, serverTime time.Time) error {
	r, err := reqparse.Parse(input)
	if err != nil {
		return err
	}
	in := exchange.Incoming{Method: r.Method, Path: r.Path, RawQuery: r.RawQuery, Header: r.Header, Body: r.Body}
	var known exchange.Credentials
	apiKey := o.apiKey
	if apiKey == "" && e.APIKeyHeader != "" {
		apiKey = r.Header.Get(e.APIKeyHeader)
	}
	haveKey := o.key.file != "" || o.profile != "" || o.credsPath != ""
	switch {
	case o.key.file != "":
		known, err = v.credentials(s, e, apiKey, o.key)
	case haveKey:
		var p creds.Profile
		var src profileSource
		if p, src, _, err = resolveProfile(o.profile, o.credsPath, false); err == nil && p.Exchange != e.Name {
			err = fmt.Errorf("%s is a %s profile, not %s", src.Where, p.Exchange, e.Name)
		}
		if err == nil {
			known, err = v.credentialsFrom(s, e, p, o.apiKey, o.key)
		}
	}
	if err != nil {
		return err
	}
	red := redactCreds(known)
	lookup := func(k string) (exchange.Credentials, bool) {
		if !haveKey || k != known.APIKey {
			return exchange.Credentials{}, false
		}
		return known, true
	}
	if serverTime.IsZero() {
		serverTime = time.Now()
	}
	vd := e.New().Verify(in, lookup, serverTime)
	out := venueExplainOutput{Exchange: e.Name, Accepted: vd.OK, Status: vd.Status, Code: vd.Code, Message: vd.Message,
		Explanation: red(vd.Explanation)}
	for _, m := range vd.Mistakes {
		out.Mistakes = append(out.Mistakes, red(m))
	}
	if o.jsonOut {
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if vd.OK {
		fmt.Fprintf(s.out, "%s would accept this request.\n", e.Title)
		return nil
	}
	fmt.Fprintf(s.out, "%s would answer HTTP %d, code %s: %s\n", e.Title, vd.Status, vd.Code, vd.Message)
	if out.Explanation != "" {
		fmt.Fprintln(s.out, out.Explanation)
	}
	for _, m := range out.Mistakes {
		fmt.Fprintln(s.out, "  •", m)
	}
	if !haveKey {
		fmt.Fprintln(s.out, "(give --key-file with the secret, and --api-passphrase-file where the exchange has one, or --profile, to check the signature and find the mistake)")
	}
	return &exitError{code: 1}
}

func runVenueServe(ctx context.Context, s streams, e exchanges.Entry, o serveOpts) error {
	cfg := exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{e.TestKey}}
	if o.config != "" {
		keys, err := exchanges.LoadKeys(o.config)
		if err != nil {
			return err
		}
		cfg.Keys = keys
	}
	if o.data != "" {
		if err := os.MkdirAll(o.data, 0o700); err != nil {
			return fmt.Errorf("--data %s: %w", o.data, err)
		}
		cfg.DataPath = strings.TrimRight(o.data, "/") + "/" + e.Name + ".sqlite"
		if o.reset {
			_ = os.Remove(cfg.DataPath)
		}
	}
	em, base, err := startVenue(ctx, e, cfg, o.addr)
	if err != nil {
		return err
	}
	defer em.Close()
	fmt.Fprintf(s.out, "mbx local %s exchange listening on %s\n", e.Title, base)
	if cfg.DataPath != "" {
		fmt.Fprintf(s.out, "  state      %s (survives restarts; --reset wipes it)\n", cfg.DataPath)
	} else {
		fmt.Fprintf(s.out, "  state      a temporary file, removed on exit (use --data DIR to keep it)\n")
	}
	fmt.Fprintln(s.out, "  accepted keys:")
	for _, k := range cfg.Keys {
		note := ""
		if o.config == "" {
			note = "  (public test key: secret and passphrase in the README)"
		}
		fmt.Fprintf(s.out, "    %s%s\n", k.APIKey, note)
	}
	fmt.Fprintln(s.out, "Press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Fprintln(s.out, "stopping")
	return em.Close()
}

// runVenueTime is `mbx time --exchange NAME`: the exchange's time source
// (exchange.Exchange.TimeSource) measured with the shared clock, against
// --base-url, or the embedded local exchange when none is given. The time
// endpoint is public, so no key is needed.
func runVenueTime(ctx context.Context, s streams, e exchanges.Entry, o timeOpts) error {
	if o.target.profile != "" || o.target.credsPath != "" || o.target.env != "" {
		return fmt.Errorf("--exchange %s: give --base-url (creds profiles and --env apply to Binance)", e.Name)
	}
	ex := e.New()
	base := o.target.baseURL
	if base == "" {
		em, b, err := startVenue(ctx, e, exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{e.TestKey}}, "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("starting the embedded local %s: %w", e.Title, err)
		}
		defer em.Close()
		base = b
		if !o.target.jsonOut {
			fmt.Fprintf(s.out, "No --base-url given: measuring the embedded local %s exchange (give --base-url %s for the real one).\n", e.Title, e.BaseURL)
		}
	}
	ck := clock.New(ex.TimeSource(base, &http.Client{Timeout: 10 * time.Second}), clock.Options{})
	return timeLoop(ctx, s, o, func(ctx context.Context) (timeReport, clock.Estimate, error) {
		est, err := ck.Sync(ctx)
		if err != nil {
			return timeReport{}, est, fmt.Errorf("%s time at %s: %w", e.Title, base, err)
		}
		// Headroom is Binance's rule (1000ms ahead, recvWindow behind);
		// each exchange's own window is in its doctor check and README.
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		return timeReport{Base: base, OffsetMs: ms(est.Offset), BoundMs: ms(est.Bound), RTTMs: ms(est.RTT), Samples: est.Samples,
			ServerTimeUnixMs: time.Now().Add(est.Offset).UnixMilli()}, est, nil
	})
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

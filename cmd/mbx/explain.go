package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/reqparse"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/spf13/cobra"
)

type explainOpts struct {
	key         keyFlags
	profile     string
	credsPath   string
	secretEnv   string
	apiKey      string
	env         string
	baseURL     string
	serverTime  int64
	ask         bool
	jsonOut     bool
	body        string
	method      string
	contentType string
	code        int
	strictLast  bool
}

func newExplainCmd(s streams) *cobra.Command {
	var o explainOpts
	cmd := &cobra.Command{
		Use:   "explain [--key-file FILE | --profile NAME | --secret-env VAR] [--server-time MS | --ask] [--json] [INPUT | -]",
		Short: "Explain why Binance rejects a request (-1022, -1021, -2015)",
		Long: `Verify a failing request with the same engine as the local exchange and say
what Binance verified (the exact payload, made visible), whether the signature
matches, and if not which client mistake produced it, with a byte-level diff of
what was signed and what was sent.

INPUT is a curl command line, a raw HTTP request (request line, headers, blank
line, body; e.g. from a proxy log), or a URL (with --body for a body). Without
INPUT, or with -, it is read from standard input.

The key is read from --key-file, --profile (a creds file), --secret-env (an
environment variable holding an HMAC secret) or the MBX_* variables. It is
never printed.

Timing (-1021) is judged against --server-time MS, or the exchange's clock
with --ask, or else this machine's clock (and the output says so). For
-2015 mbx cannot see Binance's key database: it lists what to check.

Exit code: 0 when Binance would accept the request, 1 when it would reject it.`,
		Example: `  mbx explain --key-file secret.txt "curl -H 'X-MBX-APIKEY: KEY' -X POST 'https://api.binance.com/api/v3/order?symbol=BTCUSDT&...&signature=...'"
  pbpaste | mbx explain --profile main --ask
  mbx explain --secret-env BINANCE_SECRET --server-time 1499827319559 < request.http
  mbx explain --key-file secret.txt --body 'quantity=1&timestamp=...&signature=...' 'https://api.binance.com/api/v3/order?symbol=BTCUSDT'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			input := "-"
			if len(args) == 1 {
				input = args[0]
			}
			return runExplain(cmd.Context(), s, o, input, cmd.Flags().Changed("body"), cmd.Flags().Changed("server-time"))
		},
	}
	f := cmd.Flags()
	o.key.register(f)
	f.StringVar(&o.profile, "profile", "", "take the key from this creds profile")
	f.StringVar(&o.credsPath, "creds", "", "credentials file (default $MBX_CREDS or ~/.config/mbx/creds.yml)")
	f.StringVar(&o.secretEnv, "secret-env", "", "environment variable holding the HMAC secret")
	f.StringVar(&o.apiKey, "api-key", "", "the API key the secret belongs to (default the profile's); a request sent with another key is flagged")
	f.StringVar(&o.env, "env", "", "the environment the key was created in: prod, testnet or demo (default the profile's), for the -2015 checks")
	f.StringVar(&o.baseURL, "base-url", "", "with --ask: the exchange whose clock to ask (default the request's host)")
	f.Int64Var(&o.serverTime, "server-time", 0, "the exchange's time when the request arrived, in ms since 1970 (from a log or GET /api/v3/time)")
	f.BoolVar(&o.ask, "ask", false, "ask the exchange for its time (GET /api/v3/time or the family's time endpoint)")
	f.BoolVar(&o.jsonOut, "json", false, "print JSON: the parsed request, the verdict and verify's explanation")
	f.StringVar(&o.body, "body", "", "the body, when INPUT is a URL")
	f.StringVar(&o.method, "method", "", "the method, when INPUT is a URL (default GET, or POST with --body)")
	f.StringVar(&o.contentType, "content-type", "", "the Content-Type, when INPUT is a URL (default form-urlencoded with --body)")
	f.IntVar(&o.code, "code", 0, "the code the exchange answered, if known (e.g. --code=-2015)")
	f.BoolVar(&o.strictLast, "strict-signature-last", false, "reject a signature that is not the last parameter (the derivatives docs' rule)")
	return cmd
}

// explainOutput is the --json shape.
type explainOutput struct {
	Request     explainRequest      `json:"request"`
	Key         explainKey          `json:"key"`
	Accepted    bool                `json:"accepted"`
	Signature   string              `json:"signature"` // valid, invalid, or not checked (an earlier check failed)
	HTTPStatus  int                 `json:"status"`
	Code        int                 `json:"code"`
	Msg         string              `json:"msg"`
	Explanation *verify.Explanation `json:"explanation"`
	Timing      explainTiming       `json:"timing"`
	KeyChecks   []string            `json:"key_checks,omitempty"`
	Notes       []string            `json:"notes,omitempty"`
}

type explainRequest struct {
	Format      string `json:"format"`
	Method      string `json:"method"`
	URL         string `json:"url"`
	Host        string `json:"host,omitempty"`
	HostEnv     string `json:"host_env,omitempty"`
	Path        string `json:"path"`
	Query       string `json:"query"`
	Body        string `json:"body"`
	ContentType string `json:"content_type,omitempty"`
	APIKey      string `json:"api_key,omitempty"` // masked
	HasAPIKey   bool   `json:"has_api_key"`
}

type explainKey struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	APIKey string `json:"api_key,omitempty"` // masked
	Env    string `json:"env,omitempty"`
}

type explainTiming struct {
	Source       string `json:"source"` // given, exchange or local
	ServerTimeMs int64  `json:"server_time_ms"`
	Detail       string `json:"detail"`
}

// loadedKey is the key material explain verifies with.
type loadedKey struct {
	signer sign.Signer
	source string
	apiKey string
	env    string
	base   string
}

func runExplain(ctx context.Context, s streams, o explainOpts, input string, bodyGiven, serverTimeGiven bool) error {
	if o.ask && serverTimeGiven {
		return errors.New("--ask and --server-time contradict each other: give one (--server-time to judge against a known time, --ask to ask the exchange now)")
	}
	if serverTimeGiven && o.serverTime <= 0 {
		return fmt.Errorf("--server-time %d: want milliseconds since 1970, e.g. 1499827319559", o.serverTime)
	}
	text, err := readInput(s, input)
	if err != nil {
		return err
	}
	k, err := o.loadKey(s)
	if err != nil {
		return err
	}
	red := newOutputRedactor(k.signer)
	out, accepted, err := explainRequestText(ctx, o, k, text, bodyGiven)
	if err != nil {
		return red.err(err)
	}
	var buf bytes.Buffer
	if o.jsonOut {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printExplain(&buf, out)
	}
	if _, err := s.out.Write(red.bytes(buf.Bytes())); err != nil {
		return err
	}
	if !accepted {
		return &exitError{code: 1}
	}
	return nil
}

// readInput reads INPUT, or standard input for "-".
func readInput(s streams, input string) (string, error) {
	if input != "-" {
		return input, nil
	}
	if f, ok := s.in.(*os.File); ok && isTTY(f) {
		fmt.Fprintln(s.err, "Paste the request (curl command, raw HTTP request or URL), then Ctrl-D:")
	}
	b, err := io.ReadAll(io.LimitReader(s.in, reqparse.MaxInput+1))
	if err != nil {
		return "", fmt.Errorf("reading the request from standard input: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return "", errors.New("no request given: pass it as an argument (a curl command line, a raw HTTP request or a URL) or on standard input")
	}
	return string(b), nil
}

// loadKey reads the key from exactly one source.
func (o explainOpts) loadKey(s streams) (loadedKey, error) {
	n := 0
	for _, set := range []bool{o.secretEnv != "", o.key.file != "", o.profile != "" || o.credsPath != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return loadedKey{}, errors.New("give the key one way: --key-file, --profile (with --creds) or --secret-env")
	}
	k := loadedKey{apiKey: o.apiKey, env: o.env}
	switch {
	case o.secretEnv != "":
		v, ok := os.LookupEnv(o.secretEnv)
		if !ok {
			return k, fmt.Errorf("--secret-env %s: the variable is not set; export it, or give --key-file or --profile", o.secretEnv)
		}
		h, warnings, err := sign.ParseHMACSecret([]byte(v))
		for _, w := range warnings {
			fmt.Fprintf(s.err, "warning: $%s: %s\n", o.secretEnv, w)
		}
		if err != nil {
			return k, fmt.Errorf("--secret-env %s: %w", o.secretEnv, err)
		}
		k.signer, k.source = h, "$"+o.secretEnv
	case o.key.file != "":
		signer, err := o.key.load(s)
		if err != nil {
			return k, err
		}
		k.signer, k.source = signer, "--key-file "+o.key.file
	default:
		p, where, err := o.profileForKey()
		if err != nil {
			return k, err
		}
		signer, warnings, err := p.Signer(o.key.passphrase(s))
		for _, w := range warnings {
			fmt.Fprintln(s.err, "warning:", w)
		}
		if err != nil {
			return k, err
		}
		k.signer, k.source = signer, where
		if k.apiKey == "" {
			k.apiKey = p.APIKey
		}
		if k.env == "" && p.BaseURL == "" {
			k.env = string(p.Env)
		}
		k.base = p.BaseURL
	}
	if k.env != "" {
		e, err := creds.ParseEnv(k.env)
		if err != nil {
			return k, fmt.Errorf("--env %q: %w", k.env, err)
		}
		k.env = string(e)
	}
	return k, nil
}

// profileForKey finds the profile: --profile/--creds, else the MBX_*
// variables, else the creds file's default profile.
func (o explainOpts) profileForKey() (creds.Profile, string, error) {
	if o.profile == "" && o.credsPath == "" {
		if p, ok, err := creds.FromEnv(os.Getenv); err != nil {
			return p, "", fmt.Errorf("MBX_* environment variables: %w", err)
		} else if ok {
			return p, "the MBX_* environment variables", nil
		}
	}
	path := o.credsPath
	if path == "" {
		var err error
		if path, err = creds.DefaultPath(); err != nil {
			return creds.Profile{}, "", err
		}
	}
	file, err := creds.Load(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && o.profile == "" && o.credsPath == "" {
			return creds.Profile{}, "", errors.New("mbx explain needs the key to check the signature: give --key-file FILE, --profile NAME (from a creds file), or --secret-env VAR (an HMAC secret in an environment variable)")
		}
		return creds.Profile{}, "", err
	}
	p, err := file.Profile(o.profile)
	if err != nil {
		return p, "", err
	}
	return p, fmt.Sprintf("profile %q from %s", p.Name, path), nil
}

// explainRequestText parses, verifies and explains; the bool is whether
// Binance would accept the request.
func explainRequestText(ctx context.Context, o explainOpts, k loadedKey, text string, bodyGiven bool) (*explainOutput, bool, error) {
	var req *reqparse.Request
	var err error
	if bodyGiven || o.method != "" || o.contentType != "" {
		req, err = reqparse.ParseURL(strings.TrimSpace(text), o.body)
		if err == nil {
			if o.method != "" {
				req.Method = strings.ToUpper(o.method)
			}
			if o.contentType != "" {
				req.Header.Set("Content-Type", o.contentType)
			}
		}
	} else {
		req, err = reqparse.Parse(text)
	}
	if err != nil {
		if bodyGiven {
			return nil, false, fmt.Errorf("%w (--body, --method and --content-type go with a URL input)", err)
		}
		return nil, false, err
	}
	verifier, err := sign.Public(k.signer)
	if err != nil {
		return nil, false, err
	}
	reqKey, hasKey := req.APIKey()
	var notes []string
	checkHeader := true
	if req.Format == reqparse.FormatURL && !hasKey {
		// A URL carries no headers: take the key's own API key when known.
		if k.apiKey != "" {
			req.Header.Set("X-MBX-APIKEY", k.apiKey)
			reqKey, hasKey = k.apiKey, true
			notes = append(notes, "A URL carries no headers: the request is taken as sent with X-MBX-APIKEY "+creds.MaskKey(k.apiKey)+", the key's API key.")
		} else {
			checkHeader = false
			notes = append(notes, "A URL carries no headers, so the X-MBX-APIKEY header was not checked; give --api-key to include it.")
		}
	}
	out := &explainOutput{
		Request: explainRequest{Format: string(req.Format), Method: req.Method, URL: req.URL(), Host: req.Host, HostEnv: hostEnv(req.Host),
			Path: req.Path, Query: req.RawQuery, Body: string(req.Body), ContentType: req.ContentType(), APIKey: creds.MaskKey(reqKey), HasAPIKey: hasKey},
		Key:   explainKey{Type: k.signer.Algorithm().String(), Source: k.source, APIKey: creds.MaskKey(k.apiKey), Env: k.env},
		Notes: append(append([]string(nil), req.Notes...), notes...),
	}
	timing, err := o.serverClock(ctx, k, req)
	if err != nil {
		return nil, false, err
	}
	out.Timing = timing
	vreq := req.Verify()
	opt := verify.Options{ServerTime: time.UnixMilli(timing.ServerTimeMs), SignatureMustBeLast: o.strictLast}
	if timing.Source == "local" {
		opt.ServerTime = time.Time{} // verify reads the clock itself, to the microsecond
	}
	key := verify.Key{APIKey: reqKey, Verifier: verifier}
	_, rej := verify.Verify(vreq, key, opt)
	out.Explanation = verify.Explain(vreq, key, opt)
	var hdrRej *verify.Rejection
	if checkHeader {
		hdrRej = verify.CheckAPIKeyHeader(reqKey, hasKey)
	}
	switch {
	case hdrRej != nil:
		// Binance checks the header first: this is its answer.
		out.HTTPStatus, out.Code, out.Msg = hdrRej.HTTPStatus, int(hdrRej.Code), hdrRej.Msg
		out.Notes = append(out.Notes, "Binance answers -2014 before it looks at the signature: the X-MBX-APIKEY header "+apiKeyHeaderProblem(hdrRej))
	case rej != nil:
		out.HTTPStatus, out.Code, out.Msg = rej.HTTPStatus, int(rej.Code), rej.Msg
	default:
		out.Accepted, out.HTTPStatus = true, 200
	}
	switch {
	case rej == nil || rej.Code == codes.InvalidTimestamp:
		out.Signature = "valid"
	case rej.Code == codes.InvalidSignature:
		out.Signature = "invalid"
	default:
		out.Signature = "not checked"
	}
	if k.apiKey != "" && hasKey && reqKey != k.apiKey {
		out.Notes = append(out.Notes, fmt.Sprintf("The request carries API key %s, but the key you gave belongs to %s: Binance checks the signature with the secret of the key in the header, so it fails (-1022) or the key is unknown there (-2015). Send the API key that belongs to the secret.",
			creds.MaskKey(reqKey), creds.MaskKey(k.apiKey)))
	}
	signatureOK := hdrRej == nil && (rej == nil || rej.Code == codes.InvalidTimestamp)
	if signatureOK || o.code == int(codes.RejectedMBXKey) {
		out.KeyChecks = keyChecks(req, k, o.code)
	}
	if o.code != 0 && out.Accepted {
		out.Notes = append(out.Notes, fmt.Sprintf("The exchange answered %d, but mbx finds the request valid with this key and clock: the cause is outside the signature (see the checks below), or the exchange saw a different request or key.", o.code))
	}
	return out, out.Accepted, nil
}

func apiKeyHeaderProblem(rej *verify.Rejection) string {
	if rej.Explanation != nil {
		v := rej.Explanation.Verdict
		return strings.TrimPrefix(v, "X-MBX-APIKEY header ") + "."
	}
	return "is malformed."
}

// serverClock decides the exchange's time the request is judged against.
func (o explainOpts) serverClock(ctx context.Context, k loadedKey, req *reqparse.Request) (explainTiming, error) {
	switch {
	case o.serverTime > 0:
		return explainTiming{Source: "given", ServerTimeMs: o.serverTime,
			Detail: fmt.Sprintf("the exchange's time given with --server-time (%s)", time.UnixMilli(o.serverTime).UTC().Format("2006-01-02 15:04:05.000 MST"))}, nil
	case o.ask:
		base := o.baseURL
		if base == "" {
			base = req.BaseURL()
		}
		opt := binance.Options{BaseURL: base}
		if base == "" {
			switch {
			case k.base != "":
				opt.BaseURL, base = k.base, k.base
			case k.env != "":
				opt.Env, base = binance.Env(k.env), "the "+k.env+" environment"
			default:
				return explainTiming{}, errors.New("--ask needs to know which exchange to ask: give --base-url, or a request with a full URL (https://host/...)")
			}
		}
		c, err := binance.New(opt)
		if err != nil {
			return explainTiming{}, fmt.Errorf("--ask: %w", err)
		}
		fam, ferr := binance.FamilyOf(req.Path)
		if ferr != nil {
			fam = binance.Spot
		}
		ck, err := c.Clock(fam)
		if err != nil {
			return explainTiming{}, fmt.Errorf("--ask: %w", err)
		}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		est, err := ck.Sync(sctx)
		if err != nil {
			return explainTiming{}, fmt.Errorf("--ask: asking %s for its time: %w (give --server-time MS instead)", base, err)
		}
		now := time.Now().Add(est.Offset)
		return explainTiming{Source: "exchange", ServerTimeMs: now.UnixMilli(),
			Detail: fmt.Sprintf("asked %s (%s): this machine's clock is %s the exchange's", base, fam.TimePath(), describeOffset(est.Offset, est.Bound))}, nil
	}
	return explainTiming{Source: "local", ServerTimeMs: time.Now().UnixMilli(),
		Detail: "this machine's clock, not the exchange's: give --server-time MS (from a log or GET /api/v3/time) or --ask. A request copied from a log is naturally old now, so -1021 here may only mean that"}, nil
}

func describeOffset(off, bound time.Duration) string {
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	switch {
	case off > 0:
		return fmt.Sprintf("%s behind (± %s)", r(off), r(bound))
	case off < 0:
		return fmt.Sprintf("%s ahead of (± %s)", r(-off), r(bound))
	}
	return fmt.Sprintf("level with (± %s)", r(bound))
}

// hostEnv names the environment a host belongs to.
func hostEnv(host string) string {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	switch {
	case h == "":
		return ""
	case h == "testnet.binance.vision" || h == "testnet.binancefuture.com":
		return "testnet"
	case strings.HasPrefix(h, "demo-") && strings.HasSuffix(h, ".binance.com"):
		return "demo"
	case strings.HasSuffix(h, ".binance.com"):
		return "prod"
	case h == "localhost" || h == "::1" || strings.HasPrefix(h, "127."):
		return "local"
	}
	return ""
}

func envName(e string) string {
	switch e {
	case "prod":
		return "production"
	case "testnet":
		return "the testnet"
	case "demo":
		return "demo trading"
	case "local":
		return "a local exchange (mbx serve)"
	}
	return e
}

// keyChecks lists what to check for a -2015: mbx cannot see Binance's key
// database, so it says where to look, first what the request itself hints.
func keyChecks(req *reqparse.Request, k loadedKey, code int) []string {
	var out []string
	he := hostEnv(req.Host)
	switch {
	case he != "" && he != "local" && k.env != "" && k.env != he:
		out = append(out, fmt.Sprintf("Environment mismatch: the key is from %s but the request went to %s (%s). API keys exist in one environment only: a testnet key is unknown on production and the reverse, which is -2015. Send it to the key's environment or use a key created there.",
			envName(k.env), envName(he), req.Host))
	case he == "testnet":
		out = append(out, fmt.Sprintf("The request went to the testnet (%s): testnet keys are created at testnet.binance.vision (spot) or testnet.binancefuture.com (futures); a production key is unknown there, which is -2015.", req.Host))
	case he == "prod" || he == "demo":
		out = append(out, fmt.Sprintf("The request went to %s (%s): a key created on the testnet (testnet.binance.vision, testnet.binancefuture.com) is unknown there, which is -2015. Check the key was made on the API Management page of this environment.", envName(he), req.Host))
	default:
		out = append(out, "Check the key exists on the exchange the request went to: a testnet key is unknown on production and the reverse, which is -2015.")
	}
	out = append(out,
		"IP whitelist: if the key is restricted to trusted IPs, the public (egress) IP of the machine that sent the request must be on the list; cloud hosts, containers, VPNs and IPv6 change it. Binance's futures API names the IP it saw in the -2015 message.",
		"Permission: "+permissionFor(req.Method, req.Path),
		"The key was not deleted, expired or re-created (re-creating gives a new API key and secret), and the X-MBX-APIKEY header holds the API key, not the secret.")
	if code == int(codes.RejectedMBXKey) {
		out = append(out, "mbx doctor with this key checks it against the exchange directly, including /sapi/v1/account/apiRestrictions (which lists the key's IP restriction and permissions) where the exchange has it.")
	}
	return out
}

// permissionFor names the key permission an endpoint needs, from Binance's
// catalogue.
func permissionFor(method, path string) string {
	e, ok := catalog.Default().Lookup(strings.ToUpper(method), path)
	if !ok {
		if c := catalog.Default().Closest(path); c != "" && c != path {
			return fmt.Sprintf("%s %s is not a Binance endpoint (did you mean %s?); each endpoint needs the permission its docs name, reading needs %s.", method, path, c, catalog.PermissionText(catalog.PermUserData))
		}
		return fmt.Sprintf("the endpoint %s needs the permission its docs name; reading needs %s.", path, catalog.PermissionText(catalog.PermUserData))
	}
	if e.Permission == "" {
		return fmt.Sprintf("%s %s (%s) needs no key permission.", method, path, e.Security)
	}
	note := ""
	switch e.Permission {
	case catalog.PermWithdraw:
		note = " Binance allows withdrawals only for keys with an IP restriction."
	case catalog.PermFutures:
		note = " The account needs a futures account opened."
	}
	return fmt.Sprintf("%s %s (%s) needs %s on the key.%s", method, path, e.Security, catalog.PermissionText(e.Permission), note)
}

// printExplain writes the readable report.
func printExplain(w io.Writer, out *explainOutput) {
	r := out.Request
	row := func(k, v string) { fmt.Fprintf(w, "%-12s %s\n", k, v) }
	row("request", fmt.Sprintf("%s %s  (%s)", r.Method, r.URL, r.Format))
	if r.Body != "" {
		row("body", verify.Visible([]byte(r.Body)))
	}
	if r.ContentType != "" {
		row("type", r.ContentType)
	}
	switch {
	case r.HasAPIKey && r.APIKey != "":
		row("api key", r.APIKey)
	case r.HasAPIKey:
		row("api key", "(empty X-MBX-APIKEY header)")
	default:
		row("api key", "(no X-MBX-APIKEY header)")
	}
	if r.HostEnv != "" {
		row("exchange", envName(r.HostEnv)+" ("+r.Host+")")
	}
	key := out.Key.Type + " key from " + out.Key.Source
	if out.Key.APIKey != "" {
		key += ", API key " + out.Key.APIKey
	}
	row("key", key)
	row("server time", fmt.Sprintf("%d, %s", out.Timing.ServerTimeMs, out.Timing.Detail))
	switch out.Signature {
	case "valid":
		row("signature", "matches the payload Binance verifies")
	case "invalid":
		row("signature", "does NOT match the payload Binance verifies")
	default:
		row("signature", "not checked: Binance refuses the request before it gets to the signature")
	}
	fmt.Fprintln(w)
	if out.Accepted {
		fmt.Fprintln(w, "ACCEPTED: Binance would verify this request (signature and timing).")
	} else {
		fmt.Fprintf(w, "REJECTED: Binance would answer HTTP %d {\"code\":%d,\"msg\":%q}\n", out.HTTPStatus, out.Code, out.Msg)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, out.Explanation.Text())
	if len(out.Notes) > 0 {
		fmt.Fprintln(w, "\nabout the input:")
		for _, n := range out.Notes {
			fmt.Fprintln(w, "  - "+n)
		}
	}
	if len(out.KeyChecks) > 0 {
		head := "If the exchange still answers -2015 (" + codes.MsgRejectedKey + "), mbx cannot see Binance's key database; check:"
		if out.Code == int(codes.InvalidTimestamp) {
			head = "Once the timestamp is fixed, a -2015 (" + codes.MsgRejectedKey + ") would come from the key itself; check:"
		}
		fmt.Fprintln(w, "\n"+head)
		for _, c := range out.KeyChecks {
			fmt.Fprintln(w, "  - "+c)
		}
	}
}

// outputRedactor removes an HMAC secret from everything explain prints,
// whatever path it took into the output (a request that carried the
// secret, a parse error quoting the input).
type outputRedactor struct{ forms [][]byte }

func newOutputRedactor(signer sign.Signer) outputRedactor {
	s, ok := signer.(interface{ Secret() secret.Value })
	if !ok {
		return outputRedactor{}
	}
	raw := string(s.Secret().Expose())
	if raw == "" {
		return outputRedactor{}
	}
	forms := []string{raw, pct.Escape(raw), verify.Visible([]byte(raw))}
	if j, err := json.Marshal(raw); err == nil {
		forms = append(forms, strings.Trim(string(j), `"`))
	}
	var r outputRedactor
	for _, f := range forms {
		if f != "" && !containsForm(r.forms, f) {
			r.forms = append(r.forms, []byte(f))
		}
	}
	return r
}

func containsForm(forms [][]byte, f string) bool {
	for _, x := range forms {
		if string(x) == f {
			return true
		}
	}
	return false
}

func (r outputRedactor) bytes(b []byte) []byte {
	for _, f := range r.forms {
		b = bytes.ReplaceAll(b, f, []byte(secret.Redacted))
	}
	return b
}

func (r outputRedactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := string(r.bytes([]byte(err.Error())))
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

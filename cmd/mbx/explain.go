package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/explain"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/reqparse"
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
	venue       venueFlags
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
			if e, other, err := o.venue.entry(o.profile, o.credsPath); err != nil {
				return err
			} else if other {
				text, err := readInput(s, input)
				if err != nil {
					return err
				}
				var st time.Time
				if o.serverTime > 0 {
					st = time.UnixMilli(o.serverTime)
				}
				return runVenueExplain(s, e, o.venue, text, o, st)
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
	o.venue.register(f)
	f.BoolVar(&o.strictLast, "strict-signature-last", false, "reject a signature that is not the last parameter (the derivatives docs' rule)")
	return cmd
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
	out, err := explain.Explain(ctx, explain.Input{
		Text: text, URLMode: bodyGiven, Body: o.body, Method: o.method, ContentType: o.contentType,
		Signer: k.signer, KeySource: k.source, APIKey: k.apiKey, Env: k.env,
		Code: o.code, StrictSignatureLast: o.strictLast,
		Clock: func(ctx context.Context, req *reqparse.Request) (explain.Timing, error) {
			return o.serverClock(ctx, k, req)
		},
	})
	if err != nil {
		if bodyGiven && errors.Is(err, reqparse.ErrSyntax) {
			err = fmt.Errorf("%w (--body, --method and --content-type go with a URL input)", err)
		}
		return red.Error(err)
	}
	accepted := out.Accepted
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
	if _, err := s.out.Write(red.Bytes(buf.Bytes())); err != nil {
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
	p, src, ok, err := resolveProfile(o.profile, o.credsPath, true)
	if err != nil {
		return p, "", err
	}
	if !ok {
		return p, "", errors.New("mbx explain needs the key to check the signature: give --key-file FILE, --profile NAME (from a creds file), or --secret-env VAR (an HMAC secret in an environment variable)")
	}
	return p, src.Where, nil
}

// serverClock decides the exchange's time the request is judged against.
func (o explainOpts) serverClock(ctx context.Context, k loadedKey, req *reqparse.Request) (explain.Timing, error) {
	switch {
	case o.serverTime > 0:
		return explain.Timing{Source: "given", ServerTimeMs: o.serverTime,
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
				return explain.Timing{}, errors.New("--ask needs to know which exchange to ask: give --base-url, or a request with a full URL (https://host/...)")
			}
		}
		c, err := binance.New(opt)
		if err != nil {
			return explain.Timing{}, fmt.Errorf("--ask: %w", err)
		}
		fam, ferr := binance.FamilyOf(req.Path)
		if ferr != nil {
			fam = binance.Spot
		}
		ck, err := c.Clock(fam)
		if err != nil {
			return explain.Timing{}, fmt.Errorf("--ask: %w", err)
		}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		est, err := ck.Sync(sctx)
		if err != nil {
			return explain.Timing{}, fmt.Errorf("--ask: asking %s for its time: %w (give --server-time MS instead)", base, err)
		}
		now := time.Now().Add(est.Offset)
		return explain.Timing{Source: "exchange", ServerTimeMs: now.UnixMilli(),
			Detail: fmt.Sprintf("asked %s (%s): this machine's clock is %s the exchange's", base, fam.TimePath(), describeOffset(est.Offset, est.Bound))}, nil
	}
	return explain.LocalTiming(), nil
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

// printExplain writes the readable report.
func printExplain(w io.Writer, out *explain.Report) {
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
		row("exchange", explain.EnvName(r.HostEnv)+" ("+r.Host+")")
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
func newOutputRedactor(signer sign.Signer) secret.Redactor {
	s, ok := signer.(interface{ Secret() secret.Value })
	if !ok {
		return secret.Redactor{}
	}
	v := s.Secret()
	return secret.NewRedactor(v, verify.Visible(v.Expose()))
}

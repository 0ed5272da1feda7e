package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/exchanges"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

type proxyOpts struct {
	listen      string
	upstream    string
	profiles    []string
	credsPath   string
	apiKey      string
	key         keyFlags
	publicKeys  []string
	redisAddr   string
	redisPrefix string
	strictLast  bool
	allowRemote bool
	logJSON     bool
	// Hostile conditions: a cleartext upstream, slow clients, a hung upstream.
	allowCleartext  bool
	upstreamTimeout time.Duration
	bodyTimeout     time.Duration
}

func newProxyCmd(s streams) *cobra.Command {
	var o proxyOpts
	cmd := &cobra.Command{
		Use:   "proxy --listen 127.0.0.1:PORT --upstream URL [--profile NAME | --creds FILE | --api-key KEY --key-file FILE] [--redis ADDR]",
		Short: "Run a debugging reverse proxy in front of Binance for bots that cannot be changed",
		Long: `Point a bot's base URL at the proxy instead of Binance. The proxy:

  - verifies every signed request of the keys it is given, with the same engine
    as the local exchange, against the upstream's clock; a request Binance
    would reject with -1022 or -1021 (or -1100/-1102 on signature, timestamp or
    recvWindow) is answered at once with Binance's error, an X-MBX-EXPLAIN
    header naming the mistake, and X-MBX-INSPECT; it never costs weight;
  - keeps one weight budget for every bot behind it (in-process, or shared
    through Redis with --redis), and after a 429 or 418 from the upstream
    answers 429/418 itself until Retry-After, so no bot can turn a 429 into a ban;
  - forwards everything else byte for byte (raw query and body untouched) and
    returns the answers unchanged;
  - serves the inspector page at /mbx/ (recent requests, verdicts, explanations).

Keys: every profile of --creds (or those named with --profile), the MBX_*
variables, --api-key with --key-file, and --public-key KEY=PEM for RSA and
Ed25519 keys (the proxy only needs the public half). Requests with other keys,
and unsigned requests, are forwarded unverified.`,
		Example: `  mbx proxy --listen 127.0.0.1:8766 --upstream https://api.binance.com --profile main
  mbx proxy --upstream https://testnet.binance.vision --api-key KEY --key-file secret.txt --redis 127.0.0.1:6379
  mbx proxy --upstream http://127.0.0.1:8765 --creds creds.yml    # in front of mbx serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProxy(cmd.Context(), s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8766", "address to listen on (loopback by default; 127.0.0.1:0 picks a free port)")
	f.StringVar(&o.upstream, "upstream", "", "the exchange's base URL, e.g. https://api.binance.com, https://fapi.binance.com or http://127.0.0.1:8765")
	f.StringSliceVar(&o.profiles, "profile", nil, "verify the key of this creds profile (repeatable; default every profile of --creds)")
	f.StringVar(&o.credsPath, "creds", "", "credentials file (default $MBX_CREDS or ~/.config/mbx/creds.yml when --profile is given)")
	f.StringVar(&o.apiKey, "api-key", "", "API key of the --key-file key")
	o.key.register(f)
	f.StringSliceVar(&o.publicKeys, "public-key", nil, "KEY=FILE: verify API key KEY with the RSA or Ed25519 public key in PEM FILE (repeatable)")
	f.StringVar(&o.redisAddr, "redis", "", "share the weight budget and bans through this Redis (host:port), with every proxy and mbx client using it")
	f.StringVar(&o.redisPrefix, "redis-prefix", "", "Redis key prefix (default mbx:rl, shared with mbx clients)")
	f.BoolVar(&o.strictLast, "strict-signature-last", false, "answer -1022 for a signature that is not the last parameter")
	f.BoolVar(&o.allowRemote, "inspector-allow-remote", false, "serve the inspector page to clients that are not on loopback")
	f.BoolVar(&o.logJSON, "log-json", false, "log requests as JSON lines instead of text")
	f.BoolVar(&o.allowCleartext, "allow-cleartext-upstream", false, "allow an http:// upstream that is not on loopback (API keys and signed requests then cross the network unencrypted)")
	f.DurationVar(&o.upstreamTimeout, "upstream-timeout", proxy.DefaultUpstreamTimeout, "longest wait for the upstream's response headers; then the client gets 503 -1007 (execution status unknown)")
	f.DurationVar(&o.bodyTimeout, "body-timeout", proxy.DefaultBodyTimeout, "longest time a client may take to send a request body")
	return cmd
}

// proxyKey is a verified key and where it came from, for the banner.
type proxyKey struct {
	key    verify.Key
	source string
}

func runProxy(ctx context.Context, s streams, o proxyOpts) error {
	if o.upstream == "" {
		return errors.New("--upstream is required: the exchange's base URL, e.g. --upstream https://api.binance.com (spot), https://fapi.binance.com (USDⓈ-M futures) or http://127.0.0.1:8765 (mbx serve)")
	}
	if err := checkUpstreamScheme(s, o.upstream, o.allowCleartext); err != nil {
		return err
	}
	keys, err := o.loadKeys(s)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(s.err, nil)
	if o.logJSON {
		h = slog.NewJSONHandler(s.err, nil)
	}
	logger := slog.New(h)
	opt := proxy.Options{Upstream: o.upstream, Logger: logger, SignatureMustBeLast: o.strictLast, InspectorAllowRemote: o.allowRemote,
		UpstreamTimeout: o.upstreamTimeout, BodyTimeout: o.bodyTimeout}
	for _, k := range keys {
		opt.Keys = append(opt.Keys, k.key)
	}
	budget := "in this process"
	if o.redisAddr != "" {
		rc := redis.NewClient(&redis.Options{Addr: o.redisAddr, DialTimeout: 2 * time.Second})
		defer rc.Close()
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		perr := rc.Ping(pctx).Err()
		cancel()
		if perr != nil {
			fmt.Fprintf(s.err, "warning: --redis %s does not answer (%v): the budget is kept in this process (a quarter of each limit) until it does\n", o.redisAddr, perr)
		}
		opt.Backend = ratelimit.NewRedis(rc, ratelimit.RedisOptions{Prefix: o.redisPrefix, Logger: logger})
		budget = "shared through Redis at " + o.redisAddr
	}
	if host, _, err := net.SplitHostPort(o.listen); err == nil {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			fmt.Fprintf(s.err, "warning: listening on %s, not loopback: anyone who can reach it can send requests through it (the inspector still answers loopback only)\n", o.listen)
		}
	}
	p, err := proxy.New(opt)
	if err != nil {
		return err
	}
	base, err := p.Start(ctx, o.listen)
	if err != nil {
		_ = p.Close()
		return err
	}
	defer p.Close()
	fmt.Fprintf(s.out, "mbx proxy listening on %s\n", base)
	fmt.Fprintf(s.out, "  upstream   %s\n  inspector  %s/mbx/\n  budget     %s\n", p.Upstream(), base, budget)
	if len(keys) == 0 {
		fmt.Fprintln(s.out, "  keys       none: nothing is verified locally (give --profile, --creds, --api-key with --key-file, or --public-key)")
	} else {
		fmt.Fprintln(s.out, "  verified keys:")
		for _, k := range keys {
			fmt.Fprintf(s.out, "    %s  %-11s  %s\n", creds.MaskKey(k.key.APIKey), k.key.Verifier.Algorithm(), k.source)
		}
	}
	fmt.Fprintf(s.out, "Point the bot's base URL at %s. Press Ctrl-C to stop.\n", base)
	<-ctx.Done()
	err = p.Close()
	st := p.Stats()
	fmt.Fprintf(s.out, "stopping: %d forwarded, %d rejected locally (signature/timing), %d rate-limited locally, %d failed\n",
		st.Forwarded, st.RejectedLocally, st.LimitedLocally, st.Failed)
	return err
}

// loadKeys gathers the keys to verify from every source given.
func (o proxyOpts) loadKeys(s streams) ([]proxyKey, error) {
	var out []proxyKey
	seen := map[string]string{}
	add := func(apiKey string, signer sign.Signer, v sign.Verifier, source string) error {
		if v == nil {
			var err error
			if v, err = sign.Public(signer); err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
		}
		if prev, dup := seen[apiKey]; dup {
			fmt.Fprintf(s.err, "warning: API key %s is given by both %s and %s; using the first\n", creds.MaskKey(apiKey), prev, source)
			return nil
		}
		seen[apiKey] = source
		out = append(out, proxyKey{key: verify.Key{APIKey: apiKey, Verifier: v}, source: source})
		return nil
	}
	if len(o.profiles) > 0 || o.credsPath != "" {
		file, path, err := openCreds(o.credsPath)
		if err != nil {
			return nil, err
		}
		names, explicit := o.profiles, true
		if len(names) == 0 {
			names, explicit = file.Names(), false
		}
		sort.Strings(names)
		for _, n := range names {
			p, err := file.Profile(n)
			if err != nil {
				return nil, err
			}
			src := fmt.Sprintf("profile %q", p.Name)
			if p.Exchange != exchanges.Binance {
				if explicit {
					return nil, fmt.Errorf("%s in %s is a %s profile: mbx proxy verifies Binance requests", src, path, p.Exchange)
				}
				continue // another exchange's key: not this proxy's
			}
			if p.APIKey == "" {
				if explicit {
					return nil, fmt.Errorf("%s in %s has no api_key: the proxy recognises a bot's requests by it; add api_key", src, path)
				}
				fmt.Fprintf(s.err, "warning: %s has no api_key; skipped\n", src)
				continue
			}
			signer, warnings, err := p.Signer(o.key.passphrase(s))
			for _, w := range warnings {
				fmt.Fprintln(s.err, "warning:", w)
			}
			if err != nil {
				if explicit {
					return nil, err
				}
				fmt.Fprintf(s.err, "warning: %s skipped: %v\n", src, err)
				continue
			}
			if err := add(p.APIKey, signer, nil, src); err != nil {
				return nil, err
			}
		}
	} else if p, ok, err := creds.FromEnv(os.Getenv); err != nil {
		return nil, fmt.Errorf("MBX_* environment variables: %w", err)
	} else if ok && p.APIKey != "" && o.key.file == "" {
		signer, warnings, err := p.Signer(o.key.passphrase(s))
		for _, w := range warnings {
			fmt.Fprintln(s.err, "warning:", w)
		}
		if err != nil {
			return nil, fmt.Errorf("MBX_* environment variables: %w", err)
		}
		if err := add(p.APIKey, signer, nil, "MBX_* environment variables"); err != nil {
			return nil, err
		}
	}
	switch {
	case o.key.file != "" && o.apiKey == "":
		return nil, errors.New("--key-file needs --api-key: the proxy recognises a bot's requests by the X-MBX-APIKEY header")
	case o.key.file != "":
		signer, err := o.key.load(s)
		if err != nil {
			return nil, err
		}
		if err := add(o.apiKey, signer, nil, "--key-file "+o.key.file); err != nil {
			return nil, err
		}
	case o.apiKey != "":
		return nil, errors.New("--api-key needs --key-file (an HMAC secret or a private key) or use --public-key KEY=PEMFILE")
	}
	for _, pk := range o.publicKeys {
		apiKey, file, ok := strings.Cut(pk, "=")
		if !ok || apiKey == "" || file == "" {
			return nil, fmt.Errorf("--public-key %q: want APIKEY=FILE, the API key and the PEM public key registered with it", pk)
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--public-key: %w", err)
		}
		v, err := sign.ParsePublicKeyPEM(pem)
		if err != nil {
			return nil, fmt.Errorf("--public-key %s: %w", file, err)
		}
		if err := add(apiKey, nil, v, "--public-key "+file); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkUpstreamScheme refuses an http:// upstream off loopback unless
// allowed: the proxy forwards API keys and signed requests, which anyone on
// the path could then read and replay within recvWindow. A loopback one
// (mbx serve) is fine but still warned about, and so is an allowed one.
func checkUpstreamScheme(s streams, upstream string, allow bool) error {
	u, err := url.Parse(upstream)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return nil // https, or a bad URL that proxy.New explains
	}
	host := u.Hostname()
	ip, ipErr := netip.ParseAddr(host)
	loopback := strings.EqualFold(host, "localhost") || (ipErr == nil && ip.Unmap().IsLoopback())
	switch {
	case loopback:
		fmt.Fprintf(s.err, "warning: upstream %s is cleartext http:// (fine on loopback, e.g. mbx serve; use https:// for anything else)\n", upstream)
	case allow:
		fmt.Fprintf(s.err, "warning: upstream %s is cleartext http:// (--allow-cleartext-upstream): API keys and signed requests cross the network unencrypted\n", upstream)
	default:
		return fmt.Errorf("--upstream %s is cleartext http:// and not on loopback: API keys and signed requests would cross the network unencrypted; use https:// or pass --allow-cleartext-upstream", upstream)
	}
	return nil
}

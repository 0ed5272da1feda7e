package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/spf13/cobra"
)

type callOpts struct {
	target     targetFlags
	bodyParams []string
	signed     bool
	unsigned   bool
	apiKeyOnly bool
	venue      venueFlags
}

func newCallCmd(s streams) *cobra.Command {
	var o callOpts
	cmd := &cobra.Command{
		Use:   "call METHOD PATH [NAME=VALUE...]",
		Short: "Call any Binance endpoint (curl for Binance)",
		Long: `Call an endpoint with raw parameter values in the order given. mbx signs when
the endpoint needs it (public market-data endpoints are sent unsigned; force
with --signed or --unsigned), waits for the weight budget, retries safely,
prints the JSON response and the rate-limit headers, and on an error prints
what to fix.`,
		Example: `  mbx call GET /api/v3/account --base-url http://127.0.0.1:8765 --api-key KEY --key-file secret.txt
  mbx call GET /api/v3/ticker/price 'symbols=["BTCUSDT","BNBUSDT"]' --env prod
  mbx call POST /api/v3/order symbol=BTCUSDT side=BUY type=MARKET quantity=0.001 --profile main`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e, other, err := o.venue.entry(o.target.profile, o.target.credsPath); err != nil {
				return err
			} else if other {
				return runVenueCall(cmd.Context(), s, e, o.venue, o, args)
			}
			return runCall(cmd.Context(), s, o, args)
		},
	}
	o.target.register(cmd.Flags())
	o.venue.register(cmd.Flags())
	cmd.Flags().StringSliceVar(&o.bodyParams, "body", nil, "parameter NAME to send in the form body (repeatable; POST/PUT)")
	cmd.Flags().BoolVar(&o.signed, "signed", false, "sign even if mbx thinks the endpoint is public")
	cmd.Flags().BoolVar(&o.unsigned, "unsigned", false, "send without key or signature")
	cmd.Flags().BoolVar(&o.apiKeyOnly, "api-key-only", false, "send the API key header but no signature (MARKET_DATA / USER_STREAM endpoints)")
	return cmd
}

// callOutput is the --json shape.
type callOutput struct {
	Status    int               `json:"status"`
	RateLimit map[string]string `json:"rate_limit_headers"`
	Response  json.RawMessage   `json:"response,omitempty"`
	Error     *callError        `json:"error,omitempty"`
}

type callError struct {
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	Hint    string `json:"hint,omitempty"`
	Explain string `json:"explain,omitempty"`
}

func runCall(ctx context.Context, s streams, o callOpts, args []string) error {
	method, path := strings.ToUpper(args[0]), args[1]
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("PATH %q must start with / (e.g. /api/v3/account)", path)
	}
	if o.signed && o.unsigned {
		return fmt.Errorf("--signed and --unsigned contradict each other")
	}
	ps, err := parseArgs(args[2:])
	if err != nil {
		return err
	}
	t, err := o.target.resolve(ctx, s, false)
	if err != nil {
		return err
	}
	defer t.close()
	for _, w := range t.Warnings {
		fmt.Fprintln(s.err, "warning:", w)
	}
	// The catalogue decides; an endpoint it does not list is signed,
	// because an unsigned call to a signed endpoint only earns an error.
	sec, _ := binance.SecurityOf(method, path)
	req := &binance.Request{Method: method, Path: path, Security: sec}
	switch {
	case o.unsigned:
		req.Security = binance.None
	case o.apiKeyOnly:
		req.Security = binance.APIKey
	case o.signed:
		req.Security = binance.Signed
	}
	if req.Security == binance.Signed && t.Signer == nil {
		if t.SignerErr != nil {
			return fmt.Errorf("%s %s is signed and the key did not load: %w", method, path, t.SignerErr)
		}
		return fmt.Errorf("%s %s is signed: give --api-key and --key-file, or --profile", method, path)
	}
	inBody := map[string]bool{}
	for _, n := range o.bodyParams {
		inBody[n] = true
	}
	for _, p := range ps {
		if inBody[p.Name] {
			req.Body.AddString(p.Name, p.Value)
		} else {
			req.Query.AddString(p.Name, p.Value)
		}
	}
	resp, err := t.Client.Do(ctx, req)
	out := callOutput{RateLimit: map[string]string{}}
	var apiErr *binance.APIError
	switch {
	case err == nil:
		out.Status, out.Response = resp.StatusCode, json.RawMessage(resp.Body)
		rateLimitLines(resp.RateLimit, out.RateLimit)
	case errors.As(err, &apiErr):
		out.Status = apiErr.HTTPStatus
		rateLimitLines(apiErr.RateLimit, out.RateLimit)
		out.Error = &callError{Code: int(apiErr.Code), Msg: apiErr.Msg, Hint: apiErr.Hint, Explain: apiErr.Explain}
	default:
		return err
	}
	if o.target.jsonOut {
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if eerr := enc.Encode(out); eerr != nil {
			return eerr
		}
	} else {
		if out.Error == nil {
			var buf bytes.Buffer
			if json.Indent(&buf, out.Response, "", "  ") != nil {
				buf.Reset()
				buf.Write(out.Response)
			}
			fmt.Fprintln(s.out, buf.String())
		}
		keys := make([]string, 0, len(out.RateLimit))
		for k := range out.RateLimit {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(s.err, "%s: %s\n", k, out.RateLimit[k])
		}
		if out.Error != nil {
			fmt.Fprintf(s.err, "error: HTTP %d, code %d: %s\n", out.Status, out.Error.Code, out.Error.Msg)
			if out.Error.Hint != "" {
				fmt.Fprintf(s.err, "hint: %s\n", out.Error.Hint)
			}
			if out.Error.Explain != "" {
				fmt.Fprintf(s.err, "exchange explains: %s\n", out.Error.Explain)
			}
		}
	}
	if out.Error != nil {
		return &exitError{code: 1}
	}
	return nil
}

// rateLimitLines lists the rate-limit state the client read from the
// answer, under the names of the headers that carried it.
func rateLimitLines(rl binance.RateLimitState, into map[string]string) {
	for _, u := range rl.Usage {
		name := binance.UsageHeader(ratelimit.Limit{Kind: u.Kind, Interval: u.Interval})
		if name == "" {
			continue
		}
		into[http.CanonicalHeaderKey(name)] = strconv.Itoa(u.Used)
	}
	if rl.RetryAfter > 0 {
		into["Retry-After"] = strconv.Itoa(int(rl.RetryAfter / time.Second))
	}
}

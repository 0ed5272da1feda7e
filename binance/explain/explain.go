// Package explain decides what Binance would answer to a failing request
// and why, for `mbx explain`: it parses the pasted request (curl line, raw
// HTTP or URL), verifies it with package verify, names the environment
// its host belongs to and, when the signature is right, lists what to
// check for a -2015. It returns a Report; rendering it is the caller's job.
package explain

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/internal/reqparse"
	"github.com/mbxkit/mbx/sign"
)

// Input is a failing request and what is known of its key and clock.
type Input struct {
	Text string // a curl command line, a raw HTTP request or a URL
	// URL mode: Text is a URL and these complete it (set URLMode, or any
	// of Method and ContentType, to read Text as a URL).
	URLMode     bool
	Body        string
	Method      string
	ContentType string

	Signer    sign.Signer // the key (its public half verifies)
	KeySource string      // where the key came from, for the report
	APIKey    string      // the key's API key, when known
	Env       string      // the environment the key was made in: prod, testnet or demo

	Code                int  // the code the exchange answered, if known
	StrictSignatureLast bool // verify.Options.SignatureMustBeLast

	// Clock gives the exchange's time to judge the request against; nil
	// means this machine's clock.
	Clock func(ctx context.Context, req *reqparse.Request) (Timing, error)
}

// Report is what Binance would answer and why; its JSON is `mbx explain --json`.
type Report struct {
	Request     Request             `json:"request"`
	Key         Key                 `json:"key"`
	Accepted    bool                `json:"accepted"`
	Signature   string              `json:"signature"` // valid, invalid, or not checked (an earlier check failed)
	HTTPStatus  int                 `json:"status"`
	Code        int                 `json:"code"`
	Msg         string              `json:"msg"`
	Explanation *verify.Explanation `json:"explanation"`
	Timing      Timing              `json:"timing"`
	KeyChecks   []string            `json:"key_checks,omitempty"`
	Notes       []string            `json:"notes,omitempty"`
}

// Request is the request as parsed.
type Request struct {
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

// Key describes the key the request is checked with.
type Key struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	APIKey string `json:"api_key,omitempty"` // masked
	Env    string `json:"env,omitempty"`
}

// Timing is the exchange's time the request is judged against.
type Timing struct {
	Source       string `json:"source"` // given, exchange or local
	ServerTimeMs int64  `json:"server_time_ms"`
	Detail       string `json:"detail"`
}

// Explain parses, verifies and explains the request in in.Text.
func Explain(ctx context.Context, in Input) (*Report, error) {
	var req *reqparse.Request
	var err error
	if in.URLMode || in.Method != "" || in.ContentType != "" {
		req, err = reqparse.ParseURL(strings.TrimSpace(in.Text), in.Body)
		if err == nil {
			if in.Method != "" {
				req.Method = strings.ToUpper(in.Method)
			}
			if in.ContentType != "" {
				req.Header.Set("Content-Type", in.ContentType)
			}
		}
	} else {
		req, err = reqparse.Parse(in.Text)
	}
	if err != nil {
		return nil, err
	}
	verifier, err := sign.Public(in.Signer)
	if err != nil {
		return nil, err
	}
	reqKey, hasKey := req.APIKey()
	var notes []string
	checkHeader := true
	if req.Format == reqparse.FormatURL && !hasKey {
		// A URL carries no headers: take the key's own API key when known.
		if in.APIKey != "" {
			req.Header.Set("X-MBX-APIKEY", in.APIKey)
			reqKey, hasKey = in.APIKey, true
			notes = append(notes, "A URL carries no headers: the request is taken as sent with X-MBX-APIKEY "+creds.MaskKey(in.APIKey)+", the key's API key.")
		} else {
			checkHeader = false
			notes = append(notes, "A URL carries no headers, so the X-MBX-APIKEY header was not checked; give --api-key to include it.")
		}
	}
	out := &Report{
		Request: Request{Format: string(req.Format), Method: req.Method, URL: req.URL(), Host: req.Host, HostEnv: HostEnv(req.Host),
			Path: req.Path, Query: req.RawQuery, Body: string(req.Body), ContentType: req.ContentType(), APIKey: creds.MaskKey(reqKey), HasAPIKey: hasKey},
		Key:   Key{Type: in.Signer.Algorithm().String(), Source: in.KeySource, APIKey: creds.MaskKey(in.APIKey), Env: in.Env},
		Notes: append(append([]string(nil), req.Notes...), notes...),
	}
	timing := LocalTiming()
	if in.Clock != nil {
		timing, err = in.Clock(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	out.Timing = timing
	vreq := req.Verify()
	opt := verify.Options{ServerTime: time.UnixMilli(timing.ServerTimeMs), SignatureMustBeLast: in.StrictSignatureLast, ExplainBudget: verify.InteractiveExplainBudget}
	if timing.Source == "local" {
		opt.ServerTime = time.Time{} // verify reads the clock itself, to the microsecond
	}
	key := verify.Key{APIKey: reqKey, Verifier: verifier}
	_, rej := verify.Verify(vreq, key, opt)
	if rej != nil {
		out.Explanation = rej.Explanation // searched once, by Verify
	} else {
		out.Explanation = verify.Explain(vreq, key, opt)
	}
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
	if in.APIKey != "" && hasKey && reqKey != in.APIKey {
		out.Notes = append(out.Notes, fmt.Sprintf("The request carries API key %s, but the key you gave belongs to %s: Binance checks the signature with the secret of the key in the header, so it fails (-1022) or the key is unknown there (-2015). Send the API key that belongs to the secret.",
			creds.MaskKey(reqKey), creds.MaskKey(in.APIKey)))
	}
	signatureOK := hdrRej == nil && (rej == nil || rej.Code == codes.InvalidTimestamp)
	if signatureOK || in.Code == int(codes.RejectedMBXKey) {
		out.KeyChecks = KeyChecks(req.Host, req.Method, req.Path, in.Env, in.Code)
	}
	if in.Code != 0 && out.Accepted {
		out.Notes = append(out.Notes, fmt.Sprintf("The exchange answered %d, but mbx finds the request valid with this key and clock: the cause is outside the signature (see the checks below), or the exchange saw a different request or key.", in.Code))
	}
	return out, nil
}

func apiKeyHeaderProblem(rej *verify.Rejection) string {
	if rej.Explanation != nil {
		v := rej.Explanation.Verdict
		return strings.TrimPrefix(v, "X-MBX-APIKEY header ") + "."
	}
	return "is malformed."
}

// LocalTiming judges against this machine's clock, and says what that means.
func LocalTiming() Timing {
	return Timing{Source: "local", ServerTimeMs: time.Now().UnixMilli(),
		Detail: "this machine's clock, not the exchange's: give --server-time MS (from a log or GET /api/v3/time) or --ask. A request copied from a log is naturally old now, so -1021 here may only mean that"}
}

// HostEnv names the environment a host belongs to: prod, testnet, demo,
// local, or "" when unknown.
func HostEnv(host string) string {
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

// EnvName names an environment for people.
func EnvName(e string) string {
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

// KeyChecks lists what to check for a -2015 on a request to host and
// method and path with a key made in keyEnv: mbx cannot see Binance's key database,
// so it says where to look, first what the request itself hints.
func KeyChecks(host, method, path, keyEnv string, code int) []string {
	var out []string
	he := HostEnv(host)
	switch {
	case he != "" && he != "local" && keyEnv != "" && keyEnv != he:
		out = append(out, fmt.Sprintf("Environment mismatch: the key is from %s but the request went to %s (%s). API keys exist in one environment only: a testnet key is unknown on production and the reverse, which is -2015. Send it to the key's environment or use a key created there.",
			EnvName(keyEnv), EnvName(he), host))
	case he == "testnet":
		out = append(out, fmt.Sprintf("The request went to the testnet (%s): testnet keys are created at testnet.binance.vision (spot) or testnet.binancefuture.com (futures); a production key is unknown there, which is -2015.", host))
	case he == "prod" || he == "demo":
		out = append(out, fmt.Sprintf("The request went to %s (%s): a key created on the testnet (testnet.binance.vision, testnet.binancefuture.com) is unknown there, which is -2015. Check the key was made on the API Management page of this environment.", EnvName(he), host))
	default:
		out = append(out, "Check the key exists on the exchange the request went to: a testnet key is unknown on production and the reverse, which is -2015.")
	}
	out = append(out,
		"IP whitelist: if the key is restricted to trusted IPs, the public (egress) IP of the machine that sent the request must be on the list; cloud hosts, containers, VPNs and IPv6 change it. Binance's futures API names the IP it saw in the -2015 message.",
		"Permission: "+PermissionFor(method, path),
		"The key was not deleted, expired or re-created (re-creating gives a new API key and secret), and the X-MBX-APIKEY header holds the API key, not the secret.")
	if code == int(codes.RejectedMBXKey) {
		out = append(out, "mbx doctor with this key checks it against the exchange directly, including /sapi/v1/account/apiRestrictions (which lists the key's IP restriction and permissions) where the exchange has it.")
	}
	return out
}

// PermissionFor names the key permission an endpoint needs, from Binance's
// catalogue (package binance/catalog).
func PermissionFor(method, path string) string {
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

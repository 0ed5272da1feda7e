// Package doctor runs mbx's end-to-end checks of a Binance setup: the host
// clock, the credentials, signed round trips (ASCII and non-ASCII), what the
// key may do, and the rate-limit state. Each check gives a verdict and, when
// it is not a pass, the fix. The CLI (`mbx doctor`) renders the report.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/keycheck"
	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
)

// Status is a check's verdict.
type Status string

// Verdicts, from best to worst.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip" // not applicable to this target
)

// Result is one check's outcome.
type Result struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Status  Status   `json:"status"`
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
	Fix     string   `json:"fix,omitempty"`
}

// Report is the whole run.
type Report struct {
	Target  string   `json:"target"`
	BaseURL string   `json:"base_url"`
	Results []Result `json:"results"`
}

// Worst is the report's overall verdict (skips do not count).
func (r *Report) Worst() Status {
	w := Pass
	for _, res := range r.Results {
		switch {
		case res.Status == Fail:
			return Fail
		case res.Status == Warn:
			w = Warn
		}
	}
	return w
}

// Target is what to check.
type Target struct {
	Client    *binance.Client
	Profile   creds.Profile
	Signer    sign.Signer // nil when the key did not load (SignerErr says why)
	SignerErr error
	CredsPath string // the creds file used, if any
	Where     string // how the target was chosen, for people
	Embedded  bool   // the in-process local exchange
	Warnings  []string
}

// Check is one named check.
type Check struct {
	ID    string
	Title string
	Run   func(ctx context.Context, t *Target) Result
}

// Checks returns the checks in the order they run.
func Checks() []Check {
	return []Check{
		{"clock", "Clock against the exchange", checkClock},
		{"credentials", "Credentials and key format", checkCredentials},
		{"signed", "Signed round trip (GET /api/v3/account)", checkSigned},
		{"non-ascii", "Signed round trip with a non-ASCII symbol", checkNonASCII},
		{"permissions", "What the key may do", checkPermissions},
		{"rate-limits", "Rate-limit state", checkRateLimits},
		{"websocket", "WebSocket API (session.logon, or signed account.status)", checkWebSocket},
	}
}

// Run runs every check, calling progress before each one (for a progress
// line) with its index and title.
func Run(ctx context.Context, t *Target, progress func(i, n int, title string)) *Report {
	base, _ := t.Client.BaseURL(binance.Spot)
	rep := &Report{Target: t.Where, BaseURL: base}
	cs := Checks()
	for i, c := range cs {
		if progress != nil {
			progress(i, len(cs), c.Title)
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		res := c.Run(cctx, t)
		cancel()
		res.ID, res.Title = c.ID, c.Title
		rep.Results = append(rep.Results, res)
	}
	return rep
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func checkClock(ctx context.Context, t *Target) Result {
	ck, err := t.Client.Clock(binance.Spot)
	if err != nil {
		return Result{Status: Fail, Summary: err.Error()}
	}
	est, err := ck.Sync(ctx)
	if err != nil {
		return Result{Status: Fail, Summary: "could not read the exchange's time: " + err.Error(),
			Fix: "check the base URL and the network (a proxy or firewall?); `mbx time` retries with details"}
	}
	rw := t.Profile.RecvWindow
	if rw == 0 {
		rw = creds.DefaultRecvWindow
	}
	h := ck.Headroom(rw)
	r := Result{Status: Pass,
		Summary: fmt.Sprintf("offset %+.1fms ± %s, rtt %s", float64(est.Offset)/1e6, ms(est.Bound), ms(est.RTT)),
		Details: []string{
			fmt.Sprintf("headroom before \"1000ms ahead\" (-1021): %s", ms(h.Ahead)),
			fmt.Sprintf("headroom inside recvWindow %s: %s", ms(rw), ms(h.RecvWindow)),
		}}
	switch {
	case est.Offset.Abs() >= time.Second:
		r.Status = Warn
		r.Fix = "this machine's clock is off by more than 1s: mbx corrects for it, but other tools on this host will get -1021; sync the clock (NTP: `timedatectl set-ntp true`; WSL2/Docker after sleep: `wsl --shutdown` or `hwclock -s`)"
	case h.RecvWindow < rw/2:
		r.Status = Warn
		r.Fix = fmt.Sprintf("the round trip (%s) eats most of the recvWindow: run closer to the exchange or raise recvWindow (at most 60000ms)", ms(est.RTT))
	}
	if rw > 10*time.Second {
		r.Details = append(r.Details, fmt.Sprintf("recvWindow %s is large: Binance recommends 5000ms or less, and a large window never fixes a clock that runs ahead", ms(rw)))
		if r.Status == Pass {
			r.Status = Warn
			r.Fix = "lower recv_window to 5s unless the network really needs more"
		}
	}
	return r
}

func checkCredentials(ctx context.Context, t *Target) Result {
	if t.Embedded {
		return Result{Status: Pass, Summary: "the Binance docs' public example HMAC key (no credentials given)",
			Details: []string{"to check your own key: mbx doctor --profile NAME (creds file), or --api-key KEY --key-file FILE with --env or --base-url"}}
	}
	var details []string
	worst := Pass
	fix := ""
	for _, w := range t.Warnings {
		details = append(details, "warning: "+w)
		worst = Warn
	}
	if t.CredsPath != "" {
		if st, err := os.Stat(t.CredsPath); err == nil {
			details = append(details, fmt.Sprintf("creds file %s, mode %04o", t.CredsPath, st.Mode().Perm()))
		}
	}
	for _, f := range keycheck.Check(t.Profile) {
		if f.Level == keycheck.LevelOK {
			details = append(details, "ok: "+f.Message)
			continue
		}
		details = append(details, f.Level+": "+f.Message)
		if f.Level == keycheck.LevelFail {
			worst = Fail
		} else if worst == Pass {
			worst = Warn
		}
		if fix == "" {
			fix = f.Fix
		}
	}
	if t.SignerErr != nil {
		worst = Fail
		details = append(details, "the key does not load: "+t.SignerErr.Error())
		if fix == "" {
			fix = "fix the key file named above"
		}
	}
	summary := "API key " + creds.MaskKey(t.Profile.APIKey)
	if t.Signer != nil {
		summary += ", " + t.Signer.Algorithm().String() + " key"
		if t.Signer.Algorithm() == sign.HMACSHA256 {
			details = append(details, "HMAC keys work everywhere; Binance recommends Ed25519 (`mbx keys gen --type ed25519`), which also logs on to the WebSocket API")
		}
	}
	return Result{Status: worst, Summary: summary, Details: details, Fix: fix}
}

// signedCall runs one signed request and turns its error into a verdict.
func signedCall(ctx context.Context, t *Target, req *binance.Request, acceptCodes ...codes.Code) Result {
	if t.Signer == nil {
		return Result{Status: Fail, Summary: "no usable key", Fix: "give a key: --api-key and --key-file, or --profile"}
	}
	start := time.Now()
	resp, err := t.Client.Do(ctx, req)
	took := time.Since(start)
	if err == nil {
		r := Result{Status: Pass, Summary: fmt.Sprintf("HTTP %d in %s", resp.StatusCode, ms(took))}
		if w := resp.Header.Get("X-MBX-USED-WEIGHT-1M"); w != "" {
			r.Details = append(r.Details, "X-MBX-USED-WEIGHT-1M: "+w)
		}
		if resp.Attempts > 1 {
			r.Details = append(r.Details, fmt.Sprintf("needed %d attempts (mbx resynced or retried)", resp.Attempts))
		}
		return r
	}
	var apiErr *binance.APIError
	if errors.As(err, &apiErr) {
		for _, c := range acceptCodes {
			if apiErr.Code == c {
				return Result{Status: Pass, Summary: fmt.Sprintf("signature accepted (the exchange answered %d %s, which comes after signature checks)", int(c), apiErr.Msg)}
			}
		}
		r := Result{Status: Fail, Summary: fmt.Sprintf("HTTP %d, %d: %s", apiErr.HTTPStatus, int(apiErr.Code), apiErr.Msg), Fix: apiErr.Hint}
		if apiErr.Explain != "" {
			r.Details = append(r.Details, "the exchange explains: "+apiErr.Explain)
		}
		if apiErr.Code == codes.RejectedMBXKey {
			r.Details = append(r.Details, likelyCauses(t)...)
		}
		if apiErr.Code == codes.InvalidSignature {
			r.Details = append(r.Details, "mbx signs exactly the bytes it sends, so -1022 here means the secret does not belong to this API key (or a byte of it is wrong)")
		}
		return r
	}
	if errors.Is(err, ratelimit.ErrBanned) || errors.Is(err, ratelimit.ErrRateLimited) {
		return Result{Status: Fail, Summary: err.Error(), Fix: "wait for the ban or Retry-After to pass; mbx sends nothing until then"}
	}
	return Result{Status: Fail, Summary: err.Error(), Fix: "check the base URL and the network"}
}

// likelyCauses lists what -2015 usually means (failure-cases.md class 12).
func likelyCauses(t *Target) []string {
	base, _ := t.Client.BaseURL(binance.Spot)
	env := string(t.Client.Env())
	out := []string{
		"likely causes of -2015 (Invalid API-key, IP, or permissions):",
		"  • the key belongs to another environment: " + env + " at " + base + " (testnet keys do not work on production and the reverse; demo keys come from demo.binance.com)",
		"  • the key has an IP whitelist that does not hold this machine's egress IP (a VPN, proxy or new dynamic IP?)",
		"  • the key lacks the permission (Enable Spot & Margin Trading, Enable Futures — a key created before futures was enabled must be edited —, Enable Withdrawals)",
		"  • the key was deleted or expired (Binance disables unrestricted-IP HMAC keys with trading permission)",
	}
	return out
}

func checkSigned(ctx context.Context, t *Target) Result {
	req := &binance.Request{Method: http.MethodGet, Path: "/api/v3/account", Security: binance.Catalogued}
	req.Query.AddString("omitZeroBalances", "true")
	return signedCall(ctx, t, req)
}

func checkNonASCII(ctx context.Context, t *Target) Result {
	const sym = "这是测试币456"
	req := &binance.Request{Method: http.MethodGet, Path: "/api/v3/openOrders", Security: binance.Catalogued}
	req.Query.AddString("symbol", sym)
	r := signedCall(ctx, t, req, codes.BadSymbol)
	if r.Status == Pass {
		r.Details = append(r.Details, "symbol "+sym+" was percent-encoded before signing (Binance's rule since 2026-01-15)")
	}
	return r
}

func checkPermissions(ctx context.Context, t *Target) Result {
	if t.Signer == nil {
		return Result{Status: Skip, Summary: "no usable key"}
	}
	if _, err := t.Client.BaseURL(binance.Wallet); err != nil {
		return Result{Status: Skip, Summary: "this environment has no /sapi (the spot testnet has none)"}
	}
	rs, err := t.Client.APIRestrictions(ctx)
	if err != nil {
		var apiErr *binance.APIError
		if errors.As(err, &apiErr) {
			r := Result{Status: Fail, Summary: fmt.Sprintf("HTTP %d, %d: %s", apiErr.HTTPStatus, int(apiErr.Code), apiErr.Msg), Fix: apiErr.Hint}
			if apiErr.Code == codes.RejectedMBXKey {
				r.Details = likelyCauses(t)
			}
			return r
		}
		return Result{Status: Fail, Summary: err.Error()}
	}
	var on, off []string
	for _, k := range []string{"enableReading", "enableSpotAndMarginTrading", "enableFutures", "enableWithdrawals", "enableMargin", "permitsUniversalTransfer", "ipRestrict"} {
		v, ok := rs[k].(bool)
		if !ok {
			continue
		}
		if v {
			on = append(on, k)
		} else {
			off = append(off, k)
		}
	}
	r := Result{Status: Pass, Summary: "enabled: " + strings.Join(on, ", ")}
	if len(off) > 0 {
		r.Details = append(r.Details, "not enabled: "+strings.Join(off, ", "))
	}
	if ip, ok := rs["ipRestrict"].(bool); ok && !ip {
		r.Details = append(r.Details, "no IP whitelist: Binance may disable trading keys without one; restrict the key to your egress IP")
	}
	return r
}

func checkRateLimits(ctx context.Context, t *Target) Result {
	base, _ := t.Client.BaseURL(binance.Spot)
	st := t.Client.Governor().State(ctx, base)
	r := Result{Status: Pass}
	var parts []string
	for _, b := range st.Budgets {
		parts = append(parts, fmt.Sprintf("%s: %d used", b.Limit, b.Used))
	}
	if len(parts) == 0 {
		r.Summary = "no requests counted yet"
	} else {
		r.Summary = strings.Join(parts, "; ")
	}
	if !st.BlockedUntil.IsZero() && time.Now().Before(st.BlockedUntil) {
		r.Status = Fail
		if st.Banned {
			r.Summary = "IP banned (HTTP 418) until " + st.BlockedUntil.UTC().Format(time.RFC3339)
			r.Fix = "wait for the ban to end; every request during a ban lengthens it (2 minutes up to 3 days)"
		} else {
			r.Summary = "HTTP 429: blocked until " + st.BlockedUntil.UTC().Format(time.RFC3339)
			r.Fix = "wait for Retry-After, then send less (cache exchangeInfo, use WebSocket streams)"
		}
	}
	return r
}

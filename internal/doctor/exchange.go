package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mbxkit/mbx/creds"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/exchanges"
	"github.com/mbxkit/mbx/secret"
)

// ExchangeTarget is what to check on an exchange other than Binance, which
// is reached through the generic exchange contract.
type ExchangeTarget struct {
	Entry    exchanges.Entry
	Exchange exchange.Exchange
	BaseURL  string
	Creds    exchange.Credentials
	HTTP     *http.Client
	Where    string
	Embedded bool
	// Now is the local clock (tests); nil is time.Now.
	Now func() time.Time
}

func (t *ExchangeTarget) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// RunExchange runs the checks that apply to every exchange: the clock, the
// credentials, a signed round trip, and (on the local exchange) that a wrong
// signature is refused with the exchange's own code and explained.
func RunExchange(ctx context.Context, t *ExchangeTarget, progress func(i, n int, title string)) *Report {
	rep := &Report{Target: t.Where, BaseURL: t.BaseURL}
	checks := []struct {
		id, title string
		run       func(context.Context, *ExchangeTarget) Result
	}{
		{"clock", "Clock against " + t.Entry.Title, exchangeClock},
		{"credentials", "Credentials", exchangeCredentials},
		{"signed", fmt.Sprintf("Signed round trip (%s %s)", t.Entry.Balance.Method, t.Entry.Balance.Path), exchangeSigned},
		{"rejection", "A wrong signature is refused and explained", exchangeRejection},
	}
	for i, c := range checks {
		if progress != nil {
			progress(i, len(checks), c.title)
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		res := c.run(cctx, t)
		cancel()
		res.ID, res.Title = c.id, c.title
		rep.Results = append(rep.Results, res)
	}
	return rep
}

func exchangeClock(ctx context.Context, t *ExchangeTarget) Result {
	src := t.Exchange.TimeSource(t.BaseURL, t.HTTP)
	start := t.now()
	st, err := src.ServerTime(ctx)
	end := t.now()
	if err != nil {
		return Result{Status: Fail, Summary: "could not read the exchange's time: " + err.Error(),
			Fix: "check the base URL and the network"}
	}
	rtt := end.Sub(start)
	offset := st.Sub(start.Add(rtt / 2))
	r := Result{Status: Pass, Summary: fmt.Sprintf("offset %+.1fms ± %s, rtt %s", float64(offset)/1e6, ms(rtt/2), ms(rtt))}
	if offset.Abs() >= time.Second {
		r.Status = Warn
		r.Fix = "this machine's clock is off by more than 1s: exchanges reject timestamps outside their window; sync the clock (NTP: `timedatectl set-ntp true`)"
	}
	return r
}

func exchangeCredentials(_ context.Context, t *ExchangeTarget) Result {
	c := t.Creds
	if t.Embedded {
		return Result{Status: Pass, Summary: "the local exchange's public test key " + creds.MaskKey(c.APIKey) + " (no credentials given)",
			Details: []string{fmt.Sprintf("to check your own key: mbx doctor --exchange %s --api-key KEY --key-file FILE --base-url URL", t.Entry.Name)}}
	}
	var problems []string
	if c.APIKey == "" {
		problems = append(problems, "no API key: give --api-key")
	}
	if c.Secret.IsZero() && c.Signer == nil {
		problems = append(problems, "no secret: give --key-file FILE (a file holding the API secret)")
	}
	if t.Entry.NeedsPassphrase && c.Passphrase.IsZero() {
		problems = append(problems, t.Entry.Title+" keys have an API passphrase: give --api-passphrase-file FILE")
	}
	if len(problems) > 0 {
		return Result{Status: Fail, Summary: problems[0], Details: problems[1:], Fix: problems[0]}
	}
	return Result{Status: Pass, Summary: "API key " + creds.MaskKey(c.APIKey)}
}

// roundTrip signs req with c and sends it; it returns the status, body and
// the local exchange's explanation header.
func roundTrip(ctx context.Context, t *ExchangeTarget, c exchange.Credentials) (int, []byte, string, error) {
	req := t.Entry.Balance
	req.Time = t.now()
	signed, err := t.Exchange.Sign(req, c)
	if err != nil {
		return 0, nil, "", err
	}
	hr, err := signed.NewHTTPRequest(ctx, t.BaseURL)
	if err != nil {
		return 0, nil, "", err
	}
	hc := t.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, resp.Header.Get("X-MBX-EXPLAIN"), err
}

func exchangeSigned(ctx context.Context, t *ExchangeTarget) Result {
	start := t.now()
	status, body, explain, err := roundTrip(ctx, t, t.Creds)
	if err != nil {
		return Result{Status: Fail, Summary: err.Error(), Fix: "check the base URL, the network and the credentials"}
	}
	if eerr := t.Entry.Envelope(status, body); eerr != nil {
		r := Result{Status: Fail, Summary: eerr.Error(), Fix: "check the key, the secret" + passphraseHint(t) + " and the clock"}
		if explain != "" {
			r.Details = append(r.Details, "the exchange explains: "+explain)
		}
		return r
	}
	return Result{Status: Pass, Summary: fmt.Sprintf("HTTP %d in %s", status, ms(t.now().Sub(start)))}
}

func passphraseHint(t *ExchangeTarget) string {
	if t.Entry.NeedsPassphrase {
		return ", the passphrase"
	}
	return ""
}

func exchangeRejection(ctx context.Context, t *ExchangeTarget) Result {
	if !t.Embedded {
		return Result{Status: Skip, Summary: "only on the local exchange (a real exchange is not sent a wrong signature on purpose)"}
	}
	wrong := t.Creds
	wrong.Secret = secret.New(append(append([]byte(nil), t.Creds.Secret.Expose()...), '\n'))
	status, body, explain, err := roundTrip(ctx, t, wrong)
	if err != nil {
		return Result{Status: Fail, Summary: err.Error()}
	}
	eerr := t.Entry.Envelope(status, body)
	var ee *exchanges.EnvelopeError
	if !errors.As(eerr, &ee) {
		return Result{Status: Fail, Summary: "a request signed with a wrong secret was accepted", Fix: "the local exchange must verify signatures: report this as a bug"}
	}
	r := Result{Status: Pass, Summary: "refused: " + ee.Error()}
	if explain == "" {
		r.Status = Warn
		r.Summary += " (no explanation header)"
		return r
	}
	r.Details = append(r.Details, "explanation: "+explain)
	if !strings.Contains(strings.ToLower(explain), "newline") {
		r.Details = append(r.Details, "note: the explanation does not name the trailing newline mbx added to the secret")
	}
	return r
}

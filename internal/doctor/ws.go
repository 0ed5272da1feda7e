package doctor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/wsapi"
	"github.com/mbxkit/mbx/ratelimit"
	"github.com/mbxkit/mbx/sign"
)

// checkWebSocket connects to the WebSocket API that goes with the REST
// target and authenticates as a bot would: session.logon then a
// timestamp-only account.status with an Ed25519 key, a signed
// account.status (sorted raw payload) with any other key. It shares the
// REST client's clock and weight governor, so it costs what it says.
func checkWebSocket(ctx context.Context, t *Target) Result {
	if t.Signer == nil {
		return Result{Status: Skip, Summary: "no usable key"}
	}
	base, err := t.Client.BaseURL(binance.Spot)
	if err != nil {
		return Result{Status: Skip, Summary: err.Error()}
	}
	url, err := wsapi.URLFromREST(base)
	if err != nil {
		return Result{Status: Fail, Summary: err.Error(), Fix: "give a REST base URL such as http://127.0.0.1:PORT or https://api.binance.com"}
	}
	ck, err := t.Client.Clock(binance.Spot)
	if err != nil {
		return Result{Status: Fail, Summary: err.Error()}
	}
	logon := t.Signer.Algorithm() == sign.Ed25519
	details := []string{"endpoint " + url}
	start := time.Now()
	c, err := wsapi.Dial(ctx, wsapi.Options{
		URL: url, APIKey: t.Profile.APIKey, Signer: t.Signer, Clock: ck, Governor: t.Client.Governor(),
		BudgetHost: base, RecvWindow: t.Profile.RecvWindow, Logon: logon,
		Reconnect: wsapi.ReconnectPolicy{Disabled: true},
	})
	if err != nil {
		return wsFailure(t, "connecting", err, details)
	}
	defer c.Close()
	connected := time.Since(start)
	how := "signed account.status (apiKey, timestamp and signature in params, sorted raw UTF-8 payload)"
	if logon {
		how = "session.logon with the Ed25519 key, then account.status with timestamp only"
		st, err := c.SessionStatus(ctx)
		switch {
		case err != nil:
			return wsFailure(t, "session.status", err, details)
		case st.APIKey != t.Profile.APIKey:
			return Result{Status: Fail, Summary: fmt.Sprintf("session.status reports key %q after logon", st.APIKey), Details: details,
				Fix: "the exchange did not keep the session: retry, and report it if it persists"}
		}
	} else {
		details = append(details, fmt.Sprintf("this %s key cannot use session.logon (Binance allows it only for Ed25519 keys), so every request is signed; `mbx keys gen --type ed25519` makes a key that can", t.Signer.Algorithm()))
	}
	callStart := time.Now()
	acct, err := c.AccountStatus(ctx)
	if err != nil {
		return wsFailure(t, "account.status", err, details)
	}
	took := time.Since(callStart)
	step := "connected"
	if logon {
		step = "connected and logged on"
	}
	details = append(details, fmt.Sprintf("%s in %s; account.status answered in %s", step, ms(connected), ms(took)))
	if !acct.CanTrade {
		details = append(details, "the account says canTrade=false: orders over the WebSocket API will be refused")
	}
	return Result{Status: Pass, Summary: how + ": ok", Details: details}
}

// wsFailure turns a WebSocket API error into a verdict with its fix.
func wsFailure(t *Target, step string, err error, details []string) Result {
	var apiErr *binance.APIError
	switch {
	case errors.As(err, &apiErr):
		r := Result{Status: Fail, Summary: fmt.Sprintf("%s: status %d, %d: %s", step, apiErr.HTTPStatus, int(apiErr.Code), apiErr.Msg),
			Details: details, Fix: apiErr.Hint}
		if apiErr.Explain != "" {
			r.Details = append(r.Details, "the exchange explains: "+apiErr.Explain)
		}
		if apiErr.Code == codes.RejectedMBXKey {
			r.Details = append(r.Details, likelyCauses(t)...)
		}
		if apiErr.HTTPStatus == 404 {
			r.Fix = "this server has no WebSocket API at " + wsapi.Path + ": check the base URL (the local exchange serves it since `mbx serve` gained it)"
		}
		return r
	case errors.Is(err, wsapi.ErrLogonKeyType):
		return Result{Status: Fail, Summary: err.Error(), Details: details}
	case errors.Is(err, ratelimit.ErrBanned), errors.Is(err, ratelimit.ErrRateLimited):
		return Result{Status: Fail, Summary: err.Error(), Details: details, Fix: "wait for the ban or retryAfter to pass; mbx sends nothing until then"}
	}
	return Result{Status: Fail, Summary: step + ": " + err.Error(), Details: details,
		Fix: "check the network reaches the WebSocket API (a proxy or firewall that blocks WebSocket upgrades?)"}
}

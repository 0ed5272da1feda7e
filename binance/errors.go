package binance

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/ratelimit"
)

// Error classes, matched with errors.Is on an *APIError (or a wrapped
// transport error for ErrUnknownStatus).
var (
	ErrInvalidSignature = errors.New("invalid signature (-1022)")
	ErrTimestamp        = errors.New("timestamp outside the window (-1021)")
	ErrKeyPermission    = errors.New("API key, IP or permission rejected (-2014/-2015)")
	// ErrUnknownStatus: the request may or may not have been executed (5xx,
	// -1007, a timeout or dropped connection after sending). Never treat it
	// as a failure for an order: query it.
	ErrUnknownStatus = errors.New("execution status unknown")
	// ErrRateLimited and ErrBanned are the rate-limit governor's, so one
	// errors.Is works whether the governor or the server said it.
	ErrRateLimited = ratelimit.ErrRateLimited
	ErrBanned      = ratelimit.ErrBanned
)

// APIError is an error answer from Binance (or the local exchange), with a
// hint that says what to fix.
type APIError struct {
	HTTPStatus int
	Code       codes.Code
	Msg        string
	Method     string
	Path       string
	BaseURL    string
	Env        Env
	Hint       string
	RetryAfter time.Duration // from Retry-After on 429/418
	// RateLimit is the rate-limit state the answer reported.
	RateLimit RateLimitState
	Explain   string // the local exchange's X-MBX-EXPLAIN header, when present
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("binance: %s %s: HTTP %d, code %d: %s", e.Method, e.Path, e.HTTPStatus, int(e.Code), e.Msg)
	if e.Hint != "" {
		s += " (hint: " + e.Hint + ")"
	}
	return s
}

// Is maps Binance codes and statuses to the error classes.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidSignature:
		return e.Code == codes.InvalidSignature
	case ErrTimestamp:
		return e.Code == codes.InvalidTimestamp
	case ErrKeyPermission:
		return e.Code == codes.BadAPIKeyFmt || e.Code == codes.RejectedMBXKey
	case ErrRateLimited:
		return e.HTTPStatus == http.StatusTooManyRequests
	case ErrBanned:
		return e.HTTPStatus == http.StatusTeapot
	case ErrUnknownStatus:
		return e.HTTPStatus >= 500 || e.Code == codes.Timeout
	}
	return false
}

// parseAPIError builds an APIError from a non-2xx response.
func parseAPIError(resp *http.Response, body []byte, method, path, base string, env Env) *APIError {
	e := &APIError{HTTPStatus: resp.StatusCode, Method: method, Path: path, BaseURL: base, Env: env,
		Explain: resp.Header.Get("X-MBX-EXPLAIN")}
	var b struct {
		Code json.Number `json:"code"`
		Msg  string      `json:"msg"`
	}
	if err := json.Unmarshal(body, &b); err == nil && b.Code != "" {
		if n, err := strconv.Atoi(b.Code.String()); err == nil {
			e.Code = codes.Code(n)
		}
		e.Msg = b.Msg
	} else {
		e.Msg = http.StatusText(resp.StatusCode)
		if e.HTTPStatus == http.StatusForbidden {
			e.Msg = "blocked by the web application firewall"
		}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	e.Hint = hintFor(e)
	return e
}

// Hint says what to fix for an error answer, per code (failure-cases.md).
// The WebSocket API client adds its own wording for the codes whose fix
// differs there and uses this for the rest.
func Hint(e *APIError) string { return hintFor(e) }

// hintFor says what to fix, per code (failure-cases.md).
func hintFor(e *APIError) string {
	switch e.Code {
	case codes.InvalidSignature:
		h := "the bytes signed differ from the bytes sent, or the secret does not belong to this key; mbx signs exactly what it sends, so check the secret (`mbx doctor`), or run `mbx explain` on the failing request"
		if e.Explain != "" {
			h += "; the exchange says: " + e.Explain
		}
		return h
	case codes.InvalidTimestamp:
		return "the clock is off: mbx resyncs with the server time automatically; if it persists, sync the host clock (NTP; WSL/Docker after sleep: `wsl --shutdown` / `hwclock -s`); a larger recvWindow does not fix a clock that runs ahead"
	case codes.BadAPIKeyFmt:
		return "the X-MBX-APIKEY header is missing or malformed: check the API key for whitespace or a newline, and that it is the API key, not the secret"
	case codes.RejectedMBXKey:
		return fmt.Sprintf("the key was rejected by %s (env %s): check the key exists there (a testnet key does not work on production and the reverse), the IP whitelist holds this machine's egress IP, and the key has the permission this endpoint needs (e.g. Enable Spot & Margin Trading, Enable Futures, Enable Withdrawals)", e.BaseURL, e.Env)
	case codes.TooManyRequests:
		if e.HTTPStatus == http.StatusTeapot {
			return "this IP is banned: wait for Retry-After; requests during a ban lengthen it"
		}
		return "request weight exceeded: mbx waits for Retry-After before sending again to this host"
	case codes.TooManyOrders:
		return "order rate limit exceeded: slow down order placement"
	case codes.Timeout:
		return "the order may have been executed: query it by its client order id before sending it again"
	case codes.IllegalChars, codes.BadPrecision:
		return "a parameter value is outside Binance's legal range: see the message for the parameter and its range"
	case codes.TooManyParameters, codes.UnreadParameters, codes.UnknownParam, codes.ParamNotRequired:
		return "the parameter set does not match this endpoint: check names (case matters), the HTTP method and parameters not allowed for this order type"
	}
	switch {
	case e.HTTPStatus >= 500:
		return "Binance-side error: the execution status is unknown; do not treat it as a failure"
	case e.HTTPStatus == http.StatusForbidden:
		return "a WAF rule blocked the request (avoid SQL-like keywords in parameters)"
	}
	return ""
}

package wsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/codes"
)

// Errors of the client itself, matched with errors.Is. Answers from the
// exchange are *binance.APIError, with the same classes as REST
// (binance.ErrInvalidSignature, ErrTimestamp, ErrKeyPermission,
// ErrUnknownStatus, ErrRateLimited, ErrBanned).
var (
	// ErrClosed: Close was called, or the connection dropped and could not
	// be replaced (ReconnectPolicy).
	ErrClosed = errors.New("wsapi: client closed")
	// ErrLogonKeyType: session.logon accepts only Ed25519 keys.
	ErrLogonKeyType = errors.New("wsapi: session.logon needs an Ed25519 key")
	// ErrNoKey: a SIGNED method was called without Options.APIKey and Signer.
	ErrNoKey = errors.New("wsapi: no API key")
)

// TransportError is a call that got no answer: the connection dropped, or
// the caller's context ended. Sent says whether the request left; when it
// did, errors.Is(err, binance.ErrUnknownStatus) is true: the request may
// have been executed, and an order must be looked up, not sent again.
type TransportError struct {
	Method string
	Sent   bool
	Err    error
}

func (e *TransportError) Error() string {
	s := "wsapi: " + e.Method + ": " + e.Err.Error()
	if e.Sent {
		s += " (the request was sent and may have been executed: its status is unknown)"
	} else {
		s += " (the request was not sent)"
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is makes a sent request match binance.ErrUnknownStatus.
func (e *TransportError) Is(target error) bool { return target == binance.ErrUnknownStatus && e.Sent }

// errNotSent marks a request that never left because its connection
// dropped first: it is safe to send on the next connection.
var errNotSent = errors.New("connection dropped before the request was sent")

// apiError turns an error answer into the REST client's error type, so one
// errors.Is / errors.As works for both APIs.
func (c *Client) apiError(method string, r *response, now time.Time) *binance.APIError {
	e := &binance.APIError{HTTPStatus: r.Status, Method: "WS", Path: method, BaseURL: c.url, Env: c.env}
	if r.Error != nil {
		if n, err := strconv.Atoi(r.Error.Code.String()); err == nil {
			e.Code = codes.Code(n)
		}
		e.Msg = r.Error.Msg
		e.Explain = r.Error.Explain
	}
	if e.Msg == "" {
		e.Msg = http.StatusText(r.Status)
	}
	if until := retryAfter(r); !until.IsZero() && until.After(now) {
		e.RetryAfter = until.Sub(now)
	}
	e.Hint = hintFor(e)
	return e
}

// retryAfter is the end of a 429/418 block: error.data.retryAfter (ms
// since the epoch) as Binance documents it, or the same field elsewhere.
func retryAfter(r *response) time.Time {
	ms := r.RetryAfter
	if r.Error != nil {
		if r.Error.Data != nil && r.Error.Data.RetryAfter > 0 {
			ms = r.Error.Data.RetryAfter
		} else if r.Error.RetryAfter > 0 {
			ms = r.Error.RetryAfter
		}
	}
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// hintFor says what to fix, with the WebSocket API's own rules where they
// differ from REST's (failure-cases.md class 9).
func hintFor(e *binance.APIError) string {
	switch e.Code {
	case codes.InvalidSignature:
		h := "the WebSocket API signs every parameter but signature, apiKey included, sorted by name, with raw UTF-8 values (no percent-encoding); mbx builds exactly that, so check the secret belongs to this key (`mbx doctor`)"
		if e.Explain != "" {
			h += "; the exchange says: " + e.Explain
		}
		return h
	case codes.InvalidTimestamp:
		return "the clock is off: mbx resyncs with the server time and retries once; if it persists, sync the host clock (NTP); a larger recvWindow does not fix a clock that runs ahead"
	case codes.BadAPIKeyFmt:
		return "the apiKey parameter is missing or malformed: check the API key for whitespace, and that it is the API key, not the secret"
	case codes.RejectedMBXKey:
		if e.HTTPStatus == http.StatusUnauthorized {
			return fmt.Sprintf("the key was rejected or the session revoked by %s (env %s): check the key exists there, the IP whitelist holds this machine's egress IP, and the key has the permission (Enable Spot & Margin Trading for orders)", e.BaseURL, e.Env)
		}
		return fmt.Sprintf("the key was rejected by %s (env %s): check the key exists there, the IP whitelist and the key's permissions", e.BaseURL, e.Env)
	case codes.Unauthorized:
		return "this method needs authentication: log on (session.logon, Ed25519 keys only) or sign the request"
	case codes.TooManyRequests:
		if e.HTTPStatus == http.StatusTeapot {
			return "this IP is banned: mbx sends nothing until retryAfter; requests during a ban lengthen it"
		}
		return "request weight exceeded: mbx sends nothing to this host until retryAfter"
	}
	return binance.Hint(e)
}

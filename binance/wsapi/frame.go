package wsapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/mbxkit/mbx/params"
)

// idPrefix starts every request id: "mbx-<n>", n counting up per Client,
// so an id is unique per connection and never reused after a reconnect (a
// late answer on a new connection cannot be taken for another request).
const idPrefix = "mbx-"

// appendRequest writes {"id":"mbx-N","method":M,"params":{...}}. Values are
// raw UTF-8 in JSON strings (the WebSocket API signs them unencoded), except
// integer-typed parameters, which go as JSON numbers as in Binance's
// examples; the signed text is the same digits either way.
func appendRequest(dst []byte, id uint64, method string, ps []params.Param) ([]byte, error) {
	dst = append(dst, `{"id":"`+idPrefix...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `","method":`...)
	var err error
	if dst, err = appendJSONString(dst, method); err != nil {
		return dst, fmt.Errorf("method %q: %w", method, err)
	}
	if len(ps) > 0 {
		dst = append(dst, `,"params":{`...)
		for i, p := range ps {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSONString(dst, p.Name); err != nil {
				return dst, &params.Error{Name: p.Name, Err: params.ErrBadName, Fix: err.Error()}
			}
			dst = append(dst, ':')
			if integerParam(p.Name) && isCanonicalInt(p.Value) {
				dst = append(dst, p.Value...)
				continue
			}
			if dst, err = appendJSONString(dst, p.Value); err != nil {
				return dst, &params.Error{Name: p.Name, Err: params.ErrUnsupported, Fix: err.Error()}
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

// integerParam lists the WebSocket API parameters Binance documents as
// integers (LONG/INT).
func integerParam(name string) bool {
	switch name {
	case "timestamp", "recvWindow", "orderId", "cancelOrderId", "strategyId", "strategyType",
		"trailingDelta", "limit", "fromId", "startTime", "endTime", "orderListId", "preventedMatchId":
		return true
	}
	return false
}

// isCanonicalInt is true for digits without a leading zero (or "0"),
// at most 18 of them, optionally negative: text a JSON number keeps
// exactly whatever the reader parses it into.
func isCanonicalInt(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendJSONString quotes s as a JSON string (params.AppendJSONString),
// keeping non-ASCII UTF-8 as it is: the raw form is what the payload rule
// speaks of and what every Binance example sends. Invalid UTF-8 is refused,
// naming the byte, rather than replaced: the signed text would differ.
func appendJSONString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, fmt.Errorf("byte %d is not valid UTF-8; Binance takes UTF-8 text", i)
			}
			i += size
		}
	}
	return params.AppendJSONString(dst, s), nil
}

// response is one answer of the WebSocket API:
//
//	{"id":"mbx-7","status":200,"result":{...},"rateLimits":[...]}
//	{"id":"mbx-7","status":400,"error":{"code":-1022,"msg":"..."},"rateLimits":[...]}
//
// A session revocation has "id": null.
type response struct {
	ID         json.RawMessage `json:"id"`
	Status     int             `json:"status"`
	Result     json.RawMessage `json:"result"`
	Error      *wireError      `json:"error"`
	RateLimits []wireRateLimit `json:"rateLimits"`
	// RetryAfter at the top level is not in Binance's examples (they put it
	// in error.data); it is read too, so either placement blocks.
	RetryAfter int64 `json:"retryAfter"`
}

type wireError struct {
	Code json.Number `json:"code"`
	Msg  string      `json:"msg"`
	Data *struct {
		ServerTime int64 `json:"serverTime"`
		RetryAfter int64 `json:"retryAfter"` // ms since the epoch
	} `json:"data"`
	RetryAfter int64 `json:"retryAfter"`
	// Explain is the local exchange's one-line explanation of a rejection.
	Explain string `json:"explain"`
}

type wireRateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int64  `json:"intervalNum"`
	Limit         int64  `json:"limit"`
	Count         int64  `json:"count"`
}

// parseID reads "mbx-N" (as a JSON string); ok is false for null, other
// clients' ids or anything else.
func parseID(raw json.RawMessage) (uint64, bool) {
	if len(raw) < len(idPrefix)+3 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return 0, false
	}
	s := raw[1 : len(raw)-1]
	if string(s[:len(idPrefix)]) != idPrefix {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s[len(idPrefix):]), 10, 64)
	return n, err == nil
}

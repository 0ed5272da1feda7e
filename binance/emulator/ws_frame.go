package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
)

// jsonNull is the id of an answer to a frame whose own id cannot be read,
// and of a session revocation.
const jsonNull = "null"

// wsRequest is one request frame: {"id": ..., "method": "...", "params": {...}}.
type wsRequest struct {
	id     json.RawMessage // echoed as sent (compacted)
	method string
	params []verify.Param // in the order sent; values as the signature payload has them
}

// Messages for malformed frames. Binance answers a params value that is
// not an object with -1000 "Invalid 'params' in JSON request; expected an
// object." (seen in the wild); the other wordings follow it and are mbx's
// (UNCONFIRMED).
const (
	msgWSInvalidJSON   = "Invalid JSON request; expected an object with id, method and params."
	msgWSInvalidParams = "Invalid 'params' in JSON request; expected an object."
	msgWSInvalidID     = "Invalid 'id' in JSON request; expected a string, a number or null."
	msgWSTextOnly      = "Invalid request; requests are JSON in text frames, one request per frame."
)

func frameError(code codes.Code, msg, verdict string, notes ...string) *verify.Rejection {
	return rejection(http.StatusBadRequest, code, msg, verdict, notes...)
}

// parseWSFrame reads a request frame. It keeps the params in the order
// sent (the explanation of a bad signature needs it) and refuses a param
// sent twice (-1101), which a JSON decoder would silently collapse. The
// returned request always has an id to answer with, "null" when the
// frame's own cannot be read.
func parseWSFrame(data []byte) (*wsRequest, *verify.Rejection) {
	req := &wsRequest{id: json.RawMessage(jsonNull)}
	invalid := func(err error) (*wsRequest, *verify.Rejection) {
		req.id = json.RawMessage(jsonNull)
		return req, frameError(codes.Unknown, msgWSInvalidJSON, "the frame is not one JSON object",
			"JSON error: "+err.Error(), `a request is {"id":"any-id","method":"order.place","params":{...}}`)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return invalid(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return invalid(fmt.Errorf("the frame starts with %v, not {", tok))
	}
	var idRaw, methodRaw, paramsRaw json.RawMessage
	var hasID bool
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return invalid(err)
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return invalid(err)
		}
		switch key {
		case "id":
			idRaw, hasID = raw, true
		case "method":
			methodRaw = raw
		case "params":
			paramsRaw = raw
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid(errors.New("more data after the object; send one request per frame"))
	}

	switch {
	case !hasID:
		return req, frameError(codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, "id"), "the request has no id",
			"id is mandatory: a string, a number or null; the answer echoes it")
	case !validID(idRaw):
		return req, frameError(codes.Unknown, msgWSInvalidID, "the request id is not a string, a number or null")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, idRaw); err != nil {
		return invalid(err)
	}
	req.id = buf.Bytes()
	if !utf8.Valid(req.id) {
		// Echoed in a text frame, which must be UTF-8 (RFC 6455 §5.6):
		// decoding turns each invalid byte into U+FFFD.
		req.id = validUTF8ID(req.id)
	}

	if len(methodRaw) == 0 || methodRaw[0] != '"' || json.Unmarshal(methodRaw, &req.method) != nil || req.method == "" {
		return req, frameError(codes.MandatoryParamEmpty, fmt.Sprintf(codes.MsgMandatoryFmt, "method"), "the request has no method (a non-empty string)")
	}
	if len(paramsRaw) == 0 {
		return req, nil
	}
	ps, rej := parseWSParams(paramsRaw)
	if rej != nil {
		return req, rej
	}
	req.params = ps
	return req, nil
}

func validID(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	switch c := raw[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9':
		return true
	}
	return string(raw) == jsonNull
}

// parseWSParams reads the params object in order. A value's text is what
// the signature payload holds: a string's decoded characters, a number's
// or a boolean's literal as sent (timestamp 1645423376532 signs as
// "1645423376532"), an array or object as compact JSON; null is an empty
// value.
func parseWSParams(raw json.RawMessage) ([]verify.Param, *verify.Rejection) {
	bad := func(why string) ([]verify.Param, *verify.Rejection) {
		return nil, frameError(codes.Unknown, msgWSInvalidParams, "params: "+why, `params is a JSON object: {"symbol":"BTCUSDT","side":"BUY",...}`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return bad(err.Error())
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return bad("not an object")
	}
	var out []verify.Param
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return bad(err.Error())
		}
		name, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return bad(err.Error())
		}
		if seen[name] {
			return nil, frameError(codes.TooManyParameters, codes.MsgDuplicateParam,
				fmt.Sprintf("parameter %q appears twice in params", name), "send each parameter once")
		}
		seen[name] = true
		text, err := jsonParamText(v)
		if err != nil {
			return bad(fmt.Sprintf("value of %q: %v", name, err))
		}
		out = append(out, verify.Param{Name: name, Value: text})
	}
	return out, nil
}

func jsonParamText(v json.RawMessage) (string, error) {
	switch v[0] {
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case '{', '[':
		var b bytes.Buffer
		err := json.Compact(&b, v)
		return b.String(), err
	case 'n':
		return "", nil
	}
	return string(v), nil // number, true, false: the literal as sent
}

// wsError is the error object of an answer.
type wsError struct {
	Code int          `json:"code"`
	Msg  string       `json:"msg"`
	Data *wsErrorData `json:"data,omitempty"`
	// Explain is the local exchange's one-line explanation, sent only on
	// connections opened with mbxExplain=true.
	Explain string `json:"explain,omitempty"`
}

// wsErrorData is what Binance adds to a 429 or 418: the server time and
// when to retry (a timestamp, not a number of seconds).
type wsErrorData struct {
	ServerTime int64 `json:"serverTime"`
	RetryAfter int64 `json:"retryAfter"`
}

// wsFrame is an answer, fields in Binance's order.
type wsFrame struct {
	ID         json.RawMessage  `json:"id"`
	Status     int              `json:"status"`
	Result     json.RawMessage  `json:"result,omitempty"`
	Error      *wsError         `json:"error,omitempty"`
	RateLimits []orderLimitJSON `json:"rateLimits,omitempty"`
}

// encodeResult turns a handler's result into JSON.
func encodeResult(v any) (json.RawMessage, error) {
	if pre, ok := v.(preEncoded); ok {
		return json.RawMessage(pre), nil
	}
	return json.Marshal(v)
}

// validUTF8ID re-encodes a string id holding invalid UTF-8 with U+FFFD in
// place of each invalid byte. Only strings can hold such bytes; anything
// else that does not decode becomes null.
func validUTF8ID(raw json.RawMessage) json.RawMessage {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return json.RawMessage(jsonNull)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return json.RawMessage(jsonNull)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

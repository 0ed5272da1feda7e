package payload

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mbxkit/mbx/params"
	"github.com/mbxkit/mbx/sign"
)

// WS builds the params of one WebSocket API request. The zero value is ready;
// Reset reuses its memory.
type WS struct {
	Params params.List

	sorted []params.Param
	buf    []byte
	sig    []byte
}

// Reset empties the builder for reuse.
func (w *WS) Reset() { w.Params.Reset() }

// WSSigned is a signed WebSocket API request's params.
type WSSigned struct {
	// Params are every parameter, sorted by name, with apiKey, timestamp and
	// signature included; put them in the request's "params" object.
	Params    []params.Param
	Payload   string // the exact UTF-8 string signed
	Signature string // hex (HMAC) or base64 (RSA, Ed25519), as it goes in the JSON
	Timestamp int64
}

// Map returns the params as a map for JSON encoding.
func (s *WSSigned) Map() map[string]string {
	m := make(map[string]string, len(s.Params))
	for _, p := range s.Params {
		m[p.Name] = p.Value
	}
	return m
}

// Sign adds apiKey (when not empty and not already given) and timestamp
// (when not given), sorts by name and signs the raw UTF-8 payload.
func (w *WS) Sign(s sign.Signer, apiKey string, opt Options) (WSSigned, error) {
	if s == nil {
		return WSSigned{}, fmt.Errorf("no signer: a SIGNED method needs a key")
	}
	if err := w.Params.Err(); err != nil {
		return WSSigned{}, err
	}
	w.sorted = append(w.sorted[:0], w.Params.All()...)
	var info partInfo
	for i := range w.sorted {
		if err := checkParam(&w.sorted[i], &info); err != nil {
			return WSSigned{}, err
		}
	}
	if apiKey != "" {
		if v, ok := w.Params.Get("apiKey"); ok && v != apiKey {
			return WSSigned{}, &params.Error{Name: "apiKey", Err: params.ErrDuplicate, Fix: "the params carry a different apiKey than the signer's"}
		} else if !ok {
			w.sorted = append(w.sorted, params.Param{Name: "apiKey", Value: apiKey})
		}
	}
	var ts int64
	if v, ok := w.Params.Get("timestamp"); ok {
		ts, _ = strconv.ParseInt(v, 10, 64)
	} else {
		ts = timestampOf(&opt)
		w.sorted = append(w.sorted, params.Param{Name: "timestamp", Value: strconv.FormatInt(ts, 10)})
		if opt.RecvWindow != 0 && !w.Params.Has("recvWindow") {
			rv, err := FormatRecvWindow(opt.RecvWindow)
			if err != nil {
				return WSSigned{}, err
			}
			w.sorted = append(w.sorted, params.Param{Name: "recvWindow", Value: rv})
		}
	}
	SortParams(w.sorted)
	w.buf = AppendWSPayload(w.buf[:0], w.sorted)
	var err error
	if w.sig, err = s.AppendSign(w.sig[:0], w.buf); err != nil {
		return WSSigned{}, err
	}
	sig := string(appendSignature(nil, w.sig, s.Algorithm(), false))
	out := WSSigned{Payload: string(w.buf), Signature: sig, Timestamp: ts}
	out.Params = append(slices.Clone(w.sorted), params.Param{Name: "signature", Value: sig})
	return out, nil
}

// SortParams sorts by name, byte-wise, which is the order Binance uses.
func SortParams(ps []params.Param) {
	slices.SortFunc(ps, func(a, b params.Param) int { return strings.Compare(a.Name, b.Name) })
}

// AppendWSPayload appends name=value pairs joined by '&' with raw values. The
// caller sorts first and leaves signature out.
func AppendWSPayload(dst []byte, sorted []params.Param) []byte {
	for i, p := range sorted {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.Name...)
		dst = append(dst, '=')
		dst = append(dst, p.Value...)
	}
	return dst
}

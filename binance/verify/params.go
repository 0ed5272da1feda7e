package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/pct"
)

// bodyKind is how a body is read for parameters.
type bodyKind uint8

const (
	bodyForm  bodyKind = iota // application/x-www-form-urlencoded, or no Content-Type
	bodyJSON                  // application/json: top-level fields become params
	bodyOther                 // any other type: no params are read from it
)

func (k bodyKind) String() string {
	switch k {
	case bodyJSON:
		return "JSON"
	case bodyOther:
		return "unread"
	}
	return "form"
}

// classifyBody reads the media type by hand: mime.ParseMediaType allocates a
// map on every request, and only the type before ';' matters here.
func classifyBody(contentType string) bodyKind {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	switch {
	case mt == "", strings.EqualFold(mt, "application/x-www-form-urlencoded"):
		return bodyForm
	case strings.EqualFold(mt, "application/json"):
		return bodyJSON
	}
	return bodyOther
}

// pair is one name=value segment of a form-encoded part.
type pair struct {
	start, end  int    // bounds of the raw "name=value" segment within the part
	rawValue    string // the value as sent (undecoded)
	name, value string // form-decoded ('+' is a space, then %XX)
}

func (p *pair) raw(s string) string { return s[p.start:p.end] }

// part is the query string or a form body as received.
type part struct {
	raw    string
	inBody bool
	pairs  []pair
	sig    int // index of the signature pair, -1 when there is none
}

// withoutSig is the part minus its signature pair and one adjacent '&': the
// part's contribution to the signed payload. Nothing else is touched.
func (p *part) withoutSig() (string, string) {
	if p.sig < 0 {
		return p.raw, ""
	}
	s := &p.pairs[p.sig]
	start, end := s.start, s.end
	switch {
	case end < len(p.raw) && p.raw[end] == '&':
		end++
	case start > 0 && p.raw[start-1] == '&':
		start--
	}
	return p.raw[:start], p.raw[end:]
}

func (p *part) sigIsLast() bool { return p.sig >= 0 && p.sig == len(p.pairs)-1 }

func (p *part) where() string {
	if p.inBody {
		return "body"
	}
	return "query string"
}

// parseFailure records why parsing failed, for the rejection and its explanation.
type parseFailure struct {
	code   codes.Code
	msg    string
	inBody bool
	offset int    // byte offset within the part
	name   string // decoded name when known
	reason string // for people; {name} stands for the name, shown visibly and bounded
}

// dupLinearMax is the pair count up to which duplicates are found by a scan;
// past it a map keeps parsing linear on hostile input.
const dupLinearMax = 16

// parseForm splits a form-encoded part on '&' and decodes each name and value
// with form rules. Empty segments are skipped. A name twice is -1101; a
// malformed %XX is -1100.
func parseForm(raw string, inBody bool) (part, *parseFailure) {
	p := part{raw: raw, inBody: inBody, sig: -1}
	if raw == "" {
		return p, nil
	}
	n := strings.Count(raw, "&") + 1
	p.pairs = make([]pair, 0, n)
	var seen map[string]struct{}
	for start := 0; start <= len(raw); {
		end := strings.IndexByte(raw[start:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		seg := raw[start:end]
		if seg == "" {
			start = end + 1
			continue
		}
		rawName, rawValue, _ := strings.Cut(seg, "=")
		name, err := pct.FormUnescape(rawName)
		if err != nil {
			return p, malformed(err, inBody, start, "", "the name of a parameter")
		}
		value, err := pct.FormUnescape(rawValue)
		if err != nil {
			return p, malformed(err, inBody, start+len(rawName)+1, name, "the value of parameter '{name}'")
		}
		dup := false
		if seen == nil && len(p.pairs) < dupLinearMax {
			for i := range p.pairs {
				if p.pairs[i].name == name {
					dup = true
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]struct{}, n)
				for i := range p.pairs {
					seen[p.pairs[i].name] = struct{}{}
				}
			}
			_, dup = seen[name]
			seen[name] = struct{}{}
		}
		if dup {
			return p, &parseFailure{code: codes.TooManyParameters, msg: codes.MsgDuplicateParam, inBody: inBody, offset: start, name: name,
				reason: "parameter '{name}' appears twice in the " + partName(inBody)}
		}
		if name == "signature" {
			p.sig = len(p.pairs)
		}
		p.pairs = append(p.pairs, pair{start: start, end: end, rawValue: rawValue, name: name, value: value})
		start = end + 1
	}
	return p, nil
}

func partName(inBody bool) string {
	if inBody {
		return "body"
	}
	return "query string"
}

func malformed(err error, inBody bool, base int, name, what string) *parseFailure {
	off := base
	var se *pct.SyntaxError
	if errors.As(err, &se) {
		off += se.Offset
	}
	return &parseFailure{code: codes.IllegalChars, msg: msgIllegalCharsGeneric, inBody: inBody, offset: off, name: name,
		reason: "malformed percent-encoding in " + what + " (every '%' must start %XX with two hex digits; send a literal '%' as %25)"}
}

// parseJSON exposes a JSON object's top-level fields as parameters: strings
// as their value, numbers, booleans and null as their literal text, objects
// and arrays as their compact JSON text.
func parseJSON(body []byte) ([]Param, *parseFailure) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	bad := func(off int64, why string) *parseFailure {
		return &parseFailure{code: codes.IllegalChars, msg: msgIllegalCharsGeneric, inBody: true, offset: int(off),
			reason: "the JSON body " + why}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(dec.InputOffset(), "is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, bad(0, "is not a JSON object; send the fields as {\"name\": value, ...}")
	}
	var out []Param
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(off, "is not valid JSON")
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bad(dec.InputOffset(), "is not valid JSON")
		}
		var value string
		switch raw[0] {
		case '"':
			if err := json.Unmarshal(raw, &value); err != nil {
				return nil, bad(off, "holds an invalid string")
			}
		case '{', '[':
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return nil, bad(off, "is not valid JSON")
			}
			value = buf.String()
		default:
			value = string(raw)
		}
		for i := range out {
			if out[i].Name == name {
				return nil, &parseFailure{code: codes.TooManyParameters, msg: codes.MsgDuplicateParam, inBody: true, offset: int(off), name: name,
					reason: "field '{name}' appears twice in the JSON body"}
			}
		}
		out = append(out, Param{Name: name, Value: value, InBody: true})
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad(dec.InputOffset(), "is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad(dec.InputOffset(), "has data after the closing '}'")
	}
	return out, nil
}

// ParseParams reads a request's parameters the way Binance does: form pairs
// from the query string and from a form body (application/x-www-form-urlencoded
// or no Content-Type), top-level fields from a JSON body (application/json),
// nothing from a body of any other type. Names and values are form-decoded
// ('+' is a space, then %XX); the signature payload is never built from them.
//
// A name twice within the query, or twice within the body, is rejected with
// -1101; a name in both keeps the query's value and drops the body's. A
// malformed %XX, or a JSON body that is not one object, is rejected with
// -1100. The signature, timestamp and recvWindow pairs are listed like any
// other: Binance counts them among the parameters received. A query over
// 64 KiB or a body over 1 MiB is rejected as in Verify (CheckSize).
func ParseParams(rawQuery string, body []byte, contentType string) (*Params, *Rejection) {
	var st state
	st.req = &Request{RawQuery: rawQuery, Body: body, ContentType: contentType}
	st.opt = normalize(Options{})
	if rej := st.sizeCheck(); rej != nil {
		rej.Explanation = st.explanation(rej)
		return nil, rej
	}
	if rej := st.parse(); rej != nil {
		rej.Explanation = st.explanation(rej)
		return nil, rej
	}
	return st.merge(), nil
}

// parse reads both parts into st; on failure it records the stage.
func (st *state) parse() *Rejection {
	var f *parseFailure
	st.kind = classifyBody(st.req.ContentType)
	st.q, f = parseForm(st.req.RawQuery, false)
	if f == nil {
		st.b = part{inBody: true, sig: -1}
		if len(st.req.Body) > 0 {
			st.b.raw = string(st.req.Body)
			switch st.kind {
			case bodyForm:
				st.b, f = parseForm(st.b.raw, true)
			case bodyJSON:
				st.jsonParams, f = parseJSON(st.req.Body)
			}
		}
	}
	if f != nil {
		st.pfail = f
		return st.reject(stageParse, http.StatusBadRequest, f.code, f.msg)
	}
	return nil
}

// merge lists query params, then body params whose name the query lacks.
func (st *state) merge() *Params {
	n := len(st.q.pairs) + len(st.b.pairs) + len(st.jsonParams)
	ps := &Params{List: make([]Param, 0, n)}
	for i := range st.q.pairs {
		ps.List = append(ps.List, Param{Name: st.q.pairs[i].name, Value: st.q.pairs[i].value})
	}
	nq := len(ps.List)
	inQuery := func(name string) bool {
		for i := range nq {
			if ps.List[i].Name == name {
				return true
			}
		}
		return false
	}
	if nq > dupLinearMax {
		idx := make(map[string]struct{}, nq)
		for i := range nq {
			idx[ps.List[i].Name] = struct{}{}
		}
		inQuery = func(name string) bool { _, ok := idx[name]; return ok }
	}
	for i := range st.b.pairs {
		if !inQuery(st.b.pairs[i].name) {
			ps.List = append(ps.List, Param{Name: st.b.pairs[i].name, Value: st.b.pairs[i].value, InBody: true})
		}
	}
	for _, p := range st.jsonParams {
		if !inQuery(p.Name) {
			ps.List = append(ps.List, p)
		}
	}
	return ps
}

// Get returns the value of name (the query's when both parts carry it).
func (p *Params) Get(name string) (string, bool) {
	if p == nil {
		return "", false
	}
	for i := range p.List {
		if p.List[i].Name == name {
			return p.List[i].Value, true
		}
	}
	return "", false
}

// Has reports whether name was sent.
func (p *Params) Has(name string) bool {
	_, ok := p.Get(name)
	return ok
}

package inspector

import (
	"strings"
	"time"

	"github.com/mbxkit/mbx/secret"
)

// Summary is one row of GET /mbx/api/recent. Text a client chose (path,
// API key) is in Visible form: printable ASCII, other bytes as \xHH.
type Summary struct {
	ID         uint64    `json:"id"`
	Time       time.Time `json:"time"` // the exchange's clock (clock skew included)
	DurationMs float64   `json:"durationMs"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Endpoint   string    `json:"endpoint,omitempty"`
	APIKey     string    `json:"apiKey,omitempty"` // masked: first 4 … last 4
	RemoteIP   string    `json:"remoteIp"`
	Verdict    string    `json:"verdict"`
	Code       int       `json:"code"`
	Msg        string    `json:"msg,omitempty"`
	Weight     int       `json:"weight"`
	UsedWeight int       `json:"usedWeight1m"`
	Status     int       `json:"status"`
	Fault      string    `json:"fault,omitempty"`
	Emulated   string    `json:"emulated,omitempty"` // "example": the answer is the catalogue's documented example
	Explained  bool      `json:"explained"`          // an explanation is attached
	Mistake    string    `json:"mistake,omitempty"`  // id of the known mistake, if one matched
}

// Detail is GET /mbx/api/entry/<id>: the summary, what was received and
// answered, and the explanation.
type Detail struct {
	Summary
	Security    string           `json:"security,omitempty"`
	ContentType string           `json:"contentType,omitempty"`
	RawQuery    string           `json:"rawQuery"` // visible form
	Body        string           `json:"body"`     // visible form
	Response    string           `json:"response"`
	Truncated   bool             `json:"truncated,omitempty"` // query, body or response cut at 4 KiB
	Explanation *PageExplanation `json:"explanation,omitempty"`
}

// PageExplanation is an Explanation for the page.
type PageExplanation struct {
	Verdict           string       `json:"verdict"`
	Code              int          `json:"code"`
	Payload           string       `json:"payload,omitempty"` // the exact payload verified, visible form
	SignatureLocation string       `json:"signatureLocation,omitempty"`
	Mistake           *PageMistake `json:"mistake,omitempty"`
	Diff              string       `json:"diff,omitempty"` // the verifier's diff as text (caret under the first difference)
	Compare           *Compare     `json:"compare,omitempty"`
	Notes             []string     `json:"notes,omitempty"`
	Text              string       `json:"text"` // Explanation.Text, for copying
}

// PageMistake is the known client mistake the signature matched.
type PageMistake struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Fix    string `json:"fix"`
	Signed string `json:"signed,omitempty"` // what the client signed, visible form
}

// Compare lines up what the exchange verified (Sent) with what the client
// signed (Signed), each cut into runs; a run with Diff set differs from the
// other line. Both are in visible form, so "%E8" against "\xE8" shows a
// value signed before percent-encoding at a glance.
type Compare struct {
	Summary string `json:"summary,omitempty"` // "first difference at byte N (...)"
	Sent    []Run  `json:"sent"`
	Signed  []Run  `json:"signed"`
}

// Run is a stretch of a compared line.
type Run struct {
	Text string `json:"t"`
	Diff bool   `json:"d,omitempty"`
}

func summarize(e *Entry) Summary {
	s := Summary{
		ID: e.ID, Time: e.Time, DurationMs: float64(e.Duration.Microseconds()) / 1000,
		Method: Visible([]byte(e.Method)), Path: Visible([]byte(e.Path)), Endpoint: e.Endpoint,
		APIKey: MaskKey(e.APIKey), RemoteIP: e.RemoteIP, Verdict: e.Verdict, Code: e.Code,
		Msg: strings.ToValidUTF8(e.Msg, "\uFFFD"), Weight: e.Weight, UsedWeight: e.UsedWeight,
		Status: e.HTTPStatus, Fault: e.Fault, Emulated: e.Emulated, Explained: e.Explanation != nil,
	}
	if x := e.Explanation; x != nil && x.Mistake != nil {
		s.Mistake = x.Mistake.ID
	}
	return s
}

func detail(e *Entry) Detail {
	d := Detail{
		Summary: summarize(e), Security: e.Security, ContentType: Visible([]byte(e.ContentType)),
		RawQuery: Visible([]byte(e.RawQuery)), Body: Visible([]byte(e.Body)),
		Response: strings.ToValidUTF8(e.Response, "\uFFFD"), Truncated: e.Truncated,
	}
	if x := e.Explanation; x != nil {
		v := &PageExplanation{
			Verdict: x.Verdict, Code: x.Code, Payload: x.Payload, SignatureLocation: x.SignatureLocation,
			Diff: x.Diff, Notes: x.Notes, Text: x.Text(),
		}
		if m := x.Mistake; m != nil {
			v.Mistake = &PageMistake{ID: m.ID, Title: m.Title, Fix: m.Fix, Signed: m.Signed}
		}
		v.Compare = compare(x)
		d.Explanation = v
	}
	return d
}

// MaskKey shows an API key masked by the one rule of [secret.MaskKey]: the
// key is not a secret (it travels in a header), but a page on a shared
// screen need not show it.
func MaskKey(k string) string { return secret.MaskKey(k) }

// compare builds the side-by-side diff of an explanation: the whole payload
// against what the client signed when both are known, else the two windows
// of the verifier's text diff.
func compare(x *Explanation) *Compare {
	summary, sentWin, signedWin, ok := parseDiff(x.Diff)
	var sent, signed string
	switch {
	case x.Mistake != nil && x.Mistake.Signed != "" && x.Payload != "" && x.Mistake.Signed != x.Payload:
		sent, signed = x.Payload, x.Mistake.Signed
	case ok:
		sent, signed = sentWin, signedWin
	default:
		return nil
	}
	a, b := diffRuns(sent, signed)
	return &Compare{Summary: summary, Sent: a, Signed: b}
}

// parseDiff reads the text of a verifier's diff: a summary line, "sent:   ..."
// and "signed: ..." windows, and a caret line.
func parseDiff(d string) (summary, sent, signed string, ok bool) {
	if d == "" {
		return "", "", "", false
	}
	var haveSent, haveSigned bool
	for i, line := range strings.Split(d, "\n") {
		switch {
		case i == 0:
			summary = line
		case strings.HasPrefix(line, "sent:"):
			sent, haveSent = strings.TrimLeft(strings.TrimPrefix(line, "sent:"), " "), true
		case strings.HasPrefix(line, "signed:"):
			signed, haveSigned = strings.TrimLeft(strings.TrimPrefix(line, "signed:"), " "), true
		}
	}
	return summary, sent, signed, haveSent && haveSigned
}

// lcsCells bounds the work of the character-level diff of the middle part;
// beyond it the whole middle is marked as different.
const lcsCells = 1 << 18

// diffRuns marks the bytes of a and b that are not in their longest common
// subsequence. The common prefix and suffix are cut first, so the usual
// payloads (one differing stretch) cost almost nothing.
func diffRuns(a, b string) (ra, rb []Run) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	da, db := make([]bool, len(ma)), make([]bool, len(mb))
	if len(ma)*len(mb) <= lcsCells {
		markLCS(ma, mb, da, db)
	} else {
		for i := range da {
			da[i] = true
		}
		for i := range db {
			db[i] = true
		}
	}
	build := func(s, mid string, d []bool, suffix string) []Run {
		var out []Run
		add := func(t string, diff bool) {
			if t == "" {
				return
			}
			if n := len(out); n > 0 && out[n-1].Diff == diff {
				out[n-1].Text += t
				return
			}
			out = append(out, Run{Text: t, Diff: diff})
		}
		add(s, false)
		start := 0
		for i := 1; i <= len(mid); i++ {
			if i == len(mid) || d[i] != d[start] {
				add(mid[start:i], d[start])
				start = i
			}
		}
		add(suffix, false)
		if out == nil {
			out = []Run{}
		}
		return out
	}
	return build(a[:p], ma, da, a[len(a)-s:]), build(b[:p], mb, db, b[len(b)-s:])
}

// markLCS sets da[i] (db[j]) for the bytes of a (b) outside one longest
// common subsequence. A match of a single byte between differences (the
// 's' of "src" against the 's' of "svg") is noise to a reader and counts as
// different; two bytes ("E8" in "%E8" against "\xE8") are kept.
func markLCS(a, b string, da, db []bool) {
	n, m := len(a), len(b)
	// t[i*(m+1)+j] is the LCS length of a[i:] and b[j:].
	t := make([]int32, (n+1)*(m+1))
	w := m + 1
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	for i := range da {
		da[i] = true
	}
	for j := range db {
		db[j] = true
	}
	// Walk one LCS; keep runs of at least two consecutive matches.
	i, j := 0, 0
	runI, runJ, runLen := 0, 0, 0
	flush := func() {
		if runLen >= 2 {
			for k := range runLen {
				da[runI+k], db[runJ+k] = false, false
			}
		}
		runLen = 0
	}
	for i < n && j < m {
		switch {
		case a[i] == b[j] && t[i*w+j] == t[(i+1)*w+j+1]+1:
			if runLen == 0 {
				runI, runJ = i, j
			}
			runLen++
			i, j = i+1, j+1
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			flush()
			i++
		default:
			flush()
			j++
		}
	}
	flush()
}

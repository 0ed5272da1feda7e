package verify_test

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/internal/reqparse"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// brokenClient is a client that signs one text and sends another, built
// the way real clients break: each field is one habit, the zero value a
// correct client.
type brokenClient struct {
	signFormat func(name, v string) string // how values are written for signing
	sentEncode func(string) string         // how the HTTP layer writes what is sent
	join       func(q, b string) string    // how the signed parts are joined
	key        string                      // the HMAC key bytes used
	curl       bool                        // hand the request over as a curl line, not raw HTTP
}

// orderParams is a typical order split between query and body, with a
// value of each kind the classes touch: UTF-8 and a space, a small
// quantity, a JSON value.
func orderParams() (query, body [][2]string) {
	return [][2]string{{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "LIMIT"}, {"newClientOrderId", "bot 币-1"}, {"strategy", `{"name":"grid","levels":[1,2]}`}},
		[][2]string{{"quantity", "0.00001"}, {"price", "67012.5"}, {"recvWindow", "5000"}, {"timestamp", testTS()}}
}

// build returns the raw text of the request the client sends.
func (c brokenClient) build(t testing.TB) string {
	t.Helper()
	q, b := orderParams()
	enc := func(ps [][2]string, format func(string, string) string, e func(string) string) string {
		parts := make([]string, len(ps))
		for i, p := range ps {
			v := p[1]
			if format != nil {
				v = format(p[0], v)
			}
			parts[i] = e(p[0]) + "=" + e(v)
		}
		return strings.Join(parts, "&")
	}
	signedQ, signedB := enc(q, c.signFormat, pct.Escape), enc(b, c.signFormat, pct.Escape)
	sentEnc := pct.Escape
	if c.sentEncode != nil {
		sentEnc = c.sentEncode
	}
	sentQ, sentB := enc(q, nil, sentEnc), enc(b, nil, sentEnc)
	payload := signedQ + signedB
	if c.join != nil {
		payload = c.join(signedQ, signedB)
	}
	key := docSecret
	if c.key != "" {
		key = c.key
	}
	h, err := sign.NewHMAC(secret.FromString(key))
	if err != nil {
		t.Fatal(err)
	}
	sig := hex.EncodeToString(rawSig(t, h, payload))
	sentB += "&signature=" + sig
	if c.curl {
		return fmt.Sprintf("curl -X POST -H 'X-MBX-APIKEY: %s' -H 'Content-Type: application/x-www-form-urlencoded' \\\n  'https://api.binance.com/api/v3/order?%s' \\\n  --data-raw '%s'", docAPIKey, sentQ, sentB)
	}
	return fmt.Sprintf("POST /api/v3/order?%s HTTP/1.1\r\nHost: api.binance.com\r\nX-MBX-APIKEY: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", sentQ, docAPIKey, len(sentB), sentB)
}

// mistakeClass is one row of the table: how the client breaks,
// the step it breaks and the id the explanation must name.
type mistakeClass struct {
	name  string
	step  string
	id    string
	apply func(*brokenClient)
	// hides names a class whose effect this one removes from the signed
	// bytes (a body left out hides how the body was formatted): the pair
	// signs exactly what this class alone signs.
	hides string
}

func lowerHex(s string) string {
	e := pct.Escape(s)
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		if e[i] == '%' && i+2 < len(e) {
			b.WriteString("%" + strings.ToLower(e[i+1:i+3]))
			i += 2
			continue
		}
		b.WriteByte(e[i])
	}
	return b.String()
}

func mistakeClasses() []mistakeClass {
	return []mistakeClass{
		{"signed %E5, sent lower-case %e5", verify.StepEncode, verify.MistakeSentLowerHex, func(c *brokenClient) { c.sentEncode = lowerHex }, ""},
		{"signed %20, sent '+' for a space", verify.StepEncode, verify.MistakeSentPlusSpace, func(c *brokenClient) {
			c.sentEncode = func(s string) string { return strings.ReplaceAll(pct.Escape(s), "%20", "+") }
		}, ""},
		{"query percent-encoded twice on the way out", verify.StepEncode, verify.MistakeSentEncodedTwice, func(c *brokenClient) {
			c.sentEncode = func(s string) string { return pct.Escape(pct.Escape(s)) }
		}, ""},
		{"secret pasted with its quotes", verify.StepKey, verify.MistakeSecretQuoted, func(c *brokenClient) { c.key = `"` + docSecret + `"` }, ""},
		{"secret with a trailing newline", verify.StepKey, verify.MistakeSecretNewline, func(c *brokenClient) { c.key = docSecret + "\n" }, ""},
		{"JSON signed as json.dumps writes it, sent compact", verify.StepFormat, "json-spaced", func(c *brokenClient) {
			prev := c.signFormat
			c.signFormat = func(n, v string) string {
				if prev != nil {
					v = prev(n, v)
				}
				if n == "strategy" {
					return strings.NewReplacer(`,`, `, `, `:`, `: `).Replace(v)
				}
				return v
			}
		}, ""},
		{"quantity signed as 1e-05, sent as 0.00001", verify.StepFormat, "value-exponent", func(c *brokenClient) {
			prev := c.signFormat
			c.signFormat = func(n, v string) string {
				if prev != nil {
					v = prev(n, v)
				}
				if n == "quantity" {
					return "1e-05"
				}
				return v
			}
		}, ""},
		{"'&' between query and body", verify.StepJoin, verify.MistakeAmpJoin, func(c *brokenClient) { c.join = func(q, b string) string { return q + "&" + b } }, ""},
		{"body left out", verify.StepJoin, verify.MistakeQueryOnly, func(c *brokenClient) { c.join = func(q, _ string) string { return q } }, "quantity signed as 1e-05, sent as 0.00001"},
	}
}

// explainRaw feeds the raw request text through the parser behind
// `mbx explain` and explains it with the docs' HMAC key.
func explainRaw(t testing.TB, text string) *verify.Explanation {
	t.Helper()
	_, key := keyFor(t, "hmac")
	o := opts()
	// The tests share two cores with the rest of CI: give the search the
	// interactive budget so a slow moment cannot cut it short.
	o.ExplainBudget = verify.InteractiveExplainBudget
	_, rej := verify.Verify(parseRaw(t, text), key, o)
	if rej == nil {
		t.Fatalf("accepted:\n%s", text)
	}
	return rej.Explanation
}

// parseRaw reads raw request text (HTTP or curl) as `mbx explain` does.
func parseRaw(t testing.TB, text string) *verify.Request {
	t.Helper()
	req, err := reqparse.Parse(text)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return req.Verify()
}

// stepIDs are the ids of a mistake's steps, sorted.
func stepIDs(m *verify.Mistake) []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, s := range m.Steps {
		out = append(out, s.Step+":"+s.ID)
	}
	sort.Strings(out)
	return out
}

// composes reports whether two classes of one step can happen together:
// format changes of different values can; a client has one encoder, one
// way to join and one key, so two of those at once are one other variant.
func composes(a, b mistakeClass) bool {
	if a.hides == b.name || b.hides == a.name {
		return false
	}
	return a.step != b.step || a.step == verify.StepFormat
}

func TestMistakeClasses(t *testing.T) {
	classes := mistakeClasses()
	for i, a := range classes {
		t.Run(a.name, func(t *testing.T) {
			var c brokenClient
			c.curl = i%2 == 1
			a.apply(&c)
			e := explainRaw(t, c.build(t))
			want := []string{a.step + ":" + a.id}
			if got := stepIDs(e.Mistake); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("steps %v, want %v\n%s", got, want, e.Text())
			}
			if e.Mistake.ID != a.id || e.Mistake.Title == "" || e.Mistake.Fix == "" || e.Diff == "" && a.step != verify.StepKey {
				t.Errorf("mistake %+v, diff %q", e.Mistake, e.Diff)
			}
			noSecret(t, &verify.Rejection{Explanation: e}, docSecret)
		})
	}
	for i, a := range classes {
		for j := i + 1; j < len(classes); j++ {
			b := classes[j]
			if !composes(a, b) {
				continue
			}
			t.Run(a.name+" + "+b.name, func(t *testing.T) {
				var c brokenClient
				c.curl = (i+j)%2 == 1
				a.apply(&c)
				b.apply(&c)
				e := explainRaw(t, c.build(t))
				want := []string{a.step + ":" + a.id, b.step + ":" + b.id}
				sort.Strings(want)
				if got := stepIDs(e.Mistake); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("steps %v, want %v\n%s", got, want, e.Text())
				}
				m := e.Mistake
				if !strings.Contains(m.ID, "+") || !strings.HasPrefix(m.Title, "two mistakes at once") {
					t.Errorf("pair reported as %q: %q", m.ID, m.Title)
				}
				for _, s := range m.Steps {
					if s.Title == "" || s.Fix == "" {
						t.Errorf("step without title or fix: %+v", s)
					}
					if changesPayload(s.Step) && s.Diff == "" {
						t.Errorf("step %s changes the signed bytes but shows no diff", s.ID)
					}
				}
				text := e.Text()
				if !strings.Contains(text, "1. ") || !strings.Contains(text, "2. ") {
					t.Errorf("text does not list both steps:\n%s", text)
				}
				noSecret(t, &verify.Rejection{Explanation: e}, docSecret)
				headerOK(t, e.Header())
			})
		}
	}
}

func changesPayload(step string) bool { return step != verify.StepKey && step != verify.StepSignature }

// Never invent a cause: a signature made with another key, or over bytes
// no client habit produces, is left unexplained, and the explanation says
// what that leaves.
func TestNoInventedCause(t *testing.T) {
	for _, c := range []brokenClient{
		{key: "an-entirely-different-secret-0123456789abcdef"},
		{join: func(q, b string) string { return q + "&&nonce=1" + b }},
		// Three mistakes at once are past the search's reach.
		{key: docSecret + "\n", join: func(q, b string) string { return q + "&" + b }, sentEncode: lowerHex},
	} {
		e := explainRaw(t, c.build(t))
		if e.Mistake != nil {
			t.Errorf("invented mistake %+v", e.Mistake)
		}
		text := e.Text()
		for _, want := range []string{"no known client mistake", "another key", "testnet key on production", "other bytes signed"} {
			if !strings.Contains(text, want) {
				t.Errorf("explanation lacks %q:\n%s", want, text)
			}
		}
	}
}

// The accepted path never searches, and a negative budget turns the
// search off.
func TestExplainBudget(t *testing.T) {
	c := brokenClient{key: docSecret + "\n", join: func(q, b string) string { return q + "&" + b }}
	req, err := reqparse.Parse(c.build(t))
	if err != nil {
		t.Fatal(err)
	}
	_, key := keyFor(t, "hmac")
	o := opts()
	o.ExplainBudget = -1
	if _, rej := verify.Verify(req.Verify(), key, o); rej == nil || rej.Explanation.Mistake != nil {
		t.Fatalf("search ran with a negative budget: %+v", rej)
	}
	o.ExplainBudget = 1 // one nanosecond: spent before the first pair
	_, rej := verify.Verify(req.Verify(), key, o)
	if rej == nil || rej.Explanation.Mistake != nil || !strings.Contains(rej.Explanation.Text(), "time budget") {
		t.Fatalf("a spent budget is not reported:\n%s", rej.Explanation.Text())
	}
}

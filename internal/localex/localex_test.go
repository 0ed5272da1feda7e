package localex

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
)

func TestRecentIsBounded(t *testing.T) {
	r := NewRecent(3)
	for i := 0; i < 5; i++ {
		r.Add(Entry{Path: strings.Repeat("x", i), Body: strings.Repeat("b", maxField+10)})
	}
	got := r.List()
	if len(got) != 3 || got[0].ID != 3 || got[2].ID != 5 || len(got[2].Body) != maxField {
		t.Fatalf("ring: %d entries, first id %d", len(got), got[0].ID)
	}
}

func TestSetExplainOneLine(t *testing.T) {
	h := http.Header{}
	SetExplain(h, exchange.Verdict{Explanation: "bad\r\nthing", Mistakes: []string{"the \x00 step"}})
	if got := h.Get(HeaderExplain); got != "bad  thing Found: the   step" {
		t.Fatalf("header %q", got)
	}
	h = http.Header{}
	SetExplain(h, exchange.Verdict{})
	if _, ok := h[HeaderExplain]; ok {
		t.Fatal("an empty explanation set the header")
	}
}

func TestQueryAndBody(t *testing.T) {
	ps := []exchange.Param{{Name: "b", Value: "x y/ü"}, {Name: "a", Value: `"<&>"`}}
	if got := Query(ps); got != "b=x%20y%2F%C3%BC&a=%22%3C%26%3E%22" {
		t.Errorf("Query = %s", got)
	}
	if got := string(JSONBody(ps)); got != `{"b":"x y/ü","a":"\"<&>\""}` {
		t.Errorf("JSONBody = %s", got)
	}
	if JSONBody(nil) != nil {
		t.Error("no params must be no body")
	}
	for _, bad := range [][]exchange.Param{{{Name: "", Value: "x"}}, {{Name: "a", Value: "\xff"}}, {{Name: "a"}, {Name: "a"}}} {
		if CheckParams(bad) == nil {
			t.Errorf("CheckParams(%q) accepted", bad)
		}
	}
}

func TestVariants(t *testing.T) {
	q := QueryVariants("b=x%20y&a=1")
	want := map[string]bool{"b=x y&a=1": true, "a=1&b=x%20y": true, "b=x+y&a=1": true}
	for _, v := range q {
		delete(want, v.Query)
	}
	if len(want) != 0 {
		t.Errorf("QueryVariants missed %v (got %+v)", want, q)
	}
	b := BodyVariants([]byte(`{"b":"1","a":"x:y,z"}`))
	var forms []string
	for _, v := range b {
		forms = append(forms, string(v.Body))
	}
	joined := strings.Join(forms, "\n")
	if !strings.Contains(joined, `{"b": "1", "a": "x:y,z"}`) || !strings.Contains(joined, `{"a":"x:y,z","b":"1"}`) {
		t.Errorf("BodyVariants: %s", joined)
	}
	if BodyVariants([]byte("not json")) != nil {
		t.Error("variants of a non-JSON body")
	}
}

func TestOpenChecksKeys(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		keys []exchange.EmulatorKey
		want string
	}{
		{nil, "no API keys"},
		{[]exchange.EmulatorKey{{Secret: secret.FromString("s")}}, "apiKey is empty"},
		{[]exchange.EmulatorKey{{APIKey: "k"}}, "no secret"},
		{[]exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}, "passphrase"},
		{[]exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s"), Passphrase: secret.FromString("p"), Balances: map[string]string{"BTC": "lots"}}}, "not a decimal"},
	} {
		_, err := Open(ctx, exchange.EmulatorConfig{Keys: tt.keys}, true)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%d keys): %v, want %q", len(tt.keys), err, tt.want)
		}
	}
}

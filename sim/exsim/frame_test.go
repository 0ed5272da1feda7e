package exsim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/exsim"
	"github.com/mbxkit/mbx/sim/store"
)

func TestExplainNamesTheFirstMistake(t *testing.T) {
	h := http.Header{}
	exsim.Explain(h, "bad\r\nthing", "the \x00 step", "another")
	if got := h.Get(exsim.ExplainHeader); got != "bad  thing; found: the   step" {
		t.Errorf("header %q", got)
	}
	h = http.Header{}
	exsim.Explain(h, "signed with a trailing newline", "trailing newline")
	if got := h.Get(exsim.ExplainHeader); got != "signed with a trailing newline" {
		t.Errorf("a mistake the explanation names was repeated: %q", got)
	}
	h = http.Header{}
	exsim.Explain(h, " ")
	if _, ok := h[exsim.ExplainHeader]; ok {
		t.Error("an empty explanation set the header")
	}
}

func TestStoreError(t *testing.T) {
	a := exsim.StoreAnswers{
		Balance:  exsim.Reply{Status: 400, Code: "BAL", Msg: "no money"},
		BadInput: exsim.Reply{Status: 400, Code: "BAD", Msg: "bad: "},
	}
	if r := exsim.StoreError(fmt.Errorf("place: %w", store.ErrInsufficientBalance), a); r.Code != "BAL" || r.Explanation == "" {
		t.Errorf("balance: %+v", r)
	}
	if r := exsim.StoreError(fmt.Errorf("wrapped: %w", &store.FieldError{Field: "price", Problem: "must be > 0"}), a); r.Code != "BAD" || r.Msg != "bad: price: must be > 0" {
		t.Errorf("bad input: %+v", r)
	}
	if r := exsim.StoreError(fmt.Errorf("disk on fire"), a); r.Status != http.StatusInternalServerError {
		t.Errorf("internal: %+v", r)
	}
}

// open is a Base with one key allowed to "read" only.
func open(t *testing.T) *exsim.Base {
	t.Helper()
	b, err := exsim.Open(context.Background(), "Test", exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{
		{APIKey: "k", Secret: secret.FromString("s"), Permissions: []string{"Read"}},
	}}, exsim.PassphraseOptional)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestCan(t *testing.T) {
	b := open(t)
	if !b.Can("k", "read") || b.Can("k", "trade") {
		t.Error("permissions not honoured")
	}
}

func TestHandleRoutes(t *testing.T) {
	b := open(t)
	api := exsim.API{
		// No Exchange: only the public route is requested.
		Write: exsim.JSONEnvelope(func(data any) any { return map[string]any{"data": data} },
			func(r exsim.Reply) any { return map[string]string{"err": r.Code} }),
		BadParams: func(err error) exsim.Reply { return exsim.Reply{Status: 400, Code: "PARAMS", Msg: err.Error()} },
	}
	b.HandleRoutes(api, map[string]func() any{"GET /time": func() any { return 42 }}, nil)
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/time", nil))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"data":42}` {
		t.Errorf("public answer %d %s", rec.Code, rec.Body)
	}
	if got := b.Recent(); len(got) != 1 || got[0].Path != "/time" || got[0].Status != 200 {
		t.Errorf("recent %+v", got)
	}
	if r := exsim.Result(nil, &exsim.Reply{Status: 404, Code: "NF"}); r.Code != "NF" {
		t.Errorf("Result of a failure: %+v", r)
	}
}

package exsim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/exsim"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	b, err := exsim.Open(ctx, "test", exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{
		{APIKey: "KEY1", Secret: secret.FromString("s1"), Passphrase: secret.FromString("p1"), Balances: map[string]string{"USDT": "12.5"}},
	}}, exsim.PassphraseOptional)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := b.Lookup("KEY1")
	if !ok || string(c.Secret.Expose()) != "s1" || string(c.Passphrase.Expose()) != "p1" {
		t.Errorf("Lookup = %+v %v", c, ok)
	}
	if _, ok := b.Lookup("KEY2"); ok {
		t.Error("an unknown key was found")
	}
	bals, err := b.Store.Balances(ctx, "KEY1")
	if err != nil || len(bals) != 1 || bals[0].Free.String() != "12.5" {
		t.Errorf("balances %+v %v", bals, err)
	}
	base, err := b.Start(ctx, "127.0.0.1:0")
	if err != nil || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("Start = %q, %v", base, err)
	}
	if _, err := b.Start(ctx, "127.0.0.1:0"); err == nil {
		t.Error("started twice")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base); err == nil {
		t.Error("still serving after Close")
	}

	for _, tt := range []struct {
		name string
		keys []exchange.EmulatorKey
		pass exsim.Passphrases
		want string
	}{
		{"none", nil, exsim.PassphraseOptional, "no API keys"},
		{"passphrase required", []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}, exsim.PassphraseRequired, "no passphrase"},
		{"passphrase forbidden", []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s"), Passphrase: secret.FromString("p")}}, exsim.PassphraseForbidden, "remove it"},
		{"spaces", []exchange.EmulatorKey{{APIKey: "a b", Secret: secret.FromString("s")}}, exsim.PassphraseOptional, "without spaces"},
		{"twice", []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}, {APIKey: "k", Secret: secret.FromString("s")}}, exsim.PassphraseOptional, "twice"},
		{"negative", []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s"), Balances: map[string]string{"BTC": "-1"}}}, exsim.PassphraseOptional, "not a decimal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := exsim.Open(ctx, "test", exchange.EmulatorConfig{Keys: tt.keys}, tt.pass); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTemporaryLedgerRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	b, err := exsim.Open(context.Background(), "test", exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}}, exsim.PassphraseOptional)
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
		t.Fatalf("temporary ledger not in TMPDIR: %v", ents)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary ledger left behind: %v", ents)
	}
}

func TestParams(t *testing.T) {
	q, err := exsim.QueryParams("a=x%20y&b=1+2&c")
	if err != nil || q["a"] != "x y" || q["b"] != "1 2" || q["c"] != "" {
		t.Errorf("QueryParams = %v, %v", q, err)
	}
	if _, err := exsim.QueryParams("a=%zz"); err == nil {
		t.Error("bad escape accepted")
	}
	p, err := exsim.BodyParams([]byte(`{"s":"x","n":0.001,"b":true,"z":null,"o":{"k":1}}`))
	if err != nil || p["s"] != "x" || p["n"] != "0.001" || p["b"] != "true" || p["o"] != `{"k":1}` {
		t.Errorf("BodyParams = %v, %v", p, err)
	}
	if _, ok := p["z"]; ok {
		t.Error("null became a value")
	}
	if _, err := exsim.BodyParams([]byte(`[1]`)); err == nil {
		t.Error("an array was read as an object")
	}
	if p, err := exsim.BodyParams(nil); err != nil || len(p) != 0 {
		t.Errorf("empty body: %v %v", p, err)
	}
}

func TestRecent(t *testing.T) {
	r := exsim.NewRecent(3)
	for i := 0; i < 5; i++ {
		r.Add(exsim.Entry{Path: fmt.Sprint(i), APIKey: "ABCDEFGHIJKL", Body: strings.Repeat("x", 5000)})
	}
	all := r.All()
	if len(all) != 3 || all[0].Path != "4" || all[2].Path != "2" || all[0].ID != 5 {
		t.Fatalf("All = %+v", all)
	}
	if all[0].APIKey != "ABCD…IJKL" || len(all[0].Body) > 2100 {
		t.Errorf("not masked or clipped: %q, %d bytes", all[0].APIKey, len(all[0].Body))
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/mbx/recent", nil))
	var got []exsim.Entry
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got) != 3 {
		t.Errorf("served %s: %v", rec.Body.Bytes(), err)
	}
	h := http.Header{}
	exsim.Explain(h, "line1\nline2\r\x00"+strings.Repeat("y", 2000))
	if v := h.Get(exsim.ExplainHeader); strings.ContainsAny(v, "\r\n\x00") || len(v) != 1024 {
		t.Errorf("Explain header %q", v[:40])
	}
}

func FuzzParams(f *testing.F) {
	f.Add("a=1&b=%20", []byte(`{"a":"1","n":2}`))
	f.Add("%&=&", []byte(`{"a":`))
	f.Fuzz(func(t *testing.T, q string, body []byte) {
		_, _ = exsim.QueryParams(q)
		p, err := exsim.BodyParams(body)
		if err == nil && p == nil {
			t.Fatal("nil map without an error")
		}
	})
}

func ExampleRecent() {
	r := exsim.NewRecent(2)
	r.Add(exsim.Entry{Method: "GET", Path: "/v5/market/time", Code: "0"})
	r.Add(exsim.Entry{Method: "GET", Path: "/v5/account/wallet-balance", Code: "10004", APIKey: "XXXXXXXXXXXX"})
	for _, e := range r.All() {
		fmt.Println(e.ID, e.Path, e.Code, e.APIKey)
	}
	// Output:
	// 2 /v5/account/wallet-balance 10004 XXXX…XXXX
	// 1 /v5/market/time 0
}

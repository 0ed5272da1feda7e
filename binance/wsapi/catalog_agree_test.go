package wsapi

import (
	"context"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/params"
)

// TestWSWeightsFromCatalogue sends every catalogued WebSocket API method,
// in each weight variant, to the real local exchange and checks that the
// weight the client reserves equals the weight the exchange charged.
func TestWSWeightsFromCatalogue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u, err := URLFromREST(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, Options{URL: u, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := 0
	for _, e := range catalog.Default().All() {
		if e.Method != catalog.WS {
			continue
		}
		for _, v := range e.Weight.Variants() {
			var p params.List
			names := make([]string, 0, len(v.Params))
			for k := range v.Params {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				p.Add(k, v.Params[k])
			}
			want := c.methodCost(e.Path, &p)
			srv.ResetLimits()
			_, _ = c.call(ctx, e.Path, &p, false) // signed methods are refused after they are charged
			rec := srv.Recent()
			last := rec[len(rec)-1]
			if last.Endpoint != "WS "+e.Path {
				t.Fatalf("%s: the exchange recorded %q", e.Path, last.Endpoint)
			}
			if last.Weight != want.Weight || want.Orders != e.Orders {
				t.Errorf("%s %v: the client reserves %d (orders %d), the exchange charged %d (catalogue orders %d)",
					e.Path, v.Params, want.Weight, want.Orders, last.Weight, e.Orders)
			}
			n++
		}
	}
	if n < 25 {
		t.Errorf("only %d method variants checked", n)
	}
}

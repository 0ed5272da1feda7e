package binancetest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
)

func balance(t *testing.T, a *binance.Account, asset string) string {
	t.Helper()
	for _, b := range a.Balances {
		if b.Asset == asset {
			return b.Free.String()
		}
	}
	return ""
}

// TestKeysOfEveryType: each key type signs requests the exchange accepts,
// with the balances the test gave, in separate accounts.
func TestKeysOfEveryType(t *testing.T) {
	ex := binancetest.NewServer(t,
		binancetest.WithBalances(map[string]string{"USDT": "500"}),
		binancetest.WithKey("hmac", map[string]string{"USDT": "1"}),
		binancetest.WithKey("ed25519", map[string]string{"USDT": "2"}),
		binancetest.WithKey("rsa", map[string]string{"USDT": "3"}),
	)
	if !strings.HasPrefix(ex.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q is not on loopback", ex.URL)
	}
	want := []struct{ typ, usdt string }{{"hmac", "500"}, {"hmac", "1"}, {"ed25519", "2"}, {"rsa", "3"}}
	if len(ex.Keys) != len(want) {
		t.Fatalf("%d keys, want %d", len(ex.Keys), len(want))
	}
	for i, w := range want {
		k := ex.Keys[i]
		t.Run(fmt.Sprintf("%d %s", i, w.typ), func(t *testing.T) {
			if k.Type != w.typ || k.Signer == nil || len(k.APIKey) != 64 {
				t.Fatalf("key %d: type %q, signer %v, api key of %d bytes", i, k.Type, k.Signer, len(k.APIKey))
			}
			if (k.Type == "hmac") == k.Secret.IsZero() || (k.Type != "hmac") == k.PrivateKeyPEM.IsZero() {
				t.Errorf("key %d: secret or private key missing", i)
			}
			c, err := ex.NewClient(k, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, err := c.Account(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := balance(t, a, "USDT"); got != w.usdt {
				t.Errorf("USDT %q, want %q", got, w.usdt)
			}
		})
	}
	if s := fmt.Sprintf("%v %+v", ex.Keys[1], ex.Keys[2]); strings.Contains(s, string(ex.Keys[1].Secret.Expose())) || strings.Contains(s, "PRIVATE KEY") {
		t.Errorf("a key prints its secret: %s", s)
	}
}

func TestSymbolsFaultsAndClock(t *testing.T) {
	ex := binancetest.NewServer(t,
		binancetest.WithSymbol(emulator.SymbolConfig{Symbol: "MBXUSDT", Base: "MBX", Quote: "USDT", Price: "2",
			TickSize: "0.01", StepSize: "0.1", MinQty: "0.1", MinNotional: "1"}),
		binancetest.WithBalances(map[string]string{"USDT": "100"}),
		binancetest.WithFault(emulator.Fault{Kind: emulator.Fault5xx, Path: "/api/v3/account", Status: 503}),
	)
	c, err := ex.NewClient(ex.Key(), func(o *binance.Options) { o.Retry.MaxAttempts = 1 })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.Account(ctx)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("the queued fault did not answer 503: %v", err)
	}
	o, err := c.PlaceOrder(ctx, binance.NewOrder{Symbol: "MBXUSDT", Side: "BUY", Type: "MARKET", Quantity: decimal.RequireFromString("10")})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != "FILLED" || !o.ExecutedQty.Equal(decimal.RequireFromString("10")) {
		t.Errorf("order %+v", o)
	}
	a, err := c.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := balance(t, a, "USDT"); got != "80" {
		t.Errorf("USDT after buying 10 MBX at 2: %q", got)
	}
}

func TestBadOptionFailsTheTest(t *testing.T) {
	tests := []struct {
		name string
		opt  binancetest.Option
		want string
	}{
		{"unknown key type", binancetest.WithKey("dsa", nil), `"dsa"`},
		{"balances without a key", binancetest.WithEdit(func(c *emulator.Config) { c.Keys = nil }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fatalRecorder{TB: t}
			opts := []binancetest.Option{tt.opt}
			if tt.want == "" {
				opts = append(opts, binancetest.WithBalances(map[string]string{"USDT": "1"}))
				tt.want = "WithBalances"
			}
			done := make(chan struct{})
			go func() { // Fatal ends the goroutine, as in a test
				defer close(done)
				binancetest.NewServer(ft, opts...)
			}()
			<-done
			if !strings.Contains(ft.msg, tt.want) {
				t.Errorf("fatal message %q does not say %q", ft.msg, tt.want)
			}
		})
	}
}

// fatalRecorder records Fatal instead of failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

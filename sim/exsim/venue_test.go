package exsim_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/exsim"
)

func TestMarkets(t *testing.T) {
	ms := exsim.NewMarkets(exsim.Spot("BTC-USDT", "BTC", "USDT", "60000"), exsim.Spot("ETH-BTC", "ETH", "BTC", "0.05"))
	if m, ok := ms.Lookup("ETH-BTC"); !ok || m.Base != "ETH" || m.Quote != "BTC" || m.Price.String() != "0.05" {
		t.Errorf("Lookup(ETH-BTC) = %+v, %v", m, ok)
	}
	if _, ok := ms.Lookup("BTCUSDT"); ok {
		t.Error("Lookup found a symbol that is not listed")
	}
	if got := ms.Assets(); !reflect.DeepEqual(got, []string{"BTC", "USDT", "ETH"}) {
		t.Errorf("Assets = %v, want each asset once in listing order", got)
	}
	all := ms.All()
	all[0].Symbol = "changed"
	if ms.All()[0].Symbol != "BTC-USDT" {
		t.Error("All shares its backing array with the list")
	}
	var zero exsim.Markets
	if len(zero.All()) != 0 || len(zero.Assets()) != 0 {
		t.Error("the zero Markets lists something")
	}
	if _, ok := zero.Lookup("BTC-USDT"); ok {
		t.Error("the zero Markets finds a symbol")
	}
}

func TestAsEmulator(t *testing.T) {
	failed := func() (*exsim.Base, error) { return nil, errors.New("no keys") }
	em, err := exsim.AsEmulator(failed())
	if err == nil || em != nil {
		t.Fatalf("AsEmulator of a failure = %#v, %v; want a nil interface and the error", em, err)
	}
	b, err := exsim.Open(context.Background(), "Test", exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{{APIKey: "k", Secret: secret.FromString("s")}}}, exsim.PassphraseOptional)
	if err != nil {
		t.Fatal(err)
	}
	em, err = exsim.AsEmulator(b, nil)
	if err != nil || em == nil {
		t.Fatalf("AsEmulator = %v, %v", em, err)
	}
	if err := em.Close(); err != nil {
		t.Fatal(err)
	}
}

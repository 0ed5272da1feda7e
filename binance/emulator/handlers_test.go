package emulator

import (
	"testing"

	"github.com/mbxkit/mbx/binance/catalog"
)

// TestHandlersAreCatalogued: a modelled endpoint missing from the catalogue
// would never be routed, silently; every handler's key must be there.
func TestHandlersAreCatalogued(t *testing.T) {
	for k := range handlers() {
		if _, ok := catalog.Default().Lookup(k.Method, k.Path); !ok {
			t.Errorf("handlers() models %s, which the catalogue does not list: add it to binance/catalog/overlay.yaml and run go generate ./binance/catalog", k)
		}
	}
}

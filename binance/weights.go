package binance

import (
	"sync"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/ratelimit"
)

// DefaultWeights is the governor's price table of every REST endpoint in
// Binance's catalogue (package binance/catalog, the one source of endpoint
// facts), with ratelimit.DefaultUnknownWeight for the rest. The table is
// built once and shared: a ratelimit.Weights is immutable.
func DefaultWeights() *ratelimit.Weights { return defaultWeights() }

var defaultWeights = sync.OnceValue(func() *ratelimit.Weights {
	all := catalog.Default().All()
	eps := make([]ratelimit.Endpoint, 0, len(all))
	for i := range all {
		e := &all[i]
		if e.Method == catalog.WS {
			continue
		}
		ep := ratelimit.Endpoint{Method: e.Method, Path: e.Path, Weight: e.Weight.Base, Orders: e.Orders}
		if e.Weight.Varies() {
			ep.Weigh = e.Weight.OfValues
		}
		switch e.Budget {
		case catalog.SAPIIP:
			ep.Kind = ratelimit.KindSAPIIP
		case catalog.SAPIUID:
			ep.Kind = ratelimit.KindSAPIUID
		}
		eps = append(eps, ep)
	}
	// /sapi endpoints have per-endpoint budgets, by IP unless the catalogue
	// says UID; an unknown one moves money or reads, and places no order.
	return ratelimit.NewWeights(ratelimit.DefaultUnknownWeight, eps...).
		WithFamily(string(Wallet), ratelimit.Family{Kind: ratelimit.KindSAPIIP, NoOrders: true})
})

package binance

import (
	"github.com/mbxkit/mbx/binance/catalog"
)

// SecurityOf is the security of an endpoint as Binance's catalogue (package
// binance/catalog) states it; ok is false for an endpoint it does not list.
func SecurityOf(method, path string) (sec Security, ok bool) {
	e, ok := catalog.Default().Lookup(method, path)
	if !ok {
		return Signed, false
	}
	switch {
	case e.Security.Signed():
		return Signed, true
	case e.Security.NeedsKey():
		return APIKey, true
	}
	return None, true
}

// resolveSecurity fills in a Catalogued security from the catalogue; an
// endpoint the catalogue does not list is signed, because an unsigned call
// to a signed endpoint only earns an error.
func resolveSecurity(req *Request) *Request {
	if req.Security != Catalogued {
		return req
	}
	r := *req
	r.Security, _ = SecurityOf(req.Method, req.Path)
	return &r
}

// securityFor is SecurityOf for the client's own calls: the typed methods
// state no security of their own, the catalogue does.
func securityFor(method, path string) Security {
	sec, _ := SecurityOf(method, path)
	return sec
}

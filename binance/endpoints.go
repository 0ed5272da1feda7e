// Package binance is mbx's REST client: calls that cannot fail on signing,
// time or limits, never duplicate an order, and never leak a key.
//
// Every product family (api, sapi, fapi, dapi, papi, eapi) goes through the
// same code; a family is data (a base URL, a time endpoint, weights), never
// a copy of the client.
package binance

import (
	"fmt"
	"net/url"
	"strings"
)

// Env is a Binance environment.
type Env string

// Environments.
const (
	Prod    Env = "prod"
	Testnet Env = "testnet"
	Demo    Env = "demo"
	Custom  Env = "custom" // a base URL given by hand, e.g. the local exchange
)

// Family is a product family, named by its path prefix.
type Family string

// Product families.
const (
	Spot           Family = "api"
	Wallet         Family = "sapi"
	USDMFutures    Family = "fapi"
	COINFutures    Family = "dapi"
	Portfolio      Family = "papi"
	OptionsTrading Family = "eapi"
)

// Families lists every family.
func Families() []Family {
	return []Family{Spot, Wallet, USDMFutures, COINFutures, Portfolio, OptionsTrading}
}

// FamilyOf returns the family of a path such as /fapi/v1/order.
func FamilyOf(path string) (Family, error) {
	p := strings.TrimPrefix(path, "/")
	prefix, _, _ := strings.Cut(p, "/")
	for _, f := range Families() {
		if string(f) == prefix {
			return f, nil
		}
	}
	return "", fmt.Errorf("path %q: want a Binance path starting with /api, /sapi, /fapi, /dapi, /papi or /eapi", path)
}

// TimePath is the family's server-time endpoint, used to sync the clock.
func (f Family) TimePath() string {
	switch f {
	case USDMFutures:
		return "/fapi/v1/time"
	case COINFutures:
		return "/dapi/v1/time"
	case Portfolio:
		return "/papi/v1/ping" // papi has no time endpoint; its host shares the spot clock
	case OptionsTrading:
		return "/eapi/v1/time"
	}
	return "/api/v3/time"
}

// Endpoints maps each family to its base URL (scheme://host).
type Endpoints map[Family]string

// Base returns the base URL of a family.
func (e Endpoints) Base(f Family) (string, error) {
	b, ok := e[f]
	if !ok || b == "" {
		return "", fmt.Errorf("no %s endpoint in this environment (for example, the spot testnet has no /sapi); use --env prod or --base-url", f)
	}
	return b, nil
}

// EndpointsFor returns the documented base URLs of an environment
// (binance-auth.md §7). Where the docs and the official SDK disagree
// (options testnet), mbx follows the SDK and says so in docs/decisions.md.
func EndpointsFor(env Env) (Endpoints, error) {
	switch env {
	case Prod, "":
		return Endpoints{
			Spot: "https://api.binance.com", Wallet: "https://api.binance.com",
			USDMFutures: "https://fapi.binance.com", COINFutures: "https://dapi.binance.com",
			Portfolio: "https://papi.binance.com", OptionsTrading: "https://eapi.binance.com",
		}, nil
	case Testnet:
		return Endpoints{
			Spot:        "https://testnet.binance.vision",
			USDMFutures: "https://testnet.binancefuture.com", COINFutures: "https://testnet.binancefuture.com",
			OptionsTrading: "https://testnet.binancefuture.com",
		}, nil
	case Demo:
		return Endpoints{
			Spot: "https://demo-api.binance.com", USDMFutures: "https://demo-fapi.binance.com",
		}, nil
	}
	return nil, fmt.Errorf("environment %q: want prod, testnet or demo (or give a base URL)", env)
}

// SingleBase serves every family from one base URL, as the local exchange does.
func SingleBase(base string) (Endpoints, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[:port]", base)
	}
	b := strings.TrimRight(base, "/")
	e := Endpoints{}
	for _, f := range Families() {
		e[f] = b
	}
	return e, nil
}

package emulator

import (
	"sort"

	"github.com/mbxkit/mbx/binance/verify"
)

// Wallet and margin reference data that clients load with their markets
// (ccxt's loadMarkets reads all three): answered from the symbol catalogue
// and the caller's balances, so they agree with exchangeInfo and account.

type networkJSON struct {
	Network                 string `json:"network"`
	Coin                    string `json:"coin"`
	WithdrawIntegerMultiple string `json:"withdrawIntegerMultiple"`
	IsDefault               bool   `json:"isDefault"`
	DepositEnable           bool   `json:"depositEnable"`
	WithdrawEnable          bool   `json:"withdrawEnable"`
	DepositDesc             string `json:"depositDesc"`
	WithdrawDesc            string `json:"withdrawDesc"`
	SpecialTips             string `json:"specialTips"`
	Name                    string `json:"name"`
	ResetAddressStatus      bool   `json:"resetAddressStatus"`
	AddressRegex            string `json:"addressRegex"`
	MemoRegex               string `json:"memoRegex"`
	WithdrawFee             string `json:"withdrawFee"`
	WithdrawMin             string `json:"withdrawMin"`
	WithdrawMax             string `json:"withdrawMax"`
	MinConfirm              int    `json:"minConfirm"`
	UnLockConfirm           int    `json:"unLockConfirm"`
	SameAddress             bool   `json:"sameAddress"`
	EstimatedArrivalTime    int    `json:"estimatedArrivalTime"`
	Busy                    bool   `json:"busy"`
	ContractAddressURL      string `json:"contractAddressUrl"`
	ContractAddress         string `json:"contractAddress"`
}

type coinJSON struct {
	Coin              string        `json:"coin"`
	DepositAllEnable  bool          `json:"depositAllEnable"`
	Free              string        `json:"free"`
	Freeze            string        `json:"freeze"`
	Ipoable           string        `json:"ipoable"`
	Ipoing            string        `json:"ipoing"`
	IsLegalMoney      bool          `json:"isLegalMoney"`
	Locked            string        `json:"locked"`
	Name              string        `json:"name"`
	NetworkList       []networkJSON `json:"networkList"`
	Storage           string        `json:"storage"`
	Trading           bool          `json:"trading"`
	WithdrawAllEnable bool          `json:"withdrawAllEnable"`
	Withdrawing       string        `json:"withdrawing"`
}

// capitalConfig lists every asset of the catalogue and of the caller's
// balances, with the free and locked amounts GET /api/v3/account reports.
func (q *reqCtx) capitalConfig() (any, *verify.Rejection) {
	view, err := q.s.store.balances(q.ctx, q.key.account)
	if err != nil {
		return nil, internalError(err)
	}
	type amounts struct{ free, locked string }
	held := map[string]amounts{}
	for _, b := range view.balances {
		held[b.Asset] = amounts{f8(b.Free), f8(b.Locked)}
	}
	assets := map[string]bool{}
	for _, sy := range q.s.comp.symbols {
		assets[sy.base], assets[sy.quote] = true, true
	}
	for a := range held {
		assets[a] = true
	}
	names := make([]string, 0, len(assets))
	for a := range assets {
		names = append(names, a)
	}
	sort.Strings(names)
	out := make([]coinJSON, 0, len(names))
	for _, a := range names {
		h, ok := held[a]
		if !ok {
			h = amounts{zero8, zero8}
		}
		out = append(out, coinJSON{Coin: a, DepositAllEnable: true, Free: h.free, Freeze: zero8, Ipoable: zero8, Ipoing: zero8,
			Locked: h.locked, Name: a, Storage: zero8, Trading: true, WithdrawAllEnable: true, Withdrawing: zero8,
			NetworkList: []networkJSON{{Network: a, Coin: a, WithdrawIntegerMultiple: "0.00000001", IsDefault: true,
				DepositEnable: true, WithdrawEnable: true, Name: a, AddressRegex: "^[0-9A-Za-z]{20,64}$", MemoRegex: "",
				WithdrawFee: "0", WithdrawMin: "0.00000001", WithdrawMax: "9999999999", MinConfirm: 1, UnLockConfirm: 1,
				EstimatedArrivalTime: 1}}})
	}
	return out, nil
}

// marginPairJSON is a cross (with its id) or isolated (without) margin pair.
type marginPairJSON struct {
	ID            int64  `json:"id,omitempty"`
	Symbol        string `json:"symbol"`
	Base          string `json:"base"`
	Quote         string `json:"quote"`
	IsMarginTrade bool   `json:"isMarginTrade"`
	IsBuyAllowed  bool   `json:"isBuyAllowed"`
	IsSellAllowed bool   `json:"isSellAllowed"`
}

// marginSymbols are the symbols margin lists: the ASCII ones (Binance
// lists no margin pair for its non-ASCII symbols).
func (q *reqCtx) marginSymbols() ([]*symbol, *verify.Rejection) {
	if q.has("symbol") {
		sy, rej := q.s.symbolParam(q.get, "symbol")
		if rej != nil {
			return nil, rej
		}
		return []*symbol{sy}, nil
	}
	var out []*symbol
	for _, sy := range q.s.comp.symbols {
		ascii := true
		for _, r := range sy.name {
			ascii = ascii && r < 0x80
		}
		if ascii {
			out = append(out, sy)
		}
	}
	return out, nil
}

func (q *reqCtx) marginAllPairs() (any, *verify.Rejection) { return q.marginPairs(true) }

func (q *reqCtx) isolatedAllPairs() (any, *verify.Rejection) { return q.marginPairs(false) }

// marginPairs lists the margin pairs; cross pairs carry an id.
func (q *reqCtx) marginPairs(cross bool) (any, *verify.Rejection) {
	syms, rej := q.marginSymbols()
	if rej != nil {
		return nil, rej
	}
	out := make([]marginPairJSON, 0, len(syms))
	for _, sy := range syms {
		p := marginPairJSON{Symbol: sy.name, Base: sy.base, Quote: sy.quote, IsMarginTrade: true, IsBuyAllowed: true, IsSellAllowed: true}
		if cross {
			p.ID = uidOf(sy.name)
		}
		out = append(out, p)
	}
	return out, nil
}

package emulator

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

// Futures state the ledger does not hold: margin types and listen keys,
// in memory (they reset with the process, as a testnet's do).
type futuresState struct {
	mu         sync.Mutex
	marginType map[string]string    // account + "\x00" + symbol -> ISOLATED / CROSSED
	listenKeys map[string]listenKey // key -> owner
}

type listenKey struct {
	account string
	expires time.Time
}

// maxListenKeys bounds the listen keys held at once (Binance: one per
// account and market; old ones are replaced).
const maxListenKeys = 4096

// listenKeyTTL is how long a listen key lives without a keepalive.
const listenKeyTTL = 60 * time.Minute

// position is a futures position as replayed from the account's trades.
type position struct {
	amt, entry, realized decimal.Decimal
	updated              time.Time
}

// replayPosition nets the account's futures trades on a symbol, oldest
// first: an increase moves the entry price to the average, a decrease
// realises (price - entry) × closed quantity, a flip opens the rest at the
// trade price.
func replayPosition(trades []store.Trade) position {
	p := position{amt: decimal.Zero, entry: decimal.Zero, realized: decimal.Zero}
	sort.SliceStable(trades, func(i, j int) bool { return trades[i].ID < trades[j].ID })
	for _, t := range trades {
		if t.Product != store.ProductFutures {
			continue
		}
		signed := t.Qty
		if !t.IsBuyer {
			signed = t.Qty.Neg()
		}
		p.updated = t.Time
		switch {
		case p.amt.IsZero() || p.amt.Sign() == signed.Sign():
			total := p.amt.Abs().Add(t.Qty)
			p.entry = p.entry.Mul(p.amt.Abs()).Add(t.Price.Mul(t.Qty)).Div(total)
			p.amt = p.amt.Add(signed)
		default:
			closed := decimal.Min(p.amt.Abs(), t.Qty)
			pnl := t.Price.Sub(p.entry).Mul(closed)
			if p.amt.IsNegative() {
				pnl = pnl.Neg()
			}
			p.realized = p.realized.Add(pnl)
			p.amt = p.amt.Add(signed)
			switch {
			case p.amt.IsZero():
				p.entry = decimal.Zero
			case p.amt.Sign() == signed.Sign():
				p.entry = t.Price // flipped: the rest opened at this price
			}
		}
	}
	return p
}

// futPosition is one symbol's position with its leverage and mark.
type futPosition struct {
	sy       *symbol
	p        position
	leverage int
	mark     decimal.Decimal
	upnl     decimal.Decimal
	notional decimal.Decimal
	margin   decimal.Decimal // initial margin: |notional| / leverage
	isolated bool
}

// futPositions replays the caller's USDⓈ-M positions.
func (q *reqCtx) futPositions(only *symbol) ([]futPosition, *verify.Rejection) {
	var out []futPosition
	for _, sy := range q.s.usdmSymbols() {
		if only != nil && sy != only {
			continue
		}
		trades, err := q.s.store.Trades(q.ctx, q.key.account, sy.name, store.MaxLimit)
		if err != nil {
			return nil, internalError(err)
		}
		lev, err := q.s.store.Leverage(q.ctx, q.key.account, sy.name)
		if err != nil {
			return nil, internalError(err)
		}
		fp := futPosition{sy: sy, p: replayPosition(trades), leverage: lev, mark: sy.currentPrice()}
		fp.notional = fp.p.amt.Mul(fp.mark)
		fp.upnl = fp.mark.Sub(fp.p.entry).Mul(fp.p.amt)
		fp.margin = fp.notional.Abs().Div(decimal.NewFromInt(int64(max(lev, 1)))).Round(8)
		fp.isolated = q.s.fut.getMarginType(q.key.account, sy.name) == "ISOLATED"
		out = append(out, fp)
	}
	return out, nil
}

// futWallet is the USDⓈ-M wallet: the account's free USDT plus the
// realised PnL of its positions.
type futWallet struct {
	wallet, upnl, margin, orderMargin, available decimal.Decimal
	positions                                    []futPosition
}

func (q *reqCtx) futWalletOf() (futWallet, *verify.Rejection) {
	view, err := q.s.store.balances(q.ctx, q.key.account)
	if err != nil {
		return futWallet{}, internalError(err)
	}
	w := futWallet{wallet: decimal.Zero, upnl: decimal.Zero, margin: decimal.Zero, orderMargin: decimal.Zero}
	for _, b := range view.balances {
		if b.Asset == store.FuturesMarginAsset {
			w.wallet = b.Free
		}
	}
	ps, rej := q.futPositions(nil)
	if rej != nil {
		return futWallet{}, rej
	}
	w.positions = ps
	for _, p := range ps {
		w.wallet = w.wallet.Add(p.p.realized)
		w.upnl = w.upnl.Add(p.upnl)
		w.margin = w.margin.Add(p.margin)
	}
	open, rej := q.futOpen("")
	if rej != nil {
		return futWallet{}, rej
	}
	for _, o := range open {
		lev, err := q.s.store.Leverage(q.ctx, q.key.account, o.Symbol)
		if err != nil {
			return futWallet{}, internalError(err)
		}
		rest := o.OrigQty.Sub(o.ExecutedQty)
		w.orderMargin = w.orderMargin.Add(o.Price.Mul(rest).Div(decimal.NewFromInt(int64(max(lev, 1)))).Round(8))
	}
	w.available = w.wallet.Add(w.upnl).Sub(w.margin).Sub(w.orderMargin)
	return w, nil
}

// futOpen lists the caller's open futures orders ("" = every symbol).
func (q *reqCtx) futOpen(sym string) ([]store.Order, *verify.Rejection) {
	all, err := q.s.store.OpenOrders(q.ctx, q.key.account, sym)
	if err != nil {
		return nil, internalError(err)
	}
	out := all[:0]
	for _, o := range all {
		if o.Product == store.ProductFutures {
			out = append(out, o)
		}
	}
	return out, nil
}

func (q *reqCtx) futOpenOrders() (any, *verify.Rejection) {
	name := ""
	if q.has("symbol") {
		sy, rej := q.marketSymbol("symbol")
		if rej != nil {
			return nil, rej
		}
		name = sy.name
	}
	open, rej := q.futOpen(name)
	if rej != nil {
		return nil, rej
	}
	out := make([]futOrderJSON, 0, len(open))
	for _, o := range open {
		out = append(out, futOrderView(o))
	}
	return out, nil
}

// marketList is what the list endpoints of a market read alike: the
// symbol, a starting id and a limit (default 500, at most 1000).
type marketList struct {
	sy         *symbol
	from       int64
	hasFrom    bool
	start, end int64 // startTime, endTime (ms); unbounded when absent
	limit      int
}

func (q *reqCtx) readMarketList(fromParam string) (marketList, *verify.Rejection) {
	var l marketList
	var rej *verify.Rejection
	if l.sy, rej = q.marketSymbol("symbol"); rej != nil {
		return l, rej
	}
	if l.from, l.hasFrom, rej = intParam(q.get, fromParam); rej != nil {
		return l, rej
	}
	if l.start, l.end, rej = timeRange(q.get); rej != nil {
		return l, rej
	}
	l.limit, rej = q.listLimit(500, 1000)
	return l, rej
}

func (q *reqCtx) futAllOrders() (any, *verify.Rejection) {
	ml, rej := q.readMarketList("orderId")
	if rej != nil {
		return nil, rej
	}
	sy, fromID, hasFrom, start, end, limit := ml.sy, ml.from, ml.hasFrom, ml.start, ml.end, ml.limit
	all, err := q.s.store.AllOrders(q.ctx, q.key.account, sy.name, store.MaxLimit)
	if err != nil {
		return nil, internalError(err)
	}
	out := make([]futOrderJSON, 0, len(all))
	for _, o := range all {
		t := o.Time.UnixMilli()
		if o.Product != store.ProductFutures || (hasFrom && o.OrderID < fromID) || t < start || t > end {
			continue
		}
		out = append(out, futOrderView(o))
	}
	return clipList(out, limit, hasFrom), nil
}

type futTradeJSON struct {
	Buyer           bool   `json:"buyer"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	ID              int64  `json:"id"`
	Maker           bool   `json:"maker"`
	OrderID         int64  `json:"orderId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	QuoteQty        string `json:"quoteQty"`
	RealizedPnl     string `json:"realizedPnl"`
	Side            string `json:"side"`
	PositionSide    string `json:"positionSide"`
	Symbol          string `json:"symbol"`
	Time            int64  `json:"time"`
}

func (q *reqCtx) futUserTrades() (any, *verify.Rejection) {
	ml, rej := q.readMarketList("fromId")
	if rej != nil {
		return nil, rej
	}
	orderID, hasOrder, rej := intParam(q.get, "orderId")
	if rej != nil {
		return nil, rej
	}
	sy, fromID, hasFrom, start, end, limit := ml.sy, ml.from, ml.hasFrom, ml.start, ml.end, ml.limit
	trades, err := q.s.store.Trades(q.ctx, q.key.account, sy.name, store.MaxLimit)
	if err != nil {
		return nil, internalError(err)
	}
	sort.SliceStable(trades, func(i, j int) bool { return trades[i].ID < trades[j].ID })
	// Realised PnL per trade, replaying the position as it goes.
	var seen []store.Trade
	out := make([]futTradeJSON, 0, len(trades))
	for _, t := range trades {
		if t.Product != store.ProductFutures {
			continue
		}
		before := replayPosition(seen).realized
		seen = append(seen, t)
		pnl := replayPosition(append([]store.Trade(nil), seen...)).realized.Sub(before)
		ms := t.Time.UnixMilli()
		if (hasOrder && t.OrderID != orderID) || (hasFrom && t.ID < fromID) || ms < start || ms > end {
			continue
		}
		side := store.SideSell
		if t.IsBuyer {
			side = store.SideBuy
		}
		out = append(out, futTradeJSON{Buyer: t.IsBuyer, Commission: t.Commission.String(), CommissionAsset: t.CommissionAsset,
			ID: t.ID, Maker: t.IsMaker, OrderID: t.OrderID, Price: t.Price.String(), Qty: t.Qty.String(),
			QuoteQty: t.QuoteQty.String(), RealizedPnl: pnl.StringFixed(8), Side: side, PositionSide: "BOTH",
			Symbol: t.Symbol, Time: ms})
	}
	return clipList(out, limit, hasFrom), nil
}

func (q *reqCtx) futCancelAll() (any, *verify.Rejection) {
	sy, rej := q.marketSymbol("symbol")
	if rej != nil {
		return nil, rej
	}
	open, rej := q.futOpen(sy.name)
	if rej != nil {
		return nil, rej
	}
	for _, o := range open {
		if _, err := q.s.store.CancelOrder(q.ctx, q.key.account, sy.name, o.OrderID, "", q.now); err != nil && !isUnknown(err) {
			return nil, internalError(err)
		}
	}
	return struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}{200, "The operation of cancel all open order is done."}, nil
}

// futAccountFull answers the USDⓈ-M account (v2 and v3) and the COIN-M
// one from the replayed positions.
func (q *reqCtx) futAccountFull() (any, *verify.Rejection) {
	if productOf(q.ep.path) == prodCoinM {
		return q.coinMAccount()
	}
	w, rej := q.futWalletOf()
	if rej != nil {
		return nil, rej
	}
	s8 := func(d decimal.Decimal) string { return d.StringFixed(8) }
	mb := w.wallet.Add(w.upnl)
	out := futAccountResp{FeeBurn: true, CanTrade: true, CanDeposit: true, CanWithdraw: q.key.perms.has(PermWithdraw),
		TradeGroupID: -1, TotalInitialMargin: s8(w.margin.Add(w.orderMargin)), TotalMaintMargin: s8(w.margin.Div(decimal.NewFromInt(10))),
		TotalWalletBalance: s8(w.wallet), TotalUnrealizedProfit: s8(w.upnl), TotalMarginBalance: s8(mb),
		TotalPositionInitialMargin: s8(w.margin), TotalOpenOrderInitialMargin: s8(w.orderMargin), TotalCrossWalletBalance: s8(w.wallet),
		TotalCrossUnPnl: s8(w.upnl), AvailableBalance: s8(w.available), MaxWithdrawAmount: s8(w.available),
		Assets: []futAssetJSON{{Asset: store.FuturesMarginAsset, WalletBalance: s8(w.wallet), UnrealizedProfit: s8(w.upnl), MarginBalance: s8(mb),
			MaintMargin: s8(w.margin.Div(decimal.NewFromInt(10))), InitialMargin: s8(w.margin.Add(w.orderMargin)), PositionInitialMargin: s8(w.margin),
			OpenOrderInitialMargin: s8(w.orderMargin), CrossWalletBalance: s8(w.wallet), CrossUnPnl: s8(w.upnl),
			AvailableBalance: s8(w.available), MaxWithdrawAmount: s8(w.available), MarginAvailable: true, UpdateTime: q.now.UnixMilli()}},
		Positions: []futPositionJSON{},
	}
	for _, p := range w.positions {
		out.Positions = append(out.Positions, futPositionJSON{Symbol: p.sy.name, InitialMargin: s8(p.margin), MaintMargin: s8(p.margin.Div(decimal.NewFromInt(10))),
			UnrealizedProfit: s8(p.upnl), PositionInitialMargin: s8(p.margin), OpenOrderInitialMargin: "0", Leverage: strconv.Itoa(p.leverage),
			Isolated: p.isolated, EntryPrice: p.p.entry.StringFixed(p.sy.tickDecimals), MaxNotional: maxNotionalFor(p.leverage),
			BidNotional: "0", AskNotional: "0", PositionSide: "BOTH", PositionAmt: p.p.amt.String(), UpdateTime: p.p.updated.UnixMilli()})
	}
	return out, nil
}

func (q *reqCtx) futBalance() (any, *verify.Rejection) {
	if productOf(q.ep.path) == prodCoinM {
		return q.coinMBalances()
	}
	w, rej := q.futWalletOf()
	if rej != nil {
		return nil, rej
	}
	s8 := func(d decimal.Decimal) string { return d.StringFixed(8) }
	return []filterJSON{{"accountAlias": aliasOf(q.key.account), "asset": store.FuturesMarginAsset, "balance": s8(w.wallet),
		"crossWalletBalance": s8(w.wallet), "crossUnPnl": s8(w.upnl), "availableBalance": s8(w.available),
		"maxWithdrawAmount": s8(w.available), "marginAvailable": true, "updateTime": q.now.UnixMilli()}}, nil
}

// aliasOf is the account's stable accountAlias.
func aliasOf(account string) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	u := uidOf(account)
	b := make([]byte, 8)
	for i := range b {
		b[i] = letters[u%int64(len(letters))]
		u /= 3
	}
	return string(b)
}

func (q *reqCtx) futPositionRisk() (any, *verify.Rejection) {
	if productOf(q.ep.path) == prodCoinM {
		return []filterJSON{}, nil
	}
	var only *symbol
	if q.has("symbol") {
		sy, rej := q.marketSymbol("symbol")
		if rej != nil {
			return nil, rej
		}
		only = sy
	}
	ps, rej := q.futPositions(only)
	if rej != nil {
		return nil, rej
	}
	v3 := q.ep.path == "/fapi/v3/positionRisk"
	out := make([]filterJSON, 0, len(ps))
	for _, p := range ps {
		if v3 && p.p.amt.IsZero() {
			continue
		}
		mt := "cross"
		if p.isolated {
			mt = "isolated"
		}
		out = append(out, filterJSON{"symbol": p.sy.name, "positionSide": "BOTH", "positionAmt": p.p.amt.String(),
			"entryPrice": p.p.entry.StringFixed(p.sy.tickDecimals), "breakEvenPrice": p.p.entry.StringFixed(p.sy.tickDecimals),
			"markPrice": p.mark.StringFixed(8), "unRealizedProfit": p.upnl.StringFixed(8), "liquidationPrice": "0",
			"isolatedMargin": "0.00000000", "notional": p.notional.StringFixed(8), "marginAsset": store.FuturesMarginAsset,
			"isolatedWallet": "0", "initialMargin": p.margin.StringFixed(8), "maintMargin": p.margin.Div(decimal.NewFromInt(10)).StringFixed(8),
			"positionInitialMargin": p.margin.StringFixed(8), "openOrderInitialMargin": "0", "adl": 0,
			"bidNotional": "0", "askNotional": "0", "leverage": strconv.Itoa(p.leverage), "marginType": mt,
			"isAutoAddMargin": "false", "maxNotionalValue": maxNotionalFor(p.leverage), "updateTime": p.p.updated.UnixMilli()})
	}
	return out, nil
}

func (f *futuresState) getMarginType(account, sym string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.marginType[account+"\x00"+sym]; ok {
		return t
	}
	return "CROSSED"
}

func (q *reqCtx) futMarginType() (any, *verify.Rejection) {
	sy, rej := q.marketSymbol("symbol")
	if rej != nil {
		return nil, rej
	}
	mt, _ := q.get("marginType")
	if mt != "ISOLATED" && mt != "CROSSED" {
		return nil, badRequest(-1116, "Invalid marginType.", "marginType is ISOLATED or CROSSED")
	}
	f := &q.s.fut
	f.mu.Lock()
	defer f.mu.Unlock()
	k := q.key.account + "\x00" + sy.name
	cur, ok := f.marginType[k]
	if !ok {
		cur = "CROSSED"
	}
	if cur == mt {
		return nil, badRequest(-4046, "No need to change margin type.")
	}
	if f.marginType == nil {
		f.marginType = map[string]string{}
	}
	if len(f.marginType) >= maxListenKeys*4 {
		return nil, badRequest(codes.Unknown, "Too many margin type settings held; restart or reset the local exchange.")
	}
	f.marginType[k] = mt
	return struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}{200, "success"}, nil
}

// userStreamKey checks the X-MBX-APIKEY of a USER_STREAM endpoint: a key,
// no signature.
func (q *reqCtx) userStreamKey() (*apiKey, *verify.Rejection) {
	q.entry.Security = "USER_STREAM"
	if rej := verify.CheckAPIKeyHeader(q.apiKey, q.hasKey); rej != nil {
		return nil, rej
	}
	k := q.s.comp.byKey[q.apiKey]
	if k == nil {
		return nil, q.rejectKey("no key with this X-MBX-APIKEY is configured on this exchange",
			"check for a key from another environment (testnet, production), a truncated paste, or key and secret swapped")
	}
	if !k.allows(q.ip) {
		return nil, q.rejectKey(fmt.Sprintf("request from %s, which is outside the key's ip_whitelist %v", q.ipStr, k.cfg.IPWhitelist),
			"add the client's egress address to the key's ip_whitelist")
	}
	q.key, q.entry.Account = k, k.account
	return k, nil
}

type listenKeyResp struct {
	ListenKey string `json:"listenKey"`
}

func newListenKey() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// listenKeyNew returns the account's live listen key or makes one (as
// futures do: one key per account, extended on each call).
func (q *reqCtx) listenKeyNew() (any, *verify.Rejection) {
	k, rej := q.userStreamKey()
	if rej != nil {
		return nil, rej
	}
	f := &q.s.fut
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listenKeys == nil {
		f.listenKeys = map[string]listenKey{}
	}
	for key, lk := range f.listenKeys {
		if q.now.After(lk.expires) {
			delete(f.listenKeys, key)
			continue
		}
		if lk.account == k.account {
			f.listenKeys[key] = listenKey{account: k.account, expires: q.now.Add(listenKeyTTL)}
			return listenKeyResp{key}, nil
		}
	}
	if len(f.listenKeys) >= maxListenKeys {
		return nil, rejection(http.StatusServiceUnavailable, codes.Unknown, "Too many listen keys; close some with DELETE listenKey.", "")
	}
	key := newListenKey()
	f.listenKeys[key] = listenKey{account: k.account, expires: q.now.Add(listenKeyTTL)}
	return listenKeyResp{key}, nil
}

// listenKeyLookup finds the caller's listen key: the one named, or on
// futures (where listenKey is optional) the account's.
func (q *reqCtx) listenKeyLookup(k *apiKey) (string, *verify.Rejection) {
	f := &q.s.fut
	name, named := q.get("listenKey")
	for key, lk := range f.listenKeys {
		if lk.account == k.account && (!named || key == name) && !q.now.After(lk.expires) {
			return key, nil
		}
	}
	return "", badRequest(-1125, "This listenKey does not exist.", "create one with POST listenKey; a key expires 60 minutes after its last keepalive")
}

func (q *reqCtx) listenKeyKeep() (any, *verify.Rejection) {
	return q.withListenKey(func(f *futuresState, key, account string) any {
		f.listenKeys[key] = listenKey{account: account, expires: q.now.Add(listenKeyTTL)}
		return listenKeyResp{key}
	})
}

func (q *reqCtx) listenKeyClose() (any, *verify.Rejection) {
	return q.withListenKey(func(f *futuresState, key, _ string) any {
		delete(f.listenKeys, key)
		return empty{}
	})
}

// withListenKey finds the caller's listen key under the futures lock and
// applies do to it (keepalive or close).
func (q *reqCtx) withListenKey(do func(f *futuresState, key, account string) any) (any, *verify.Rejection) {
	k, rej := q.userStreamKey()
	if rej != nil {
		return nil, rej
	}
	f := &q.s.fut
	f.mu.Lock()
	defer f.mu.Unlock()
	key, rej := q.listenKeyLookup(k)
	if rej != nil {
		return nil, rej
	}
	return do(f, key, k.account), nil
}

// coinMBalances lists the COIN-M wallets: each margin coin of the
// contracts, with the account's free balance of it.
func (q *reqCtx) coinMBalances() (any, *verify.Rejection) {
	view, err := q.s.store.balances(q.ctx, q.key.account)
	if err != nil {
		return nil, internalError(err)
	}
	out := []filterJSON{}
	seen := map[string]bool{}
	for _, sy := range q.s.comp.coinM {
		if seen[sy.base] {
			continue
		}
		seen[sy.base] = true
		bal := decimal.Zero
		for _, b := range view.balances {
			if b.Asset == sy.base {
				bal = b.Free
			}
		}
		v := bal.StringFixed(8)
		out = append(out, filterJSON{"accountAlias": aliasOf(q.key.account), "asset": sy.base, "balance": v, "withdrawAvailable": v,
			"crossWalletBalance": v, "crossUnPnl": "0.00000000", "availableBalance": v, "updateTime": q.now.UnixMilli()})
	}
	return out, nil
}

func (q *reqCtx) coinMAccount() (any, *verify.Rejection) {
	bals, rej := q.coinMBalances()
	if rej != nil {
		return nil, rej
	}
	assets := []filterJSON{}
	for _, b := range bals.([]filterJSON) {
		v := b["balance"]
		assets = append(assets, filterJSON{"asset": b["asset"], "walletBalance": v, "unrealizedProfit": "0.00000000", "marginBalance": v,
			"maintMargin": "0.00000000", "initialMargin": "0.00000000", "positionInitialMargin": "0.00000000",
			"openOrderInitialMargin": "0.00000000", "maxWithdrawAmount": v, "crossWalletBalance": v, "crossUnPnl": "0.00000000",
			"availableBalance": v})
	}
	positions := []filterJSON{}
	for _, sy := range q.s.comp.coinM {
		positions = append(positions, filterJSON{"symbol": sy.name, "initialMargin": "0", "maintMargin": "0", "unrealizedProfit": "0.00000000",
			"positionInitialMargin": "0", "openOrderInitialMargin": "0", "leverage": "20", "isolated": false, "positionSide": "BOTH",
			"entryPrice": "0.0", "maxQty": "250", "updateTime": 0, "positionAmt": "0"})
	}
	return filterJSON{"assets": assets, "positions": positions, "canDeposit": true, "canTrade": true, "canWithdraw": q.key.perms.has(PermWithdraw),
		"feeTier": 0, "updateTime": 0}, nil
}

// futDualSide: the local exchange models one-way mode only.
func (q *reqCtx) futDualSide() (any, *verify.Rejection) {
	return struct {
		DualSidePosition bool `json:"dualSidePosition"`
	}{false}, nil
}

// futMultiAssets: single-asset (USDT) margin only.
func (q *reqCtx) futMultiAssets() (any, *verify.Rejection) {
	return struct {
		MultiAssetsMargin bool `json:"multiAssetsMargin"`
	}{false}, nil
}

// clipList keeps limit items: the first ones when paging forward from an
// id, else the most recent.
func clipList[T any](items []T, limit int, fromStart bool) []T {
	if len(items) <= limit {
		return items
	}
	if fromStart {
		return items[:limit]
	}
	return items[len(items)-limit:]
}

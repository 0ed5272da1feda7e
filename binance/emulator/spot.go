package emulator

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

type empty struct{}

type serverTimeResp struct {
	ServerTime int64 `json:"serverTime"`
}

func (q *reqCtx) ping() (any, *verify.Rejection) { return empty{}, nil }

func (q *reqCtx) serverTime() (any, *verify.Rejection) {
	return serverTimeResp{ServerTime: q.unit.stamp(q.now)}, nil
}

type rateLimitJSON struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
}

type filterJSON map[string]any

type symbolJSON struct {
	Symbol                          string     `json:"symbol"`
	Status                          string     `json:"status"`
	BaseAsset                       string     `json:"baseAsset"`
	BaseAssetPrecision              int        `json:"baseAssetPrecision"`
	QuoteAsset                      string     `json:"quoteAsset"`
	QuotePrecision                  int        `json:"quotePrecision"`
	QuoteAssetPrecision             int        `json:"quoteAssetPrecision"`
	BaseCommissionPrecision         int        `json:"baseCommissionPrecision"`
	QuoteCommissionPrecision        int        `json:"quoteCommissionPrecision"`
	OrderTypes                      []string   `json:"orderTypes"`
	IcebergAllowed                  bool       `json:"icebergAllowed"`
	OcoAllowed                      bool       `json:"ocoAllowed"`
	OtoAllowed                      bool       `json:"otoAllowed"`
	QuoteOrderQtyMarketAllowed      bool       `json:"quoteOrderQtyMarketAllowed"`
	AllowTrailingStop               bool       `json:"allowTrailingStop"`
	CancelReplaceAllowed            bool       `json:"cancelReplaceAllowed"`
	AmendAllowed                    bool       `json:"amendAllowed"`
	IsSpotTradingAllowed            bool       `json:"isSpotTradingAllowed"`
	IsMarginTradingAllowed          bool       `json:"isMarginTradingAllowed"`
	Filters                         []any      `json:"filters"`
	Permissions                     []string   `json:"permissions"`
	PermissionSets                  [][]string `json:"permissionSets"`
	DefaultSelfTradePreventionMode  string     `json:"defaultSelfTradePreventionMode"`
	AllowedSelfTradePreventionModes []string   `json:"allowedSelfTradePreventionModes"`
}

type exchangeInfoResp struct {
	Timezone        string          `json:"timezone"`
	ServerTime      int64           `json:"serverTime"`
	RateLimits      []rateLimitJSON `json:"rateLimits"`
	ExchangeFilters []any           `json:"exchangeFilters"`
	Symbols         []symbolJSON    `json:"symbols"`
}

func (sy *symbol) info() symbolJSON {
	return symbolJSON{
		Symbol: sy.name, Status: "TRADING", BaseAsset: sy.base, BaseAssetPrecision: assetPrecision,
		QuoteAsset: sy.quote, QuotePrecision: assetPrecision, QuoteAssetPrecision: assetPrecision,
		BaseCommissionPrecision: assetPrecision, QuoteCommissionPrecision: assetPrecision,
		OrderTypes: spotTypes(), QuoteOrderQtyMarketAllowed: true, IsSpotTradingAllowed: true, OcoAllowed: true,
		Filters: []any{
			filterJSON{"filterType": "PRICE_FILTER", "minPrice": f8(sy.tick), "maxPrice": f8(maxPrice), "tickSize": f8(sy.tick)},
			filterJSON{"filterType": "LOT_SIZE", "minQty": f8(sy.minQty), "maxQty": f8(maxQty), "stepSize": f8(sy.step)},
			filterJSON{"filterType": "MARKET_LOT_SIZE", "minQty": f8(sy.minQty), "maxQty": f8(maxQty), "stepSize": f8(sy.step)},
			filterJSON{"filterType": "NOTIONAL", "minNotional": f8(sy.minNotional), "applyMinToMarket": true,
				"maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5},
			// Listed as Binance lists them; the local exchange does not
			// enforce these four (docs/local-exchange-market.md).
			filterJSON{"filterType": "ICEBERG_PARTS", "limit": 10},
			filterJSON{"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000, "minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 2000},
			filterJSON{"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
			filterJSON{"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
		},
		Permissions: []string{}, PermissionSets: [][]string{{"SPOT"}},
		DefaultSelfTradePreventionMode: "NONE", AllowedSelfTradePreventionModes: []string{"NONE"},
	}
}

func (s *Server) rateLimits() []rateLimitJSON {
	l := s.cfg.Limits
	return []rateLimitJSON{
		{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: l.RequestWeightPerMinute},
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.OrdersPer10s},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.OrdersPerDay},
		{RateLimitType: "RAW_REQUESTS", Interval: "MINUTE", IntervalNum: 5, Limit: l.RawRequestsPer5m},
	}
}

func (q *reqCtx) exchangeInfo() (any, *verify.Rejection) {
	s := q.s
	syms, rej := q.selectSymbols()
	if rej != nil {
		return nil, rej
	}
	out := exchangeInfoResp{Timezone: "UTC", ServerTime: q.unit.stamp(q.now), RateLimits: s.rateLimits(),
		ExchangeFilters: []any{}, Symbols: make([]symbolJSON, 0, len(syms))}
	for _, sy := range syms {
		out.Symbols = append(out.Symbols, sy.info())
	}
	return out, nil
}

// selectSymbols applies the symbol / symbols filters; neither means all.
func (q *reqCtx) selectSymbols() ([]*symbol, *verify.Rejection) {
	s := q.s
	_, hasOne := q.get("symbol")
	many, hasMany := q.get("symbols")
	switch {
	case hasOne && hasMany:
		return nil, badRequest(codes.OptionalParamsBad, "Combination of optional parameters invalid.", "send symbol or symbols, not both")
	case hasOne:
		sy, rej := s.symbolParam(q.get, "symbol")
		if rej != nil {
			return nil, rej
		}
		return []*symbol{sy}, nil
	case hasMany:
		return s.symbolsParam(many)
	}
	return s.comp.symbols, nil
}

type tickerPrice struct {
	Symbol string `json:"symbol"`
	Price  string `json:"price"`
}

func (q *reqCtx) tickerPrice() (any, *verify.Rejection) {
	syms, rej := q.selectSymbols()
	if rej != nil {
		return nil, rej
	}
	if q.has("symbol") {
		return tickerPrice{Symbol: syms[0].name, Price: syms[0].priceText()}, nil
	}
	out := make([]tickerPrice, 0, len(syms))
	for _, sy := range syms {
		out = append(out, tickerPrice{Symbol: sy.name, Price: sy.priceText()})
	}
	return out, nil
}

type balanceJSON struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

type commissionRates struct {
	Maker  string `json:"maker"`
	Taker  string `json:"taker"`
	Buyer  string `json:"buyer"`
	Seller string `json:"seller"`
}

type accountResp struct {
	MakerCommission            int             `json:"makerCommission"`
	TakerCommission            int             `json:"takerCommission"`
	BuyerCommission            int             `json:"buyerCommission"`
	SellerCommission           int             `json:"sellerCommission"`
	CommissionRates            commissionRates `json:"commissionRates"`
	CanTrade                   bool            `json:"canTrade"`
	CanWithdraw                bool            `json:"canWithdraw"`
	CanDeposit                 bool            `json:"canDeposit"`
	Brokered                   bool            `json:"brokered"`
	RequireSelfTradePrevention bool            `json:"requireSelfTradePrevention"`
	PreventSor                 bool            `json:"preventSor"`
	UpdateTime                 int64           `json:"updateTime"`
	AccountType                string          `json:"accountType"`
	Balances                   []balanceJSON   `json:"balances"`
	Permissions                []string        `json:"permissions"`
	UID                        int64           `json:"uid"`
}

// uidOf gives an account a stable numeric id.
func uidOf(account string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(account))
	return int64(h.Sum32()%900_000_000) + 100_000_000
}

const zero8 = "0.00000000"

// account answers GET /api/v3/account. It is the most polled signed
// endpoint, so it is written by hand around the cached balances array
// instead of going through reflection; accountResp documents the shape.
func (q *reqCtx) account() (any, *verify.Rejection) {
	omit := false
	if v, ok := q.get("omitZeroBalances"); ok {
		switch v {
		case "true", "TRUE":
			omit = true
		case "false", "FALSE":
		default:
			return nil, illegal("omitZeroBalances", "true, false")
		}
	}
	view, err := q.s.store.balances(q.ctx, q.key.account)
	if err != nil {
		return nil, internalError(err)
	}
	balances := view.allJSON
	if omit {
		balances = view.nonZeroJSON
	}
	k := q.key
	b := make([]byte, 0, 400+len(balances))
	b = append(b, `{"makerCommission":0,"takerCommission":0,"buyerCommission":0,"sellerCommission":0,`+
		`"commissionRates":{"maker":"0.00000000","taker":"0.00000000","buyer":"0.00000000","seller":"0.00000000"},"canTrade":`...)
	b = strconv.AppendBool(b, k.perms.has(PermTrade))
	b = append(b, `,"canWithdraw":`...)
	b = strconv.AppendBool(b, k.perms.has(PermWithdraw))
	b = append(b, `,"canDeposit":true,"brokered":false,"requireSelfTradePrevention":false,"preventSor":false,"updateTime":`...)
	b = strconv.AppendInt(b, q.unit.stamp(q.now), 10)
	b = append(b, `,"accountType":"SPOT","balances":`...)
	b = append(b, balances...)
	b = append(b, `,"permissions":["SPOT"],"uid":`...)
	b = strconv.AppendInt(b, uidOf(k.account), 10)
	b = append(b, '}')
	return preEncoded(b), nil
}

// Spot order responses, in Binance's field order.
type spotAck struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	OrderListID   int64  `json:"orderListId"`
	ClientOrderID string `json:"clientOrderId"`
	TransactTime  int64  `json:"transactTime"`
}

type spotResult struct {
	spotAck
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	WorkingTime             int64  `json:"workingTime"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

type spotFill struct {
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	TradeID         int64  `json:"tradeId"`
}

type spotFull struct {
	spotResult
	Fills []spotFill `json:"fills"`
}

func spotOrderResponse(o store.Order, respType string, now time.Time, u timeUnit) any {
	ack := spotAck{Symbol: o.Symbol, OrderID: o.OrderID, OrderListID: -1, ClientOrderID: o.ClientOrderID, TransactTime: u.stamp(now)}
	if respType == "ACK" {
		return ack
	}
	res := spotResult{spotAck: ack, Price: f8(o.Price), OrigQty: f8(o.OrigQty), ExecutedQty: f8(o.ExecutedQty),
		OrigQuoteOrderQty: f8(o.OrigQuoteOrderQty), CummulativeQuoteQty: f8(o.CummulativeQuoteQty), Status: o.Status,
		TimeInForce: o.TimeInForce, Type: o.Type, Side: o.Side, WorkingTime: u.stamp(o.Time), SelfTradePreventionMode: "NONE"}
	if respType == "RESULT" {
		return res
	}
	full := spotFull{spotResult: res, Fills: make([]spotFill, 0, len(o.Fills))}
	for _, f := range o.Fills {
		full.Fills = append(full.Fills, spotFill{Price: f8(f.Price), Qty: f8(f.Qty), Commission: f8(f.Commission), CommissionAsset: f.CommissionAsset, TradeID: f.TradeID})
	}
	return full
}

func (q *reqCtx) newOrder() (any, *verify.Rejection) {
	o, rej := q.s.parseOrder(q.get, false)
	if rej != nil {
		return nil, rej
	}
	ord, rej := q.place(groupSpot, o)
	if rej != nil {
		return nil, rej
	}
	return spotOrderResponse(ord, o.respType, q.now, q.unit), nil
}

func (q *reqCtx) testOrder() (any, *verify.Rejection) {
	o, rej := q.s.parseOrder(q.get, false)
	if rej != nil {
		return nil, rej
	}
	if o.computeRates {
		type rates struct {
			Maker string `json:"maker"`
			Taker string `json:"taker"`
		}
		return struct {
			Standard rates `json:"standardCommissionForOrder"`
			Tax      rates `json:"taxCommissionForOrder"`
			Discount struct {
				EnabledForAccount bool   `json:"enabledForAccount"`
				EnabledForSymbol  bool   `json:"enabledForSymbol"`
				DiscountAsset     string `json:"discountAsset"`
				Discount          string `json:"discount"`
			} `json:"discount"`
		}{Standard: rates{zero8, zero8}, Tax: rates{zero8, zero8}}, nil
	}
	return empty{}, nil
}

type spotOrderJSON struct {
	Symbol                  string `json:"symbol"`
	OrderID                 int64  `json:"orderId"`
	OrderListID             int64  `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	StopPrice               string `json:"stopPrice"`
	IcebergQty              string `json:"icebergQty"`
	Time                    int64  `json:"time"`
	UpdateTime              int64  `json:"updateTime"`
	IsWorking               bool   `json:"isWorking"`
	WorkingTime             int64  `json:"workingTime"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

func spotOrderView(o store.Order, u timeUnit) spotOrderJSON {
	return spotOrderJSON{Symbol: o.Symbol, OrderID: o.OrderID, OrderListID: -1, ClientOrderID: o.ClientOrderID,
		Price: f8(o.Price), OrigQty: f8(o.OrigQty), ExecutedQty: f8(o.ExecutedQty), CummulativeQuoteQty: f8(o.CummulativeQuoteQty),
		Status: o.Status, TimeInForce: o.TimeInForce, Type: o.Type, Side: o.Side, StopPrice: zero8, IcebergQty: zero8,
		Time: u.stamp(o.Time), UpdateTime: u.stamp(o.UpdateTime), IsWorking: true, WorkingTime: u.stamp(o.Time),
		OrigQuoteOrderQty: f8(o.OrigQuoteOrderQty), SelfTradePreventionMode: "NONE"}
}

func orderMissing() *verify.Rejection {
	return badRequest(codes.NoSuchOrder, codes.MsgOrderNotExist)
}

func unknownOrder() *verify.Rejection {
	return badRequest(codes.CancelRejected, codes.MsgUnknownOrder)
}

// orderRef is an order named by a request: its symbol and orderId or
// origClientOrderId.
type orderRef struct {
	sy  *symbol
	id  int64
	cid string
}

// findOrder reads the order a request names and looks it up. Spot and
// futures differ only in their client-id rules and product, so both use it.
func (q *reqCtx) findOrder(futures bool) (orderRef, store.Order, bool, *verify.Rejection) {
	sy, rej := q.s.symbolParam(q.get, "symbol")
	if rej != nil {
		return orderRef{}, store.Order{}, false, rej
	}
	id, cid, rej := readOrderRef(q.get, futures)
	if rej != nil {
		return orderRef{}, store.Order{}, false, rej
	}
	product := store.ProductSpot
	if futures {
		product = store.ProductFutures
	}
	o, ok, rej := q.lookupOrder(sy, id, cid, product)
	return orderRef{sy, id, cid}, o, ok, rej
}

// cancelFound cancels an order findOrder found; a vanished or unknown order
// is Binance's -2011.
func (q *reqCtx) cancelFound(ref orderRef, found bool) (store.Order, *verify.Rejection) {
	if !found {
		return store.Order{}, unknownOrder()
	}
	o, err := q.s.store.CancelOrder(context.WithoutCancel(q.ctx), q.key.account, ref.sy.name, ref.id, ref.cid, q.now)
	if err != nil {
		if isUnknown(err) {
			return store.Order{}, unknownOrder()
		}
		return store.Order{}, internalError(err)
	}
	return o, nil
}

func (q *reqCtx) getOrder() (any, *verify.Rejection) {
	_, o, ok, rej := q.findOrder(false)
	if rej != nil {
		return nil, rej
	}
	if !ok {
		return nil, orderMissing()
	}
	v := []spotOrderJSON{spotOrderView(o, q.unit)}
	if rej := q.decorateStops(v); rej != nil {
		return nil, rej
	}
	return v[0], nil
}

type spotCancelJSON struct {
	Symbol                  string `json:"symbol"`
	OrigClientOrderID       string `json:"origClientOrderId"`
	OrderID                 int64  `json:"orderId"`
	OrderListID             int64  `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	TransactTime            int64  `json:"transactTime"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

func spotCancelView(o store.Order, newID string, now time.Time, u timeUnit) spotCancelJSON {
	return spotCancelJSON{Symbol: o.Symbol, OrigClientOrderID: o.ClientOrderID, OrderID: o.OrderID, OrderListID: -1,
		ClientOrderID: newID, TransactTime: u.stamp(now), Price: f8(o.Price), OrigQty: f8(o.OrigQty),
		ExecutedQty: f8(o.ExecutedQty), OrigQuoteOrderQty: f8(o.OrigQuoteOrderQty), CummulativeQuoteQty: f8(o.CummulativeQuoteQty),
		Status: o.Status, TimeInForce: o.TimeInForce, Type: o.Type, Side: o.Side, SelfTradePreventionMode: "NONE"}
}

func (q *reqCtx) cancelOrder() (any, *verify.Rejection) {
	newID, ok := q.get("newClientOrderId")
	if ok && !validClientID(newID, false) {
		return nil, illegal("newClientOrderId", spotClientIDRng)
	}
	if !ok {
		newID = newClientID()
	}
	ref, _, found, rej := q.findOrder(false)
	if rej != nil {
		return nil, rej
	}
	o, rej := q.cancelFound(ref, found)
	if rej != nil {
		return nil, rej
	}
	// Canceling one leg of an order list cancels the list (orderlist.go).
	if err := q.s.expireSiblings(context.WithoutCancel(q.ctx), o.OrderID, true, q.now); err != nil {
		return nil, internalError(err)
	}
	return spotCancelView(o, newID, q.now, q.unit), nil
}

func isUnknown(err error) bool { return err != nil && errors.Is(err, store.ErrUnknownOrder) }

func (q *reqCtx) optionalSymbol() (*symbol, *verify.Rejection) {
	if !q.has("symbol") {
		return nil, nil
	}
	return q.s.symbolParam(q.get, "symbol")
}

func (q *reqCtx) openSpotOrders(sy *symbol) ([]store.Order, *verify.Rejection) {
	name := ""
	if sy != nil {
		name = sy.name
	}
	all, err := q.s.store.OpenOrders(q.ctx, q.key.account, name)
	if err != nil {
		return nil, internalError(err)
	}
	out := all[:0]
	for _, o := range all {
		if o.Product == store.ProductSpot {
			out = append(out, o)
		}
	}
	return out, nil
}

func (q *reqCtx) openOrders() (any, *verify.Rejection) {
	sy, rej := q.optionalSymbol()
	if rej != nil {
		return nil, rej
	}
	orders, rej := q.openSpotOrders(sy)
	if rej != nil {
		return nil, rej
	}
	out := make([]spotOrderJSON, 0, len(orders))
	for _, o := range orders {
		out = append(out, spotOrderView(o, q.unit))
	}
	if rej := q.decorateStops(out); rej != nil {
		return nil, rej
	}
	return out, nil
}

func (q *reqCtx) cancelOpenOrders() (any, *verify.Rejection) {
	sy, rej := q.s.symbolParam(q.get, "symbol")
	if rej != nil {
		return nil, rej
	}
	// One transaction for all of them: a crash cancels every order or none.
	orders, err := q.s.store.CancelProductOrders(context.WithoutCancel(q.ctx), q.key.account, sy.name, store.ProductSpot, q.now)
	if err != nil {
		return nil, internalError(err)
	}
	if len(orders) == 0 {
		return nil, unknownOrder()
	}
	out := make([]spotCancelJSON, 0, len(orders))
	for _, c := range orders {
		out = append(out, spotCancelView(c, newClientID(), q.now, q.unit))
	}
	return out, nil
}

// timeRange reads startTime/endTime (ms).
func timeRange(get getter) (start, end int64, rej *verify.Rejection) {
	start, _, rej = intParam(get, "startTime")
	if rej != nil {
		return
	}
	end, hasEnd, rej := intParam(get, "endTime")
	if rej != nil {
		return
	}
	if !hasEnd {
		end = 1<<63 - 1
	}
	if start > end {
		rej = badRequest(codes.InvalidParameter, "startTime should be less than endTime.")
	}
	return
}

func limitParam(get getter) (int, *verify.Rejection) {
	n, ok, rej := intParam(get, "limit")
	switch {
	case rej != nil:
		return 0, rej
	case !ok:
		return store.DefaultLimit, nil
	case n < 1:
		return 0, illegal("limit", "1 to 1000")
	case n > store.MaxLimit:
		return store.MaxLimit, nil
	}
	return int(n), nil
}

// listQuery is what allOrders and myTrades read alike: the symbol, a
// starting id, a time range and a limit.
type listQuery struct {
	sy         *symbol
	fromID     int64
	hasFrom    bool
	start, end int64
	limit      int
}

func (q *reqCtx) readListQuery(fromParam string) (listQuery, *verify.Rejection) {
	var l listQuery
	var rej *verify.Rejection
	if l.sy, rej = q.s.symbolParam(q.get, "symbol"); rej != nil {
		return l, rej
	}
	if l.fromID, l.hasFrom, rej = intParam(q.get, fromParam); rej != nil {
		return l, rej
	}
	if l.start, l.end, rej = timeRange(q.get); rej != nil {
		return l, rej
	}
	l.limit, rej = limitParam(q.get)
	return l, rej
}

func (q *reqCtx) allOrders() (any, *verify.Rejection) {
	lq, rej := q.readListQuery("orderId")
	if rej != nil {
		return nil, rej
	}
	// Every filter goes to SQL with the limit, so any order can be reached.
	all, err := q.s.store.ListOrders(q.ctx, q.key.account, lq.storeQuery(0))
	if err != nil {
		return nil, internalError(err)
	}
	out := make([]spotOrderJSON, 0, len(all))
	for _, o := range all {
		out = append(out, spotOrderView(o, q.unit))
	}
	if rej := q.decorateStops(out); rej != nil {
		return nil, rej
	}
	return out, nil
}

// storeQuery is the store's form of the list query, spot only.
func (l listQuery) storeQuery(orderID int64) store.ListQuery {
	sq := store.ListQuery{Symbol: l.sy.name, Product: store.ProductSpot, OrderID: orderID, Limit: l.limit}
	if l.hasFrom {
		sq.FromID = max(l.fromID, 1) // ids start at 1: from any id below is from the first
	}
	if l.start > 0 {
		sq.Start = time.UnixMilli(l.start)
	}
	if l.end != 1<<63-1 {
		sq.End = time.UnixMilli(l.end)
	}
	return sq
}

type tradeJSON struct {
	Symbol          string `json:"symbol"`
	ID              int64  `json:"id"`
	OrderID         int64  `json:"orderId"`
	OrderListID     int64  `json:"orderListId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	QuoteQty        string `json:"quoteQty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	Time            int64  `json:"time"`
	IsBuyer         bool   `json:"isBuyer"`
	IsMaker         bool   `json:"isMaker"`
	IsBestMatch     bool   `json:"isBestMatch"`
}

func (q *reqCtx) myTrades() (any, *verify.Rejection) {
	lq, rej := q.readListQuery("fromId")
	if rej != nil {
		return nil, rej
	}
	orderID, hasOrder, rej := intParam(q.get, "orderId")
	if rej != nil {
		return nil, rej
	}
	if hasOrder && orderID < 1 {
		return []tradeJSON{}, nil
	}
	trades, err := q.s.store.ListTrades(q.ctx, q.key.account, lq.storeQuery(orderID))
	if err != nil {
		return nil, internalError(err)
	}
	out := make([]tradeJSON, 0, len(trades))
	for _, t := range trades {
		out = append(out, tradeJSON{Symbol: t.Symbol, ID: t.ID, OrderID: t.OrderID, OrderListID: -1,
			Price: f8(t.Price), Qty: f8(t.Qty), QuoteQty: f8(t.QuoteQty), Commission: f8(t.Commission),
			CommissionAsset: t.CommissionAsset, Time: q.unit.stamp(t.Time), IsBuyer: t.IsBuyer, IsMaker: t.IsMaker, IsBestMatch: true})
	}
	return out, nil
}

type orderLimitJSON struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         int    `json:"count"`
}

func (q *reqCtx) rateLimitOrder() (any, *verify.Rejection) {
	short, long := q.s.limits.orderCounts(groupSpot, q.key.account, q.now)
	l := q.s.cfg.Limits
	return []orderLimitJSON{
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.OrdersPer10s, Count: short},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.OrdersPerDay, Count: long},
	}, nil
}

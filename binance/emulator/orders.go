package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

// orderReq is a validated new order.
type orderReq struct {
	sym                   *symbol
	side, typ, tif        string // as stored
	viewType, viewTIF     string // as the client named them (futures GTX is stored as LIMIT_MAKER)
	qty, price, quote     decimal.Decimal
	clientID, respType    string
	hasQty, hasQuoteQty   bool
	futures, computeRates bool
	stopPrice             decimal.Decimal // stop orders (stop.go)
}

func spotTypes() []string {
	return []string{store.TypeLimit, store.TypeLimitMaker, store.TypeMarket, store.TypeStopLoss,
		store.TypeStopLossLimit, store.TypeTakeProfit, store.TypeTakeProfitLimit}
}

// conditional order types Binance knows but the local exchange does not
// model: answered -1014 rather than "invalid".
func isConditionalType(t string, futures bool) bool {
	if futures {
		switch t {
		case "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET":
			return true
		}
		return false
	}
	switch t {
	case "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT":
		return true
	}
	return false
}

// parseOrder validates a new order's parameters in Binance's order:
// formats (-1100), symbol (-1121), enums (-1116/-1117/-1115), parameters
// required or not (-1102/-1106), precision (-1111), filters (-1013).
func (s *Server) parseOrder(get getter, futures bool) (*orderReq, *verify.Rejection) {
	for _, m := range []string{"symbol", "side", "type"} {
		if v, ok := get(m); !ok || v == "" {
			return nil, mandatory(m)
		}
	}
	o := &orderReq{futures: futures}
	var rej *verify.Rejection
	var hasPrice bool
	if o.qty, o.hasQty, rej = decimalParam(get, "quantity"); rej != nil {
		return nil, rej
	}
	if o.price, hasPrice, rej = decimalParam(get, "price"); rej != nil {
		return nil, rej
	}
	if o.quote, o.hasQuoteQty, rej = decimalParam(get, "quoteOrderQty"); rej != nil {
		return nil, rej
	}
	for _, n := range []string{"stopPrice", "icebergQty", "activationPrice", "callbackRate", "pegOffsetValue"} {
		if _, _, rej := decimalParam(get, n); rej != nil {
			return nil, rej
		}
	}
	for _, n := range []string{"trailingDelta", "strategyId", "strategyType", "goodTillDate"} {
		if _, _, rej := intParam(get, n); rej != nil {
			return nil, rej
		}
	}
	if v, ok := get("newClientOrderId"); ok {
		if !validClientID(v, futures) {
			rng := spotClientIDRng
			if futures {
				rng = futClientIDRange
			}
			return nil, illegal("newClientOrderId", rng)
		}
		o.clientID = v
	}
	for _, n := range []string{"side", "type", "timeInForce", "selfTradePreventionMode", "positionSide", "workingType", "priceMatch"} {
		if v, ok := get(n); ok && !isEnumText(v) {
			return nil, illegal(n, enumRange)
		}
	}
	if v, ok := get("newOrderRespType"); ok {
		switch {
		case v == "ACK" || v == "RESULT", v == "FULL" && !futures:
			o.respType = v
		case futures:
			return nil, illegal("newOrderRespType", "ACK, RESULT")
		default:
			return nil, illegal("newOrderRespType", "ACK, RESULT, FULL")
		}
	}
	for _, n := range []string{"reduceOnly", "closePosition", "priceProtect", "computeCommissionRates"} {
		if v, ok := get(n); ok && v != "true" && v != "false" && v != "TRUE" && v != "FALSE" {
			return nil, illegal(n, "true, false")
		}
	}
	if v, _ := get("computeCommissionRates"); v == "true" || v == "TRUE" {
		o.computeRates = true
	}
	if o.sym, rej = s.symbolParam(get, "symbol"); rej != nil {
		return nil, rej
	}

	side, _ := get("side")
	if side != store.SideBuy && side != store.SideSell {
		return nil, badRequest(codes.InvalidSide, "Invalid side.", "side is BUY or SELL, in capitals")
	}
	o.side = side
	typ, _ := get("type")
	switch {
	case typ == store.TypeLimit || typ == store.TypeMarket || (typ == store.TypeLimitMaker && !futures):
	case !futures && store.IsStopType(typ):
		return s.parseStopOrder(get, typ)
	case isConditionalType(typ, futures):
		return nil, badRequest(codeUnsupportedComb, "Unsupported order combination.",
			"the local exchange models LIMIT, MARKET and (spot) LIMIT_MAKER orders only")
	default:
		return nil, badRequest(codes.InvalidOrderType, "Invalid orderType.", "type is LIMIT, MARKET or LIMIT_MAKER, in capitals")
	}
	o.typ, o.viewType = typ, typ
	tif, hasTIF := get("timeInForce")

	// Which parameters the type takes.
	for _, n := range []string{"stopPrice", "trailingDelta", "icebergQty", "activationPrice", "callbackRate", "pegPriceType", "pegOffsetValue", "pegOffsetType"} {
		if _, ok := get(n); ok {
			return nil, notRequired(n)
		}
	}
	if v, _ := get("closePosition"); v == "true" || v == "TRUE" {
		return nil, notRequired("closePosition")
	}
	switch typ {
	case store.TypeLimit:
		switch {
		case !hasTIF:
			return nil, mandatory("timeInForce")
		case !o.hasQty:
			return nil, mandatory("quantity")
		case !hasPrice:
			return nil, mandatory("price")
		case o.hasQuoteQty:
			return nil, notRequired("quoteOrderQty")
		}
		switch {
		case tif == store.GTC || tif == store.IOC || tif == store.FOK:
			o.tif, o.viewTIF = tif, tif
		case futures && tif == "GTX":
			o.typ, o.tif, o.viewTIF = store.TypeLimitMaker, "", "GTX"
		default:
			return nil, badRequest(codeInvalidTIF, "Invalid timeInForce.", "timeInForce is GTC, IOC or FOK (futures also GTX)")
		}
	case store.TypeMarket:
		switch {
		case hasPrice:
			return nil, notRequired("price")
		case hasTIF:
			return nil, notRequired("timeInForce")
		case !o.hasQty && !o.hasQuoteQty:
			return nil, badRequest(codes.MandatoryParamEmpty, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
		case o.hasQty && o.hasQuoteQty:
			return nil, notRequired("quoteOrderQty")
		}
		o.viewTIF = store.GTC
	case store.TypeLimitMaker:
		switch {
		case hasTIF:
			return nil, notRequired("timeInForce")
		case !o.hasQty:
			return nil, mandatory("quantity")
		case !hasPrice:
			return nil, mandatory("price")
		case o.hasQuoteQty:
			return nil, notRequired("quoteOrderQty")
		}
		o.viewTIF = store.GTC
	}

	sy := o.sym
	precision := func(name string, decimals int32) *verify.Rejection {
		why := fmt.Sprintf("%s of %s takes at most %d decimals (tickSize %s, stepSize %s)", name, sy.name, decimals, sy.tick, sy.step)
		if futures {
			return badRequest(codes.BadPrecision, "Precision is over the maximum defined for this asset.", why)
		}
		return badRequest(codes.BadPrecision, fmt.Sprintf(codes.MsgBadPrecisionFmt, name), why)
	}
	if v, _ := get("quantity"); o.hasQty && significantDecimals(v) > sy.stepDecimals {
		return nil, precision("quantity", sy.stepDecimals)
	}
	if v, _ := get("price"); hasPrice && significantDecimals(v) > sy.tickDecimals {
		return nil, precision("price", sy.tickDecimals)
	}
	if v, _ := get("quoteOrderQty"); o.hasQuoteQty && significantDecimals(v) > assetPrecision {
		return nil, precision("quoteOrderQty", assetPrecision)
	}
	filter := func(name, why string) *verify.Rejection {
		return badRequest(codeFilterFailure, "Filter failure: "+name, why)
	}
	if hasPrice && (o.price.LessThan(sy.tick) || o.price.GreaterThan(maxPrice) || !isMultiple(o.price, sy.tick)) {
		return nil, filter("PRICE_FILTER", fmt.Sprintf("price must be a multiple of %s between %s and %s", sy.tick, sy.tick, maxPrice))
	}
	if o.hasQty && (o.qty.LessThan(sy.minQty) || o.qty.GreaterThan(maxQty) || !o.qty.IsPositive() || !isMultiple(o.qty, sy.step)) {
		return nil, filter("LOT_SIZE", fmt.Sprintf("quantity must be a multiple of %s between %s and %s", sy.step, sy.minQty, maxQty))
	}
	if o.hasQuoteQty && !o.quote.IsPositive() {
		return nil, filter("NOTIONAL", "quoteOrderQty must be greater than 0")
	}
	notional := o.quote
	switch {
	case hasPrice:
		notional = o.price.Mul(o.qty)
	case o.hasQty:
		notional = sy.currentPrice().Mul(o.qty)
	}
	if notional.LessThan(sy.minNotional) {
		why := fmt.Sprintf("price × quantity = %s is below the minimum notional %s of %s", notional, sy.minNotional, sy.name)
		if futures {
			return nil, badRequest(codeFutMinNotional,
				fmt.Sprintf("Order's notional must be no smaller than %s (unless you choose reduce only).", sy.minNotional), why)
		}
		return nil, filter("NOTIONAL", why)
	}
	if o.clientID == "" {
		o.clientID = newClientID()
	}
	if o.respType == "" {
		o.respType = "ACK"
		if !futures && (typ == store.TypeLimit || typ == store.TypeMarket) {
			o.respType = "FULL"
		}
	}
	return o, nil
}

// place checks the order-count limits and stores the order. The write is
// not cancelled when the client goes away: like Binance, an order that
// reached the engine is placed whatever happens to the connection.
func (q *reqCtx) place(g group, o *orderReq) (store.Order, *verify.Rejection) {
	s, acct := q.s, q.key.account
	shortHdr, longHdr := orderHeaders(g)
	if ref := s.limits.checkOrders(g, acct, 1, q.now); ref != nil {
		short, long := s.limits.orderCounts(g, acct, q.now)
		h := q.w.Header()
		h.Set(shortHdr, strconv.Itoa(short))
		h.Set(longHdr, strconv.Itoa(long))
		h.Set("Retry-After", strconv.Itoa(ref.retryAfter))
		return store.Order{}, rejection(http.StatusTooManyRequests, codes.TooManyOrders,
			fmt.Sprintf(codes.MsgTooManyOrdersFmt, ref.limit, ref.interval),
			fmt.Sprintf("account %s placed %d orders in the current %s window", acct, ref.limit, ref.interval),
			"order limits count per account; wait for Retry-After")
	}
	product := store.ProductSpot
	if o.futures {
		product = store.ProductFutures
	}
	ord, err := s.matchOrder(context.WithoutCancel(q.ctx), acct, o, product, q.now)
	if err != nil {
		return store.Order{}, placeError(err, o.futures)
	}
	short, long := s.limits.countOrders(g, acct, 1, q.now)
	h := q.w.Header()
	h.Set(shortHdr, strconv.Itoa(short))
	h.Set(longHdr, strconv.Itoa(long))
	return ord, nil
}

func placeError(err error, futures bool) *verify.Rejection {
	var fe *store.FieldError
	switch {
	case errors.Is(err, store.ErrInsufficientBalance):
		if futures {
			return badRequest(codeMarginLow, "Margin is insufficient.", err.Error())
		}
		return badRequest(codes.NewOrderRejected, codes.MsgInsufficient, err.Error())
	case errors.Is(err, store.ErrDuplicateOrder):
		if futures {
			return badRequest(codeFutDuplicateID, "ClientOrderId is duplicated.", err.Error())
		}
		return badRequest(codes.NewOrderRejected, codes.MsgDuplicateOrder, err.Error())
	case errors.Is(err, store.ErrWouldTrigger):
		return badRequest(codes.NewOrderRejected, "Stop price would trigger immediately.", err.Error())
	case errors.Is(err, store.ErrWouldMatch):
		if futures {
			return badRequest(codeFutPostOnly, "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history", err.Error())
		}
		return badRequest(codes.NewOrderRejected, "Order would immediately match and take.", err.Error())
	case errors.As(err, &fe):
		return badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, fe.Field), err.Error())
	}
	return internalError(err)
}

// readOrderRef reads orderId / origClientOrderId of a query or cancel.
func readOrderRef(get getter, futures bool) (int64, string, *verify.Rejection) {
	id, hasID, rej := intParam(get, "orderId")
	if rej != nil {
		return 0, "", rej
	}
	cid, hasCID := get("origClientOrderId")
	if hasCID && !validClientID(cid, true) {
		rng := spotClientIDRng
		if futures {
			rng = futClientIDRange
		}
		return 0, "", illegal("origClientOrderId", rng)
	}
	if !hasID && !hasCID {
		return 0, "", badRequest(codes.MandatoryParamEmpty, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
	}
	if hasID && id == 0 {
		return 0, "", illegal("orderId", integerRange)
	}
	return id, cid, nil
}

// lookupOrder finds an order of the caller's account in one product.
func (q *reqCtx) lookupOrder(sy *symbol, id int64, cid, product string) (store.Order, bool, *verify.Rejection) {
	o, err := q.s.store.GetOrder(q.ctx, q.key.account, sy.name, id, cid)
	switch {
	case errors.Is(err, store.ErrUnknownOrder):
		return store.Order{}, false, nil
	case err != nil:
		return store.Order{}, false, internalError(err)
	case o.Product != product:
		return store.Order{}, false, nil
	}
	return o, true, nil
}

package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

// Order lists: OCO (POST /api/v3/orderList/oco), its query and cancel. The
// two legs share one lock; when one fills or starts, the other expires.

func ocoParams() []string {
	out := []string{"symbol", "listClientOrderId", "side", "quantity", "newOrderRespType", "selfTradePreventionMode"}
	for _, p := range []string{"above", "below"} {
		for _, f := range []string{"Type", "ClientOrderId", "IcebergQty", "Price", "StopPrice", "TrailingDelta", "TimeInForce",
			"StrategyId", "StrategyType", "PegPriceType", "PegOffsetType", "PegOffsetValue"} {
			out = append(out, p+f)
		}
	}
	return out
}

// legGetter presents one OCO leg to parseOrder as a single order.
func legGetter(get getter, prefix string) getter {
	return func(name string) (string, bool) {
		switch name {
		case "symbol", "side", "quantity":
			return get(name)
		case "type", "price", "stopPrice", "timeInForce", "trailingDelta", "icebergQty", "strategyId", "strategyType",
			"pegPriceType", "pegOffsetType", "pegOffsetValue":
			return get(prefix + string(name[0]-'a'+'A') + name[1:])
		case "newClientOrderId":
			return get(prefix + "ClientOrderId")
		}
		return "", false
	}
}

// ocoLegTypes are the types Binance allows above and below the price.
func ocoLegAllowed(side, pos, typ string) bool {
	limitish := typ == store.TypeLimitMaker || typ == store.TypeTakeProfit || typ == store.TypeTakeProfitLimit
	stopish := typ == store.TypeStopLoss || typ == store.TypeStopLossLimit
	if side == store.SideSell {
		return pos == "above" && limitish || pos == "below" && stopish
	}
	return pos == "above" && stopish || pos == "below" && limitish
}

type listOrderJSON struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	ClientOrderID string `json:"clientOrderId"`
}

type orderListJSON struct {
	OrderListID       int64           `json:"orderListId"`
	ContingencyType   string          `json:"contingencyType"`
	ListStatusType    string          `json:"listStatusType"`
	ListOrderStatus   string          `json:"listOrderStatus"`
	ListClientOrderID string          `json:"listClientOrderId"`
	TransactionTime   int64           `json:"transactionTime"`
	Symbol            string          `json:"symbol"`
	Orders            []listOrderJSON `json:"orders"`
	OrderReports      []filterJSON    `json:"orderReports,omitempty"`
}

func (q *reqCtx) orderReport(o store.Order, listID int64, stop decimal.Decimal) filterJSON {
	r := filterJSON{"symbol": o.Symbol, "orderId": o.OrderID, "orderListId": listID, "clientOrderId": o.ClientOrderID,
		"transactTime": q.unit.stamp(q.now), "price": f8(o.Price), "origQty": f8(o.OrigQty), "executedQty": f8(o.ExecutedQty),
		"origQuoteOrderQty": f8(o.OrigQuoteOrderQty), "cummulativeQuoteQty": f8(o.CummulativeQuoteQty), "status": o.Status,
		"timeInForce": o.TimeInForce, "type": o.Type, "side": o.Side, "workingTime": q.unit.stamp(o.Time), "selfTradePreventionMode": "NONE"}
	if store.IsStopType(o.Type) {
		r["stopPrice"], r["workingTime"] = f8(stop), -1
	}
	return r
}

func (q *reqCtx) newOCO() (any, *verify.Rejection) {
	side, _ := q.get("side")
	var reqs [2]*orderReq
	for i, pos := range []string{"above", "below"} {
		o, rej := q.s.parseOrder(legGetter(q.get, pos), false)
		if rej != nil {
			return nil, rej
		}
		if !ocoLegAllowed(side, pos, o.typ) {
			return nil, badRequest(codeUnsupportedComb, "Unsupported order combination.",
				fmt.Sprintf("a %s OCO takes %sType %s", side, pos, map[bool]string{true: "LIMIT_MAKER, TAKE_PROFIT or TAKE_PROFIT_LIMIT", false: "STOP_LOSS or STOP_LOSS_LIMIT"}[side == store.SideSell == (pos == "above")]))
		}
		reqs[i] = o
	}
	// The list locks on its first leg: the LIMIT_MAKER one when there is one.
	if reqs[1].typ == store.TypeLimitMaker {
		reqs[0], reqs[1] = reqs[1], reqs[0]
	}
	listID, ok := q.get("listClientOrderId")
	if !ok {
		listID = newClientID()
	} else if !validClientID(listID, false) {
		return nil, illegal("listClientOrderId", spotClientIDRng)
	}
	s, acct := q.s, q.key.account
	if rej := q.countOrders(2); rej != nil {
		return nil, rej
	}
	sy := reqs[0].sym
	sy.mu.RLock()
	price := sy.price
	book := sy.mkt.BookAt(price, q.now, 1)
	var legs [2]store.ListLeg
	for i, o := range reqs {
		legs[i] = store.ListLeg{StopPrice: o.stopPrice, Order: store.NewOrder{Symbol: sy.name, Side: o.side, Type: o.typ,
			TimeInForce: o.tif, Quantity: o.qty, Price: o.price, ClientOrderID: o.clientID, Product: store.ProductSpot, Now: q.now}}
		if o.side == store.SideBuy {
			legs[i].Book = book.Asks[0].Price
		} else if len(book.Bids) > 0 {
			legs[i].Book = book.Bids[0].Price
		}
	}
	m := store.Market{Symbol: sy.name, Base: sy.base, Quote: sy.quote, Price: price}
	list, orders, err := s.store.PlaceOCO(context.WithoutCancel(q.ctx), acct, m, listID, legs, q.now)
	sy.mu.RUnlock()
	if err != nil {
		return nil, placeError(err, false)
	}
	out := orderListJSON{OrderListID: list.ID, ContingencyType: "OCO", ListStatusType: "EXEC_STARTED", ListOrderStatus: "EXECUTING",
		ListClientOrderID: list.ListClientID, TransactionTime: q.unit.stamp(q.now), Symbol: sy.name}
	for i, o := range orders {
		out.Orders = append(out.Orders, listOrderJSON{Symbol: o.Symbol, OrderID: o.OrderID, ClientOrderID: o.ClientOrderID})
		out.OrderReports = append(out.OrderReports, q.orderReport(o, list.ID, legs[i].StopPrice))
	}
	return out, nil
}

// countOrders checks and counts n orders against the account's order
// limits, as place does for one.
func (q *reqCtx) countOrders(n int) *verify.Rejection {
	s, acct := q.s, q.key.account
	shortHdr, longHdr := orderHeaders(groupSpot)
	h := q.w.Header()
	if ref := s.limits.checkOrders(groupSpot, acct, n, q.now); ref != nil {
		short, long := s.limits.orderCounts(groupSpot, acct, q.now)
		h.Set(shortHdr, strconv.Itoa(short))
		h.Set(longHdr, strconv.Itoa(long))
		h.Set("Retry-After", strconv.Itoa(ref.retryAfter))
		return rejection(http.StatusTooManyRequests, codes.TooManyOrders, fmt.Sprintf(codes.MsgTooManyOrdersFmt, ref.limit, ref.interval),
			fmt.Sprintf("account %s placed %d orders in the current %s window", acct, ref.limit, ref.interval), "order limits count per account; wait for Retry-After")
	}
	short, long := s.limits.countOrders(groupSpot, acct, n, q.now)
	h.Set(shortHdr, strconv.Itoa(short))
	h.Set(longHdr, strconv.Itoa(long))
	return nil
}

// listView reads a list's orders and its status.
func (q *reqCtx) listView(l store.OrderList, reports bool) (orderListJSON, *verify.Rejection) {
	out := orderListJSON{OrderListID: l.ID, ContingencyType: l.Contingency, ListStatusType: "ALL_DONE", ListOrderStatus: "ALL_DONE",
		ListClientOrderID: l.ListClientID, TransactionTime: q.unit.stamp(l.Time), Symbol: l.Symbol}
	for _, id := range l.OrderIDs {
		o, err := q.s.store.GetOrder(q.ctx, q.key.account, l.Symbol, id, "")
		if err != nil {
			return out, internalError(err)
		}
		if o.Status == store.StatusNew || o.Status == store.StatusPartiallyFilled {
			out.ListStatusType, out.ListOrderStatus = "EXEC_STARTED", "EXECUTING"
		}
		out.Orders = append(out.Orders, listOrderJSON{Symbol: o.Symbol, OrderID: o.OrderID, ClientOrderID: o.ClientOrderID})
		if reports {
			out.OrderReports = append(out.OrderReports, q.orderReport(o, l.ID, decimal.Zero))
		}
	}
	return out, nil
}

func (q *reqCtx) findList(idParam, cidParam string) (store.OrderList, *verify.Rejection) {
	id, hasID, rej := intParam(q.get, idParam)
	if rej != nil {
		return store.OrderList{}, rej
	}
	cid, hasCID := q.get(cidParam)
	if !hasID && !hasCID {
		return store.OrderList{}, badRequest(codes.MandatoryParamEmpty,
			fmt.Sprintf("Param '%s' or '%s' must be sent, but both were empty/null!", cidParam, idParam))
	}
	l, err := q.s.store.OrderList(q.ctx, q.key.account, id, cid)
	if errors.Is(err, store.ErrUnknownOrder) {
		return l, badRequest(codes.NoSuchOrder, "Order list does not exist.")
	}
	if err != nil {
		return l, internalError(err)
	}
	return l, nil
}

func (q *reqCtx) getOrderList() (any, *verify.Rejection) {
	l, rej := q.findList("orderListId", "origClientOrderId")
	if rej != nil {
		return nil, rej
	}
	v, rej := q.listView(l, false)
	return v, rej
}

func (q *reqCtx) cancelOrderList() (any, *verify.Rejection) {
	sy, rej := q.s.symbolParam(q.get, "symbol")
	if rej != nil {
		return nil, rej
	}
	l, rej := q.findList("orderListId", "listClientOrderId")
	if rej != nil {
		return nil, rej
	}
	if l.Symbol != sy.name {
		return nil, badRequest(codes.CancelRejected, "Order list does not exist.")
	}
	open := 0
	for _, id := range l.OrderIDs {
		if _, err := q.s.store.CancelOrder(context.WithoutCancel(q.ctx), q.key.account, l.Symbol, id, "", q.now); err == nil {
			open++
		} else if !isUnknown(err) {
			return nil, internalError(err)
		}
	}
	if open == 0 {
		return nil, badRequest(codes.CancelRejected, codes.MsgUnknownOrder, "every order of the list is done already")
	}
	v, rej := q.listView(l, true)
	if rej != nil {
		return nil, rej
	}
	v.ListStatusType, v.ListOrderStatus = "ALL_DONE", "ALL_DONE"
	return v, nil
}

func (q *reqCtx) openOrderLists() (any, *verify.Rejection) {
	open, err := q.s.store.OpenOrders(q.ctx, q.key.account, "")
	if err != nil {
		return nil, internalError(err)
	}
	ids := make([]int64, 0, len(open))
	for _, o := range open {
		ids = append(ids, o.OrderID)
	}
	lists, err := q.s.store.ListIDs(q.ctx, q.key.account, ids)
	if err != nil {
		return nil, internalError(err)
	}
	out := []orderListJSON{}
	seen := map[int64]bool{}
	for _, o := range open {
		lid, ok := lists[o.OrderID]
		if !ok || seen[lid] {
			continue
		}
		seen[lid] = true
		l, err := q.s.store.OrderList(q.ctx, q.key.account, lid, "")
		if err != nil {
			return nil, internalError(err)
		}
		v, rej := q.listView(l, false)
		if rej != nil {
			return nil, rej
		}
		out = append(out, v)
	}
	return out, nil
}

// expireSiblings ends the other legs of the list order id belongs to,
// after it filled, started (expired) or was canceled (canceled).
func (s *Server) expireSiblings(ctx context.Context, id int64, cancel bool, now time.Time) error {
	account, ids, err := s.store.ListSiblings(ctx, id)
	if err != nil {
		return err
	}
	status := store.StatusExpired
	if cancel {
		status = store.StatusCanceled
	}
	for _, sib := range ids {
		if _, err := s.store.EndOrder(ctx, account, sib, status, now); err != nil {
			return err
		}
	}
	return nil
}

// EndOrder ends an order and invalidates the balance cache.
func (l *ledger) EndOrder(ctx context.Context, account string, id int64, status string, now time.Time) (store.Order, error) {
	defer l.changed()
	return l.Store.EndOrder(ctx, account, id, status, now)
}

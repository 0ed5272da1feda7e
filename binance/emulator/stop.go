package emulator

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/emulator/market"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

// Spot stop orders: STOP_LOSS and TAKE_PROFIT become MARKET orders when the
// price reaches stopPrice, the _LIMIT ones LIMIT orders. The trigger is a
// price move (the admin price endpoint or Server.SetPrice).

// parseStopOrder validates a stop order as the order it becomes (MARKET or
// LIMIT, with every filter) plus stopPrice. trailingDelta is not modelled.
func (s *Server) parseStopOrder(get getter, typ string) (*orderReq, *verify.Rejection) {
	if _, ok := get("trailingDelta"); ok {
		return nil, badRequest(codeUnsupportedComb, "Unsupported order combination.", "the local exchange models stopPrice, not trailingDelta")
	}
	stop, hasStop, rej := decimalParam(get, "stopPrice")
	if rej != nil {
		return nil, rej
	}
	if !hasStop {
		return nil, mandatory("stopPrice")
	}
	if _, ok := get("quoteOrderQty"); ok {
		return nil, notRequired("quoteOrderQty")
	}
	under := store.TypeMarket
	if store.IsLimitStop(typ) {
		under = store.TypeLimit
	}
	inner := func(name string) (string, bool) {
		switch name {
		case "type":
			return under, true
		case "stopPrice":
			return "", false
		}
		return get(name)
	}
	o, rej := s.parseOrder(inner, false)
	if rej != nil {
		return nil, rej
	}
	sy := o.sym
	if v, _ := get("stopPrice"); significantDecimals(v) > sy.tickDecimals {
		return nil, badRequest(codes.BadPrecision, fmt.Sprintf(codes.MsgBadPrecisionFmt, "stopPrice"),
			fmt.Sprintf("stopPrice of %s takes at most %d decimals (tickSize %s)", sy.name, sy.tickDecimals, sy.tick))
	}
	if stop.LessThan(sy.tick) || stop.GreaterThan(maxPrice) || !isMultiple(stop, sy.tick) {
		return nil, badRequest(codeFilterFailure, "Filter failure: PRICE_FILTER",
			fmt.Sprintf("stopPrice must be a multiple of %s between %s and %s", sy.tick, sy.tick, maxPrice))
	}
	if !o.hasQty {
		return nil, mandatory("quantity")
	}
	o.typ, o.viewType, o.stopPrice = typ, typ, stop
	if _, ok := get("newOrderRespType"); !ok {
		o.respType = "ACK" // Binance's default for every type but LIMIT and MARKET
	}
	return o, nil
}

// placeStop stores a stop order; one the price already triggers is -2010.
func (s *Server) placeStop(ctx context.Context, account string, o *orderReq, no store.NewOrder) (store.Order, error) {
	sy := o.sym
	m := store.Market{Symbol: sy.name, Base: sy.base, Quote: sy.quote, Price: sy.price}
	return s.store.PlaceStopOrder(ctx, account, m, no, o.stopPrice)
}

// PlaceStopOrder stores a stop order and invalidates the balance cache.
func (l *ledger) PlaceStopOrder(ctx context.Context, account string, m store.Market, o store.NewOrder, stop decimal.Decimal) (store.Order, error) {
	defer l.changed()
	return l.Store.PlaceStopOrder(ctx, account, m, o, stop)
}

// TriggerStop starts a stop order and invalidates the balance cache.
func (l *ledger) TriggerStop(ctx context.Context, m store.Market, id int64, levels []store.BookFill, c decimal.Decimal, now time.Time) (store.Order, error) {
	defer l.changed()
	return l.Store.TriggerStop(ctx, m, id, levels, c, now)
}

// triggerStops starts the stop orders of sy that price reaches, each
// against the book at that price. The caller holds sy's write lock.
func (s *Server) triggerStops(ctx context.Context, sy *symbol, price decimal.Decimal, now time.Time) ([]store.Order, error) {
	pending, err := s.store.PendingStops(ctx, sy.name)
	if err != nil {
		return nil, err
	}
	m := store.Market{Symbol: sy.name, Base: sy.base, Quote: sy.quote, Price: price}
	var out []store.Order
	for _, p := range pending {
		if !store.Triggers(p.Side, p.Type, p.StopPrice, price) {
			continue
		}
		buy := p.Side == store.SideBuy
		limit := decimal.Zero
		if store.IsLimitStop(p.Type) {
			limit = p.Price
		}
		book := sy.mkt.BookAt(price, now, market.MaxLevels)
		fills, _ := sy.mkt.Take(book, buy, p.OrigQty, decimal.Zero, limit)
		levels := make([]store.BookFill, 0, len(fills))
		for _, f := range fills {
			levels = append(levels, store.BookFill{Price: f.Price, Qty: f.Qty})
		}
		// An OCO leg that starts ends its sibling first, which releases
		// the list's lock.
		if err := s.expireSiblings(ctx, p.OrderID, false, now); err != nil {
			return out, err
		}
		o, err := s.store.TriggerStop(ctx, m, p.OrderID, levels, takerCommission(), now)
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

// decorateStops fills in stopPrice, isWorking and workingTime of the stop
// orders among views.
func (q *reqCtx) decorateStops(views []spotOrderJSON) *verify.Rejection {
	if len(views) == 0 {
		return nil
	}
	all := make([]int64, 0, len(views))
	var ids []int64
	for _, v := range views {
		all = append(all, v.OrderID)
		if store.IsStopType(v.Type) {
			ids = append(ids, v.OrderID)
		}
	}
	lists, err := q.s.store.ListIDs(q.ctx, q.key.account, all)
	if err != nil {
		return internalError(err)
	}
	for i := range views {
		if l, ok := lists[views[i].OrderID]; ok {
			views[i].OrderListID = l
		}
	}
	if len(ids) == 0 {
		return nil
	}
	infos, err := q.s.store.StopInfos(q.ctx, q.key.account, ids)
	if err != nil {
		return internalError(err)
	}
	for i := range views {
		info, ok := infos[views[i].OrderID]
		if !ok {
			continue
		}
		views[i].StopPrice = f8(info.StopPrice)
		views[i].IsWorking = info.Triggered
		views[i].WorkingTime = -1
		if info.Triggered {
			views[i].WorkingTime = q.unit.stamp(info.WorkingTime)
		}
	}
	return nil
}

package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mbxkit/mbx/binance/catalog"
	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

// maxBatchOrders is Binance's limit on batchOrders items.
const maxBatchOrders = 5

type futOrderJSON struct {
	OrderID                 int64  `json:"orderId"`
	Symbol                  string `json:"symbol"`
	Status                  string `json:"status"`
	ClientOrderID           string `json:"clientOrderId"`
	Price                   string `json:"price"`
	AvgPrice                string `json:"avgPrice"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	CumQty                  string `json:"cumQty"`
	CumQuote                string `json:"cumQuote"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	ReduceOnly              bool   `json:"reduceOnly"`
	ClosePosition           bool   `json:"closePosition"`
	Side                    string `json:"side"`
	PositionSide            string `json:"positionSide"`
	StopPrice               string `json:"stopPrice"`
	WorkingType             string `json:"workingType"`
	PriceProtect            bool   `json:"priceProtect"`
	OrigType                string `json:"origType"`
	PriceMatch              string `json:"priceMatch"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
	GoodTillDate            int64  `json:"goodTillDate"`
	Time                    int64  `json:"time"`
	UpdateTime              int64  `json:"updateTime"`
}

func futOrderView(o store.Order) futOrderJSON {
	typ, tif := o.Type, o.TimeInForce
	if typ == store.TypeLimitMaker { // futures post-only is LIMIT + GTX
		typ, tif = store.TypeLimit, "GTX"
	}
	avg := "0.00000"
	if o.ExecutedQty.IsPositive() {
		avg = o.CummulativeQuoteQty.Div(o.ExecutedQty).StringFixed(5)
	}
	return futOrderJSON{OrderID: o.OrderID, Symbol: o.Symbol, Status: o.Status, ClientOrderID: o.ClientOrderID,
		Price: o.Price.String(), AvgPrice: avg, OrigQty: o.OrigQty.String(), ExecutedQty: o.ExecutedQty.String(),
		CumQty: o.ExecutedQty.String(), CumQuote: o.CummulativeQuoteQty.String(), TimeInForce: tif, Type: typ,
		Side: o.Side, PositionSide: "BOTH", StopPrice: "0", WorkingType: "CONTRACT_PRICE", OrigType: typ,
		PriceMatch: "NONE", SelfTradePreventionMode: "NONE", Time: o.Time.UnixMilli(), UpdateTime: o.UpdateTime.UnixMilli()}
}

func (q *reqCtx) futNewOrder() (any, *verify.Rejection) {
	o, rej := q.s.parseOrder(q.get, true)
	if rej != nil {
		return nil, rej
	}
	ord, rej := q.place(groupFutures, o)
	if rej != nil {
		return nil, rej
	}
	return futOrderView(ord), nil
}

func (q *reqCtx) futGetOrder() (any, *verify.Rejection) {
	_, o, ok, rej := q.findOrder(true)
	if rej != nil {
		return nil, rej
	}
	if !ok {
		return nil, orderMissing()
	}
	return futOrderView(o), nil
}

func (q *reqCtx) futCancelOrder() (any, *verify.Rejection) {
	ref, _, found, rej := q.findOrder(true)
	if rej != nil {
		return nil, rej
	}
	o, rej := q.cancelFound(ref, found)
	if rej != nil {
		return nil, rej
	}
	return futOrderView(o), nil
}

// batchItem is one element of batchOrders: a JSON object whose values are
// strings (as Binance's docs show them) or numbers and booleans, read as
// their JSON text.
type batchItem map[string]string

func parseBatch(v string) ([]batchItem, error) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, fmt.Errorf("not a JSON array of objects: %v", err)
	}
	out := make([]batchItem, 0, len(raw))
	for i, obj := range raw {
		item := batchItem{}
		for k, r := range obj {
			r = bytes.TrimSpace(r)
			switch {
			case len(r) > 0 && r[0] == '"':
				var sv string
				if err := json.Unmarshal(r, &sv); err != nil {
					return nil, fmt.Errorf("item %d, %s: %v", i, k, err)
				}
				item[k] = sv
			case len(r) > 0 && (r[0] == '{' || r[0] == '[' || string(r) == "null"):
				return nil, fmt.Errorf("item %d, %s: want a string, number or boolean", i, k)
			default:
				item[k] = string(r)
			}
		}
		out = append(out, item)
	}
	return out, nil
}

func (q *reqCtx) futBatchOrders() (any, *verify.Rejection) {
	v, _ := q.get("batchOrders")
	items, err := parseBatch(v)
	if err != nil {
		return nil, badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, "batchOrders"),
			"batchOrders: "+err.Error()+`; send a JSON array such as [{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","quantity":"0.001","price":"50000","timeInForce":"GTC"}], percent-encoded`)
	}
	if len(items) == 0 || len(items) > maxBatchOrders {
		return nil, badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, "batchOrders"),
			fmt.Sprintf("batchOrders holds %d orders; send 1 to %d", len(items), maxBatchOrders))
	}
	// A batch item takes what POST /fapi/v1/order takes.
	allowed := map[string]bool{}
	if e, ok := catalog.Default().Lookup(http.MethodPost, "/fapi/v1/order"); ok {
		for _, p := range e.Params {
			allowed[p.Name] = true
		}
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		get := func(name string) (string, bool) { v, ok := it[name]; return v, ok }
		var unknown string
		for k := range it {
			if !allowed[k] {
				unknown = k
			}
		}
		var res any
		var rej *verify.Rejection
		if unknown != "" {
			rej = badRequest(codes.UnreadParameters, fmt.Sprintf(codes.MsgUnreadFmt, len(it)-1, len(it)))
		} else {
			var o *orderReq
			if o, rej = q.s.parseOrder(get, true); rej == nil {
				var ord store.Order
				if ord, rej = q.place(groupFutures, o); rej == nil {
					res = futOrderView(ord)
				}
			}
		}
		if rej != nil {
			res = errorBody{Code: int(rej.Code), Msg: rej.Msg}
		}
		out = append(out, res)
	}
	return out, nil
}

type leverageResp struct {
	Leverage         int    `json:"leverage"`
	MaxNotionalValue string `json:"maxNotionalValue"`
	Symbol           string `json:"symbol"`
}

func (q *reqCtx) futLeverage() (any, *verify.Rejection) {
	sy, rej := q.s.symbolParam(q.get, "symbol")
	if rej != nil {
		return nil, rej
	}
	n, _, rej := intParam(q.get, "leverage")
	if rej != nil {
		return nil, rej
	}
	if n < 1 || n > store.MaxLeverage {
		return nil, badRequest(codeFutBadLeverage, fmt.Sprintf("Leverage %d is not valid", n), fmt.Sprintf("leverage is 1 to %d", store.MaxLeverage))
	}
	if err := q.s.store.SetLeverage(context.WithoutCancel(q.ctx), q.key.account, sy.name, int(n)); err != nil {
		return nil, internalError(err)
	}
	return leverageResp{Leverage: int(n), MaxNotionalValue: maxNotionalFor(int(n)), Symbol: sy.name}, nil
}

// maxNotionalFor is a simple bracket table: higher leverage, smaller
// position (Binance's brackets are per symbol; these are illustrative).
func maxNotionalFor(lev int) string {
	switch {
	case lev > 100:
		return "50000"
	case lev > 50:
		return "250000"
	case lev > 20:
		return "1000000"
	}
	return "10000000"
}

type futAssetJSON struct {
	Asset                  string `json:"asset"`
	WalletBalance          string `json:"walletBalance"`
	UnrealizedProfit       string `json:"unrealizedProfit"`
	MarginBalance          string `json:"marginBalance"`
	MaintMargin            string `json:"maintMargin"`
	InitialMargin          string `json:"initialMargin"`
	PositionInitialMargin  string `json:"positionInitialMargin"`
	OpenOrderInitialMargin string `json:"openOrderInitialMargin"`
	CrossWalletBalance     string `json:"crossWalletBalance"`
	CrossUnPnl             string `json:"crossUnPnl"`
	AvailableBalance       string `json:"availableBalance"`
	MaxWithdrawAmount      string `json:"maxWithdrawAmount"`
	MarginAvailable        bool   `json:"marginAvailable"`
	UpdateTime             int64  `json:"updateTime"`
}

type futPositionJSON struct {
	Symbol                 string `json:"symbol"`
	InitialMargin          string `json:"initialMargin"`
	MaintMargin            string `json:"maintMargin"`
	UnrealizedProfit       string `json:"unrealizedProfit"`
	PositionInitialMargin  string `json:"positionInitialMargin"`
	OpenOrderInitialMargin string `json:"openOrderInitialMargin"`
	Leverage               string `json:"leverage"`
	Isolated               bool   `json:"isolated"`
	EntryPrice             string `json:"entryPrice"`
	MaxNotional            string `json:"maxNotional"`
	BidNotional            string `json:"bidNotional"`
	AskNotional            string `json:"askNotional"`
	PositionSide           string `json:"positionSide"`
	PositionAmt            string `json:"positionAmt"`
	UpdateTime             int64  `json:"updateTime"`
}

type futAccountResp struct {
	FeeTier                     int               `json:"feeTier"`
	FeeBurn                     bool              `json:"feeBurn"`
	CanTrade                    bool              `json:"canTrade"`
	CanDeposit                  bool              `json:"canDeposit"`
	CanWithdraw                 bool              `json:"canWithdraw"`
	UpdateTime                  int64             `json:"updateTime"`
	MultiAssetsMargin           bool              `json:"multiAssetsMargin"`
	TradeGroupID                int64             `json:"tradeGroupId"`
	TotalInitialMargin          string            `json:"totalInitialMargin"`
	TotalMaintMargin            string            `json:"totalMaintMargin"`
	TotalWalletBalance          string            `json:"totalWalletBalance"`
	TotalUnrealizedProfit       string            `json:"totalUnrealizedProfit"`
	TotalMarginBalance          string            `json:"totalMarginBalance"`
	TotalPositionInitialMargin  string            `json:"totalPositionInitialMargin"`
	TotalOpenOrderInitialMargin string            `json:"totalOpenOrderInitialMargin"`
	TotalCrossWalletBalance     string            `json:"totalCrossWalletBalance"`
	TotalCrossUnPnl             string            `json:"totalCrossUnPnl"`
	AvailableBalance            string            `json:"availableBalance"`
	MaxWithdrawAmount           string            `json:"maxWithdrawAmount"`
	Assets                      []futAssetJSON    `json:"assets"`
	Positions                   []futPositionJSON `json:"positions"`
}

// futAccount answers GET /fapi/v2/account from the positions replayed
// from the account's futures trades (futures.go).
func (q *reqCtx) futAccount() (any, *verify.Rejection) { return q.futAccountFull() }

package binance

import (
	"encoding/json"

	"github.com/shopspring/decimal"
)

// ServerTime is /api/v3/time's answer.
type ServerTime struct {
	ServerTime int64 `json:"serverTime"`
}

// RateLimit is one entry of exchangeInfo.rateLimits.
type RateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
}

// SymbolInfo is one entry of exchangeInfo.symbols (the fields mbx uses).
type SymbolInfo struct {
	Symbol     string            `json:"symbol"`
	Status     string            `json:"status"`
	BaseAsset  string            `json:"baseAsset"`
	QuoteAsset string            `json:"quoteAsset"`
	OrderTypes []string          `json:"orderTypes"`
	Filters    []json.RawMessage `json:"filters"`
}

// ExchangeInfo is /api/v3/exchangeInfo's answer (the fields mbx uses).
type ExchangeInfo struct {
	Timezone   string       `json:"timezone"`
	ServerTime int64        `json:"serverTime"`
	RateLimits []RateLimit  `json:"rateLimits"`
	Symbols    []SymbolInfo `json:"symbols"`
}

// Balance is one asset of an account.
type Balance struct {
	Asset  string          `json:"asset"`
	Free   decimal.Decimal `json:"free"`
	Locked decimal.Decimal `json:"locked"`
}

// Account is /api/v3/account's answer (the fields mbx uses).
type Account struct {
	CanTrade    bool      `json:"canTrade"`
	CanWithdraw bool      `json:"canWithdraw"`
	CanDeposit  bool      `json:"canDeposit"`
	AccountType string    `json:"accountType"`
	Balances    []Balance `json:"balances"`
	Permissions []string  `json:"permissions"`
	UID         int64     `json:"uid"`
}

// Fill is one fill of a FULL order response.
type Fill struct {
	Price           decimal.Decimal `json:"price"`
	Qty             decimal.Decimal `json:"qty"`
	Commission      decimal.Decimal `json:"commission"`
	CommissionAsset string          `json:"commissionAsset"`
	TradeID         int64           `json:"tradeId"`
}

// Order is an order as Binance reports it (new, query, cancel).
type Order struct {
	Symbol              string          `json:"symbol"`
	OrderID             int64           `json:"orderId"`
	ClientOrderID       string          `json:"clientOrderId"`
	OrigClientOrderID   string          `json:"origClientOrderId,omitempty"`
	Price               decimal.Decimal `json:"price"`
	OrigQty             decimal.Decimal `json:"origQty"`
	ExecutedQty         decimal.Decimal `json:"executedQty"`
	CummulativeQuoteQty decimal.Decimal `json:"cummulativeQuoteQty"`
	Status              string          `json:"status"`
	TimeInForce         string          `json:"timeInForce"`
	Type                string          `json:"type"`
	Side                string          `json:"side"`
	TransactTime        int64           `json:"transactTime,omitempty"`
	Time                int64           `json:"time,omitempty"`
	UpdateTime          int64           `json:"updateTime,omitempty"`
	Fills               []Fill          `json:"fills,omitempty"`
	// Futures fields.
	AvgPrice   decimal.Decimal `json:"avgPrice"`
	CumQuote   decimal.Decimal `json:"cumQuote"`
	ReduceOnly bool            `json:"reduceOnly,omitempty"`
	// Attempts is how many times mbx sent the order (not from Binance).
	Attempts int `json:"-"`
	// Recovered says the order was found by its client order id after an
	// answer whose outcome was unknown (not from Binance).
	Recovered bool `json:"-"`
}

// Trade is one of the account's trades (myTrades).
type Trade struct {
	Symbol          string          `json:"symbol"`
	ID              int64           `json:"id"`
	OrderID         int64           `json:"orderId"`
	Price           decimal.Decimal `json:"price"`
	Qty             decimal.Decimal `json:"qty"`
	QuoteQty        decimal.Decimal `json:"quoteQty"`
	Commission      decimal.Decimal `json:"commission"`
	CommissionAsset string          `json:"commissionAsset"`
	Time            int64           `json:"time"`
	IsBuyer         bool            `json:"isBuyer"`
	IsMaker         bool            `json:"isMaker"`
}

// Leverage is /fapi/v1/leverage's answer.
type Leverage struct {
	Leverage         int    `json:"leverage"`
	MaxNotionalValue string `json:"maxNotionalValue"`
	Symbol           string `json:"symbol"`
}

// BatchResult is one item of a batchOrders answer: an order or an error.
type BatchResult struct {
	Order *Order
	Err   *APIError
}

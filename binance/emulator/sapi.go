package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sim/store"
)

// keyCreateTime is what apiRestrictions reports as the keys' creation
// time: fixed, so answers are reproducible (2024-01-01T00:00:00Z).
const keyCreateTime = 1704067200000

type apiRestrictionsResp struct {
	IPRestrict                   bool  `json:"ipRestrict"`
	CreateTime                   int64 `json:"createTime"`
	EnableReading                bool  `json:"enableReading"`
	EnableWithdrawals            bool  `json:"enableWithdrawals"`
	EnableInternalTransfer       bool  `json:"enableInternalTransfer"`
	EnableMargin                 bool  `json:"enableMargin"`
	EnableFutures                bool  `json:"enableFutures"`
	PermitsUniversalTransfer     bool  `json:"permitsUniversalTransfer"`
	EnableVanillaOptions         bool  `json:"enableVanillaOptions"`
	EnableFixAPITrade            bool  `json:"enableFixApiTrade"`
	EnableFixReadOnly            bool  `json:"enableFixReadOnly"`
	EnableSpotAndMarginTrading   bool  `json:"enableSpotAndMarginTrading"`
	EnablePortfolioMarginTrading bool  `json:"enablePortfolioMarginTrading"`
}

func (q *reqCtx) apiRestrictions() (any, *verify.Rejection) {
	k := q.key
	return apiRestrictionsResp{
		IPRestrict: len(k.nets) > 0, CreateTime: keyCreateTime,
		EnableReading: k.perms.has(PermUserData), EnableWithdrawals: k.perms.has(PermWithdraw),
		EnableInternalTransfer: k.perms.has(PermUniversalTransfer), EnableMargin: k.perms.has(PermMargin),
		EnableFutures: k.perms.has(PermFutures), PermitsUniversalTransfer: k.perms.has(PermUniversalTransfer),
		EnableVanillaOptions: k.perms.has(PermOptions), EnableFixReadOnly: k.perms.has(PermUserData),
		EnableSpotAndMarginTrading: k.perms.has(PermTrade),
	}, nil
}

// amountParam reads a mandatory positive decimal.
func amountParam(get getter, name string) (decimal.Decimal, *verify.Rejection) {
	d, ok, rej := decimalParam(get, name)
	switch {
	case rej != nil:
		return decimal.Zero, rej
	case !ok:
		return decimal.Zero, mandatory(name)
	case !d.IsPositive():
		return decimal.Zero, badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, name), name+" must be greater than 0")
	}
	return d, nil
}

// assetParam reads an asset name: upper-case letters and digits, or
// non-ASCII (as the non-ASCII testnet assets are).
func assetParam(get getter, name string) (string, *verify.Rejection) {
	v, ok := get(name)
	if !ok || v == "" {
		return "", mandatory(name)
	}
	if symbolSyntax(v) != "" {
		return "", illegal(name, symbolLegalRange)
	}
	return v, nil
}

func balanceLow(err error) *verify.Rejection {
	return badRequest(codeBalanceLow, "Balance is insufficient.", err.Error())
}

type transferResp struct {
	TranID       int64  `json:"tranId"`
	ClientTranID string `json:"clientTranId,omitempty"`
}

// universalTransfer moves funds between the accounts named by e-mail; an
// empty fromEmail/toEmail is the caller's own account. Account types are
// recorded but every account has one wallet here.
func (q *reqCtx) universalTransfer() (any, *verify.Rejection) {
	s := q.s
	resolve := func(name string) (string, *verify.Rejection) {
		v, ok := q.get(name)
		if !ok {
			return q.key.account, nil
		}
		if !validEmail(v) {
			return "", illegal(name, emailRange)
		}
		acct, found := s.comp.byEmail[v]
		if !found {
			return "", badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, name),
				fmt.Sprintf("no configured key has email %q; add email: to the key of that account", v))
		}
		return acct, nil
	}
	from, rej := resolve("fromEmail")
	if rej != nil {
		return nil, rej
	}
	to, rej := resolve("toEmail")
	if rej != nil {
		return nil, rej
	}
	for _, n := range []string{"fromAccountType", "toAccountType"} {
		if v, _ := q.get(n); !isEnumText(v) {
			return nil, illegal(n, enumRange)
		}
	}
	if v, ok := q.get("symbol"); ok && symbolSyntax(v) != "" {
		return nil, illegal("symbol", symbolLegalRange)
	}
	asset, rej := assetParam(q.get, "asset")
	if rej != nil {
		return nil, rej
	}
	amount, rej := amountParam(q.get, "amount")
	if rej != nil {
		return nil, rej
	}
	cid, hasCID := q.get("clientTranId")
	if hasCID && !validFreeText(cid) {
		return nil, illegal("clientTranId", freeTextRange)
	}
	ctx := context.WithoutCancel(q.ctx)
	ref := fmt.Sprintf("universalTransfer %s->%s", from, to)
	if hasCID {
		ref += " " + cid
	}
	id, err := s.store.Debit(ctx, from, asset, amount, "transfer_out", ref)
	if err != nil {
		if errors.Is(err, store.ErrInsufficientBalance) {
			return nil, balanceLow(err)
		}
		return nil, internalError(err)
	}
	if _, err := s.store.Credit(ctx, to, asset, amount, "transfer_in", ref); err != nil {
		// Put the funds back rather than lose them.
		if _, err2 := s.store.Credit(ctx, from, asset, amount, "transfer_revert", ref); err2 != nil {
			s.log.Error("universalTransfer: could not revert debit", "account", from, "asset", asset, "amount", amount.String(), "err", err2)
		}
		return nil, internalError(err)
	}
	return transferResp{TranID: id, ClientTranID: cid}, nil
}

type withdrawResp struct {
	ID string `json:"id"`
}

func (q *reqCtx) withdraw() (any, *verify.Rejection) {
	coin, rej := assetParam(q.get, "coin")
	if rej != nil {
		return nil, rej
	}
	amount, rej := amountParam(q.get, "amount")
	if rej != nil {
		return nil, rej
	}
	for _, n := range []string{"address", "addressTag", "network", "name", "withdrawOrderId", "walletType"} {
		if v, ok := q.get(n); ok && !validFreeText(v) {
			return nil, illegal(n, freeTextRange)
		}
	}
	if v, ok := q.get("transactionFeeFlag"); ok && v != "true" && v != "false" {
		return nil, illegal("transactionFeeFlag", "true, false")
	}
	addr, _ := q.get("address")
	id, err := q.s.store.Debit(context.WithoutCancel(q.ctx), q.key.account, coin, amount, "withdraw", "to "+addr)
	if err != nil {
		if errors.Is(err, store.ErrInsufficientBalance) {
			return nil, balanceLow(err)
		}
		return nil, internalError(err)
	}
	return withdrawResp{ID: fmt.Sprintf("%032x", id)}, nil
}

type fiatResp struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		OrderID string `json:"orderId"`
	} `json:"data"`
}

// fiatWithdraw takes its fields from a form body (accountInfo as a JSON
// text) or an application/json body (accountInfo as an object).
func (q *reqCtx) fiatWithdraw() (any, *verify.Rejection) {
	currency, rej := assetParam(q.get, "currency")
	if rej != nil {
		return nil, rej
	}
	method, _ := q.get("apiPaymentMethod")
	switch currency {
	case "BRL", "ARS", "MXN":
	default:
		return nil, badRequest(codes.FiatUnsupportedAsset, "Not supported currency or payment method.", "fiat withdrawals take BRL, ARS or MXN")
	}
	if method != "bank_transfer" {
		return nil, badRequest(codes.FiatUnsupportedAsset, "Not supported currency or payment method.", "apiPaymentMethod is bank_transfer")
	}
	amount, rej := amountParam(q.get, "amount")
	if rej != nil {
		return nil, rej
	}
	info, _ := q.get("accountInfo")
	var acct map[string]any
	if err := json.Unmarshal([]byte(info), &acct); err != nil || acct == nil {
		return nil, badRequest(codes.InvalidParameter, fmt.Sprintf(codes.MsgInvalidParamFmt, "accountInfo"),
			`accountInfo must be a JSON object, e.g. {"accountNumber":"1056894222"}; in a form body send it as JSON text`)
	}
	if n, _ := acct["accountNumber"].(string); strings.TrimSpace(n) == "" {
		return nil, mandatory("accountInfo.accountNumber")
	}
	if ext, ok := q.get("ext"); ok {
		var m map[string]any
		if json.Unmarshal([]byte(ext), &m) != nil || m == nil {
			return nil, invalidData("ext")
		}
	}
	id, err := q.s.store.Debit(context.WithoutCancel(q.ctx), q.key.account, currency, amount, "fiat_withdraw", "accountNumber "+fmt.Sprint(acct["accountNumber"]))
	if err != nil {
		if errors.Is(err, store.ErrInsufficientBalance) {
			return nil, balanceLow(err)
		}
		return nil, internalError(err)
	}
	out := fiatResp{Code: codeFiatOK, Message: "success"}
	out.Data.OrderID = fmt.Sprintf("%032x", id)
	return out, nil
}

// Package codes is the catalogue of Binance error codes and their exact
// messages, shared by the client (to classify and hint) and the local
// exchange (to answer exactly as Binance does).
package codes

import "fmt"

// Code is a Binance error code.
type Code int

// Error codes mbx produces or recognises (errors.md, spot and derivatives).
const (
	Unknown              Code = -1000
	Disconnected         Code = -1001
	Unauthorized         Code = -1002
	TooManyRequests      Code = -1003
	UnexpectedResponse   Code = -1006
	Timeout              Code = -1007
	ServerBusy           Code = -1008
	TooManyOrders        Code = -1015
	InvalidTimestamp     Code = -1021
	InvalidSignature     Code = -1022
	IllegalChars         Code = -1100
	TooManyParameters    Code = -1101
	MandatoryParamEmpty  Code = -1102
	UnknownParam         Code = -1103
	UnreadParameters     Code = -1104
	ParamEmpty           Code = -1105
	ParamNotRequired     Code = -1106
	BadPrecision         Code = -1111
	InvalidOrderType     Code = -1116
	InvalidSide          Code = -1117
	BadSymbol            Code = -1121
	InvalidParameter     Code = -1130
	BadRecvWindow        Code = -1131
	OptionalParamsBad    Code = -1128
	InvalidTimeUnit      Code = -1194
	NewOrderRejected     Code = -2010
	CancelRejected       Code = -2011
	NoSuchOrder          Code = -2013
	BadAPIKeyFmt         Code = -2014
	RejectedMBXKey       Code = -2015
	InsufficientBalance  Code = -2018
	FiatNotEnoughLimit   Code = -16007
	FiatUnsupportedAsset Code = -16010
)

var names = map[Code]string{
	Unknown: "UNKNOWN", Disconnected: "DISCONNECTED", Unauthorized: "UNAUTHORIZED",
	TooManyRequests: "TOO_MANY_REQUESTS", UnexpectedResponse: "UNEXPECTED_RESP", Timeout: "TIMEOUT",
	ServerBusy: "SERVER_BUSY", TooManyOrders: "TOO_MANY_ORDERS", InvalidTimestamp: "INVALID_TIMESTAMP",
	InvalidSignature: "INVALID_SIGNATURE", IllegalChars: "ILLEGAL_CHARS", TooManyParameters: "TOO_MANY_PARAMETERS",
	MandatoryParamEmpty: "MANDATORY_PARAM_EMPTY_OR_MALFORMED", UnknownParam: "UNKNOWN_PARAM",
	UnreadParameters: "UNREAD_PARAMETERS", ParamEmpty: "PARAM_EMPTY", ParamNotRequired: "PARAM_NOT_REQUIRED",
	BadPrecision: "BAD_PRECISION", InvalidOrderType: "INVALID_ORDER_TYPE", InvalidSide: "INVALID_SIDE",
	BadSymbol: "BAD_SYMBOL", InvalidParameter: "INVALID_PARAMETER", BadRecvWindow: "BAD_RECV_WINDOW",
	OptionalParamsBad: "OPTIONAL_PARAMS_BAD_COMBO", InvalidTimeUnit: "INVALID_TIME_UNIT",
	NewOrderRejected: "NEW_ORDER_REJECTED", CancelRejected: "CANCEL_REJECTED", NoSuchOrder: "NO_SUCH_ORDER",
	BadAPIKeyFmt: "BAD_API_KEY_FMT", RejectedMBXKey: "REJECTED_MBX_KEY", InsufficientBalance: "NO_ASSET_BALANCE",
	FiatNotEnoughLimit: "NOT_ENOUGH_LIMIT", FiatUnsupportedAsset: "NOT_SUPPORTED_CURRENCY",
}

// Name is Binance's symbolic name, e.g. INVALID_SIGNATURE.
func (c Code) Name() string {
	if n, ok := names[c]; ok {
		return n
	}
	return fmt.Sprintf("CODE_%d", int(c))
}

func (c Code) String() string { return fmt.Sprintf("%d %s", int(c), c.Name()) }

// Exact messages, as Binance sends them.
const (
	MsgUnauthorized      = "You are not authorized to execute this request."
	MsgTimeout           = "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
	MsgTimestampAhead    = "Timestamp for this request was 1000ms ahead of the server's time."
	MsgTimestampOutside  = "Timestamp for this request is outside of the recvWindow."
	MsgInvalidSignature  = "Signature for this request is not valid."
	MsgDuplicateParam    = "Duplicate values for a parameter detected."
	MsgIllegalCharsFmt   = "Illegal characters found in parameter '%s'; legal range is '%s'."
	MsgTooManyParamsFmt  = "Too many parameters; expected '%d' and received '%d'."
	MsgMandatoryFmt      = "Mandatory parameter '%s' was not sent, was empty/null, or malformed."
	MsgGreaterThanFmt    = "'%s' contains unexpected value. Cannot be greater than %s."
	MsgUnreadFmt         = "Not all sent parameters were read; read '%d' parameter(s) but was sent '%d'."
	MsgParamEmptyFmt     = "Parameter '%s' was empty."
	MsgNotRequiredFmt    = "Parameter '%s' sent when not required."
	MsgBadPrecisionFmt   = "Parameter '%s' has too much precision."
	MsgInvalidSymbol     = "Invalid symbol."
	MsgBadAPIKeyFmt      = "API-key format invalid."
	MsgRejectedKey       = "Invalid API-key, IP, or permissions for action."
	MsgRejectedKeyIPFmt  = "Invalid API-key, IP, or permissions for action, request ip: %s"
	MsgTooMuchWeightFmt  = "Too much request weight used; current limit is %d request weight per %s. Please use WebSocket Streams for live updates to avoid polling the API."
	MsgBannedFmt         = "Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans."
	MsgFuturesTooManyFmt = "Too many requests; current limit is %d requests per minute. Please use the websocket for live updates to avoid polling the API."
	MsgFuturesBannedFmt  = "Way too many requests; IP banned until %d. Please use the websocket for live updates to avoid bans."
	MsgTooManyOrdersFmt  = "Too many new orders; current limit is %d orders per %s."
	MsgDuplicateOrder    = "Duplicate order sent."
	MsgInsufficient      = "Account has insufficient balance for requested action."
	MsgUnknownOrder      = "Unknown order sent."
	MsgOrderNotExist     = "Order does not exist."
	MsgInvalidParamFmt   = "Invalid data sent for a parameter '%s'."
	MsgInvalidTimeUnit   = "Invalid value for time unit; expected either MICROSECOND or MILLISECOND."
)

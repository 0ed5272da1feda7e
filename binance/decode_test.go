package binance

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
)

// Replies as Binance sends them (docs samples), for the table and the seeds.
var decodeSamples = []string{
	`{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"67012.34000000","origQty":"0.00150000","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1507725176595,"selfTradePreventionMode":"NONE","fills":[]}`,
	`{"symbol":"BTCUSDT","orderId":28,"clientOrderId":"x","price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000","cummulativeQuoteQty":"10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},{"price":"3999.00000000","qty":"5.00000000","commission":"19.99500000","commissionAsset":"USDT","tradeId":57}]}`,
	`{"symbol":"BTCUSDT","origClientOrderId":"myOrder1","orderId":4,"orderListId":-1,"clientOrderId":"cancelMyOrder1","transactTime":1684804350068,"price":"2.00000000","origQty":"1.00000000","executedQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC","type":"LIMIT","side":"BUY","selfTradePreventionMode":"NONE"}`,
	`{"orderId":1,"symbol":"BTCUSDT","status":"NEW","clientOrderId":"a","price":"0","avgPrice":"0.00000","origQty":"1","executedQty":"0","cumQuote":"0","timeInForce":"GTC","type":"LIMIT","reduceOnly":false,"side":"BUY","updateTime":1566818724722}`,
	`{"makerCommission":15,"commissionRates":{"maker":"0.00150000"},"canTrade":true,"canWithdraw":true,"canDeposit":true,"brokered":false,"updateTime":123456789,"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},{"asset":"LTC","free":"4763368.68006011","locked":"0.00000000"}],"permissions":["SPOT"],"uid":354937868}`,
	` { "symbol" : "X" , "orderId" : -5 } `,
	`{"Symbol":"X"}`, `{"price":1.5}`, `{"price":null}`, `{"symbol":"\u0041"}`, `{"orderId":1.0}`, `{"orderId":01}`, `{}`, `[]`, `null`, `{"a":[1,{"b":-0.5e+3}],"c":"é"}`,
}

// sameOrder compares two decoded values, decimals by value: the fast reader
// keeps a zero as the zero Decimal and may share an equal Decimal it was given.
func sameValue(a, b any) bool {
	return reflect.DeepEqual(normalize(reflect.ValueOf(a)), normalize(reflect.ValueOf(b)))
}

func normalize(v reflect.Value) any {
	if d, ok := v.Interface().(decimal.Decimal); ok {
		return d.String()
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return normalize(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out[v.Type().Field(i).Name] = normalize(v.Field(i))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return "nil slice"
		}
		out := []any{}
		for i := range v.Len() {
			out = append(out, normalize(v.Index(i)))
		}
		return out
	}
	return v.Interface()
}

func checkOrder(t *testing.T, body []byte, h *orderHints) {
	t.Helper()
	var fast Order
	if !fastOrder(body, &fast, h) {
		return // encoding/json decodes it
	}
	var want Order
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("fast reader took %q, encoding/json refuses it: %v", body, err)
	}
	if !sameValue(&fast, &want) {
		t.Fatalf("%q:\nfast %+v\njson %+v", body, fast, want)
	}
}

func checkAccount(t *testing.T, body []byte) {
	t.Helper()
	var fast Account
	if !fastAccount(body, &fast) {
		return
	}
	var want Account
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("fast reader took %q, encoding/json refuses it: %v", body, err)
	}
	if !sameValue(&fast, &want) {
		t.Fatalf("%q:\nfast %+v\njson %+v", body, fast, want)
	}
}

func hintsForTest() *orderHints {
	return &orderHints{symbol: "BTCUSDT", clientOrderID: "x",
		price: decimal.RequireFromString("4000"), qty: decimal.RequireFromString("10")}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	took := 0
	for _, s := range decodeSamples {
		checkOrder(t, []byte(s), hintsForTest())
		checkAccount(t, []byte(s))
		var o Order
		if fastOrder([]byte(s), &o, hintsForTest()) {
			took++
		}
		// decodeOrder always agrees with encoding/json on errors too.
		var a, b Order
		errA, errB := decodeOrder([]byte(s), &a, hintsForTest()), json.Unmarshal([]byte(s), &b)
		if (errA == nil) != (errB == nil) {
			t.Errorf("%q: decodeOrder %v, encoding/json %v", s, errA, errB)
		}
	}
	if took < 5 {
		t.Errorf("the fast reader took only %d of the samples; it should take Binance's replies", took)
	}
	// The replies Binance sends take the fast path, with the request's values reused.
	var o Order
	h := &orderHints{symbol: "BTCUSDT", clientOrderID: "6gCrw2kRUAF9CvJDGP16IP", price: decimal.RequireFromString("67012.34"), qty: decimal.RequireFromString("0.0015")}
	if !fastOrder([]byte(decodeSamples[0]), &o, h) || o.OrderID != 28 || !o.Price.Equal(h.price) || o.Fills == nil || o.Status != "NEW" {
		t.Errorf("order sample: %+v", o)
	}
	var a Account
	if !fastAccount([]byte(decodeSamples[4]), &a) || len(a.Balances) != 2 || a.UID != 354937868 || !a.CanTrade {
		t.Errorf("account sample: %+v", a)
	}
}

func FuzzDecodeOrder(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkOrder(t, body, hintsForTest())
	})
}

func FuzzDecodeAccount(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAccount(t, body)
	})
}

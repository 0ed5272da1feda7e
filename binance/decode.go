package binance

import (
	"encoding/json"
	"math"

	"github.com/shopspring/decimal"
)

// The hot replies (an order, the account) are decoded by hand: no
// reflection, strings the client already holds (the symbol, the client
// order id, enum values) are not copied again, and a decimal equal to one
// the order was sent with shares it instead of being parsed into a new one.
//
// The reader only ever accepts what encoding/json would decode to the same
// value; anything else (escapes, non-ASCII, null, numbers where strings are
// expected, keys matching a field only case-insensitively, very deep
// nesting) makes it give up, and encoding/json decodes the body instead.
// FuzzDecodeOrder and FuzzDecodeAccount hold it to that.

// jreader reads one JSON document. ok turns false at the first thing it
// does not handle; the caller then falls back to encoding/json.
type jreader struct {
	b  []byte
	i  int
	ok bool
}

func newReader(b []byte) jreader { return jreader{b: b, ok: true} }

func (r *jreader) fail() { r.ok = false; r.i = len(r.b) }

func (r *jreader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (r *jreader) peek() byte {
	r.ws()
	if r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

func (r *jreader) expect(c byte) bool {
	if r.peek() != c {
		r.fail()
		return false
	}
	r.i++
	return true
}

// end checks that nothing but space follows the document.
func (r *jreader) end() bool {
	r.ws()
	if r.i != len(r.b) { // a NUL byte is not the end, though peek says 0
		r.fail()
	}
	return r.ok
}

// plainString reads a string of printable ASCII without escapes and
// returns its bytes (a slice of the input).
func (r *jreader) plainString() []byte {
	if !r.expect('"') {
		return nil
	}
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '"' {
			r.i++
			return r.b[start : r.i-1]
		}
		if c < 0x20 || c >= 0x80 || c == '\\' {
			break
		}
		r.i++
	}
	r.fail()
	return nil
}

// object calls field for each key; field must read the value.
func (r *jreader) object(field func(key []byte)) {
	if !r.expect('{') {
		return
	}
	if r.peek() == '}' {
		r.i++
		return
	}
	for r.ok {
		key := r.plainString()
		if !r.expect(':') {
			return
		}
		field(key)
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

// array calls elem for each element; elem must read it. It reports
// whether the array was empty.
func (r *jreader) array(elem func()) {
	if !r.expect('[') {
		return
	}
	if r.peek() == ']' {
		r.i++
		return
	}
	for r.ok {
		elem()
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

// str reads a string field, reusing one of known when the bytes match.
func (r *jreader) str(known ...string) string {
	b := r.plainString()
	if !r.ok {
		return ""
	}
	for _, k := range known {
		if k == string(b) { // compared without allocating
			return k
		}
	}
	return string(b)
}

// enum reads a string that is usually one of Binance's enum values, so it
// is interned rather than allocated.
func (r *jreader) enum() string {
	b := r.plainString()
	if !r.ok {
		return ""
	}
	switch string(b) {
	case "NEW":
		return "NEW"
	case "PARTIALLY_FILLED":
		return "PARTIALLY_FILLED"
	case "FILLED":
		return "FILLED"
	case "CANCELED":
		return "CANCELED"
	case "EXPIRED":
		return "EXPIRED"
	case "REJECTED":
		return "REJECTED"
	case "GTC":
		return "GTC"
	case "IOC":
		return "IOC"
	case "FOK":
		return "FOK"
	case "GTX":
		return "GTX"
	case "LIMIT":
		return "LIMIT"
	case "MARKET":
		return "MARKET"
	case "LIMIT_MAKER":
		return "LIMIT_MAKER"
	case "STOP_LOSS_LIMIT":
		return "STOP_LOSS_LIMIT"
	case "TAKE_PROFIT_LIMIT":
		return "TAKE_PROFIT_LIMIT"
	case "BUY":
		return "BUY"
	case "SELL":
		return "SELL"
	case "SPOT":
		return "SPOT"
	case "MARGIN":
		return "MARGIN"
	case "BNB":
		return "BNB"
	case "BTC":
		return "BTC"
	case "USDT":
		return "USDT"
	case "ETH":
		return "ETH"
	}
	return string(b)
}

// int reads an integer that fits an int64.
func (r *jreader) int() int64 {
	r.ws()
	b, i := r.b, r.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var n uint64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if n > (math.MaxInt64-9)/10 {
			r.fail()
			return 0
		}
		n = n*10 + uint64(b[i]-'0')
		i++
	}
	digits := i - start
	// No leading zeros, no fraction or exponent (encoding/json refuses
	// those for an integer field).
	if digits == 0 || (digits > 1 && b[start] == '0') || (i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) {
		r.fail()
		return 0
	}
	r.i = i
	if neg {
		return -int64(n)
	}
	return int64(n)
}

func (r *jreader) bool() bool {
	r.ws()
	switch {
	case hasPrefix(r.b[r.i:], "true"):
		r.i += 4
		return true
	case hasPrefix(r.b[r.i:], "false"):
		r.i += 5
		return false
	}
	r.fail()
	return false
}

// decimal reads a quoted decimal of plain digits. A zero is the zero
// Decimal; a value equal to one of same is that Decimal (Decimals are
// immutable, so sharing is safe).
func (r *jreader) decimal(same ...decimal.Decimal) decimal.Decimal {
	b := r.plainString()
	if !r.ok {
		return decimal.Decimal{}
	}
	coef, exp, ok := plainDecimal(b)
	if !ok {
		d, err := decimal.NewFromString(string(b))
		if err != nil {
			r.fail()
		}
		return d
	}
	if coef == 0 {
		return decimal.Decimal{}
	}
	for _, s := range same {
		if equalDecimal(s, coef, exp) {
			return s
		}
	}
	return decimal.New(coef, exp)
}

// plainDecimal parses -?digits(.digits)? of at most 18 digits.
func plainDecimal(b []byte) (coef int64, exp int32, ok bool) {
	i := 0
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		i++
	}
	digits, point := 0, -1
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			coef = coef*10 + int64(c-'0')
			digits++
		case c == '.' && point < 0 && digits > 0:
			point = digits
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || digits > 18 || point == digits {
		return 0, 0, false
	}
	if point >= 0 {
		exp = int32(point - digits)
	}
	if neg {
		coef = -coef
	}
	return coef, exp, true
}

// equalDecimal reports whether d equals coef·10^exp, without allocating.
func equalDecimal(d decimal.Decimal, coef int64, exp int32) bool {
	if d.NumDigits() > 18 {
		return false
	}
	dc, de := d.CoefficientInt64(), d.Exponent()
	// Bring both to the smaller exponent; give up on overflow.
	for de > exp {
		if dc > math.MaxInt64/10 || dc < math.MinInt64/10 {
			return false
		}
		dc *= 10
		de--
	}
	for exp > de {
		if coef > math.MaxInt64/10 || coef < math.MinInt64/10 {
			return false
		}
		coef *= 10
		exp--
	}
	return dc == coef
}

// skip reads and drops any value, checking its syntax.
func (r *jreader) skip(depth int) {
	if depth > 64 {
		r.fail()
		return
	}
	switch c := r.peek(); {
	case c == '{':
		r.object(func([]byte) { r.skip(depth + 1) })
	case c == '[':
		r.array(func() { r.skip(depth + 1) })
	case c == '"':
		r.plainString()
	case c == 't' || c == 'f':
		r.bool()
	case c == 'n':
		if hasPrefix(r.b[r.i:], "null") {
			r.i += 4
			return
		}
		r.fail()
	case c == '-' || (c >= '0' && c <= '9'):
		r.number()
	default:
		r.fail()
	}
}

// number reads a JSON number of any form.
func (r *jreader) number() {
	b, i := r.b, r.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start || (i-start > 1 && b[start] == '0') {
		r.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			r.fail()
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			r.fail()
			return
		}
	}
	r.i = i
}

// unknown handles a key no field takes: encoding/json matches keys
// case-insensitively, so a key that does so for a field is left to it.
func (r *jreader) unknown(key []byte, fields []string) {
	for _, f := range fields {
		if equalFoldASCII(key, f) {
			r.fail()
			return
		}
	}
	r.skip(0)
}

func orderFields() [19]string {
	return [19]string{"symbol", "orderId", "clientOrderId", "origClientOrderId", "price", "origQty", "executedQty",
		"cummulativeQuoteQty", "status", "timeInForce", "type", "side", "transactTime", "time", "updateTime",
		"fills", "avgPrice", "cumQuote", "reduceOnly"}
}

func fillFields() [5]string {
	return [5]string{"price", "qty", "commission", "commissionAsset", "tradeId"}
}

// orderHints are values the request already holds, reused by the decoder.
type orderHints struct {
	symbol, clientOrderID string
	price, qty            decimal.Decimal
}

// decodeOrder decodes an order reply into o.
func decodeOrder(body []byte, o *Order, h *orderHints) error {
	if fastOrder(body, o, h) {
		return nil
	}
	*o = Order{}
	return json.Unmarshal(body, o)
}

// fastOrder is the hand-written reader alone; false means it gave up.
func fastOrder(body []byte, o *Order, h *orderHints) bool {
	r := newReader(body)
	r.order(o, h)
	return r.end()
}

func (r *jreader) order(o *Order, h *orderHints) {
	r.object(func(key []byte) {
		switch string(key) {
		case "symbol":
			o.Symbol = r.str(h.symbol)
		case "orderId":
			o.OrderID = r.int()
		case "clientOrderId":
			o.ClientOrderID = r.str(h.clientOrderID)
		case "origClientOrderId":
			o.OrigClientOrderID = r.str(h.clientOrderID)
		case "price":
			o.Price = r.decimal(h.price)
		case "origQty":
			o.OrigQty = r.decimal(h.qty)
		case "executedQty":
			o.ExecutedQty = r.decimal(h.qty)
		case "cummulativeQuoteQty":
			o.CummulativeQuoteQty = r.decimal()
		case "status":
			o.Status = r.enum()
		case "timeInForce":
			o.TimeInForce = r.enum()
		case "type":
			o.Type = r.enum()
		case "side":
			o.Side = r.enum()
		case "transactTime":
			o.TransactTime = r.int()
		case "time":
			o.Time = r.int()
		case "updateTime":
			o.UpdateTime = r.int()
		case "avgPrice":
			o.AvgPrice = r.decimal(h.price)
		case "cumQuote":
			o.CumQuote = r.decimal()
		case "reduceOnly":
			o.ReduceOnly = r.bool()
		case "fills":
			o.Fills = []Fill{} // what encoding/json leaves for [], without allocating
			r.array(func() {
				var f Fill
				r.object(func(key []byte) {
					switch string(key) {
					case "price":
						f.Price = r.decimal(h.price)
					case "qty":
						f.Qty = r.decimal(h.qty)
					case "commission":
						f.Commission = r.decimal()
					case "commissionAsset":
						f.CommissionAsset = r.enum()
					case "tradeId":
						f.TradeID = r.int()
					default:
						f := fillFields()
						r.unknown(key, f[:])
					}
				})
				o.Fills = append(o.Fills, f)
			})
		default:
			f := orderFields()
			r.unknown(key, f[:])
		}
	})
}

func accountFields() [7]string {
	return [7]string{"canTrade", "canWithdraw", "canDeposit", "accountType", "balances", "permissions", "uid"}
}

// decodeAccount decodes an account reply into a.
func decodeAccount(body []byte, a *Account) error {
	if fastAccount(body, a) {
		return nil
	}
	*a = Account{}
	return json.Unmarshal(body, a)
}

// fastAccount is the hand-written reader alone; false means it gave up.
func fastAccount(body []byte, a *Account) bool {
	r := newReader(body)
	r.account(a)
	return r.end()
}

func (r *jreader) account(a *Account) {
	r.object(func(key []byte) {
		switch string(key) {
		case "canTrade":
			a.CanTrade = r.bool()
		case "canWithdraw":
			a.CanWithdraw = r.bool()
		case "canDeposit":
			a.CanDeposit = r.bool()
		case "accountType":
			a.AccountType = r.enum()
		case "uid":
			a.UID = r.int()
		case "permissions":
			a.Permissions = []string{}
			r.array(func() { a.Permissions = append(a.Permissions, r.enum()) })
		case "balances":
			a.Balances = []Balance{}
			r.array(func() {
				var b Balance
				r.object(func(key []byte) {
					switch string(key) {
					case "asset":
						b.Asset = r.enum()
					case "free":
						b.Free = r.decimal()
					case "locked":
						b.Locked = r.decimal()
					default:
						f := [3]string{"asset", "free", "locked"}
						r.unknown(key, f[:])
					}
				})
				if cap(a.Balances) == 0 {
					a.Balances = make([]Balance, 0, 8) // one allocation for the usual few
				}
				a.Balances = append(a.Balances, b)
			})
		default:
			f := accountFields()
			r.unknown(key, f[:])
		}
	})
}

// DecodeOrder decodes an order as Binance reports it (REST reply, or the
// WebSocket API's result) into o, without reflection for the usual
// replies. sent, when not nil, is the order as placed: values it already
// holds (symbol, client order id, price, quantity) are reused rather than
// copied again.
func DecodeOrder(data []byte, o *Order, sent *NewOrder) error {
	var h orderHints
	if sent != nil {
		h = orderHints{symbol: sent.Symbol, clientOrderID: sent.ClientOrderID, price: sent.Price, qty: sent.Quantity}
	}
	return decodeOrder(data, o, &h)
}

// hasPrefix is strings.HasPrefix for bytes, without converting them.
func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// equalFoldASCII reports whether key equals f ignoring case, as
// encoding/json matches keys. Non-ASCII keys never reach it: the reader
// gives up on them first.
func equalFoldASCII(key []byte, f string) bool {
	if len(key) != len(f) {
		return false
	}
	for i := range key {
		a, b := key[i], f[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

package ratelimit

import (
	"bytes"
	"strconv"
	"time"
)

// testHeaders is an exchange's header scheme for the tests: usage headers
// named by a prefix and a window, and "banned until <ms>" in a ban body.
var testHeaders = PrefixHeaders{
	Prefixes: []UsagePrefix{
		{Prefix: "X-EX-USED-WEIGHT-", Kind: KindRequestWeight},
		{Prefix: "X-EX-ORDER-COUNT-", Kind: KindOrders},
		{Prefix: "X-EX-IP-WEIGHT-", Kind: KindSAPIIP},
		{Prefix: "X-EX-UID-WEIGHT-", Kind: KindSAPIUID},
	},
	Ban: testBanUntil,
}

func testBanUntil(body []byte) (time.Time, bool) {
	const marker = "banned until "
	i := bytes.Index(body, []byte(marker))
	if i < 0 {
		return time.Time{}, false
	}
	rest := body[i+len(marker):]
	n := 0
	for n < len(rest) && n < 16 && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 || n == 16 {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(string(rest[:n]), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

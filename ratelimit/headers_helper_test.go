package ratelimit

import (
	"fmt"
	"strings"
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

// testBanUntil reads "banned until <ms>" the short way a test can afford.
func testBanUntil(body []byte) (time.Time, bool) {
	_, rest, ok := strings.Cut(string(body), "banned until ")
	if !ok {
		return time.Time{}, false
	}
	var ms int64
	if n, _ := fmt.Sscanf(rest, "%d", &ms); n != 1 || ms <= 0 || ms > 1e15 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

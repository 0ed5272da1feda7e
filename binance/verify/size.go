package verify

import (
	"fmt"
	"net/http"

	"github.com/mbxkit/mbx/binance/codes"
)

// The size policy. Binance documents no limit on a request's size and no
// answer for an oversized one: its HTTP front answers before the API does,
// with the HTTP status for the part that is too big (414 URI Too Long for
// the request line, 413 Content Too Large for the body) and no API code.
// mbx answers the same statuses with -1000 (UNKNOWN) and a message naming
// the limit, so a client that reads only the JSON still learns what to fix.
// verify, the local exchange and the proxy all answer through these
// functions (see docs/decisions.md).
const (
	DefaultMaxQueryBytes = 64 << 10
	DefaultMaxBodyBytes  = 1 << 20
)

// QueryTooLong is the answer to a raw query of n bytes over limit.
func QueryTooLong(n, limit int) *Rejection {
	return sizeRejection(http.StatusRequestURITooLong,
		fmt.Sprintf("Query string of %d bytes is longer than the limit of %d bytes; send fewer or shorter parameters.", n, limit),
		"query string too long")
}

// BodyTooLarge is the answer to a body over limit bytes. Its size is not
// known when reading stopped at the limit, so the message names the limit
// only.
func BodyTooLarge(limit int) *Rejection {
	return sizeRejection(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("Request body is larger than the limit of %d bytes; send fewer or shorter parameters.", limit),
		"request body too large")
}

// CheckSize applies the size policy to a query and a body of the given
// lengths (zero limits: the defaults); nil when both fit. The query is
// checked first, as a server reads the request line before the body.
func CheckSize(queryLen, bodyLen, maxQuery, maxBody int) *Rejection {
	if maxQuery <= 0 {
		maxQuery = DefaultMaxQueryBytes
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if queryLen > maxQuery {
		return QueryTooLong(queryLen, maxQuery)
	}
	if bodyLen > maxBody {
		return BodyTooLarge(maxBody)
	}
	return nil
}

func sizeRejection(status int, msg, verdict string) *Rejection {
	return &Rejection{HTTPStatus: status, Code: codes.Unknown, Msg: msg,
		Explanation: &Explanation{Verdict: verdict, Code: int(codes.Unknown)}}
}

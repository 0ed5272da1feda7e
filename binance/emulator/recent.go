package emulator

import "github.com/mbxkit/mbx/sim/inspector"

// The request record is the inspector's (package sim/inspector), shared
// with the proxy; these names keep the exchange's API in one import.
const (
	// RecentSize is how many requests Recent remembers.
	RecentSize = inspector.RecentSize

	VerdictAccepted = inspector.VerdictAccepted // processed, 2xx
	VerdictRejected = inspector.VerdictRejected // a Binance error answer (4xx)
	VerdictLimited  = inspector.VerdictLimited  // 429 or 418
	VerdictFault    = inspector.VerdictFault    // an injected fault answered
	VerdictNotFound = inspector.VerdictNotFound
)

// Entry is one API request as the exchange saw and answered it: what the
// inspector page (/mbx/) shows (inspector.Entry).
type Entry = inspector.Entry

func clip(b []byte) (string, bool) { return inspector.ClipBytes(b) }

func clipString(s string) (string, bool) { return inspector.Clip(s, inspector.MaxRecorded) }

// clipKey bounds a header value kept in an entry and the log.
func clipKey(s string) (string, bool) { return inspector.Clip(s, inspector.MaxKeyRecorded) }

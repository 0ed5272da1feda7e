package inspector

// Hooks for the external browser test, which imports a real local exchange
// (and so cannot be part of this package: the exchange imports it).
const (
	TestKey   = testKey
	XSSScript = xssScript
	XSSImg    = xssImg
	XSSSVG    = xssSVG
)

// XSSSource serves the entries whose every client-chosen field holds markup.
func XSSSource() Source { return &fakeSource{entries: xssEntries()} }

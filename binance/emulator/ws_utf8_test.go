package emulator

import (
	"testing"
	"unicode/utf8"
)

// TestWSTextFramesAreValidUTF8: an id with invalid UTF-8 is echoed with
// U+FFFD in its place: a text frame is never invalid UTF-8 (RFC 6455 §5.6;
// strict clients close the connection on one).
func TestWSTextFramesAreValidUTF8(t *testing.T) {
	cfg, _ := wsConfig(t)
	e := startExchange(t, cfg, Options{})
	w := e.dialWS(t, "")
	for _, tc := range []struct{ name, frame, wantID string }{
		{"invalid byte", "{\"id\":\"a\xffb\",\"method\":\"ping\"}", "\"a\uFFFDb\""},
		{"truncated sequence", "{\"id\":\"\xe4\xb8\",\"method\":\"ping\"}", "\"\uFFFD\uFFFD\""}, // one per byte, as encoding/json does
		{"unknown method", "{\"id\":\"\xc0\xaf\",\"method\":\"nope\"}", "\"\uFFFD\uFFFD\""},
		{"valid stays", "{\"id\":\"币安\",\"method\":\"ping\"}", "\"币安\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.send(tc.frame)
			a := w.read()
			if !utf8.Valid(a.Raw) {
				t.Fatalf("text frame with invalid UTF-8: %q", a.Raw)
			}
			if string(a.ID) != tc.wantID {
				t.Errorf("id %s, want %s", a.ID, tc.wantID)
			}
		})
	}
}

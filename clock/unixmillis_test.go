package clock_test

import (
	"strings"
	"testing"

	"github.com/mbxkit/mbx/clock"
)

func TestUnixMillis(t *testing.T) {
	if got, err := clock.UnixMillis(1700000000123); err != nil || got.UnixMilli() != 1700000000123 {
		t.Fatalf("UnixMillis = %v, %v", got, err)
	}
	for ms, unit := range map[int64]string{1700000000: "seconds", 1700000000123456: "microseconds"} {
		if _, err := clock.UnixMillis(ms); err == nil || !strings.Contains(err.Error(), unit) {
			t.Errorf("UnixMillis(%d) = %v, want a hint at %s", ms, err, unit)
		}
	}
}

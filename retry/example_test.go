package retry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mbxkit/mbx/retry"
)

func ExampleBackoff() {
	b := retry.Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second}
	for attempt := 1; attempt <= 3; attempt++ {
		d := b.Delay(attempt)
		fmt.Println(d > 0 && d <= 200*time.Millisecond<<(attempt-1))
		_ = retry.Sleep(context.Background(), time.Microsecond)
	}
	// Output:
	// true
	// true
	// true
}

package localex

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/mbxkit/mbx/sim/store"
)

// StoreAnswers are an exchange's answers to the ledger's errors. Each
// answer gets the ledger's error as its explanation; BadInput's message
// is followed by the parameter's problem.
type StoreAnswers struct {
	Balance, UnknownOrder, Duplicate, BadInput, Internal APIError
}

// StoreError turns an error of sim/store into the exchange's answer.
func StoreError(err error, a StoreAnswers) *APIError {
	var out APIError
	switch {
	case errors.Is(err, store.ErrInsufficientBalance):
		out = a.Balance
	case errors.Is(err, store.ErrUnknownOrder):
		out = a.UnknownOrder
	case errors.Is(err, store.ErrDuplicateOrder):
		out = a.Duplicate
	case errors.Is(err, store.ErrBadInput):
		out = a.BadInput
		var fe *store.FieldError
		if errors.As(err, &fe) {
			out.Msg = fmt.Sprintf("%s%s: %s", out.Msg, fe.Field, fe.Problem)
		}
	default:
		out = a.Internal
	}
	if out.Status == 0 {
		out.Status = http.StatusInternalServerError
	}
	out.Explanation = err.Error()
	return &out
}

// Clip shortens s to n bytes for a message, marking the cut.
func Clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

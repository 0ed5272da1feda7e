// Package secret holds key material in a type that cannot be printed.
//
// A Binance secret that reaches a log line, an error message or a panic is a
// leaked account. Value redacts itself in every way Go prints or serialises a
// value (String, GoString, Format with any verb, MarshalJSON, MarshalText and
// slog's LogValue), so the only way to read the bytes is to ask for them by
// name with Expose.
package secret

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Redacted is what a Value prints as.
const Redacted = "[REDACTED]"

// Value is secret bytes. The zero Value is empty.
type Value struct {
	b []byte
}

// New copies b into a Value, so a caller may wipe its own buffer.
func New(b []byte) Value { return Value{b: append([]byte(nil), b...)} }

// FromString makes a Value from s.
func FromString(s string) Value { return Value{b: []byte(s)} }

// Expose returns the secret bytes. The name makes every read easy to find in review.
func (v Value) Expose() []byte { return v.b }

// Len is the length of the secret, which is safe to show.
func (v Value) Len() int { return len(v.b) }

// IsZero reports whether the Value holds nothing.
func (v Value) IsZero() bool { return len(v.b) == 0 }

// Equal compares in constant time.
func (v Value) Equal(o Value) bool { return subtle.ConstantTimeCompare(v.b, o.b) == 1 }

// String redacts.
func (v Value) String() string { return Redacted }

// GoString redacts (the %#v verb).
func (v Value) GoString() string { return "secret.Value(" + Redacted + ")" }

// Format redacts for every verb, including %x and %q, which would otherwise
// bypass String.
func (v Value) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue redacts in slog output.
func (v Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON redacts.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText redacts (YAML, XML and encoding/json map keys use it).
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

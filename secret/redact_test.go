package secret_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
)

func TestRedactor(t *testing.T) {
	sec := `ab c<d>"e\f&é`
	r := secret.NewRedactor(secret.FromString(sec), "VISIBLE-FORM")
	jsonForm, _ := json.Marshal(sec)
	tests := []struct{ name, in string }{
		{"raw", "x=" + sec + "&y"},
		{"percent-encoded", "x=" + pct.Escape(sec)},
		{"form-encoded", "x=" + strings.ReplaceAll(pct.Escape(sec), "%20", "+")},
		{"JSON-escaped", `{"s":` + string(jsonForm) + `}`},
		{"JSON-escaped without HTML escaping", `{"s":"ab c<d>\"e\\f&é"}`},
		{"extra form", "shown as VISIBLE-FORM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.String(tt.in)
			if !strings.Contains(got, secret.Redacted) || strings.Contains(got, sec) || strings.Contains(got, pct.Escape(sec)) {
				t.Errorf("String(%q) = %q", tt.in, got)
			}
			if b := string(r.Bytes([]byte(tt.in))); b != got {
				t.Errorf("Bytes and String disagree: %q, %q", b, got)
			}
		})
	}
	if got := r.String("nothing here"); got != "nothing here" {
		t.Errorf("changed clean text: %q", got)
	}
	var zero secret.Redactor
	if !zero.IsZero() || zero.String(sec) != sec || !secret.NewRedactor(secret.Value{}).IsZero() {
		t.Error("the zero Redactor or an empty secret changes text")
	}
}

func TestRedactorError(t *testing.T) {
	r := secret.NewRedactor(secret.FromString("s3cr3t-value"))
	base := fmt.Errorf("reading s3cr3t-value: %w", fs.ErrNotExist)
	err := r.Error(base)
	if strings.Contains(err.Error(), "s3cr3t-value") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Error() = %v (Is ErrNotExist: %v)", err, errors.Is(err, fs.ErrNotExist))
	}
	clean := errors.New("clean")
	if r.Error(clean) != clean || r.Error(nil) != nil {
		t.Error("a clean error was replaced")
	}
}

func ExampleRedactor() {
	r := secret.NewRedactor(secret.FromString("my secret"))
	fmt.Println(r.String("q=my%20secret&json=\"my secret\""))
	// Output: q=[REDACTED]&json="[REDACTED]"
}

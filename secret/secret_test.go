package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/secret"
)

const known = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

func TestValueNeverPrints(t *testing.T) {
	v := secret.FromString(known)
	type wrapper struct {
		Name   string
		Secret secret.Value
		Ptr    *secret.Value
	}
	w := wrapper{Name: "prod", Secret: v, Ptr: &v}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, w), fmt.Sprintf(verb, &v))
	}
	outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v, &v), v.String(), v.GoString())
	js, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	var logBuf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logBuf, nil), slog.NewJSONHandler(&logBuf, nil)} {
		l := slog.New(h)
		l.Info("loaded", "secret", v, "wrapper", w, "ptr", &v)
	}
	outs = append(outs, logBuf.String())
	for _, o := range outs {
		if strings.Contains(o, known) || strings.Contains(o, fmt.Sprintf("%x", known)) {
			t.Fatalf("secret leaked in %q", o)
		}
		if !strings.Contains(o, secret.Redacted) {
			t.Errorf("output %q does not say it was redacted", o)
		}
	}
	if string(v.Expose()) != known || v.Len() != len(known) {
		t.Fatal("Expose must return the bytes")
	}
}

func TestNewCopies(t *testing.T) {
	b := []byte("abc")
	v := secret.New(b)
	b[0] = 'x'
	if string(v.Expose()) != "abc" {
		t.Fatal("New must copy")
	}
	if !v.Equal(secret.FromString("abc")) || v.Equal(secret.FromString("abd")) || v.IsZero() || !(secret.Value{}).IsZero() {
		t.Fatal("Equal/IsZero wrong")
	}
}

func ExampleValue() {
	s := secret.FromString("my-api-secret")
	fmt.Println(s, len(s.Expose()))
	// Output: [REDACTED] 13
}

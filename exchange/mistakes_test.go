package exchange_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/mbxkit/mbx/exchange"
)

func TestCrossSearch(t *testing.T) {
	// A toy signature: the secret and payload concatenated. The client sent
	// the right payload signed with the secret plus a newline, upper-cased.
	sent := []byte("S\nPAYLOAD")
	try := func(sv []byte) ([]exchange.Variant, func([]byte) (string, bool)) {
		cands := []exchange.Variant{{Value: []byte("payload")}, {Mistake: "wrong payload", Value: []byte("other")}}
		return cands, func(p []byte) (string, bool) {
			sig := append(append([]byte{}, sv...), p...)
			switch {
			case bytes.Equal(sig, sent):
				return "", true
			case bytes.Equal(bytes.ToUpper(sig), sent):
				return "upper-cased", true
			}
			return "", false
		}
	}
	got := exchange.CrossSearch([]byte("S"), try)
	want := []string{"the secret was read with a trailing newline; strip the line ending from the key file; upper-cased"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CrossSearch = %q, want %q", got, want)
	}
	// The right secret, payload and encoding is no finding.
	sent = []byte("Spayload")
	if got := exchange.CrossSearch([]byte("S"), try); len(got) != 0 {
		t.Errorf("the right signature is a finding: %q", got)
	}
	// At most MaxSignMistakes findings.
	many := func([]byte) ([]exchange.Variant, func([]byte) (string, bool)) {
		return make([]exchange.Variant, 10), func([]byte) (string, bool) { return "x", true }
	}
	if got := exchange.CrossSearch([]byte("S"), many); len(got) != exchange.MaxSignMistakes {
		t.Errorf("%d findings, want %d", len(got), exchange.MaxSignMistakes)
	}
}

func TestUnauthorized(t *testing.T) {
	v := exchange.Unauthorized("k", "C", "msg", "why", "m1")
	if v.OK || v.Status != 401 || v.APIKey != "k" || v.Code != "C" || v.Message != "msg" || v.Explanation != "why" || !reflect.DeepEqual(v.Mistakes, []string{"m1"}) {
		t.Errorf("Unauthorized = %+v", v)
	}
}

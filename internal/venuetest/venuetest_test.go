package venuetest_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
)

type vec struct{ ID string }

func TestVectorsReadsBothLayouts(t *testing.T) {
	for name, text := range map[string]string{
		"array":  `[{"ID":"a"},{"ID":"b"}]`,
		"object": ` {"vectors": [{"ID":"a"},{"ID":"b"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, venuetest.VectorsFile), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			if got := venuetest.Vectors[vec](t, 2); !reflect.DeepEqual(got, []vec{{"a"}, {"b"}}) {
				t.Errorf("Vectors = %+v", got)
			}
		})
	}
}

func TestParamsAndHeaders(t *testing.T) {
	want := []exchange.Param{{Name: "a", Value: "1"}, {Name: "b", Value: ""}}
	if got := venuetest.Params([][2]string{{"a", "1"}, {"b", ""}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Params = %+v", got)
	}
	if got := venuetest.Pairs("a", "1", "b", "", "dangling"); !reflect.DeepEqual(got, want) {
		t.Errorf("Pairs = %+v", got)
	}
	s := exchange.Signed{Headers: []exchange.Header{{Name: "K", Value: "v"}}}
	if venuetest.Header(s, "K") != "v" || venuetest.Header(s, "X") != "" {
		t.Error("Header")
	}
	h := venuetest.HeaderOf(map[string]string{"K": "v", "Empty": ""})
	if h.Get("K") != "v" || len(h) != 1 {
		t.Errorf("HeaderOf = %v", h)
	}
}

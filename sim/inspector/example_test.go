package inspector_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/mbxkit/mbx/sim/inspector"
)

// ringSource serves a Ring to the page: what a local exchange and the proxy
// do with theirs.
type ringSource struct{ r *inspector.Ring }

func (s ringSource) Recent() []inspector.Entry                { return s.r.All() }
func (s ringSource) Lookup(id uint64) (inspector.Entry, bool) { return s.r.Find(id) }

func ExampleNew() {
	recent := inspector.NewRecent()
	recent.Add(inspector.Entry{ID: 1, Method: "GET", Path: "/api/v3/account", Verdict: inspector.VerdictRejected,
		Code: -1022, HTTPStatus: 400, Explanation: &inspector.Explanation{Verdict: "signature mismatch", Code: -1022}})

	ts := httptest.NewServer(inspector.New(ringSource{recent}, inspector.Options{}))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/mbx/api/entry/1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, len(body) > 0)
	// Open ts.URL + "/mbx/#1" in a browser for the page.

	// Output:
	// 200 true
}

func ExampleRing() {
	r := inspector.NewRing(2)
	for id := uint64(1); id <= 3; id++ {
		r.Add(inspector.Entry{ID: id})
	}
	_, kept := r.Find(3)
	_, dropped := r.Find(1)
	fmt.Println(len(r.All()), kept, dropped)
	// Output: 2 true false
}

func ExampleMaskKey() {
	fmt.Println(inspector.MaskKey("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"))
	// Output: vmPU…Eh8A
}

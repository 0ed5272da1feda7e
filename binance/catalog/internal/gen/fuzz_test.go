package gen

import "testing"

// FuzzOverlay: any overlay either generates or fails with an error; the
// generator never panics on bad input.
func FuzzOverlay(f *testing.F) {
	for _, s := range []string{
		"endpoints:\n  GET /api/v3/ping: {weight: {base: 2}}\n",
		"endpoints:\n  GET /fapi/v1/depth: {security: NONE, weight: {base: 10, tiers: {50: 2}}, params: [symbol*]}\n",
		"ws:\n  x: {like: GET /api/v3/account}\n",
		"remove: [GET /api/v3/ping]\n",
		"endpoints:\n  GET /api/v3/account: {params: [{name: limit, min: '1', max: '5'}], drop_params: [limit]}\n",
		"endpoints: [1, 2]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, overlay string) {
		out, err := Generate([]byte(miniSpec), []byte(overlay))
		if err == nil && (out == nil || len(out.Go) == 0) {
			t.Fatal("no error and no output")
		}
	})
}

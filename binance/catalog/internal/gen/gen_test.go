package gen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGeneratedUpToDate runs the generator in memory and compares its
// output with the committed table: edit the overlay, then go generate.
func TestGeneratedUpToDate(t *testing.T) {
	spec := readFile(t, "..", "..", "spec", "spot_api.yaml")
	ov := readFile(t, "..", "..", "overlay.yaml")
	out, err := Generate(spec, ov)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		want []byte
	}{{"catalog_gen.go", out.Go}, {"examples.json", out.Examples}} {
		got := readFile(t, "..", "..", f.name)
		if !bytes.Equal(got, f.want) {
			t.Errorf("binance/catalog/%s is stale: run go generate ./binance/catalog", f.name)
		}
	}
}

const miniSpec = `
paths:
  /api/v3/ping:
    get:
      summary: Test Connectivity
      description: |-
        Weight(IP): 1
  /api/v3/account:
    get:
      summary: Account Information (USER_DATA)
      description: |-
        Weight(IP): 20
      parameters:
        - name: omitZeroBalances
          in: query
          schema: {type: string, enum: ['true', 'false']}
        - name: signature
          in: query
          required: true
      security:
        - ApiKeyAuth: []
      responses:
        '200':
          content:
            application/json:
              schema:
                type: object
                properties:
                  canTrade: {type: boolean, example: true}
`

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		overlay string
		want    error
	}{
		{"unknown security in overlay", miniSpec, "endpoints:\n  GET /api/v3/ping: {security: SIGNED}\n", ErrUnknownSecurity},
		{"unknown security in the file", strings.Replace(miniSpec, "(USER_DATA)", "(XX)", 1), "", ErrUnknownSecurity},
		{"missing weight in the file", strings.Replace(miniSpec, "Weight(IP): 20", "Weight: see below", 1), "", ErrMissingWeight},
		{"missing weight of an added endpoint", miniSpec, "endpoints:\n  GET /fapi/v1/ping: {security: NONE}\n", ErrMissingWeight},
		{"duplicate path", strings.Replace(miniSpec, "  /api/v3/account:", "  /api/v3/ping:", 1), "", ErrDuplicate},
		{"duplicate WS method", miniSpec, "ws:\n  ping: {security: NONE, weight: {base: 1}}\n  ping: {security: NONE, weight: {base: 2}}\n", ErrOverlay},
		{"unknown overlay field", miniSpec, "endpoints:\n  GET /api/v3/ping: {wieght: {base: 2}}\n", ErrOverlay},
		{"remove of an absent endpoint", miniSpec, "remove: [GET /api/v3/nothing]\n", ErrOverlay},
		{"bad budget", miniSpec, "endpoints:\n  GET /api/v3/ping: {budget: UID}\n", ErrOverlay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate([]byte(tt.spec), []byte(tt.overlay))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Generate: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGenerateFacts(t *testing.T) {
	ov := "endpoints:\n  GET /fapi/v1/depth: {security: NONE, weight: {base: 10, tiers: {50: 2, 1000: 20}}, params: [symbol*]}\n" +
		"ws:\n  account.status: {like: GET /api/v3/account}\n"
	out, err := Generate([]byte(miniSpec), []byte(ov))
	if err != nil {
		t.Fatal(err)
	}
	src := string(out.Go)
	for _, want := range []string{
		`Path: "/api/v3/account", Security: "USER_DATA", Permission: "USER_DATA", Weight: Weight{Base: 20}`,
		`Params: []Param{{Name: "omitZeroBalances", Enum: []string{"true", "false"}}}`,
		`Path: "/fapi/v1/depth", Security: "NONE", Weight: Weight{Base: 10, TierParam: "limit", Tiers: []Tier{{UpTo: 50, Weight: 2}, {UpTo: 1000, Weight: 20}}}`,
		`Method: "WS", Path: "account.status", Security: "USER_DATA"`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("table lacks %s\n%s", want, src)
		}
	}
	if !strings.Contains(string(out.Examples), `"GET /api/v3/account":{"canTrade":true}`) {
		t.Errorf("examples: %s", out.Examples)
	}
}

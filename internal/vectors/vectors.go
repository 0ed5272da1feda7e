// Package vectors loads the published Binance test vectors kept in
// testdata/vectors.json at the repository root (a copy of the spec's file, so
// tests never read outside the repository).
package vectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Vector is one published example.
type Vector struct {
	ID        string      `json:"id"`
	Kind      string      `json:"kind"` // rest-hmac or ws-hmac
	APIKey    string      `json:"api_key"`
	Secret    string      `json:"secret"`
	Payload   string      `json:"payload"`
	Signature string      `json:"signature"`
	Note      string      `json:"note"`
	Params    [][2]string `json:"params"`
	Query     string      `json:"query"` // for mixed vectors: the query part
	Body      *string     `json:"body"`  // for mixed vectors: the body part
}

// Mixed reports whether the vector splits its payload between query and body.
func (v Vector) Mixed() bool { return v.Body != nil }

// Path is the vectors file's location.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "vectors.json")
}

// Load reads all vectors.
func Load() ([]Vector, error) {
	data, err := os.ReadFile(Path())
	if err != nil {
		return nil, fmt.Errorf("reading vectors: %w", err)
	}
	var f struct {
		Vectors []Vector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parsing vectors: %w", err)
	}
	if len(f.Vectors) == 0 {
		return nil, fmt.Errorf("no vectors in %s", Path())
	}
	return f.Vectors, nil
}

// Command catalog-gen writes catalog_gen.go and examples.json from
// spec/spot_api.yaml and overlay.yaml. Run it with go generate in
// binance/catalog.
package main

import (
	"fmt"
	"os"

	"github.com/mbxkit/mbx/binance/catalog/internal/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "catalog-gen:", err)
		os.Exit(1)
	}
}

func run() error {
	spec, err := os.ReadFile("spec/spot_api.yaml")
	if err != nil {
		return fmt.Errorf("%w (run it in binance/catalog: go generate ./binance/catalog)", err)
	}
	ov, err := os.ReadFile("overlay.yaml")
	if err != nil {
		return err
	}
	out, err := gen.Generate(spec, ov)
	if err != nil {
		return err
	}
	if err := os.WriteFile("catalog_gen.go", out.Go, 0o644); err != nil {
		return err
	}
	return os.WriteFile("examples.json", out.Examples, 0o644)
}

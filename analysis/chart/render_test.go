package chart

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRenderScratch(t *testing.T) {
	dir := os.Getenv("CHART_SCRATCH")
	if dir == "" {
		t.Skip()
	}
	for _, c := range goldenCases() {
		p, err := c.build()
		if err != nil {
			t.Fatal(c.name, err)
		}
		if err := Save(p, c.meta, filepath.Join(dir, c.name+".png")); err != nil {
			t.Fatal(err)
		}
	}
}

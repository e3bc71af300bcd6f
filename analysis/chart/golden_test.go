package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"
	"rsc.io/pdf"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// pngTolerance is the cmpimg.EqualApprox delta: every pixel of a rendered
// PNG must be within this perceptual (YIQ) distance of the golden pixel,
// as a fraction of the largest possible distance. It absorbs
// anti-aliasing noise; moved text, bars or lines differ by far more.
const pngTolerance = 0.1

func render(t *testing.T, c goldenCase, format string) []byte {
	t.Helper()
	p, err := c.build()
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	var buf bytes.Buffer
	if err := Write(p, c.meta, format, &buf); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	return want
}

func TestGoldenPNG(t *testing.T) {
	for i, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			if raceEnabled && !*update && i%3 != 1 {
				t.Skip("PNG golden checked without -race only (slow rasterising)")
			}
			got := render(t, c, "png")
			img, err := png.Decode(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 1920 || b.Dy() != 1080 {
				t.Fatalf("PNG is %d×%d, want 1920×1080 (10 in × 5.625 in at %d dpi)", b.Dx(), b.Dy(), DefaultDPI)
			}
			want := golden(t, c.name+".golden.png", got)
			ok, err := cmpimg.EqualApprox("png", got, want, pngTolerance)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				out := filepath.Join(t.TempDir(), c.name+".png")
				os.WriteFile(out, got, 0o644)
				t.Errorf("%s.png differs from testdata/%s.golden.png beyond tolerance %g; got written to %s (go test -update to accept)", c.name, c.name, pngTolerance, out)
			}
		})
	}
}

// svgSummary is the structure of an SVG document: the number of elements
// of each tag and the set of texts.
type svgSummary struct {
	tags  map[string]int
	texts map[string]bool
}

func summariseSVG(t *testing.T, b []byte) svgSummary {
	t.Helper()
	s := svgSummary{tags: map[string]int{}, texts: map[string]bool{}}
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			s.tags[tok.Name.Local]++
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "text" {
				if txt := strings.TrimSpace(string(tok)); txt != "" {
					s.texts[txt] = true
				}
			}
		}
	}
	return s
}

func TestGoldenSVG(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c, "svg")
			want := golden(t, c.name+".golden.svg", got)
			g, w := summariseSVG(t, got), summariseSVG(t, want)
			if !maps.Equal(g.tags, w.tags) {
				t.Errorf("element counts by tag: got %v, want %v", g.tags, w.tags)
			}
			if !maps.Equal(g.texts, w.texts) {
				t.Errorf("texts differ:\n got %q\nwant %q", slices.Sorted(maps.Keys(g.texts)), slices.Sorted(maps.Keys(w.texts)))
			}
			// Independently of the golden file: the title, the subtitle and
			// the axis labels are present.
			for _, s := range []string{c.meta.Title, c.meta.Subtitle} {
				if !g.texts[s] {
					t.Errorf("the SVG lacks the text %q", s)
				}
			}
		})
	}
}

// TestSVGLabels checks, per chart, texts that must appear whatever the
// golden file says: tick labels, node labels, legends, units.
func TestSVGLabels(t *testing.T) {
	want := map[string][]string{
		"sankey":           {"Step 1", "Step 4", "web", "drop-off", "other", "1,610 (47.5%)", "Step · bar height = journeys"},
		"funnel":           {"1. Visit", "5. Purchase", "2,400", "web", "app", "email", "lighter: drop-off", "Customers", "12.4%"},
		"transitions":      {"(start)", "(end)", "call_centre", "Next step", "Current step", "P(next | current)", "100%", "71.4%"},
		"attribution":      {"Last touch", "Linear", "Markov removal effect", "web", "sms", "Conversions credited", "383"},
		"policies":         {"logged", "NBA", "arbitration", "SNIPW (95% interval)", "DR (95% interval)", "Estimated value per customer (EUR)"},
		"learning":         {"Thompson sampling (band: 95%)", "epsilon-greedy (ε=0.1)", "Day", "Cumulative mean reward per customer (EUR)"},
		"policies_many":    {"next best action", "epsilon-greedy", "do nothing", "linucb", "Estimated value per customer (EUR)", "Policy"},
		"attribution_wide": {"Shapley", "Time-decay", "Position-based", "call_centre", "Conversions credited"},
		"volume":           {"1 Jan", "15 Feb", "web", "call_centre", "store", "Events per day", "Day (UTC)", "20,000"},
	}
	for _, c := range goldenCases() {
		s := summariseSVG(t, render(t, c, "svg"))
		for _, w := range want[c.name] {
			if !s.texts[w] {
				t.Errorf("%s: the SVG lacks the text %q", c.name, w)
			}
		}
	}
}

func TestPDF(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			b := render(t, c, "pdf")
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("PDF starts with %q", b[:min(8, len(b))])
			}
			if len(b) < 10_000 {
				t.Errorf("PDF is only %d bytes", len(b))
			}
			r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if n := r.NumPage(); n != 1 {
				t.Fatalf("PDF has %d pages, want 1", n)
			}
			var txt strings.Builder
			for _, tx := range r.Page(1).Content().Text {
				txt.WriteString(tx.S)
			}
			// The PDF places words, not spaces: compare without them.
			if want := strings.ReplaceAll(c.meta.Title, " ", ""); !strings.Contains(strings.ReplaceAll(txt.String(), " ", ""), want) {
				t.Errorf("the PDF text lacks the title %q", c.meta.Title)
			}
		})
	}
}

// TestDeterministic renders every chart twice and checks the PNG bytes are
// identical, and that the fonts resolve to the Liberation faces gonum/plot
// embeds (not system fonts), so output is the same on every machine.
func TestDeterministic(t *testing.T) {
	for _, c := range goldenCases()[:2] {
		if !raceEnabled {
			a, b := render(t, c, "png"), render(t, c, "png")
			if !bytes.Equal(a, b) {
				t.Errorf("%s: two renderings differ", c.name)
			}
		}
		sa, sb := render(t, c, "svg"), render(t, c, "svg")
		if !bytes.Equal(sa, sb) {
			t.Errorf("%s: two SVG renderings differ", c.name)
		}
	}
	for _, f := range []struct {
		name string
		ft   fontFace
	}{{"Liberation Sans", sansFace()}, {"Liberation Sans Bold", boldFace()}} {
		if f.ft.full != f.name {
			t.Errorf("font resolves to %q, want %q", f.ft.full, f.name)
		}
	}
}

func Example() {
	p, err := Funnel(sampleFunnel(), Meta{Title: "Purchase funnel", Subtitle: "web, app, email · 2026-Q1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := Write(p, Meta{Title: "Purchase funnel", Subtitle: "web, app, email · 2026-Q1"}, "png", &buf); err != nil {
		fmt.Println(err)
		return
	}
	img, _ := png.Decode(&buf)
	fmt.Println(img.Bounds().Dx(), "×", img.Bounds().Dy())
	// Output: 1920 × 1080
}

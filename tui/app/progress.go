package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/bars"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// ProgressView draws the progress of a load job in exactly w×h: the file
// being loaded (n of N) and its phase, a bar of the file's share done, rows
// read, rows per second and the time left, then the files finished so far
// with their row accounting (read = loaded + rejected + duplicate). p nil
// means the job has not reported yet.
func ProgressView(st *styles.Styles, title string, p *backend.Progress, w, h int) string {
	lines := []string{st.Render(st.Title, chart.Sanitize(title)), ""}
	if p == nil {
		lines = append(lines, st.Render(st.Muted, "starting…"))
	} else {
		what := fmt.Sprintf("file %d of %d: %s", p.FileIndex, p.Files, chart.Sanitize(p.File))
		if p.Phase == "generating" {
			what = "generating the sample's export files"
		}
		lines = append(lines, what+st.Render(st.Muted, " — "+p.Phase))
		bw := max(w-8, 1)
		solid, rest, pad := bars.Bar(p.Fraction, 1-p.Fraction, 1, bw)
		lines = append(lines, st.Render(st.Bar, solid)+st.Render(st.BarRemainder, rest)+pad+" "+chart.PadLeft(chart.FormatPercent(p.Fraction), 6))
		stats := fmt.Sprintf("%s rows · %s rows/s · elapsed %s", chart.FormatCount(float64(p.Rows)), chart.FormatCompact(p.RowsPerSec), p.Elapsed.Round(time.Second))
		if p.ETA > 0 {
			stats += " · file done in " + p.ETA.Round(time.Second).String()
		}
		lines = append(lines, st.Render(st.Muted, stats), "")
		for _, f := range p.Done {
			lines = append(lines, FileResultLine(st, f))
		}
	}
	lines = append(lines, "", st.Render(st.Muted, "esc cancels: the file being loaded is rolled back, files already loaded are kept"))
	if len(lines) > h && h > 0 {
		// Keep the head and the cancel hint; drop finished files first.
		keep := append([]string{}, lines[:min(6, h-1)]...)
		lines = append(keep, lines[len(lines)-1])
	}
	return chart.Block(lines, w, h)
}

// FileResultLine describes one loaded file: its name and either its row
// accounting with a check mark when read = loaded + rejected + duplicate,
// "already loaded", or the error.
func FileResultLine(st *styles.Styles, f backend.FileResult) string {
	name := chart.Sanitize(filepath.Base(f.File))
	switch {
	case f.Err != nil:
		return st.Render(st.Error, "✗ "+name+": "+chart.Sanitize(strings.SplitN(f.Err.Error(), "\n", 2)[0]))
	case f.Already:
		return "= " + name + st.Render(st.Muted, " already loaded, nothing added")
	}
	s := f.Source
	ok := "✓"
	if s.Read != s.Loaded+s.Rejected+s.Duplicate {
		ok = "≠"
	}
	return fmt.Sprintf("%s %s %s", ok, name, st.Render(st.Muted, fmt.Sprintf("read %s = loaded %s + rejected %s + duplicate %s",
		chart.FormatCount(float64(s.Read)), chart.FormatCount(float64(s.Loaded)), chart.FormatCount(float64(s.Rejected)), chart.FormatCount(float64(s.Duplicate)))))
}

// Package exporttest drives the workbench's export (the e key) in tests:
// it puts a screen under the root model, presses e and enter, runs the
// export job and checks the files written against the screen.
package exporttest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/journeyworkbench/workbench/tui/app"
)

// Export shows s (already showing the view to export) as the only screen
// of a root model of size w × h+4 (the screen area w × h), presses e,
// checks the prompt, presses enter, runs the export job and returns the
// files the status line names. The files go to a temporary directory.
func Export(t testing.TB, c *app.Common, s app.Screen, w, h int) []string {
	t.Helper()
	return ExportAs(t, c, s, w, h, "")
}

// ExportAs is Export with the proposed file's extension replaced by ext
// (".svg", ".json", …; "" keeps it), typed into the prompt.
func ExportAs(t testing.TB, c *app.Common, s app.Screen, w, h int, ext string) []string {
	t.Helper()
	c.ExportDir = t.TempDir()
	m := app.New(c, app.Entry{Slot: 1, Screen: s})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h + 4})
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "Export ") || !strings.Contains(v, c.ExportDir) {
		t.Fatalf("e did not open the export prompt with a path in %s:\n%s", c.ExportDir, v)
	}
	if ext != "" {
		for range 4 { // the default ends in .png or .csv
			m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
		}
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(ext)})
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 100 {
			t.Fatal("the export did not settle after 100 messages")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	text, isErr := m.Status()
	if isErr || !strings.HasPrefix(text, "wrote ") {
		t.Fatalf("export status %q (error %v)", text, isErr)
	}
	files := strings.Split(strings.TrimPrefix(text, "wrote "), ", ")
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatalf("status names %s: %v", f, err)
		}
		if st.Size() == 0 {
			t.Errorf("%s is empty", f)
		}
		if filepath.Dir(f) != c.ExportDir {
			t.Errorf("%s is not in the export directory %s", f, c.ExportDir)
		}
	}
	return files
}

// Exts returns the extensions of files, in order (".png", ".csv", …).
func Exts(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Ext(f)
	}
	return out
}

// CheckPNG checks that path is a PNG image (its signature) of some size.
func CheckPNG(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 1000 || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a drawn PNG (%d bytes)", path, len(b))
	}
}

// CheckSVG checks that path is an SVG document with text drawn in it.
func CheckSVG(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("<text")) {
		t.Errorf("%s is not a drawn SVG (%d bytes)", path, len(b))
	}
}

// Header reads the header of a CSV file.
func Header(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := csv.NewReader(f).Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return h
}

// Rows reads the rows of a CSV file (without its header).
func Rows(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs[1:]
}

// CheckJSON checks that path holds a JSON array of objects with exactly
// the columns cols as keys, and n of them.
func CheckJSON(t testing.TB, path string, cols []string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) != n {
		t.Errorf("%s has %d rows, want %d", path, len(rows), n)
	}
	for _, r := range rows {
		if len(r) != len(cols) {
			t.Fatalf("%s: row %v has %d keys, want the %d columns %v", path, r, len(r), len(cols), cols)
		}
		for _, c := range cols {
			if _, ok := r[c]; !ok {
				t.Fatalf("%s: row %v lacks column %q", path, r, c)
			}
		}
	}
}

// CheckHeaderOnScreen checks that view has a line whose words are
// exactly the words of the CSV columns cols, in order (a table's header
// as drawn, padding collapsed). A word drawn cut short with an ellipsis
// ("carts_ab…") stands for a column word it begins.
func CheckHeaderOnScreen(t testing.TB, view string, cols []string) {
	t.Helper()
	want := strings.Fields(strings.Join(cols, " "))
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		if sameWords(strings.Fields(l), want) {
			return
		}
	}
	t.Errorf("no header line %q on screen:\n%s", strings.Join(want, " "), ansi.Strip(view))
}

func sameWords(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		if g == want[i] {
			continue
		}
		p, cut := strings.CutSuffix(g, "…")
		if !cut || !strings.HasPrefix(want[i], p) {
			return false
		}
	}
	return true
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

func TestProgressPlainWriterBoundedLines(t *testing.T) {
	cases := []struct {
		name    string
		updates int
		step    time.Duration
		end     func(*progressLine)
		// maxLines is 2 + duration/plainProgressEvery: the first
		// update, one per interval, and the final state.
		maxLines int
		last     string
	}{
		{"10000 updates over 10 s, Done", 10000, time.Millisecond, (*progressLine).Done, 4, "step 10000/10000"},
		{"10000 updates over 10 s, Clear", 10000, time.Millisecond, (*progressLine).Clear, 4, "step 10000/10000"},
		{"21 refits over 2 s", 21, 100 * time.Millisecond, (*progressLine).Done, 2, "step 21/21"},
		{"one update", 1, time.Second, (*progressLine).Done, 1, "step 1/1"},
		{"updates 10 s apart are all shown", 3, 10 * time.Second, (*progressLine).Done, 3, "step 3/3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf)
			if p.tty {
				t.Fatal("a bytes.Buffer was taken for a terminal")
			}
			p.now = fakeClock(c.step)
			for i := 1; i <= c.updates; i++ {
				p.Updatef("step %d/%d   ", i, c.updates)
			}
			c.end(p)
			out := buf.String()
			if strings.Contains(out, "\r") {
				t.Fatalf("output contains \\r: %q", out)
			}
			if !strings.HasSuffix(out, "\n") {
				t.Fatalf("output does not end in a newline: %q", out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) > c.maxLines {
				t.Errorf("%d lines for %d updates, want at most %d:\n%s", len(lines), c.updates, c.maxLines, out)
			}
			if lines[0] != "step 1/"+fmt.Sprint(c.updates) {
				t.Errorf("first line %q, want the first update", lines[0])
			}
			if got := lines[len(lines)-1]; got != c.last {
				t.Errorf("last line %q, want the final state %q (trailing spaces trimmed)", got, c.last)
			}
			if c.updates == 3 && len(lines) != 3 {
				t.Errorf("%d lines, want every one of 3 updates 10 s apart", len(lines))
			}
		})
	}
}

func TestProgressPlainDoneWithoutUpdates(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.Done()
	p.Clear()
	if buf.Len() != 0 {
		t.Fatalf("Done and Clear without updates wrote %q, want nothing", buf.String())
	}
}

func TestProgressPlainStagesStartFresh(t *testing.T) {
	// After Done the next stage's first update is shown at once, even
	// within the interval, so each stage shows its first and last state.
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.now = fakeClock(time.Millisecond)
	for _, stage := range []string{"a", "b"} {
		for i := 1; i <= 3; i++ {
			p.Updatef("%s %d", stage, i)
		}
		p.Done()
		fmt.Fprintf(&buf, "%s finished\n", stage)
	}
	want := "a 1\na 3\na finished\nb 1\nb 3\nb finished\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

func TestProgressTerminalRedrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	p := &progressLine{w: &buf, tty: true, every: plainProgressEvery, now: time.Now}
	p.Update("load: a.jsonl  linking   15%")
	p.Update("load: a  100%")
	p.Done()
	p.Update("x")
	p.Clear()
	want := "\rload: a.jsonl  linking   15%" +
		"\rload: a  100%" + strings.Repeat(" ", 15) + "\n" +
		"\rx" + "\r \r"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

func TestProgressFileIsNotTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Fatal("a regular file was taken for a terminal")
	}
}

func Example_progressPlain() {
	var buf bytes.Buffer
	p := newProgress(&buf)
	for i := 1; i <= 1000; i++ {
		p.Updatef("load: events.jsonl  loading %3d%%   ", i/10)
	}
	p.Done()
	fmt.Print(buf.String())
	// Output:
	// load: events.jsonl  loading   0%
	// load: events.jsonl  loading 100%
}

func TestProgressPlainMarkShowsPhaseStarts(t *testing.T) {
	// Within one interval, updates are held back but each Mark is
	// written at once; Clear then writes the final state.
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.now = fakeClock(time.Millisecond)
	for _, phase := range []string{"checksum", "linking", "loading"} {
		p.Mark(phase + " 0")
		for i := 1; i <= 100; i++ {
			p.Updatef("%s %d", phase, i)
		}
	}
	p.Clear()
	want := "checksum 0\nlinking 0\nloading 0\nloading 100\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// plainProgressEvery is the least time between two progress lines when
// stderr is not a terminal (a pipe, a CI log, a file).
const plainProgressEvery = 5 * time.Second

// progressLine shows a command's progress on stderr.
//
// On a terminal every Update redraws one line in place: "\r" + text,
// padded with spaces over what the previous text left on the line.
//
// Anywhere else "\r" would not move back, so the redraws would pile up
// into one line thousands of characters long. There each shown update is
// a plain line ending in "\n": the first update and each Mark, then at
// most one every plainProgressEvery, and on Done or Clear the latest
// update if it was not shown yet. For n updates with m marks spread over
// a duration D that is at most 2 + m + D/plainProgressEvery lines,
// whatever n is.
type progressLine struct {
	w     io.Writer
	tty   bool
	every time.Duration
	now   func() time.Time

	width   int       // terminal: length of the text drawn on the current line
	drawn   bool      // terminal: the current line holds progress text
	last    time.Time // plain: when the last line was written
	pending string    // plain: latest update not written yet
	printed bool      // plain: a line was written since the last Done
}

// newProgress returns a progress line writing to w; it redraws in place
// only when w is a terminal.
func newProgress(w io.Writer) *progressLine {
	return &progressLine{w: w, tty: isTerminal(w), every: plainProgressEvery, now: time.Now}
}

// isTerminal reports whether w is a file descriptor attached to a
// terminal (or a Cygwin/MSYS terminal on Windows).
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Update shows text as the current progress.
func (p *progressLine) Update(text string) {
	if p.tty {
		pad := ""
		if n := len(text); n < p.width {
			pad = strings.Repeat(" ", p.width-n)
		}
		fmt.Fprint(p.w, "\r"+text+pad)
		p.width, p.drawn = len(text), true
		return
	}
	text = strings.TrimRight(text, " ")
	t := p.now()
	if !p.printed || t.Sub(p.last) >= p.every {
		fmt.Fprintln(p.w, text)
		p.last, p.printed, p.pending = t, true, ""
		return
	}
	p.pending = text
}

// Mark shows text as the current progress like Update, but where lines
// are rate-limited it is written at once: for the first update of a new
// phase, so a log shows every phase starting.
func (p *progressLine) Mark(text string) {
	p.printed = false
	p.Update(text)
}

// Updatef is Update with the text formatted as by fmt.Sprintf.
func (p *progressLine) Updatef(format string, args ...any) {
	p.Update(fmt.Sprintf(format, args...))
}

// Done ends the progress line and leaves its last state visible: on a
// terminal it moves to the next line, elsewhere it writes the latest
// update if it was not written yet. Text written to the same writer
// after Done starts on a fresh line.
func (p *progressLine) Done() {
	if p.tty {
		if p.drawn {
			fmt.Fprintln(p.w)
		}
		p.width, p.drawn = 0, false
		return
	}
	p.flush()
}

// Clear ends the progress line: on a terminal it blanks the line and
// returns the cursor to its start, so the next output overwrites it;
// elsewhere it writes the latest update if it was not written yet.
func (p *progressLine) Clear() {
	if p.tty {
		if p.drawn {
			fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		}
		p.width, p.drawn = 0, false
		return
	}
	p.flush()
}

func (p *progressLine) flush() {
	if p.pending != "" {
		fmt.Fprintln(p.w, p.pending)
	}
	p.pending, p.printed = "", false
}

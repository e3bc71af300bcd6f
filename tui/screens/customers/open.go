package customers

import (
	"context"
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
)

// ProfileView is the unified profile of one customer, drawn exactly as the
// Customers screen draws it, for other screens that list customers (the
// customers behind a chart cell, the members of a segment). It reads the
// profile with its own backend kind, so it never disturbs the Customers
// screen's own profile.
type ProfileView struct {
	s    *Screen
	kind string
}

// NewProfileView returns a profile view whose query runs under the backend
// kind given (e.g. "journeys.profile").
func NewProfileView(c *app.Common, kind string) *ProfileView {
	s := New(c).(*Screen)
	s.mode = modeProfile
	return &ProfileView{s: s, kind: kind}
}

// Open starts reading the profile of the customer an identifier names
// ("type:value", as workspace.CustomerRef.Identifier writes it); customer
// is the unified id shown while it loads.
func (p *ProfileView) Open(customer int64, identifier string) tea.Cmd {
	s := p.s
	s.mode = modeProfile
	s.profileRow = backend.CustomerRow{Customer: customer, Primary: identifier}
	s.profile, s.lines, s.scroll = nil, nil, 0
	if identifier == "" {
		s.profLoading = false
		return app.Error(fmt.Errorf("customer %d has no identifier left to open (erased?)", customer))
	}
	s.profLoading = true
	b := s.c.Backend
	return b.RunLabel(context.Background(), p.kind, "reading the profile", func(ctx context.Context) (any, error) {
		return b.Profile(ctx, identifier, TimelineLimit)
	})
}

// Kind is the backend kind of the view's query.
func (p *ProfileView) Kind() string { return p.kind }

// Loaded reports whether the profile has been read.
func (p *ProfileView) Loaded() bool { return p.s.profile != nil }

// Customer is the unified id of the customer shown (0 before a profile was
// read).
func (p *ProfileView) Customer() int64 {
	if p.s.profile == nil {
		return 0
	}
	return p.s.profile.Customer
}

// SetSize sets the area the view fills.
func (p *ProfileView) SetSize(w, h int) { p.s.SetSize(w, h) }

// Update handles the view's query result, filter changes and the scroll
// keys. closed reports that the user left the profile (esc) or that it
// could not be read; the caller then shows what was under it.
func (p *ProfileView) Update(msg tea.Msg) (closed bool, cmd tea.Cmd) {
	s := p.s
	switch msg := msg.(type) {
	case backend.ResultMsg:
		if msg.Kind != p.kind {
			return false, nil
		}
		s.profLoading = false
		if msg.Err != nil {
			if msg.Cancelled() {
				return true, nil
			}
			if errors.Is(msg.Err, store.ErrNotFound) {
				return true, app.Error(fmt.Errorf("customer %d has no identifier left to open (erased?)", s.profileRow.Customer))
			}
			return true, app.Error(msg.Err)
		}
		pr, ok := msg.Value.(*store.Profile)
		if !ok || pr == nil {
			return true, nil
		}
		s.profile = pr
		s.scroll = 0
		s.render()
		return false, nil
	case app.FiltersChangedMsg:
		if s.profile != nil {
			s.render()
		}
		return false, nil
	case tea.KeyMsg:
		if key.Matches(msg, s.keys.Back) {
			s.c.Backend.CancelKind(p.kind)
			return true, nil
		}
		s.mode = modeProfile
		return false, s.key(msg)
	}
	return false, nil
}

// View draws the profile in exactly the size set.
func (p *ProfileView) View() string {
	if p.s.w <= 0 || p.s.h <= 0 {
		return ""
	}
	return p.s.profileView()
}

// KeyMap lists the profile's keys (scrolling, t timeline, esc back).
func (p *ProfileView) KeyMap() help.KeyMap {
	k := p.s.keys
	k.mode = modeProfile
	return k
}

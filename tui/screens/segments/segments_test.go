package segments_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
	"github.com/journeyworkbench/workbench/tui/screens/segments"
)

// define saves a segment through the editor.
func define(r interface {
	Key(string)
	Type(string)
}, name, expr string) {
	r.Key("n")
	r.Type(expr)
	r.Key("enter")
	r.Type(name)
	r.Key("enter")
}

func TestEditorShowsTheErrorWithACaret(t *testing.T) {
	s, r, _ := open(t, 80, 24)
	r.Key("n")
	if !s.Capturing() {
		t.Fatal("the editor should capture keys")
	}
	r.Type("orders >= 2 && ")
	chk := s.Checked()
	if chk == nil || chk.Err == nil {
		t.Fatalf("an incomplete expression should not compile: %+v", chk)
	}
	v := fit(t, r, 80, 24, "editor with error")
	if !strings.Contains(v, "✗ column") {
		t.Errorf("the error should name the column:\n%s", v)
	}
	var ce *segment.CompileError
	if !errors.As(chk.Err, &ce) {
		t.Fatalf("want a compile error, got %T", chk.Err)
	}
	// The caret sits under the column of the issue.
	lines := strings.Split(v, "\n")
	caret := strings.Index(lines[2], "^")
	if want := len("expression: ") + ce.Issues[0].Column - 1; caret != want {
		t.Errorf("caret at cell %d, want %d:\n%s", caret, want, v)
	}
	goldenView(t, "editor_error_80x24", v)
}

func TestEditorCountsAValidExpression(t *testing.T) {
	s, r, c := open(t, 120, 40)
	r.Key("n")
	r.Type("orders >= 2")
	chk := s.Checked()
	if chk == nil || chk.Err != nil {
		t.Fatalf("orders >= 2 should compile: %+v", chk)
	}
	// The count equals the members the workspace finds.
	ids, err := c.Backend.Workspace().Members(context.Background(), segment.Definition{Name: "x", Expr: "orders >= 2"})
	if err != nil {
		t.Fatal(err)
	}
	if chk.Size.Members != len(ids) || len(ids) == 0 {
		t.Errorf("count %d, want %d (> 0)", chk.Size.Members, len(ids))
	}
	v := fit(t, r, 120, 40, "editor with count")
	if !strings.Contains(v, fmt.Sprintf("✓ %d of", len(ids))) {
		t.Errorf("the count should show:\n%s", v)
	}
	goldenView(t, "editor_count_120x40", v)
	r.Key("esc")
	if s.Capturing() {
		t.Error("esc should leave the editor")
	}
}

func TestSaveApplyDelete(t *testing.T) {
	s, r, c := open(t, 80, 24)
	define(r, "repeat buyers", "orders >= 2")
	if len(s.Segments()) != 1 || s.Segments()[0].Name != "repeat buyers" || s.Segments()[0].Members == 0 {
		t.Fatalf("saved segment not listed: %+v", s.Segments())
	}
	if !strings.Contains(r.Status, "saved") {
		t.Errorf("status after saving: %q", r.Status)
	}
	// A bad name is refused with a message.
	r.Key("n")
	r.Type("orders > 0")
	r.Key("enter")
	r.Key("enter")
	if !r.StatusErr {
		t.Errorf("an empty name should be refused, status %q", r.Status)
	}
	r.Key("esc")
	// enter applies it as the global segment filter.
	r.Key("enter")
	if c.Filters.Segment != "repeat buyers" {
		t.Errorf("enter should set the segment filter, got %q", c.Filters.Segment)
	}
	var changed bool
	for _, m := range r.Seen {
		if _, ok := m.(app.FiltersChangedMsg); ok {
			changed = true
		}
	}
	if !changed {
		t.Error("applying a segment should announce the filter change")
	}
	r.Key("x")
	if c.Filters.Segment != "" {
		t.Error("x should clear the segment filter")
	}
	// d asks; n keeps; d, y deletes.
	r.Keys("d", "n")
	if len(s.Segments()) != 1 {
		t.Fatal("n should keep the segment")
	}
	r.Keys("d")
	if v := fit(t, r, 80, 24, "confirm"); !strings.Contains(v, "delete segment repeat buyers?") {
		t.Errorf("d should ask first:\n%s", v)
	}
	r.Key("y")
	if len(s.Segments()) != 0 {
		t.Errorf("y should delete: %+v", s.Segments())
	}
}

func TestListGoldenAndFilter(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		s, r, _ := open(t, sz.w, sz.h)
		define(r, "repeat buyers", "orders >= 2")
		define(r, "sms users", "'sms' in channels")
		define(r, "gold", "traits.loyalty_tier == 'gold'")
		goldenView(t, fmt.Sprintf("list_%dx%d", sz.w, sz.h), fit(t, r, sz.w, sz.h, "list"))
		r.Key("/")
		r.Type("sms")
		r.Key("enter")
		v := s.View()
		if strings.Contains(v, "repeat buyers") || !strings.Contains(v, "sms users") {
			t.Errorf("/ sms should keep only the sms segment:\n%s", v)
		}
	}
}

func TestMembersOpenProfiles(t *testing.T) {
	s, r, _ := open(t, 80, 24)
	define(r, "repeat buyers", "orders >= 2")
	r.Key("m")
	v := fit(t, r, 80, 24, "members")
	if !strings.Contains(v, "Customers behind segment repeat buyers") || !strings.Contains(v, fmt.Sprintf("%d customers", s.Segments()[0].Members)) {
		t.Errorf("m should list the members:\n%s", v)
	}
	r.Key("enter")
	if v := fit(t, r, 80, 24, "profile"); !strings.Contains(v, "Customer ") || !strings.Contains(v, "Identifiers") {
		t.Errorf("enter should open the profile:\n%s", v)
	}
	r.Keys("esc", "esc")
	if strings.Contains(s.View(), "Customers behind") {
		t.Error("esc twice should return to the list")
	}
}

func TestClusters(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		s, r, _ := open(t, sz.w, sz.h)
		r.Key("K")
		v := fit(t, r, sz.w, sz.h, "clusters")
		if !strings.Contains(v, "by the best silhouette") {
			t.Fatalf("K should cluster with k by silhouette:\n%s", v)
		}
		goldenView(t, fmt.Sprintf("clusters_%dx%d", sz.w, sz.h), v)
		r.Key("=")
		if !strings.Contains(s.View(), "chosen") {
			t.Errorf("+ should fix k:\n%s", s.View())
		}
		r.Key("enter")
		if !strings.Contains(s.View(), "Customers behind cluster 1") {
			t.Errorf("enter should list the cluster's members:\n%s", s.View())
		}
	}
}

func TestCompareUsesTheFunnelSteps(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		s, r, _ := open(t, sz.w, sz.h)
		define(r, "repeat buyers", "orders >= 2")
		define(r, "sms users", "'sms' in channels")
		r.Key("c")
		if !r.StatusErr {
			t.Error("c without a marked segment should say what to do")
		}
		if !strings.Contains(s.View(), "▸ ● sms users") && !strings.Contains(s.View(), "▸   sms users") {
			t.Errorf("after saving, the cursor should be on the segment just saved:\n%s", s.View())
		}
		r.Keys("up", "space", "down", "c")
		v := fit(t, r, sz.w, sz.h, "compare")
		if !strings.Contains(v, "repeat buyers") || !strings.Contains(v, "sms users") || !strings.Contains(v, "channel mix") {
			t.Fatalf("compare should show both sides:\n%s", v)
		}
		goldenView(t, fmt.Sprintf("compare_%dx%d", sz.w, sz.h), v)
		r.Send(journeys.FunnelStepsMsg{Steps: []string{"Product Viewed", "Product Added"}, Mode: journey.Ordered, Window: "14d", Label: "type"})
		v = fit(t, r, sz.w, sz.h, "compare with funnel")
		if !strings.Contains(v, "funnel Product Viewed → Product Added") || !strings.Contains(v, "converted") {
			t.Errorf("compare should show the funnel builder's funnel:\n%s", v)
		}
		r.Key("esc")
		_ = s
	}
}

func TestFitsAnySize(t *testing.T) {
	s, r, _ := open(t, 80, 24)
	define(r, "repeat buyers", "orders >= 2")
	views := []func(){func() {}, func() { r.Key("n") }, func() { r.Keys("esc", "K") }, func() { r.Keys("esc", "m") }}
	for i, f := range views {
		f()
		for _, sz := range []struct{ w, h int }{{0, 0}, {1, 1}, {6, 2}, {30, 8}, {80, 24}, {160, 50}} {
			s.SetSize(sz.w, sz.h)
			fit(t, r, sz.w, sz.h, fmt.Sprintf("view %d at %dx%d", i, sz.w, sz.h))
		}
		s.SetSize(80, 24)
	}
}

func TestCaret(t *testing.T) {
	for _, tc := range []struct {
		expr string
		ok   bool
	}{{"orders >=", true}, {"orders >= 'a'", true}, {"orders > 1", false}} {
		_, err := segment.Compile(tc.expr)
		c, ok := segments.Caret(err, 4)
		if ok != tc.ok {
			t.Errorf("%q: caret %v, want %v", tc.expr, ok, tc.ok)
			continue
		}
		if ok {
			var ce *segment.CompileError
			errors.As(err, &ce)
			if len(c) != 4+ce.Issues[0].Column || !strings.HasSuffix(c, "^") {
				t.Errorf("%q: caret %q for column %d", tc.expr, c, ce.Issues[0].Column)
			}
		}
	}
}

func TestKeyHelp(t *testing.T) {
	s, r, _ := open(t, 80, 24)
	for _, k := range []string{"", "K", "esc", "n"} {
		if k != "" {
			r.Key(k)
		}
		if len(s.KeyMap().ShortHelp()) == 0 {
			t.Errorf("after %q: no short help", k)
		}
	}
}

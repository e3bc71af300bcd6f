package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/report"
)

func init() {
	c := &command{
		name:    "profile",
		summary: "show the unified profile of a customer: identifiers, why they merged, traits, consents, timeline",
		usage:   "[--db FILE] [--events N] [--format table|json] ID",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runProfile(c, args, stdout) }
	register(c)
}

const profileHelp = `
ID is any identifier of the customer: an email (any case), a phone in any
format (07700 900123, +447700900123), a CRM id, a cookie, a device id or a
loyalty card; "type:value" picks one type. The profile lists every
identifier with where it was seen, the rows that linked them (and links a
shared identifier did not merge), the merged traits with the survivorship
rule of each field, the current consent per channel, logged decisions and
the cross-channel timeline in time order.`

func runProfile(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, profileHelp, stdout)
	db := dbFlag(fs)
	format := fs.String("format", "table", "output format: table or json")
	events := fs.Int("events", 50, "timeline events to show; 0 = all")
	pos, err := parseFlagsAnywhere(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: name one identifier", errUsage)
	}
	id := strings.Join(pos, " ") // a phone typed with spaces
	if *format != "table" && *format != "json" {
		return fmt.Errorf("%w: --format must be table or json", errUsage)
	}
	st, err := openExistingDB(*db)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.Profile(context.Background(), id, *events)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(stdout, "customer %d (matched %s%s)\n", p.Customer, p.Matched, sharedNote(p.Matched.Shared))
	for _, o := range p.OtherMatches {
		fmt.Fprintf(stdout, "  also matched %s of customer %d\n", o, o.Customer)
	}
	fmt.Fprintln(stdout, "\nidentifiers")
	t := report.New("type", "value", "first seen", "in", "line", "seen in (rows)")
	for _, x := range p.Identities {
		var seen []string
		for _, s := range x.Seen {
			seen = append(seen, fmt.Sprintf("%s (%d)", s.Source, s.Rows))
		}
		t.Add(x.Type, x.Value+sharedNote(x.Shared), fmtTime(x.FirstSeen), x.FirstSource, x.FirstLine, strings.Join(seen, ", "))
	}
	t.WriteText(stdout)
	fmt.Fprintln(stdout, "\nwhy they are one customer (first row that showed each pair together)")
	t = report.New("identifier", "identifier", "reason", "file", "line", "")
	for _, l := range p.Links {
		note := ""
		if l.Guarded {
			note = "not merged: shared identifier"
		}
		t.Add(l.A.String(), l.B.String(), l.Reason, l.Source, l.Line, note)
	}
	t.WriteText(stdout)
	fmt.Fprintln(stdout, "\ntraits")
	t = report.New("field", "value", "rule", "from", "line", "as of", "candidates")
	for _, tr := range p.Traits {
		t.Add(tr.Key, tr.Value, tr.Rule, tr.Source, tr.Line, fmtTime(tr.Time), tr.Candidates)
	}
	t.WriteText(stdout)
	fmt.Fprintln(stdout, "\nconsents (most recent statement per channel)")
	t = report.New("channel", "granted", "as of", "from", "line")
	for _, cs := range p.Consents {
		t.Add(cs.Channel, cs.Granted, fmtTime(cs.Time), cs.Source, cs.Line)
	}
	t.WriteText(stdout)
	if len(p.Decisions) > 0 {
		fmt.Fprintln(stdout, "\ndecisions")
		t = report.New("time", "trigger", "action", "propensity", "converted", "reward")
		for _, d := range p.Decisions {
			t.Add(fmtTime(d.Time), d.Trigger, d.Action, d.Propensity, d.Converted, d.Reward)
		}
		t.WriteText(stdout)
	}
	fmt.Fprintf(stdout, "\ntimeline (%d of %d events, by time)\n", len(p.Timeline), p.Events)
	t = report.New("time", "channel", "type", "campaign", "revenue", "identifier", "file", "line")
	for _, e := range p.Timeline {
		var rev any
		if e.HasRevenue {
			rev = e.Revenue
		}
		t.Add(fmtTime(e.Time), e.Channel, e.Type, e.Campaign, rev, e.Identity, e.Source, e.Line)
	}
	return t.WriteText(stdout)
}

func sharedNote(shared bool) string {
	if shared {
		return " [shared: not used to merge]"
	}
	return ""
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/sim/model"
	"github.com/journeyworkbench/workbench/sim/policy"
)

func init() {
	c := &command{
		name:    "decide",
		summary: "apply an exported decision model (DMN or CEL rule set) to a customer, a segment or a stream of events",
		usage:   "--model FILE (--customer ID | --segment NAME | --stdin) [--db FILE] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		return runDecide(c, args, os.Stdin, stdout, stderr)
	}
	register(c)
}

const decideHelp = `
Loads a decision model written by 'workbench export' — DMN 1.3 (.dmn) or a
CEL rule set (.json) — and decides with it. The conditions run as CEL
programs compiled once (cel-go); the hit policy is the model's.

  --customer ID   one customer: the action, the deciding rule, and every
                  input's value
  --segment NAME  every customer of a saved segment (or a segment
                  expression): one row each
  --stdin         a stream: one JSON object per input line, one JSON line
                  out per decision, flushed at once:
                    in:  {"customer_id": "crm:C0000001", "trigger": "cart_abandon", "cart_value": 54.2}
                    out: {"customer_id": "crm:C0000001", "action": "sms_discount", "channel": "sms", "rule": "r5", "latency_us": 9.1}
                  Fields named like the model's inputs give the state
                  directly. When the model has inputs the line does not
                  give and it names a customer_id, the customer's state is
                  looked up in the database first and the line's fields
                  override it. latency_us is the time of the decision
                  itself (not of the lookup).

A customer's state is the context of their latest logged decision (trigger,
the ctx_* columns without prefix: recency_days, orders_90d, cart_value,
loyalty_tier, region, last_channel, consent_<channel>), with the contact
history of the log. A customer without logged decisions gets their profile
traits and current consents; features the state lacks (e.g. cart_value) are
missing, and a missing input matches only '-' tests, so such customers
usually fall to later rules or the default. When the model folded contact
rules, the counts contacts_<channel>_<W>d, contacts_<W>d and quiet_period
are derived from the contact history.`

func runDecide(c *command, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet(c, decideHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	modelPath := fs.String("model", "", "decision model: .dmn (DMN 1.3) or .json (CEL rule set) (required)")
	customer := fs.String("customer", "", "decide for this customer (an identifier such as crm:C0000001)")
	segment := fs.String("segment", "", "decide for every customer of this segment (name or expression)")
	stream := fs.Bool("stdin", false, "decide for each JSON line on standard input")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *modelPath == "" {
		return fmt.Errorf("%w: --model FILE is required (write one with `workbench export`)", errUsage)
	}
	n := 0
	for _, set := range []bool{*customer != "", *segment != "", *stream} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: give exactly one of --customer ID, --segment NAME, --stdin", errUsage)
	}
	m, eng, err := model.Load(*modelPath)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var src *model.StateSource
	openSource := func() error {
		if src != nil {
			return nil
		}
		st, err := openExistingDB(*db)
		if err != nil {
			return err
		}
		ws := workspace.Own(st)
		src, err = model.NewStateSource(ctx, ws, modelActions(m), m.Meta.ContactRules)
		return err
	}
	switch {
	case *stream:
		return decideStream(ctx, eng, m, openSource, func() *model.StateSource { return src }, stdin, stdout)
	case *customer != "":
		if err := openSource(); err != nil {
			return err
		}
		id, err := src.Customer(ctx, *customer)
		if err != nil {
			return err
		}
		var s policy.State
		from := src.State(id, &s)
		d, err := eng.DecideState(&s)
		if err != nil {
			return err
		}
		t := report.New("field", "value")
		t.Add("customer", *customer)
		t.Add("state from", from)
		t.Add("action", d.Action)
		t.Add("channel", d.Channel)
		t.Add("rule", d.RuleID)
		if d.Rule >= 0 {
			t.Add("condition", eng.Conditions[d.Rule])
			if a := m.Table.Rules[d.Rule].Annotation; a != "" {
				t.Add("annotation", a)
			}
		}
		for _, in := range eng.Inputs() {
			t.Add("input "+in.Name, inputText(s.Get(in.Name), in.Type))
		}
		return printTable(stdout, t, *format)
	default:
		if err := openSource(); err != nil {
			return err
		}
		def, err := src.WS.ResolveSegment(ctx, *segment)
		if err != nil {
			return err
		}
		ids, err := src.WS.Members(ctx, def)
		if err != nil {
			return err
		}
		refs, err := src.WS.Identify(ctx, ids)
		if err != nil {
			return err
		}
		t := report.New("customer", "identifier", "state from", "action", "channel", "rule")
		var s policy.State
		for k, id := range ids {
			from := src.State(id, &s)
			d, err := eng.DecideState(&s)
			if err != nil {
				return err
			}
			name := ""
			if k < len(refs) && refs[k].ID == id {
				name = refs[k].Identifier
			}
			t.Add(id, name, from, d.Action, d.Channel, d.RuleID)
		}
		return printTable(stdout, t, *format)
	}
}

// decideStream decides for each JSON line of in and writes one JSON line
// per decision to out, flushed at once.
func decideStream(ctx context.Context, eng *model.Engine, m *model.Model, open func() error, source func() *model.StateSource, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	w := bufio.NewWriter(out)
	inputs := eng.Inputs()
	type result struct {
		Customer  any     `json:"customer_id"`
		Action    string  `json:"action"`
		Channel   string  `json:"channel"`
		Rule      string  `json:"rule"`
		LatencyUS float64 `json:"latency_us"`
		Error     string  `json:"error,omitempty"`
	}
	enc := json.NewEncoder(w)
	var s policy.State
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var ev map[string]any
		var res result
		err := json.Unmarshal(b, &ev)
		if err == nil {
			res.Customer = ev["customer_id"]
			err = streamState(ctx, ev, inputs, open, source, &s)
		}
		if err == nil {
			t0 := time.Now()
			var d model.Decision
			d, err = eng.DecideState(&s)
			res.LatencyUS = float64(time.Since(t0).Nanoseconds()) / 1000
			res.Action, res.Channel, res.Rule = d.Action, d.Channel, d.RuleID
		}
		if err != nil {
			res.Error = fmt.Sprintf("line %d: %v", line, err)
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}

// streamState builds the state of one event: looked up by customer_id
// when the event lacks some input, then overridden by the event's fields.
func streamState(ctx context.Context, ev map[string]any, inputs []policy.Input, open func() error, source func() *model.StateSource, s *policy.State) error {
	lookup := false
	for _, in := range inputs {
		if _, ok := ev[in.Name]; !ok {
			lookup = true
		}
	}
	if s.Features == nil {
		s.Features = map[string]policy.Value{}
	}
	clear(s.Features)
	s.Contacts, s.Logged = s.Contacts[:0], nil
	s.Time = time.Now().UnixMilli()
	if raw, ok := ev["customer_id"]; ok && lookup {
		if err := open(); err != nil {
			return err
		}
		id, err := source().Customer(ctx, fmt.Sprint(raw))
		if err != nil {
			return err
		}
		source().State(id, s)
	}
	for _, in := range inputs {
		x, ok := ev[in.Name]
		if !ok {
			continue
		}
		v, err := model.JSONValue(x, in.Type)
		if err != nil {
			return fmt.Errorf("%s: %w", in.Name, err)
		}
		s.Features[in.Name] = v
	}
	return nil
}

// actionsOf is the model's action set.
func modelActions(m *model.Model) *policy.Actions { return m.Table.Actions }

// inputText shows an input's value by its type.
func inputText(v policy.Value, typ policy.Type) string {
	switch {
	case v.Missing:
		return "(missing)"
	case typ == policy.String:
		return strconv.Quote(v.Str)
	case typ == policy.Bool:
		return strconv.FormatBool(v.Bool)
	}
	return strconv.FormatFloat(v.Num, 'g', -1, 64)
}

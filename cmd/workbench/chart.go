package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/sim/compare"
)

func init() {
	c := &command{
		name:    "chart",
		summary: "draw an analysis as a chart (PNG, SVG or PDF): " + strings.Join(chart.KindNames(), ", "),
		usage:   "KIND [flags] -o FILE.png|FILE.svg|FILE.pdf",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runChart(c, args, stdout) }
	register(c)
}

// chartKind is how the command draws one chart kind: the extra usage
// words, an example, and the function that registers the kind's flags and
// returns the function that runs its analysis.
type chartKind struct {
	usage, example, help string
	flags                func(fs *flag.FlagSet) chartBuild
}

// chartBuild runs the analysis behind a chart and builds it with its
// default title and subtitle.
type chartBuild func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error)

var chartKinds = map[string]chartKind{
	"sankey": {
		usage:   "[--db FILE] [filters] [--label L] [--split S] [--start L] [--end L] [--steps N] [--top K]",
		example: "workbench chart sankey --split session --steps 4 -o paths.png",
		help:    pathsHelp,
		flags:   sankeyChart,
	},
	"funnel": {
		usage:   "[--db FILE] [filters] [--label L] --step LABEL[|LABEL…] --step … [--mode M] [--window 14d] [--by G]",
		example: "workbench chart funnel --step 'web:Product Viewed' --step 'web:Product Added' --step 'web:Order Completed' -o funnel.svg",
		help:    funnelHelp,
		flags:   funnelChart,
	},
	"transitions": {
		usage:   "[--db FILE] [filters] [--label L] [--split S]",
		example: "workbench chart transitions --label channel --split session -o transitions.png",
		help:    transitionsHelp,
		flags:   transitionsChart,
	},
	"attribution": {
		usage:   "[--db FILE] [filters] [--label channel] [--models M,…] [--conversion TYPE,…] [--lookback 30d] | --paths-file FILE",
		example: "workbench chart attribution --models first_touch,last_touch,linear,markov,shapley --from 2026-03-01 -o attribution.pdf",
		help:    attributionHelp(),
		flags:   attributionChart,
	},
	"volume": {
		usage:   "[--db FILE] [filters]",
		example: "workbench chart volume --from 2026-01-01 --to 2026-04-01 --channels email,sms,push -o volume.png",
		help:    "Counts the events the filters keep on each UTC day, per channel, stacked.",
		flags:   volumeChart,
	},
	"policies": {
		usage:   "--in DIR|FILE [--measure net|uplift|ope]",
		example: "workbench simulate --policies policies.yaml --out sim && workbench chart policies --in sim -o policies.png",
		help:    policiesHelp,
		flags:   policiesChart,
	},
	"learning": {
		usage:   "--in DIR|FILE [--series NAME,…]",
		example: "workbench chart learning --in sim/curves.csv --series epsilon-greedy,logged -o learning.svg",
		help:    learningHelp,
		flags:   learningChart,
	},
}

const policiesHelp = `
Reads the comparison that ` + "`workbench simulate --out DIR`" + ` writes: --in DIR
reads DIR/comparison.json, --in FILE a comparison.json, or a CSV with the
header policy,method,value,lo,hi (one row per policy and method; lo and hi
bound the 95% interval).

--measure picks what is drawn from a comparison.json: net (simulated net
value per customer over the horizon), uplift (its paired difference with
doing nothing), or ope (the off-policy estimate of the mean reward per
logged decision). net and uplift may be drawn together (both per
customer); ope is per decision and is drawn on its own. Default: net when
the comparison has a simulation, else ope.`

const learningHelp = `
Reads the learning curves that ` + "`workbench simulate --out DIR`" + ` writes: --in DIR
reads DIR/curves.csv (policy,learner,day,decisions,mean_reward: the mean
net reward per decision in the period starting on that day), --in FILE such
a file, or a CSV with the header series,x,y,lo,hi (lo and hi may be empty;
when given they draw a band). --series keeps only the named curves.`

// chartHelp is the text of ` + "`workbench chart --help`" + `.
func chartHelp(c *command, w io.Writer) {
	fmt.Fprintf(w, "workbench chart: %s\n\nusage: workbench chart %s\n\n", c.summary, c.usage)
	fmt.Fprint(w, `Runs the same analysis as the command of the same name with the same flags
and draws it, titled, with a subtitle naming the filters, the database,
the dates of the events kept and the number of customers and journeys.
The file's extension picks the format.

kinds:
`)
	for _, k := range chart.Kinds() {
		fmt.Fprintf(w, "  %-12s %s\n  %-12s e.g. %s\n", k.Name, k.Description, "", chartKinds[k.Name].example)
	}
	fmt.Fprint(w, `
flags of every kind:
  -o, --out FILE   the chart file: .png, .svg or .pdf (required)
  --title TEXT     replace the title
  --width IN       width in inches (default 10)
  --height IN      height in inches (default 5.625)

run `+"`workbench chart KIND --help`"+` for the flags of one kind.
`)
}

// chartOutFlags are the flags every chart kind takes.
type chartOutFlags struct {
	out, title    string
	width, height float64
}

func addChartOutFlags(fs *flag.FlagSet) *chartOutFlags {
	o := &chartOutFlags{}
	fs.StringVar(&o.out, "o", "", "the chart file: .png, .svg or .pdf")
	fs.StringVar(&o.out, "out", "", "the chart file (same as -o)")
	fs.StringVar(&o.title, "title", "", "title (default: one describing the chart)")
	fs.Float64Var(&o.width, "width", float64(chart.DefaultWidth/vg.Inch), "width in inches")
	fs.Float64Var(&o.height, "height", float64(chart.DefaultHeight/vg.Inch), "height in inches")
	return o
}

func runChart(c *command, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: give the chart kind: %s", errUsage, strings.Join(chart.KindNames(), ", "))
	}
	switch args[0] {
	case "-h", "-help", "--help":
		chartHelp(c, stdout)
		return nil
	}
	name := strings.ToLower(args[0])
	k, ok := chartKinds[name]
	if !ok {
		if strings.HasPrefix(name, "-") {
			return fmt.Errorf("%w: put the chart kind first: workbench chart KIND [flags]; the kinds are %s", errUsage, strings.Join(chart.KindNames(), ", "))
		}
		return fmt.Errorf("%w: unknown chart kind %q; the kinds are %s (see `workbench chart --help`)", errUsage, args[0], strings.Join(chart.KindNames(), ", "))
	}
	var desc string
	for _, d := range chart.Kinds() {
		if d.Name == name {
			desc = d.Description
		}
	}
	sub := &command{name: "chart " + name, summary: desc, usage: k.usage + " -o FILE.png|FILE.svg|FILE.pdf"}
	fs := newFlagSet(sub, k.help+"\n\nexample:\n  "+k.example, stdout)
	o := addChartOutFlags(fs)
	build := k.flags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if o.out == "" {
		return fmt.Errorf("%w: give the chart file with -o FILE.png (or .svg, .pdf)", errUsage)
	}
	if ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(o.out), ".")); !slices.Contains(chart.Formats(), ext) {
		return fmt.Errorf("%w: -o %s: name the file .png, .svg or .pdf; the extension picks the format", errUsage, o.out)
	}
	if o.width <= 0 || o.height <= 0 {
		return fmt.Errorf("%w: --width and --height are inches and must be positive, e.g. --width 10 --height 5.625", errUsage)
	}
	m := chart.Meta{Width: vg.Length(o.width) * vg.Inch, Height: vg.Length(o.height) * vg.Inch}
	p, m, err := build(context.Background(), m)
	if err != nil {
		return err
	}
	if o.title != "" {
		m.Title = o.title
	}
	if err := chart.Save(p, m, o.out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", o.out, m.Title)
	return nil
}

// chartData is what a chart drawn from the database says about its data.
type chartData struct {
	w    *workspace.Workspace
	q    workspace.Query
	span store.EventSpan
}

// openChartData opens the workspace on f's database, resolves f's filter
// and measures the events it keeps. When it keeps none, the error says
// which filter emptied the data.
func openChartData(ctx context.Context, f *journeyFlags, journeys bool) (*chartData, error) {
	var q workspace.Query
	var err error
	if journeys {
		q, err = f.query()
	} else {
		q.Filter, err = f.filter()
	}
	if err != nil {
		return nil, err
	}
	w, err := f.open(ctx, q)
	if err != nil {
		return nil, err
	}
	d := &chartData{w: w, q: q}
	ef, err := storeFilter(ctx, w, q.Filter)
	if err == nil {
		d.span, err = w.Store().Span(ctx, ef)
	}
	if err == nil && d.span.Events == 0 {
		err = explainEmpty(ctx, w, f, q.Filter)
	}
	if err != nil {
		w.Close()
		return nil, err
	}
	return d, nil
}

// storeFilter turns the workspace filter into the store's event filter,
// resolving the segment and traits into their customers (those in both
// when both are given).
func storeFilter(ctx context.Context, w *workspace.Workspace, f workspace.Filter) (store.EventFilter, error) {
	ef := store.EventFilter{From: f.From, To: f.To, Channels: f.Channels, Types: f.Types}
	var sets []journey.IDSet
	if f.Segment != "" {
		s, err := w.SegmentMembers(ctx, f.Segment)
		if err != nil {
			return ef, fmt.Errorf("%w: --segment: %v", errUsage, err)
		}
		sets = append(sets, s)
	}
	if len(f.Traits) > 0 {
		s, err := w.TraitMembers(ctx, f.Traits)
		if err != nil {
			return ef, fmt.Errorf("%w: --trait: %v", errUsage, err)
		}
		sets = append(sets, s)
	}
	if len(sets) > 0 {
		ef.Customers = []int64{}
		for id := range sets[0] {
			if len(sets) == 1 || sets[1].Contains(id) {
				ef.Customers = append(ef.Customers, id)
			}
		}
		slices.Sort(ef.Customers)
	}
	return ef, nil
}

// explainEmpty says which filter left no events: the filters are applied
// one after another (dates, channels, types, segment, traits) and the
// first after which no event is left is named, with what was left before
// it.
func explainEmpty(ctx context.Context, w *workspace.Workspace, f *journeyFlags, full workspace.Filter) error {
	steps := []struct {
		name string
		set  bool
		add  func(*workspace.Filter)
	}{
		{flagText("--from", f.from) + flagText(" --to", f.to), f.from != "" || f.to != "", func(x *workspace.Filter) { x.From, x.To = full.From, full.To }},
		{flagText("--channels", strings.Join(f.channels, ",")), len(f.channels) > 0, func(x *workspace.Filter) { x.Channels = full.Channels }},
		{flagText("--types", strings.Join(f.types, ",")), len(f.types) > 0, func(x *workspace.Filter) { x.Types = full.Types }},
		{flagText("--segment", f.segment), f.segment != "", func(x *workspace.Filter) { x.Segment = full.Segment }},
		{flagText("--trait", strings.Join(f.traits, " --trait ")), len(f.traits) > 0, func(x *workspace.Filter) { x.Traits = full.Traits }},
	}
	var cur workspace.Filter
	sp, err := w.Store().Span(ctx, store.EventFilter{})
	if err != nil {
		return err
	}
	if sp.Events == 0 {
		return errors.New("the database has no events to chart; load data first with `workbench load FILE…` (or `workbench sample` for the built-in sample)")
	}
	var before []string
	for _, s := range steps {
		if !s.set {
			continue
		}
		s.add(&cur)
		ef, err := storeFilter(ctx, w, cur)
		if err != nil {
			return err
		}
		next, err := w.Store().Span(ctx, ef)
		if err != nil {
			return err
		}
		if next.Events == 0 {
			of := "in the database"
			if len(before) > 0 {
				of = "that " + strings.Join(before, " ") + " keeps"
			}
			return fmt.Errorf("%w: no data to chart: %s leaves none of the %s events (of %s customers) %s; widen or drop %s",
				errUsage, s.name, chart.Thousands(sp.Events), chart.Thousands(sp.Customers), of, strings.Fields(s.name)[0])
		}
		sp = next
		before = append(before, s.name)
	}
	return fmt.Errorf("%w: no data to chart with these filters; widen them", errUsage)
}

func flagText(name, v string) string {
	if v == "" {
		return ""
	}
	if strings.ContainsAny(v, " ,|") {
		v = strconv.Quote(v)
	}
	return name + " " + v
}

// subtitle describes the data of a chart: the filters applied, the
// database file, the dates of the first and last event kept, and the
// counts given.
func (d *chartData) subtitle(f *journeyFlags, counts string) string {
	var first, last int64
	if d.span.Events > 0 {
		first, last = d.span.First, d.span.Last
	}
	return chart.Subtitle(filtersText(f), d.w.Store().Path(), first, last, counts)
}

// filtersText lists the filters applied ("all events" when none).
func filtersText(f *journeyFlags) string {
	var p []string
	if f.from != "" {
		p = append(p, "from "+f.from)
	}
	if f.to != "" {
		p = append(p, "before "+f.to)
	}
	if len(f.channels) > 0 {
		p = append(p, "channels "+strings.Join(f.channels, ", "))
	}
	if len(f.types) > 0 {
		p = append(p, "types "+strings.Join(f.types, ", "))
	}
	if f.segment != "" {
		p = append(p, "segment "+f.segment)
	}
	for _, t := range f.traits {
		p = append(p, "trait "+t)
	}
	if len(p) == 0 {
		return "all events"
	}
	return strings.Join(p, ", ")
}

// journeyText names the step labels and the split of the journeys:
// "by channel:type, sessions (30m gap)".
func journeyText(f *journeyFlags) string {
	s := "by " + f.label
	switch f.split {
	case "session", "sessions":
		g := f.gap.String()
		if strings.HasSuffix(g, "m0s") {
			g = strings.TrimSuffix(g, "0s")
		}
		if strings.HasSuffix(g, "h0m") {
			g = strings.TrimSuffix(g, "0m")
		}
		s += ", sessions (" + g + " gap)"
	case "conversion", "conversions":
		s += ", journeys ending at each order"
	}
	if f.collapse {
		s += ", repeats merged"
	}
	return s
}

func sankeyChart(fs *flag.FlagSet) chartBuild {
	f := addFilterFlags(fs)
	f.addStepFlags(fs, "channel:type")
	o := addPathFlags(fs)
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		o.CollapseRepeats = f.collapse
		d, err := openChartData(ctx, f, true)
		if err != nil {
			return nil, m, err
		}
		defer d.w.Close()
		r, err := d.w.Paths(ctx, d.q, *o)
		if err != nil {
			return nil, m, err
		}
		if r.Journeys == 0 {
			anchor := strings.TrimSpace(flagText("--start", o.Start) + " " + flagText("--end", o.End))
			return nil, m, fmt.Errorf("%w: no data to chart: none of the %s journeys passes %s under the %s labelling; list the steps with `workbench transitions --view activities --label %s` and the same filters",
				errUsage, chart.Thousands(r.Excluded), anchor, f.label, f.label)
		}
		m.Title = fmt.Sprintf("User paths: first %d steps", o.Steps)
		if o.Start != "" {
			m.Title += " from " + o.Start
		}
		if o.End != "" {
			m.Title += " up to " + o.End
		}
		m.Title += " " + journeyText(f)
		counts := chart.Plural(d.span.Customers, "customer") + ", " + chart.Plural(r.Journeys, "journey")
		if r.Excluded > 0 {
			counts += fmt.Sprintf(" (%s without the anchor left out)", chart.Thousands(r.Excluded))
		}
		m.Subtitle = d.subtitle(f, counts)
		p, err := chart.Sankey(r, m)
		return p, m, err
	}
}

func funnelChart(fs *flag.FlagSet) chartBuild {
	f := addFilterFlags(fs)
	f.addStepFlags(fs, "channel:type")
	ff := addFunnelFlags(fs)
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		opts, err := ff.options()
		if err != nil {
			return nil, m, err
		}
		d, err := openChartData(ctx, f, true)
		if err != nil {
			return nil, m, err
		}
		defer d.w.Close()
		if err := ff.breakdown(ctx, d.w, &opts); err != nil {
			return nil, m, err
		}
		r, err := d.w.Funnel(ctx, d.q, opts)
		if err != nil {
			return nil, m, err
		}
		entered := firstStep(r.Overall)
		if entered == 0 {
			return nil, m, fmt.Errorf("%w: no data to chart: no customer reaches step 1 (%s) in the events kept (%s); check the step against `workbench transitions --view activities --label %s` with the same filters",
				errUsage, ff.steps[0], filtersText(f), f.label)
		}
		m.Title = fmt.Sprintf("%s funnel, %s window: %.1f%% of %s customers converted",
			upperFirst(r.Mode), windowText(opts.Window), 100*r.Overall.Conversion, chart.Thousands(entered))
		if *ff.by != "" {
			m.Title = fmt.Sprintf("%s funnel by %s, %s window: %.1f%% of %s converted",
				upperFirst(r.Mode), *ff.by, windowText(opts.Window), 100*r.Overall.Conversion, chart.Thousands(entered))
		}
		m.Subtitle = d.subtitle(f, chart.Plural(d.span.Customers, "customer")+" · steps "+journeyText(f))
		p, err := chart.Funnel(r, m)
		return p, m, err
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// windowText writes a window as days when it is a whole number of days
// ("14-day").
func windowText(w time.Duration) string {
	if d := w.Hours() / 24; d == float64(int64(d)) {
		return strconv.FormatInt(int64(d), 10) + "-day"
	}
	return w.String()
}

func transitionsChart(fs *flag.FlagSet) chartBuild {
	f := addFilterFlags(fs)
	f.addStepFlags(fs, "channel:type")
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		d, err := openChartData(ctx, f, true)
		if err != nil {
			return nil, m, err
		}
		defer d.w.Close()
		r, err := d.w.Transitions(ctx, d.q)
		if err != nil {
			return nil, m, err
		}
		m.Title = "Next-step probabilities, steps " + journeyText(f)
		m.Subtitle = d.subtitle(f, chart.Plural(d.span.Customers, "customer")+", "+chart.Plural(r.Journeys, "journey")+", "+chart.Plural(r.Events, "event"))
		p, err := chart.Transitions(r.Matrix, m)
		return p, m, err
	}
}

func attributionChart(fs *flag.FlagSet) chartBuild {
	f := addFilterFlags(fs)
	f.addStepFlags(fs, "channel")
	a := addAttributionFlags(fs)
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		var sub string
		if a.pathsFile == "" {
			d, err := openChartData(ctx, f, true)
			if err != nil {
				return nil, m, err
			}
			sub = d.subtitle(f, chart.Plural(d.span.Customers, "customer"))
			d.w.Close()
		}
		groups, err := a.groups(f)
		if err != nil {
			return nil, m, err
		}
		if len(groups) != 1 {
			names := make([]string, len(groups))
			for i, g := range groups {
				names[i] = g.Group
			}
			return nil, m, fmt.Errorf("%w: a chart draws one group of customers and --by %s gives %d (%s); keep one with --segment or --trait instead of --by",
				errUsage, a.by, len(groups), strings.Join(names, ", "))
		}
		g := groups[0]
		conv := a.conv
		if conv == nil {
			conv = orderTypes
		}
		var models []string
		for _, r := range g.Results {
			models = append(models, chart.ModelName(r.Model))
		}
		m.Title = "Credit per " + f.label + ": " + strings.Join(models, ", ")
		if len(g.Results) > 2 {
			m.Title = fmt.Sprintf("Conversions credited to each %s by %d attribution models", f.label, len(g.Results))
		}
		if a.pathsFile != "" {
			var conversions float64
			if len(g.Results) > 0 {
				conversions = g.Results[0].TotalConversions + g.Results[0].Unattributed.Conversions
			}
			m.Subtitle = fmt.Sprintf("%s · %s distinct paths · %s conversions", filepath.Base(a.pathsFile), chart.Thousands(int64(g.Distinct)), strconv.FormatFloat(conversions, 'f', -1, 64))
		} else {
			if g.Conversions == 0 {
				return nil, m, fmt.Errorf("%w: no data to chart: none of the %s journeys kept (%s) has a conversion of type %s; name the conversion types with --conversion (list the types with `workbench transitions --view activities --label type`)",
					errUsage, chart.Thousands(g.Journeys), filtersText(f), strings.Join(conv, ", "))
			}
			m.Subtitle = sub + fmt.Sprintf(", %s, %s", chart.Plural(g.Journeys, "journey"), chart.Plural(g.Conversions, "conversion"))
			if a.lookback != "30d" {
				m.Subtitle += " · lookback " + a.lookback
			}
		}
		p, err := chart.Attribution(g.Results, m)
		return p, m, err
	}
}

func volumeChart(fs *flag.FlagSet) chartBuild {
	f := addFilterFlags(fs)
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		d, err := openChartData(ctx, f, false)
		if err != nil {
			return nil, m, err
		}
		defer d.w.Close()
		ef, err := storeFilter(ctx, d.w, d.q.Filter)
		if err != nil {
			return nil, m, err
		}
		rows, err := d.w.Store().DailyVolume(ctx, ef)
		if err != nil {
			return nil, m, err
		}
		v := chart.VolumeFromCounts(rows)
		m.Title = "Daily events by channel"
		m.Subtitle = d.subtitle(f, chart.Plural(d.span.Events, "event")+" of "+chart.Plural(d.span.Customers, "customer"))
		p, err := chart.Volume(v, m)
		return p, m, err
	}
}

// simInput resolves --in: a directory is where `workbench simulate --out`
// wrote its files, of which name is the one wanted.
func simInput(in, name string) (string, error) {
	if in == "" {
		return "", fmt.Errorf("%w: give --in DIR, the directory `workbench simulate --out DIR` wrote (or a file)", errUsage)
	}
	st, err := os.Stat(in)
	if err != nil {
		return "", fmt.Errorf("--in: %w", err)
	}
	if st.IsDir() {
		p := filepath.Join(in, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("--in %s: no %s there; write it with `workbench simulate --policies FILE --out %s`", in, name, in)
		}
		return p, nil
	}
	return in, nil
}

// readCSVFile reads a CSV file with a header into its header and rows.
func readCSVFile(path string) ([]string, [][]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: empty file", path)
	}
	head := recs[0]
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff")))
	}
	return head, recs[1:], nil
}

// csvColumns maps the wanted column names to their positions in head, or
// says which is missing.
func csvColumns(path string, head []string, want ...string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return nil, fmt.Errorf("%s: no column %q; the header must be %s", path, w, strings.Join(want, ","))
		}
	}
	return col, nil
}

// csvFloat parses cell col of row rec (line is for the error).
func csvFloat(path string, line int, rec []string, col map[string]int, name string) (float64, bool, error) {
	i, ok := col[name]
	if !ok || i >= len(rec) || strings.TrimSpace(rec[i]) == "" {
		return 0, false, nil
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s:%d: %s %q is not a number", path, line, name, rec[i])
	}
	return x, true, nil
}

func policiesChart(fs *flag.FlagSet) chartBuild {
	in := fs.String("in", "", "the directory `workbench simulate --out DIR` wrote, its comparison.json, or a CSV policy,method,value,lo,hi")
	var measure listFlag
	fs.Var(&measure, "measure", "from a comparison.json: net, uplift (both per customer) or ope (per logged decision)")
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		path, err := simInput(*in, "comparison.json")
		if err != nil {
			return nil, m, err
		}
		var est []chart.Estimate
		if strings.EqualFold(filepath.Ext(path), ".csv") {
			if len(measure) > 0 {
				return nil, m, fmt.Errorf("%w: --measure applies to a comparison.json; a CSV gives its methods in its method column", errUsage)
			}
			if est, err = readEstimatesCSV(path); err != nil {
				return nil, m, err
			}
			m.Title = "Policy comparison"
			m.Subtitle = fmt.Sprintf("%s · %d policies · 95%% intervals", filepath.Base(path), countPolicies(est))
		} else {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, m, err
			}
			var cmp compare.Comparison
			if err := json.Unmarshal(b, &cmp); err != nil {
				return nil, m, fmt.Errorf("%s: not a comparison written by `workbench simulate --out`: %v", path, err)
			}
			if est, err = comparisonEstimates(path, &cmp, measure, &m); err != nil {
				return nil, m, err
			}
		}
		if len(est) == 0 {
			return nil, m, fmt.Errorf("%s: no policies to chart", path)
		}
		p, err := chart.PolicyComparison(est, m)
		return p, m, err
	}
}

func countPolicies(est []chart.Estimate) int {
	seen := map[string]bool{}
	for _, e := range est {
		seen[e.Policy] = true
	}
	return len(seen)
}

// readEstimatesCSV reads policy,method,value,lo,hi rows.
func readEstimatesCSV(path string) ([]chart.Estimate, error) {
	head, recs, err := readCSVFile(path)
	if err != nil {
		return nil, err
	}
	col, err := csvColumns(path, head, "policy", "method", "value", "lo", "hi")
	if err != nil {
		return nil, err
	}
	var est []chart.Estimate
	for i, r := range recs {
		line := i + 2
		e := chart.Estimate{Policy: cell(r, col["policy"]), Method: cell(r, col["method"])}
		var ok [3]bool
		for k, name := range []string{"value", "lo", "hi"} {
			x, has, err := csvFloat(path, line, r, col, name)
			if err != nil {
				return nil, err
			}
			ok[k] = has
			*[]*float64{&e.Value, &e.Lo, &e.Hi}[k] = x
		}
		if !ok[0] || !ok[1] || !ok[2] {
			return nil, fmt.Errorf("%s:%d: value, lo and hi are all needed", path, line)
		}
		est = append(est, e)
	}
	return est, nil
}

func cell(r []string, i int) string {
	if i < len(r) {
		return strings.TrimSpace(r[i])
	}
	return ""
}

// comparisonEstimates takes the measures asked for from a comparison and
// sets the chart's title, subtitle and value axis.
func comparisonEstimates(path string, cmp *compare.Comparison, measure []string, m *chart.Meta) ([]chart.Estimate, error) {
	hasSim := false
	for _, r := range cmp.Rows {
		if r.SimNet != nil {
			hasSim = true
		}
	}
	if len(measure) == 0 {
		measure = []string{"ope"}
		if hasSim {
			measure = []string{"net"}
		}
	}
	for _, x := range measure {
		if _, ok := compare.MeasureNames[x]; !ok {
			return nil, fmt.Errorf("%w: --measure %q: use net, uplift or ope", errUsage, x)
		}
		if x == "ope" && len(measure) > 1 {
			return nil, fmt.Errorf("%w: --measure ope is per logged decision and net/uplift per customer: chart them separately", errUsage)
		}
		if x != "ope" && !hasSim {
			return nil, fmt.Errorf("%w: --measure %s: %s has no simulation (it was run with --method ope); use --measure ope", errUsage, x, path)
		}
	}
	if measure[0] == "ope" && cmp.OPE == nil {
		return nil, fmt.Errorf("%w: --measure ope: %s has no off-policy evaluation (it was run with --method sim); use --measure net", errUsage, path)
	}
	est, err := compare.PolicyEstimates(cmp, measure...)
	if err != nil {
		return nil, fmt.Errorf("%w: --measure: %v", errUsage, err)
	}
	cm := compare.PolicyChartMeta(cmp, measure...)
	m.Title, m.YLabel = cm.Title, cm.YLabel
	m.Subtitle = filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path) + " · " + cm.Subtitle
	return est, nil
}

func learningChart(fs *flag.FlagSet) chartBuild {
	in := fs.String("in", "", "the directory `workbench simulate --out DIR` wrote, its curves.csv, or a CSV series,x,y,lo,hi")
	var keep listFlag
	fs.Var(&keep, "series", "draw only these curves (policy names, comma-separated)")
	return func(ctx context.Context, m chart.Meta) (*plot.Plot, chart.Meta, error) {
		path, err := simInput(*in, "curves.csv")
		if err != nil {
			return nil, m, err
		}
		series, fromSim, err := readSeriesCSV(path)
		if err != nil {
			return nil, m, err
		}
		if len(keep) > 0 {
			var kept []chart.Series
			for _, name := range keep {
				i := slices.IndexFunc(series, func(s chart.Series) bool { return s.Name == name })
				if i < 0 {
					names := make([]string, len(series))
					for j, s := range series {
						names[j] = s.Name
					}
					return nil, m, fmt.Errorf("%w: --series %q: %s has %s", errUsage, name, path, strings.Join(names, ", "))
				}
				kept = append(kept, series[i])
			}
			series = kept
		}
		if len(series) == 0 {
			return nil, m, fmt.Errorf("%s: no curves to chart", path)
		}
		m.Title = "Learning curves"
		m.Subtitle = fmt.Sprintf("%s · %d curves", filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), len(series))
		if fromSim {
			lm := compare.LearningChartMeta(nil)
			m.Title, m.XLabel, m.YLabel = lm.Title, lm.XLabel, lm.YLabel
			m.Subtitle += simulationText(filepath.Join(filepath.Dir(path), "comparison.json"))
		}
		p, err := chart.LearningCurves(series, m)
		return p, m, err
	}
}

// simulationText describes the simulation of the comparison.json next to
// the curves (empty when it is absent).
func simulationText(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var cmp compare.Comparison
	if json.Unmarshal(b, &cmp) != nil || cmp.Sim == nil || cmp.Sim.Result == nil {
		return ""
	}
	r := cmp.Sim.Result
	return fmt.Sprintf(" · %s customers × %d days, seed %d", chart.Thousands(int64(r.Customers)), r.HorizonDays, r.Seed)
}

// readSeriesCSV reads learning curves: the curves.csv of `workbench
// simulate` (policy,learner,day,decisions,mean_reward; fromSim true) or
// series,x,y,lo,hi. Series keep the order of their first row.
func readSeriesCSV(path string) (series []chart.Series, fromSim bool, err error) {
	head, recs, err := readCSVFile(path)
	if err != nil {
		return nil, false, err
	}
	name, x, y := "series", "x", "y"
	if slices.Contains(head, "mean_reward") {
		name, x, y, fromSim = "policy", "day", "mean_reward", true
	}
	col, err := csvColumns(path, head, name, x, y)
	if err != nil {
		return nil, false, fmt.Errorf("%w (or policy,learner,day,decisions,mean_reward as `workbench simulate` writes)", err)
	}
	idx := map[string]int{}
	for i, r := range recs {
		line := i + 2
		n := cell(r, col[name])
		k, ok := idx[n]
		if !ok {
			k = len(series)
			idx[n] = k
			series = append(series, chart.Series{Name: n})
		}
		s := &series[k]
		xv, okx, err := csvFloat(path, line, r, col, x)
		if err != nil {
			return nil, false, err
		}
		yv, oky, err := csvFloat(path, line, r, col, y)
		if err != nil {
			return nil, false, err
		}
		if !okx || !oky {
			return nil, false, fmt.Errorf("%s:%d: %s and %s are needed", path, line, x, y)
		}
		lo, okl, err := csvFloat(path, line, r, col, "lo")
		if err != nil {
			return nil, false, err
		}
		hi, okh, err := csvFloat(path, line, r, col, "hi")
		if err != nil {
			return nil, false, err
		}
		if okl != okh || (okl && len(s.Lo) != len(s.X)) || (!okl && len(s.Lo) > 0) {
			return nil, false, fmt.Errorf("%s:%d: give lo and hi on every row of series %q or on none", path, line, n)
		}
		if len(s.X) > 0 && xv <= s.X[len(s.X)-1] {
			return nil, false, fmt.Errorf("%s:%d: %s of series %q must increase from row to row", path, line, x, n)
		}
		s.X, s.Y = append(s.X, xv), append(s.Y, yv)
		if okl {
			s.Lo, s.Hi = append(s.Lo, lo), append(s.Hi, hi)
		}
	}
	return series, fromSim, nil
}

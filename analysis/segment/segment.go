package segment

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"
)

// Definition is a named rule segment as the store saves it: a CEL
// expression over a customer's features, traits and consents that is true
// for the customers in the segment.
type Definition struct {
	Name        string `json:"name"`
	Expr        string `json:"expr"`
	Description string `json:"description,omitempty"`
}

// Validate checks that the definition can be saved: a name of 1 to 64
// characters without surrounding spaces or control characters, and an
// expression that compiles (see Compile).
func (d Definition) Validate() error {
	name := d.Name
	switch {
	case name == "":
		return errors.New("segment: the segment needs a name (for example lapsed_buyers)")
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("segment: name %q has leading or trailing spaces; remove them", name)
	case utf8.RuneCountInString(name) > 64:
		return fmt.Errorf("segment: name %q is longer than 64 characters; shorten it", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("segment: name %q contains control characters; use letters, digits, spaces, - or _", name)
	}
	_, err := d.Compile()
	return err
}

// Compile compiles the definition's expression; see Compile.
func (d Definition) Compile() (*Segment, error) {
	s, err := Compile(d.Expr)
	if err != nil {
		var ce *CompileError
		if errors.As(err, &ce) {
			ce.Name = d.Name
		}
		return nil, err
	}
	return s, nil
}

// Variable describes one variable a segment expression can use.
type Variable struct {
	Name        string
	Type        string // CEL type: int, double, string, list(string), map(string, int) …
	Description string
}

// Variables are the variables of a segment expression, in the order shown
// in help screens. Counts are CEL int, money and shares CEL double; an int
// and a double compare directly (monetary > 100), but arithmetic needs one
// type (double(orders)).
var Variables = []Variable{
	{"recency_days", "int", "whole days from the last event to the as-of time"},
	{"tenure_days", "int", "whole days from the first event to the as-of time"},
	{"frequency", "int", "number of events"},
	{"orders", "int", "number of order events"},
	{"monetary", "double", "sum of revenue"},
	{"aov", "double", "average order value: monetary / orders (0 without orders)"},
	{"sessions", "int", "number of sessions (30-minute inactivity gap unless configured)"},
	{"channels", "list(string)", "channels used, sorted: 'sms' in channels"},
	{"channel_count", "map(string, int)", "events per channel used: channel_count.web > 3"},
	{"channel_share", "map(string, double)", "share of events per channel used: channel_share.app >= 0.5"},
	{"last_step", "string", "step label of the last event, e.g. 'web:Product Added'"},
	{"first_channel", "string", "channel of the first event"},
	{"last_channel", "string", "channel of the last event"},
	{"days_active", "int", "distinct UTC days with an event"},
	{"carts_abandoned", "int", "sessions with an add-to-cart not followed by an order"},
	{"traits", "map(string, string)", "profile traits: traits.loyalty_tier == 'gold'"},
	{"consents", "map(string, bool)", "consent per channel: consents.sms"},
}

var (
	envOnce sync.Once
	envVal  *cel.Env
	envErr  error
)

// env returns the CEL environment shared by all segments: the standard
// library, the Variables, cross-type numeric comparisons (monetary > 100)
// and optional values (traits.?x.orValue("")).
func env() (*cel.Env, error) {
	envOnce.Do(func() {
		str := cel.ListType(cel.StringType)
		envVal, envErr = cel.NewEnv(
			cel.CrossTypeNumericComparisons(true),
			cel.OptionalTypes(),
			cel.Variable("recency_days", cel.IntType),
			cel.Variable("tenure_days", cel.IntType),
			cel.Variable("frequency", cel.IntType),
			cel.Variable("orders", cel.IntType),
			cel.Variable("monetary", cel.DoubleType),
			cel.Variable("aov", cel.DoubleType),
			cel.Variable("sessions", cel.IntType),
			cel.Variable("channels", str),
			cel.Variable("channel_count", cel.MapType(cel.StringType, cel.IntType)),
			cel.Variable("channel_share", cel.MapType(cel.StringType, cel.DoubleType)),
			cel.Variable("last_step", cel.StringType),
			cel.Variable("first_channel", cel.StringType),
			cel.Variable("last_channel", cel.StringType),
			cel.Variable("days_active", cel.IntType),
			cel.Variable("carts_abandoned", cel.IntType),
			cel.Variable("traits", cel.MapType(cel.StringType, cel.StringType)),
			cel.Variable("consents", cel.MapType(cel.StringType, cel.BoolType)),
		)
	})
	return envVal, envErr
}

// Issue is one problem found in a segment expression. Line and Column are
// 1-based; Column counts characters (Unicode code points) from the start
// of the line.
type Issue struct {
	Line    int
	Column  int
	Message string
}

// CompileError is returned by Compile: the expression and every issue found,
// each pointing at a line and column.
type CompileError struct {
	Name   string // segment name when compiled from a Definition
	Expr   string
	Issues []Issue
}

// Error renders every issue as "line L, column C: message", followed by the
// offending line with a caret under the column, and says what to do next.
func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("segment")
	if e.Name != "" {
		fmt.Fprintf(&b, " %q", e.Name)
	}
	b.WriteString(": invalid expression")
	lines := strings.Split(e.Expr, "\n")
	for _, is := range e.Issues {
		fmt.Fprintf(&b, "\n  line %d, column %d: %s", is.Line, is.Column, is.Message)
		if is.Line >= 1 && is.Line <= len(lines) {
			src := []rune(strings.ReplaceAll(lines[is.Line-1], "\t", " "))
			col := min(max(is.Column-1, 0), len(src))
			fmt.Fprintf(&b, "\n    %s\n    %s^", string(src), strings.Repeat(" ", col))
		}
	}
	b.WriteString("\n  fix the expression and compile again; the variables are listed by segment.Variables")
	return b.String()
}

// Segment is a compiled segment expression. It is safe for concurrent use.
type Segment struct {
	expr string
	prg  cel.Program
	pool sync.Pool // *activation
}

// Compile parses and type-checks a CEL expression over the segment
// Variables and returns a Segment ready to match customers. The expression
// must give a boolean; any error is a *CompileError whose issues point at
// the line and column of each problem. Examples:
//
//	recency_days > 30 && orders >= 2
//	'sms' in channels && monetary > 100
//	traits.loyalty_tier == 'gold'
//	has(consents.sms) && consents.sms && carts_abandoned >= 2
//	channel_share.?app.orValue(0.0) >= 0.5
func Compile(expr string) (*Segment, error) {
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("segment: building the expression environment: %w", err)
	}
	if strings.TrimSpace(expr) == "" {
		return nil, &CompileError{Expr: expr, Issues: []Issue{{1, 1, "empty expression: write a condition such as orders >= 2"}}}
	}
	ast, iss := e.Compile(expr)
	if iss != nil && iss.Err() != nil {
		ce := &CompileError{Expr: expr}
		for _, ie := range iss.Errors() {
			msg := ie.Message
			if strings.HasPrefix(msg, "undeclared reference to") {
				msg += " (known variables: " + variableNames() + ")"
			}
			ce.Issues = append(ce.Issues, Issue{Line: ie.Location.Line(), Column: ie.Location.Column() + 1, Message: msg})
		}
		return nil, ce
	}
	if out := ast.OutputType(); !out.IsExactType(cel.BoolType) {
		return nil, &CompileError{Expr: expr, Issues: []Issue{{1, 1, fmt.Sprintf(
			"the expression gives a value of type %s, but a segment needs a boolean (true/false): compare it, e.g. %s > 0",
			out.String(), strings.TrimSpace(expr))}}}
	}
	prg, err := e.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &CompileError{Expr: expr, Issues: []Issue{{1, 1, err.Error()}}}
	}
	s := &Segment{expr: expr, prg: prg}
	s.pool.New = func() any { return &activation{} }
	return s, nil
}

func variableNames() string {
	names := make([]string, len(Variables))
	for i, v := range Variables {
		names[i] = v.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Expr returns the source expression.
func (s *Segment) Expr() string { return s.expr }

// Match reports whether the customer with features f, traits and consents
// is in the segment, i.e. whether the expression evaluates to true.
//
// Reading a map key the customer does not have (traits.loyalty_tier for a
// customer without a tier, channel_count.sms for one who never used SMS)
// makes the expression not match, as a comparison with NULL does in SQL;
// write has(traits.loyalty_tier), 'sms' in channels or
// traits.?loyalty_tier.orValue("") to test or default a missing key. Other
// evaluation errors (integer overflow, division by zero) are returned.
// traits and consents may be nil.
func (s *Segment) Match(f *Features, traits map[string]string, consents map[string]bool) (bool, error) {
	a := s.pool.Get().(*activation)
	a.reset(f, traits, consents)
	out, _, err := s.prg.Eval(a)
	a.f, a.traits, a.consents = nil, nil, nil
	s.pool.Put(a)
	if err != nil {
		if strings.HasPrefix(err.Error(), "no such key") {
			return false, nil
		}
		return false, fmt.Errorf("segment %q: customer %d: %w", s.expr, f.Customer, err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("segment %q: customer %d: expression gave %v, not a boolean", s.expr, f.Customer, out)
	}
	return bool(b), nil
}

// activation resolves the segment variables from one customer's features
// lazily: only the variables an expression reads are converted, and the
// channel list and maps reuse scratch storage across customers.
type activation struct {
	f        *Features
	traits   map[string]string
	consents map[string]bool

	clist     channelList
	chanList  []string
	chanCount map[string]int64
	chanShare map[string]float64
	built     uint8 // bit 0 chanList, bit 1 chanCount, bit 2 chanShare
}

var (
	emptyTraits   = map[string]string{}
	emptyConsents = map[string]bool{}
)

func (a *activation) reset(f *Features, traits map[string]string, consents map[string]bool) {
	a.f = f
	a.traits, a.consents = traits, consents
	if a.traits == nil {
		a.traits = emptyTraits
	}
	if a.consents == nil {
		a.consents = emptyConsents
	}
	a.built = 0
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	f := a.f
	switch name {
	case "recency_days":
		return types.Int(f.RecencyDays), true
	case "tenure_days":
		return types.Int(f.TenureDays), true
	case "frequency":
		return types.Int(f.Frequency), true
	case "orders":
		return types.Int(f.Orders), true
	case "monetary":
		return types.Double(f.Monetary), true
	case "aov":
		return types.Double(f.AOV), true
	case "sessions":
		return types.Int(f.Sessions), true
	case "last_step":
		return types.String(f.LastStep), true
	case "first_channel":
		return types.String(f.FirstChannel), true
	case "last_channel":
		return types.String(f.LastChannel), true
	case "days_active":
		return types.Int(f.DaysActive), true
	case "carts_abandoned":
		return types.Int(f.CartsAbandoned), true
	case "traits":
		return a.traits, true
	case "consents":
		return a.consents, true
	case "channels":
		a.clist.a = a
		return &a.clist, true
	case "channel_count":
		if a.built&2 == 0 {
			if a.chanCount == nil {
				a.chanCount = make(map[string]int64, 8)
			}
			clear(a.chanCount)
			for i := range f.Channels {
				a.chanCount[f.Channels[i].Channel] = f.Channels[i].Events
			}
			a.built |= 2
		}
		return a.chanCount, true
	case "channel_share":
		if a.built&4 == 0 {
			if a.chanShare == nil {
				a.chanShare = make(map[string]float64, 8)
			}
			clear(a.chanShare)
			for i := range f.Channels {
				a.chanShare[f.Channels[i].Channel] = f.Channels[i].Share
			}
			a.built |= 4
		}
		return a.chanShare, true
	}
	return nil, false
}

// channelList is the CEL value of the channels variable: a list(string)
// read straight from Features.Channels, so that 'sms' in channels and
// size(channels) allocate nothing. Other list operations delegate to a
// standard CEL string list.
type channelList struct {
	a *activation
}

func (l *channelList) full() traits.Lister {
	a := l.a
	if a.built&1 == 0 {
		a.chanList = a.chanList[:0]
		for i := range a.f.Channels {
			a.chanList = append(a.chanList, a.f.Channels[i].Channel)
		}
		a.built |= 1
	}
	return types.NewStringList(types.DefaultTypeAdapter, a.chanList).(traits.Lister)
}

func (l *channelList) ConvertToNative(t reflect.Type) (any, error) {
	return l.full().ConvertToNative(t)
}
func (l *channelList) ConvertToType(t ref.Type) ref.Val { return l.full().ConvertToType(t) }
func (l *channelList) Equal(o ref.Val) ref.Val          { return l.full().Equal(o) }
func (l *channelList) Type() ref.Type                   { return types.ListType }
func (l *channelList) Value() any                       { return l.full().Value() }
func (l *channelList) Add(o ref.Val) ref.Val            { return l.full().Add(o) }
func (l *channelList) Get(i ref.Val) ref.Val            { return l.full().Get(i) }
func (l *channelList) Iterator() traits.Iterator        { return l.full().Iterator() }
func (l *channelList) Size() ref.Val                    { return types.Int(len(l.a.f.Channels)) }

// Contains reports whether the channel v was used.
func (l *channelList) Contains(v ref.Val) ref.Val {
	s, ok := v.(types.String)
	if !ok {
		return l.full().Contains(v)
	}
	for i := range l.a.f.Channels {
		if l.a.f.Channels[i].Channel == string(s) {
			return types.True
		}
	}
	return types.False
}

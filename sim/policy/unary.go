package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Type is the type of a state feature: the typeRef of a DMN input.
type Type uint8

// Feature types.
const (
	Number Type = iota + 1
	String
	Bool
)

func (t Type) String() string {
	switch t {
	case Number:
		return "number"
	case String:
		return "string"
	case Bool:
		return "boolean"
	}
	return "unknown"
}

// ParseType reads "number", "string" or "boolean" (also "bool").
func ParseType(s string) (Type, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "number", "num", "float", "int", "integer":
		return Number, nil
	case "string", "str", "text":
		return String, nil
	case "boolean", "bool":
		return Bool, nil
	}
	return 0, fmt.Errorf("unknown input type %q: use number, string or boolean", s)
}

// Value is the value of one state feature. Missing marks a feature the
// state does not have: it satisfies only the "any" test (-).
type Value struct {
	Num     float64
	Str     string
	Bool    bool
	Missing bool
}

// Num, Str and Bool make values.
func NumValue(f float64) Value  { return Value{Num: f} }
func StrValue(s string) Value   { return Value{Str: s} }
func BoolValue(b bool) Value    { return Value{Bool: b} }
func MissingValue() Value       { return Value{Missing: true} }
func (v Value) isMissing() bool { return v.Missing }

// op is the comparison of one unary-test item.
type op uint8

const (
	opEq op = iota + 1
	opLt
	opLe
	opGt
	opGe
	opRange
)

// item is one positive unary test: a comparison with a literal, or an
// interval [lo..hi] with open or closed ends.
type item struct {
	op     op
	num    float64
	hi     float64
	loOpen bool
	hiOpen bool
	str    string
	b      bool
}

// Test is a DMN unary test over one input, the subset of FEEL that a
// decision table's input entry needs:
//
//   - any value (also the empty string)
//     < 30   <= 30   > 5   >= 5          comparisons with a number
//     [10..20]  (10..20]  [10..20)  ]10..20[   intervals (open ends with ( ) or ] [ )
//     7   "gold"   true               equality with a literal
//     "gold","silver"   1,2,3          a list: any item matches
//     not("gold","silver")             negation of a list
//
// A Test is typed by its input: numbers compare numerically, strings by
// exact equality, booleans by equality. A missing value matches only "-".
type Test struct {
	typ    Type
	any    bool
	negate bool
	items  []item
	src    string
}

// Any reports whether the test matches every value ("-").
func (t Test) Any() bool { return t.any }

// String returns the test in FEEL unary-test syntax, normalised.
func (t Test) String() string { return t.FEEL() }

// ParseTest parses a unary test for an input of type typ.
func ParseTest(src string, typ Type) (Test, error) {
	s := strings.TrimSpace(src)
	t := Test{typ: typ, src: s}
	if s == "" || s == "-" {
		t.any = true
		return t, nil
	}
	if strings.HasPrefix(s, "not(") && strings.HasSuffix(s, ")") {
		t.negate = true
		s = strings.TrimSpace(s[4 : len(s)-1])
		if s == "" {
			return t, fmt.Errorf("unary test %q: not() needs at least one value", src)
		}
	}
	parts, err := splitList(s)
	if err != nil {
		return t, fmt.Errorf("unary test %q: %v", src, err)
	}
	for _, p := range parts {
		it, err := parseItem(p, typ)
		if err != nil {
			return t, fmt.Errorf("unary test %q: %v", src, err)
		}
		t.items = append(t.items, it)
	}
	return t, nil
}

// MustTest is ParseTest that panics on error, for literals in code and tests.
func MustTest(src string, typ Type) Test {
	t, err := ParseTest(src, typ)
	if err != nil {
		panic(err)
	}
	return t
}

// splitList splits on commas outside double quotes and brackets.
func splitList(s string) ([]string, error) {
	var parts []string
	depth, inQ, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQ = !inQ
		case inQ:
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			depth--
		case c == ',' && depth <= 0:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
			depth = 0
		}
	}
	if inQ {
		return nil, fmt.Errorf("unterminated string")
	}
	parts = append(parts, strings.TrimSpace(s[start:]))
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("empty item in list")
		}
	}
	return parts, nil
}

func parseItem(p string, typ Type) (item, error) {
	switch typ {
	case String:
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			inner := p[1 : len(p)-1]
			if strings.ContainsRune(inner, '"') {
				return item{}, fmt.Errorf("string %s contains a quote", p)
			}
			return item{op: opEq, str: inner}, nil
		}
		return item{}, fmt.Errorf("string values are written in double quotes, e.g. \"%s\"", p)
	case Bool:
		switch p {
		case "true":
			return item{op: opEq, b: true}, nil
		case "false":
			return item{op: opEq, b: false}, nil
		}
		return item{}, fmt.Errorf("boolean values are true or false, not %s", p)
	case Number:
		for _, pre := range []struct {
			s  string
			op op
		}{{"<=", opLe}, {">=", opGe}, {"<", opLt}, {">", opGt}, {"=", opEq}} {
			if strings.HasPrefix(p, pre.s) {
				f, err := parseNum(strings.TrimSpace(p[len(pre.s):]))
				if err != nil {
					return item{}, err
				}
				return item{op: pre.op, num: f}, nil
			}
		}
		if c := p[0]; c == '[' || c == '(' || c == ']' {
			end := p[len(p)-1]
			if end != ']' && end != ')' && end != '[' {
				return item{}, fmt.Errorf("interval %s must end with ] or ) or [", p)
			}
			body := p[1 : len(p)-1]
			dots := strings.Index(body, "..")
			if dots < 0 {
				return item{}, fmt.Errorf("interval %s needs two bounds separated by ..", p)
			}
			lo, err := parseNum(strings.TrimSpace(body[:dots]))
			if err != nil {
				return item{}, err
			}
			hi, err := parseNum(strings.TrimSpace(body[dots+2:]))
			if err != nil {
				return item{}, err
			}
			if lo > hi {
				return item{}, fmt.Errorf("interval %s has its lower bound above its upper bound", p)
			}
			return item{op: opRange, num: lo, hi: hi, loOpen: c != '[', hiOpen: end != ']'}, nil
		}
		f, err := parseNum(p)
		if err != nil {
			return item{}, err
		}
		return item{op: opEq, num: f}, nil
	}
	return item{}, fmt.Errorf("unknown input type")
}

func parseNum(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// Match reports whether v satisfies the test.
func (t *Test) Match(v Value) bool {
	if t.any {
		return true
	}
	if v.Missing {
		return false
	}
	m := false
	for i := range t.items {
		if t.items[i].match(t.typ, v) {
			m = true
			break
		}
	}
	return m != t.negate
}

func (it *item) match(typ Type, v Value) bool {
	switch typ {
	case String:
		return v.Str == it.str
	case Bool:
		return v.Bool == it.b
	}
	x := v.Num
	switch it.op {
	case opEq:
		return x == it.num
	case opLt:
		return x < it.num
	case opLe:
		return x <= it.num
	case opGt:
		return x > it.num
	case opGe:
		return x >= it.num
	case opRange:
		lo := x > it.num || (!it.loOpen && x == it.num)
		hi := x < it.hi || (!it.hiOpen && x == it.hi)
		return lo && hi
	}
	return false
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// FEEL returns the test as a FEEL unary test (the text of a DMN input entry).
func (t Test) FEEL() string {
	if t.any {
		return "-"
	}
	parts := make([]string, len(t.items))
	for i, it := range t.items {
		parts[i] = it.feel(t.typ)
	}
	s := strings.Join(parts, ",")
	if t.negate {
		return "not(" + s + ")"
	}
	return s
}

func (it item) feel(typ Type) string {
	switch typ {
	case String:
		return strconv.Quote(it.str)
	case Bool:
		return strconv.FormatBool(it.b)
	}
	switch it.op {
	case opLt:
		return "< " + fmtNum(it.num)
	case opLe:
		return "<= " + fmtNum(it.num)
	case opGt:
		return "> " + fmtNum(it.num)
	case opGe:
		return ">= " + fmtNum(it.num)
	case opRange:
		lo, hi := "[", "]"
		if it.loOpen {
			lo = "("
		}
		if it.hiOpen {
			hi = ")"
		}
		return lo + fmtNum(it.num) + ".." + fmtNum(it.hi) + hi
	}
	return fmtNum(it.num)
}

// CEL returns the test as a CEL boolean expression over the variable
// name: the same predicate, for rule sets executed with cel-go. Numbers
// are written as doubles so they compare with double-typed inputs.
func (t Test) CEL(name string) string {
	if t.any {
		return "true"
	}
	parts := make([]string, len(t.items))
	for i, it := range t.items {
		parts[i] = it.cel(t.typ, name)
	}
	s := strings.Join(parts, " || ")
	if len(parts) > 1 || t.negate {
		s = "(" + s + ")"
	}
	if t.negate {
		return "!" + s
	}
	return s
}

func celNum(f float64) string {
	s := fmtNum(f)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

func (it item) cel(typ Type, name string) string {
	switch typ {
	case String:
		return name + " == " + strconv.Quote(it.str)
	case Bool:
		return name + " == " + strconv.FormatBool(it.b)
	}
	switch it.op {
	case opLt:
		return name + " < " + celNum(it.num)
	case opLe:
		return name + " <= " + celNum(it.num)
	case opGt:
		return name + " > " + celNum(it.num)
	case opGe:
		return name + " >= " + celNum(it.num)
	case opRange:
		lo, hi := " >= ", " <= "
		if it.loOpen {
			lo = " > "
		}
		if it.hiOpen {
			hi = " < "
		}
		return "(" + name + lo + celNum(it.num) + " && " + name + hi + celNum(it.hi) + ")"
	}
	return name + " == " + celNum(it.num)
}

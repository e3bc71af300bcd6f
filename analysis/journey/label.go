package journey

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// LabelBy says what names a step.
type LabelBy int

const (
	// ByType labels a step with the event type (page_view, open, …).
	ByType LabelBy = iota
	// ByChannel labels a step with the channel (web, email, …).
	ByChannel
	// ByChannelType labels a step "channel:type" (email:open).
	ByChannelType
	// ByProperty labels a step with the value of one property of the
	// event (LabelSpec.Property); events without it are labelled
	// NoValueLabel.
	ByProperty
	// ByCampaign labels a step with the campaign ("" → NoValueLabel).
	ByCampaign
)

// NoValueLabel labels a step whose property (or campaign) is absent.
const NoValueLabel = "(none)"

// Rule groups raw labels: a raw label that the regular expression Pattern
// matches in full (it is anchored: ^(?:Pattern)$) is renamed Label.
type Rule struct {
	Pattern string `json:"pattern"`
	Label   string `json:"label"`
}

// LabelSpec is the choice of step label: a raw label (By, Property) and an
// ordered list of grouping rules applied to it, the first matching rule
// winning; a raw label no rule matches is kept as is.
type LabelSpec struct {
	By       LabelBy `json:"by"`
	Property string  `json:"property,omitempty"`
	Rules    []Rule  `json:"rules,omitempty"`
}

// ParseLabelBy reads a label choice as written on a command line: "type",
// "channel", "channel:type", "campaign" or "prop:KEY" (also "property:KEY").
func ParseLabelBy(s string) (LabelSpec, error) {
	switch s {
	case "", "type":
		return LabelSpec{By: ByType}, nil
	case "channel":
		return LabelSpec{By: ByChannel}, nil
	case "channel:type":
		return LabelSpec{By: ByChannelType}, nil
	case "campaign":
		return LabelSpec{By: ByCampaign}, nil
	}
	for _, p := range []string{"prop:", "property:"} {
		if k, ok := strings.CutPrefix(s, p); ok && k != "" {
			return LabelSpec{By: ByProperty, Property: k}, nil
		}
	}
	return LabelSpec{}, fmt.Errorf("journey: unknown step label %q; use type, channel, channel:type, campaign or prop:KEY", s)
}

// ParseRule reads a grouping rule written "PATTERN → LABEL" (or
// "PATTERN -> LABEL"), e.g. "/product/.* → product page".
func ParseRule(s string) (Rule, error) {
	for _, sep := range []string{"→", "->"} {
		if p, l, ok := strings.Cut(s, sep); ok {
			r := Rule{Pattern: strings.TrimSpace(p), Label: strings.TrimSpace(l)}
			if r.Pattern == "" || r.Label == "" {
				break
			}
			if _, err := regexp.Compile(r.Pattern); err != nil {
				return Rule{}, fmt.Errorf("journey: rule %q: bad pattern: %v", s, err)
			}
			return r, nil
		}
	}
	return Rule{}, fmt.Errorf("journey: rule %q: write it as PATTERN -> LABEL, e.g. \"/product/.* -> product page\"", s)
}

// String writes the spec as ParseLabelBy reads it.
func (l LabelSpec) String() string {
	switch l.By {
	case ByChannel:
		return "channel"
	case ByChannelType:
		return "channel:type"
	case ByCampaign:
		return "campaign"
	case ByProperty:
		return "prop:" + l.Property
	}
	return "type"
}

// labeler maps events to label ids. The raw label of an event is a small
// integer (a dictionary id, or channel×types+type); raw → final label is a
// slice lookup computed once per distinct raw label.
type labeler struct {
	by     LabelBy
	ntypes int
	prop   int     // index of the property column for ByProperty
	rawMap []int32 // raw id → label id
	labels []string
	ids    map[string]int32 // label → id
}

// labelerCacheSize is the number of label choices whose mapping a Dataset
// keeps, so that re-queries with the same labels skip the regex work.
const labelerCacheSize = 8

// labelerFor returns the (cached) labeler of spec.
func (d *Dataset) labelerFor(spec LabelSpec) (*labeler, error) {
	key := fmt.Sprintf("%d\x00%s\x00%q", spec.By, spec.Property, spec.Rules)
	d.lbMu.Lock()
	for _, e := range d.lbCache {
		if e.key == key {
			d.lbMu.Unlock()
			return e.lb, nil
		}
	}
	d.lbMu.Unlock()
	lb, err := d.newLabeler(spec)
	if err != nil {
		return nil, err
	}
	d.lbMu.Lock()
	d.lbCache = append(d.lbCache, labelerEntry{key, lb})
	if len(d.lbCache) > labelerCacheSize {
		d.lbCache = d.lbCache[1:]
	}
	d.lbMu.Unlock()
	return lb, nil
}

type labelerEntry struct {
	key string
	lb  *labeler
}

func (d *Dataset) newLabeler(spec LabelSpec) (*labeler, error) {
	lb := &labeler{by: spec.By, ntypes: len(d.types)}
	var raws []string
	switch spec.By {
	case ByType:
		raws = d.types
	case ByChannel:
		raws = d.channels
	case ByCampaign:
		raws = slices.Clone(d.campaigns)
		raws[0] = NoValueLabel
	case ByChannelType:
		raws = make([]string, len(d.channels)*len(d.types))
		for c, cn := range d.channels {
			for t, tn := range d.types {
				raws[c*len(d.types)+t] = cn + ":" + tn
			}
		}
	case ByProperty:
		k := slices.Index(d.propKeys, spec.Property)
		if k < 0 {
			return nil, fmt.Errorf("journey: property %q was not kept when the data was encoded (kept: %s); rebuild with BuildOptions.Properties including it", spec.Property, strings.Join(d.propKeys, ", "))
		}
		lb.prop = k
		raws = append([]string{NoValueLabel}, d.propVals[k]...)
	default:
		return nil, fmt.Errorf("journey: unknown label choice %d", spec.By)
	}
	res := make([]*regexp.Regexp, len(spec.Rules))
	for i, r := range spec.Rules {
		re, err := regexp.Compile("^(?:" + r.Pattern + ")$")
		if err != nil {
			return nil, fmt.Errorf("journey: rule %d %q: bad pattern: %v", i+1, r.Pattern, err)
		}
		res[i] = re
	}
	ids := make(map[string]int32)
	lb.rawMap = make([]int32, len(raws))
	for i, raw := range raws {
		name := raw
		for k, re := range res {
			if re.MatchString(raw) {
				name = spec.Rules[k].Label
				break
			}
		}
		id, ok := ids[name]
		if !ok {
			id = int32(len(lb.labels))
			lb.labels = append(lb.labels, name)
			ids[name] = id
		}
		lb.rawMap[i] = id
	}
	lb.ids = ids
	return lb, nil
}

// label is the label id of the event at local position e of block b.
func (lb *labeler) label(b *block, e int) int32 {
	switch lb.by {
	case ByType:
		return lb.rawMap[b.typ[e]]
	case ByChannel:
		return lb.rawMap[b.channel[e]]
	case ByCampaign:
		return lb.rawMap[b.campaign[e]]
	case ByChannelType:
		return lb.rawMap[int(b.channel[e])*lb.ntypes+int(b.typ[e])]
	default:
		return lb.rawMap[b.props[lb.prop][e]]
	}
}

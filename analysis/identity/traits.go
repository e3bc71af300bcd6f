package identity

import "sort"

// TraitObs is one observation of a profile trait: the value a source row
// gave, and when (the row's time, e.g. the CRM's updated_at).
type TraitObs struct {
	Key, Value string
	Time       int64
	SourceID   int64
	Line       int64
	Source     string // file name, for display
}

// Survivorship rules.
const (
	// RuleMostRecent keeps the most recent non-empty value: the
	// observation with the largest Time, ties broken by the later load
	// (larger SourceID, then larger Line).
	RuleMostRecent = "most recent non-empty"
	// RuleEarliest keeps the earliest non-empty value (smallest Time,
	// ties by earlier load): a sign-up date is when the person first
	// signed up, whatever later systems say.
	RuleEarliest = "earliest non-empty"
)

// TraitRules states the survivorship rule of each field whose rule is not
// the default RuleMostRecent.
var TraitRules = map[string]string{
	"signup_date": RuleEarliest,
}

// RuleFor returns the survivorship rule of a trait.
func RuleFor(key string) string {
	if r, ok := TraitRules[key]; ok {
		return r
	}
	return RuleMostRecent
}

// Trait is a merged trait with the observation that survived and its rule.
type Trait struct {
	TraitObs
	Rule string
	// Candidates is how many non-empty observations the field had.
	Candidates int
}

// MergeTraits applies the survivorship rule of each field to the
// observations of one customer and returns the surviving value per field,
// sorted by key. Empty values never survive.
func MergeTraits(obs []TraitObs) []Trait {
	best := map[string]*Trait{}
	for _, o := range obs {
		if o.Value == "" {
			continue
		}
		t, ok := best[o.Key]
		if !ok {
			best[o.Key] = &Trait{TraitObs: o, Rule: RuleFor(o.Key), Candidates: 1}
			continue
		}
		t.Candidates++
		later := o.Time > t.Time || (o.Time == t.Time && (o.SourceID > t.SourceID || (o.SourceID == t.SourceID && o.Line > t.Line)))
		if t.Rule == RuleEarliest {
			if !later && !(o.Time == t.Time && o.SourceID == t.SourceID && o.Line == t.Line) {
				t.TraitObs = o
			}
		} else if later {
			t.TraitObs = o
		}
	}
	out := make([]Trait, 0, len(best))
	for _, t := range best {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

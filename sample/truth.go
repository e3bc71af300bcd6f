package sample

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Person is one true person of the sample world (truth/persons.csv).
type Person struct {
	ID          string // P0000001
	Segment     string // one of Segments
	HouseholdID string // H + the index of the household's first person
	InCRM       bool
	CRMID       string // empty when not in the CRM
	Intent      float64
}

// Identity says that an identifier (normalised, see NormalizeID) belongs
// to a person (truth/identities.csv). Shared is true for a household
// email: it is listed once per member of the household.
type Identity struct {
	Type     string
	Value    string
	PersonID string
	Shared   bool
}

// Malformed is one planted malformed row (truth/malformed.csv): the file
// (relative to the output directory), its 1-based physical line (the
// header is line 1) and the kind (MalTruncatedJSON, …).
type Malformed struct {
	File string
	Line int64
	Kind string
}

// DecisionTruth is one logged decision with its truth: the row of
// decisions.csv, the person and segment behind it, the number of recent
// contacts that fatigued the response, and the expected reward of every
// action in this context.
type DecisionTruth struct {
	ID         string
	CustomerID string // the CRM id the engine logged
	Time       time.Time
	Trigger    string
	// Context holds the ctx_* columns without the prefix, as written.
	Context    map[string]string
	Action     string
	Propensity float64
	Converted  bool
	Revenue    float64
	Cost       float64
	Reward     float64

	PersonID       string
	Segment        string
	RecentContacts int
	// ExpectedReward is E[reward | context, action] for every action in
	// Actions: ResponseModel.ExpectedRewardAt with the cart value of a
	// cart_abandon decision, or the segment's mean order value for a
	// lapse (whose order value is drawn at conversion, rounded to pence,
	// so the logged rewards average to it within 0.005 per conversion).
	ExpectedReward map[string]float64
}

// Allowed reports whether the engine could take action in this decision:
// none always; another action when its ctx_consent_<channel> is "true".
func (d *DecisionTruth) Allowed(action string) bool {
	if action == ActionNone {
		return true
	}
	return d.Context["consent_"+ActionChannel[action]] == "true"
}

// Truth is the ground truth of a generated sample.
type Truth struct {
	Persons    []Person
	Identities []Identity
	Model      *ResponseModel
	Decisions  []DecisionTruth
	Malformed  []Malformed

	byID     map[string][]string
	byPerson map[string]int
}

// NormalizeID normalises an identifier value as the sample's truth lists
// it: emails trimmed and lower-cased; phones in E.164 (spaces, dashes and
// brackets removed; a leading 0 means the UK, +44; a leading 44 gains a
// +); other types trimmed.
func NormalizeID(idType, value string) string {
	v := strings.TrimSpace(value)
	switch idType {
	case "email":
		return strings.ToLower(v)
	case "phone":
		var b strings.Builder
		for _, c := range v {
			if c >= '0' && c <= '9' || c == '+' {
				b.WriteRune(c)
			}
		}
		s := b.String()
		switch {
		case strings.HasPrefix(s, "+"):
			return s
		case strings.HasPrefix(s, "00"):
			return "+" + s[2:]
		case strings.HasPrefix(s, "0"):
			return "+44" + s[1:]
		case strings.HasPrefix(s, "44"):
			return "+" + s
		}
		return s
	}
	return v
}

// PersonOf returns the ids of the true persons an identifier belongs to,
// after normalising value (NormalizeID): one person for every identifier
// except a household's shared email, which returns every member; nil for
// an identifier that appears in no export.
func (t *Truth) PersonOf(idType, value string) []string {
	return t.byID[idType+"\x00"+NormalizeID(idType, value)]
}

// Person returns the person with the given id.
func (t *Truth) Person(id string) (Person, bool) {
	i, ok := t.byPerson[id]
	if !ok {
		return Person{}, false
	}
	return t.Persons[i], true
}

// PolicyValue is the true value of a policy on the logged contexts:
// V(π) = (1/n) Σ_i Σ_a π(a|x_i)·E[r | x_i, a] over the n logged decisions,
// where pi returns π(·|x_i) as a map from action to probability (missing
// actions have probability 0). It panics if the probabilities of a
// decision do not sum to 1 within 1e-9.
func (t *Truth) PolicyValue(pi func(d *DecisionTruth) map[string]float64) float64 {
	if len(t.Decisions) == 0 {
		return 0
	}
	sum := 0.0
	for i := range t.Decisions {
		d := &t.Decisions[i]
		probs := pi(d)
		tot := 0.0
		for a, p := range probs {
			sum += p * d.ExpectedReward[a]
			tot += p
		}
		if tot < 1-1e-9 || tot > 1+1e-9 {
			panic(fmt.Sprintf("sample: policy probabilities for decision %s sum to %g, not 1", d.ID, tot))
		}
	}
	return sum / float64(len(t.Decisions))
}

func readCSV(path string, comma rune, fn func(header map[string]int, rec []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sample: %w (generate the sample first with `workbench sample --out DIR`)", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = comma
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("sample: %s: header: %w", path, err)
	}
	h := map[string]int{}
	for i, c := range head {
		h[strings.TrimPrefix(c, "\ufeff")] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sample: %s: %w", path, err)
		}
		if err := fn(h, rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("sample: %s:%d: %w", path, line, err)
		}
	}
}

// ReadTruth reads the ground truth of the sample generated into dir (the
// files under dir/truth/, joined with dir/decisions.csv for the decision
// contexts).
func ReadTruth(dir string) (*Truth, error) {
	t := &Truth{byID: map[string][]string{}, byPerson: map[string]int{}}
	td := filepath.Join(dir, "truth")
	mj, err := os.ReadFile(filepath.Join(td, "response_model.json"))
	if err != nil {
		return nil, fmt.Errorf("sample: %w (generate the sample first with `workbench sample --out DIR`)", err)
	}
	t.Model = new(ResponseModel)
	if err := json.Unmarshal(mj, t.Model); err != nil {
		return nil, fmt.Errorf("sample: response_model.json: %w", err)
	}
	err = readCSV(filepath.Join(td, "persons.csv"), ',', func(h map[string]int, rec []string) error {
		intent, err := strconv.ParseFloat(rec[h["intent"]], 64)
		if err != nil {
			return err
		}
		t.byPerson[rec[h["person_id"]]] = len(t.Persons)
		t.Persons = append(t.Persons, Person{ID: rec[h["person_id"]], Segment: rec[h["segment"]], HouseholdID: rec[h["household_id"]],
			InCRM: rec[h["in_crm"]] == "true", CRMID: rec[h["crm_id"]], Intent: intent})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(filepath.Join(td, "identities.csv"), ',', func(h map[string]int, rec []string) error {
		id := Identity{Type: rec[h["id_type"]], Value: rec[h["id_value"]], PersonID: rec[h["person_id"]], Shared: rec[h["shared"]] == "true"}
		t.Identities = append(t.Identities, id)
		k := id.Type + "\x00" + id.Value
		t.byID[k] = append(t.byID[k], id.PersonID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(filepath.Join(td, "malformed.csv"), ',', func(h map[string]int, rec []string) error {
		line, err := strconv.ParseInt(rec[h["line"]], 10, 64)
		if err != nil {
			return err
		}
		t.Malformed = append(t.Malformed, Malformed{File: rec[h["file"]], Line: line, Kind: rec[h["kind"]]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	byDecision := map[string]int{}
	err = readCSV(filepath.Join(dir, "decisions.csv"), ',', func(h map[string]int, rec []string) error {
		d := DecisionTruth{ID: rec[h["decision_id"]], CustomerID: rec[h["customer_id"]], Trigger: rec[h["trigger"]],
			Action: rec[h["action"]], Converted: rec[h["converted"]] == "1", Context: map[string]string{}}
		var err error
		if d.Time, err = time.Parse(time.RFC3339, rec[h["timestamp"]]); err != nil {
			return err
		}
		for name, i := range h {
			if strings.HasPrefix(name, "ctx_") {
				d.Context[strings.TrimPrefix(name, "ctx_")] = rec[i]
			}
		}
		for _, f := range []struct {
			col string
			dst *float64
		}{{"propensity", &d.Propensity}, {"revenue", &d.Revenue}, {"cost", &d.Cost}, {"reward", &d.Reward}} {
			if *f.dst, err = strconv.ParseFloat(rec[h[f.col]], 64); err != nil {
				return fmt.Errorf("%s: %w", f.col, err)
			}
		}
		byDecision[d.ID] = len(t.Decisions)
		t.Decisions = append(t.Decisions, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := 0
	err = readCSV(filepath.Join(td, "decisions_truth.csv"), ',', func(h map[string]int, rec []string) error {
		i, ok := byDecision[rec[h["decision_id"]]]
		if !ok {
			return fmt.Errorf("decision %s is not in decisions.csv", rec[h["decision_id"]])
		}
		d := &t.Decisions[i]
		d.PersonID, d.Segment = rec[h["person_id"]], rec[h["segment"]]
		d.ExpectedReward = map[string]float64{}
		for _, a := range Actions {
			v, err := strconv.ParseFloat(rec[h["expected_reward_"+a]], 64)
			if err != nil {
				return err
			}
			d.ExpectedReward[a] = v
		}
		k, err := strconv.Atoi(rec[h["recent_contacts"]])
		if err != nil {
			return err
		}
		d.RecentContacts = k
		seen++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if seen != len(t.Decisions) {
		return nil, fmt.Errorf("sample: decisions_truth.csv has %d rows but decisions.csv has %d; regenerate the sample", seen, len(t.Decisions))
	}
	return t, nil
}

package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London for the call-centre export, whatever the host has
)

// The kinds of file the readers know. The first group are the built-in
// sample's exports (see sample/FORMATS.md); the last two are generic.
const (
	KindCRM        = "crm"
	KindSegment    = "segment"
	KindEmail      = "email"
	KindSMS        = "sms"
	KindPush       = "push"
	KindCallCentre = "call_centre"
	KindStore      = "store"
	KindDecisions  = "decisions"
	KindEventLog   = "eventlog"
	KindCSV        = "csv"
)

// Kinds lists every kind Options.Kind accepts.
var Kinds = []string{KindCRM, KindSegment, KindEmail, KindSMS, KindPush, KindCallCentre, KindStore, KindDecisions, KindEventLog, KindCSV}

// Options control how a file is read. The zero value detects everything.
type Options struct {
	// Kind forces a kind (one of Kinds); "" detects it from the content.
	Kind string
	// Map gives the column of a role explicitly: role=column, e.g.
	// {"time":"EventDate","customer":"cust","channel":"src"}. Roles:
	// customer (an identifier whose type is told from each value's
	// shape), an identifier type (email, phone, crm_id, anonymous_id,
	// device_id, loyalty_card, case_id, user_id, or id.NAME for a custom
	// type), time, channel, type (or activity), campaign, revenue,
	// event_id, and for decision logs action, propensity, reward,
	// trigger, converted, cost. Map entries override MapFile entries.
	Map map[string]string
	// MapFile is a mapping file: one "role=column" (or "role: column")
	// per line, # starts a comment, blank lines are ignored. Besides the
	// roles of Map it accepts the settings kind=KIND, date_order=dmy|mdy,
	// timezone=Area/City and default_channel=NAME, which apply unless the
	// matching option is set.
	MapFile string
	// DateOrder is "dmy" or "mdy" for slash dates such as 03/04/2026;
	// "" infers it from the file (a first component above 12 in the
	// first rows means dmy, a second above 12 mdy) and fails when the
	// rows cannot tell.
	DateOrder string
	// Location is the zone of times written without an offset; nil means
	// UTC, except for the call-centre export, read in Europe/London.
	Location *time.Location
	// Channel is the channel of every event of a generic file that has
	// no channel column (default: the file's base name; "process" for an
	// event log).
	Channel string
	// MaxRowBytes is the longest row accepted; 0 means
	// DefaultMaxRowBytes (4 MiB). Longer rows are rejected.
	MaxRowBytes int
	// Delimiter forces the field delimiter of a CSV file; 0 sniffs it.
	Delimiter rune
}

// Detected reports what Open found: the kind, the CSV delimiter (0 for
// JSON Lines), the column of each role (role -> column name; for Segment
// files the JSON fields used) and notes on choices made.
type Detected struct {
	Kind      string
	Delimiter rune
	Columns   map[string]string
	Notes     []string
}

// ErrEmpty is returned (wrapped) for a file with no content at all.
var ErrEmpty = errors.New("the file is empty: nothing to load")

// Open opens the file at path, detects its format and kind (unless opt
// forces them) and returns a streaming Reader. The file is closed when
// Next returns io.EOF or a fatal error, or by Close (the returned Reader
// is also an io.Closer).
func Open(path string, opt Options) (Reader, *Detected, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, d, err := newReader(f, path, opt, f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, d, nil
}

// NewReader is Open for a stream; name is used in rejects and messages
// (and, for a generic CSV with no channel column, as the channel).
// Closing the returned reader does not close r.
func NewReader(r io.Reader, name string, opt Options) (Reader, *Detected, error) {
	return newReader(r, name, opt, nil)
}

// closer is embedded by every reader: it closes the underlying file once.
type closer struct {
	c io.Closer
}

// Close closes the file (a no-op for NewReader and after the first call).
func (c *closer) Close() error {
	if c.c == nil {
		return nil
	}
	err := c.c.Close()
	c.c = nil
	return err
}

func newReader(r io.Reader, name string, opt Options, c io.Closer) (Reader, *Detected, error) {
	opt, err := applyMapFile(opt)
	if err != nil {
		return nil, nil, err
	}
	if opt.Kind != "" {
		opt.Kind = strings.ToLower(strings.TrimSpace(opt.Kind))
		if opt.Kind == "call_center" || opt.Kind == "callcentre" {
			opt.Kind = KindCallCentre
		}
		known := false
		for _, k := range Kinds {
			known = known || k == opt.Kind
		}
		if !known {
			return nil, nil, fmt.Errorf("%s: kind %q is not known: use one of %s", name, opt.Kind, strings.Join(Kinds, ", "))
		}
	}
	order, err := dateOrderByte(opt.DateOrder)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	br := bufio.NewReaderSize(r, 256<<10)
	sample, perr := br.Peek(64 << 10)
	if perr != nil && perr != io.EOF && perr != bufio.ErrBufferFull {
		return nil, nil, fmt.Errorf("%s: %w", name, perr)
	}
	complete := perr == io.EOF
	if len(sample) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	if bytes.HasPrefix(sample, []byte{0xFF, 0xFE}) || bytes.HasPrefix(sample, []byte{0xFE, 0xFF}) {
		return nil, nil, fmt.Errorf("%s: the file is UTF-16: convert it to UTF-8 (e.g. iconv -f utf-16 -t utf-8)", name)
	}
	bom := 0
	if bytes.HasPrefix(sample, []byte{0xEF, 0xBB, 0xBF}) {
		bom = 3
		br.Discard(3)
		sample = sample[3:]
	}
	if len(bytes.TrimSpace(sample)) == 0 && complete {
		return nil, nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	trimmed := bytes.TrimLeft(sample, " \t\r\n")
	isJSON := len(trimmed) > 0 && trimmed[0] == '{'
	if opt.Kind == KindSegment || (opt.Kind == "" && isJSON) {
		sr := newSegmentReader(br, name, opt)
		sr.c = c
		sr.bom = int64(bom)
		return sr, sr.detected(), nil
	}
	if isJSON {
		return nil, nil, fmt.Errorf("%s: the file is JSON Lines, not CSV: it can only be read as kind segment", name)
	}
	tr, det, err := newTableReader(br, sample, complete, name, opt, order)
	if err != nil {
		return nil, nil, err
	}
	tr.c = c
	tr.bom = int64(bom)
	return tr, det, nil
}

// applyMapFile merges the mapping file into opt: Map entries and set
// options win over the file.
func applyMapFile(opt Options) (Options, error) {
	m := map[string]string{}
	if opt.MapFile != "" {
		data, err := os.ReadFile(opt.MapFile)
		if err != nil {
			return opt, fmt.Errorf("mapping file: %w", err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			k := strings.IndexAny(line, "=:")
			if k <= 0 {
				return opt, fmt.Errorf("%s:%d: %q is not role=column (e.g. time=EventDate)", opt.MapFile, i+1, line)
			}
			key := strings.ToLower(strings.TrimSpace(line[:k]))
			val := strings.TrimSpace(line[k+1:])
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			switch key {
			case "kind":
				if opt.Kind == "" {
					opt.Kind = val
				}
			case "date_order", "date-order":
				if opt.DateOrder == "" {
					opt.DateOrder = val
				}
			case "timezone", "tz", "location":
				if opt.Location == nil {
					loc, err := time.LoadLocation(val)
					if err != nil {
						return opt, fmt.Errorf("%s:%d: time zone %q is not known (use an IANA name such as Europe/London)", opt.MapFile, i+1, val)
					}
					opt.Location = loc
				}
			case "default_channel", "default-channel":
				if opt.Channel == "" {
					opt.Channel = val
				}
			default:
				if err := checkRole(key); err != nil {
					return opt, fmt.Errorf("%s:%d: %w", opt.MapFile, i+1, err)
				}
				m[key] = val
			}
		}
	}
	for k, v := range opt.Map {
		key := strings.ToLower(strings.TrimSpace(k))
		if err := checkRole(key); err != nil {
			return opt, fmt.Errorf("--map: %w", err)
		}
		m[key] = strings.TrimSpace(v)
	}
	if _, ok := m["activity"]; ok {
		m["type"] = m["activity"]
		delete(m, "activity")
	}
	if _, ok := m["case"]; ok {
		m[string(IDCase)] = m["case"]
		delete(m, "case")
	}
	opt.Map = m
	return opt, nil
}

var plainRoles = []string{"customer", "time", "channel", "type", "activity", "campaign", "revenue", "event_id",
	"action", "propensity", "reward", "trigger", "converted", "cost", "case"}

var idRoles = []IDType{IDCRM, IDEmail, IDPhone, IDAnonymous, IDDevice, IDLoyaltyCard, IDCase, IDUser}

func checkRole(key string) error {
	for _, r := range plainRoles {
		if key == r {
			return nil
		}
	}
	for _, r := range idRoles {
		if key == string(r) {
			return nil
		}
	}
	if strings.HasPrefix(key, "id.") && len(key) > 3 {
		return nil
	}
	names := append([]string(nil), plainRoles...)
	for _, r := range idRoles {
		names = append(names, string(r))
	}
	sort.Strings(names)
	return fmt.Errorf("role %q is not known: use one of %s, or id.NAME for a custom identifier", key, strings.Join(names, ", "))
}

// baseName is the file name without directory and extension.
func baseName(name string) string {
	b := filepath.Base(name)
	if i := strings.IndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}

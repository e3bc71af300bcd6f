package ingest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// segmentReader reads JSON Lines in the Segment spec: one message per
// line, of type identify, track, page, screen, alias or group.
//
// Mapping (see also the package documentation):
//
//   - page, screen, track → KindEvent. Channel = context.channel (else
//     the top-level channel with browser read as web and mobile as app,
//     else Options.Channel, else "app" for screen or when a device id is
//     present and "web" otherwise). Type = "page_view" for page,
//     "screen_view" for screen (the page or screen name is kept in
//     Props["name"]), the event name for track. Campaign =
//     context.campaign.name. Revenue = properties.revenue when present.
//     IDs: userId first (its type from its shape: C+digits is a crm_id,
//     else user_id, email, …), else anonymousId; then anonymousId and
//     context.device.id (device_id) as linked identifiers.
//   - identify → KindProfile with userId, anonymousId, traits.email and
//     traits.phone linked ("identify"); the other traits as Traits.
//   - alias → KindLink of userId and previousId ("alias").
//   - group → KindProfile of the user with Traits group_id and the
//     group's traits as group.NAME ("group").
//
// Time: receivedAt − (sentAt − originalTimestamp) when all three are
// present (Segment's correction for device clock skew), else timestamp,
// else originalTimestamp, else receivedAt; none is a reject.
type segmentReader struct {
	closer
	lr   *lineReader
	file string
	opt  Options
	bom  int64
	rows int64
	done bool
	js   jsonScanner
	m    segMsg
	// scratch reused between lines
	props  []kv
	traits []kv
	intern map[string]string
}

type kv struct{ k, v string }

// segMsg holds the fields of one message.
type segMsg struct {
	typ, messageID, userID, anonID, previousID, groupID, event, name string
	timestamp, sentAt, receivedAt, originalTS                        string
	channel, campaign, campaignSource, deviceID, osName              string
	traitEmail, traitPhone                                           string
	revenue                                                          string
	hasRevenue                                                       bool
	props, traits                                                    []kv
}

func newSegmentReader(br *bufio.Reader, name string, opt Options) *segmentReader {
	return &segmentReader{lr: newLineReader(br, opt.MaxRowBytes), file: name, opt: opt, intern: map[string]string{}}
}

func (r *segmentReader) detected() *Detected {
	return &Detected{Kind: KindSegment, Columns: map[string]string{
		"customer": "userId (else anonymousId), with anonymousId and context.device.id linked",
		"time":     "receivedAt - (sentAt - originalTimestamp), else timestamp",
		"channel":  "context.channel",
		"type":     "event (track), page_view (page), screen_view (screen)",
		"campaign": "context.campaign.name",
		"revenue":  "properties.revenue",
		"event_id": "messageId",
	}}
}

// RowsRead counts the non-blank lines read so far.
func (r *segmentReader) RowsRead() int64 { return r.rows }

// BytesRead is the number of bytes consumed from the file.
func (r *segmentReader) BytesRead() int64 { return r.lr.bytes + r.bom }

func (r *segmentReader) key(b []byte) string {
	if s, ok := r.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.intern) < 4096 {
		r.intern[s] = s
	}
	return s
}

// leaf collects the fields the mapping uses.
func (r *segmentReader) leaf(path []byte, v string, k jsonKind) {
	if k == jsonNull {
		return
	}
	m := &r.m
	switch string(path) {
	case "type":
		if k == jsonString {
			m.typ = v
		} else {
			m.typ = "(" + v + ")"
		}
	case "messageId":
		m.messageID = v
	case "userId":
		m.userID = v
	case "anonymousId":
		m.anonID = v
	case "previousId":
		m.previousID = v
	case "groupId":
		m.groupID = v
	case "event":
		m.event = v
	case "name":
		m.name = v
	case "timestamp":
		m.timestamp = v
	case "sentAt":
		m.sentAt = v
	case "receivedAt":
		m.receivedAt = v
	case "originalTimestamp":
		m.originalTS = v
	case "context.channel":
		m.channel = v
	case "channel":
		// Segment's own top-level channel: browser, mobile or server.
		if m.channel == "" {
			switch v {
			case "browser":
				m.channel = "web"
			case "mobile":
				m.channel = "app"
			default:
				m.channel = v
			}
		}
	case "context.campaign.name":
		m.campaign = v
	case "context.campaign.source":
		m.campaignSource = v
	case "context.device.id":
		m.deviceID = v
	case "context.os.name":
		m.osName = v
	case "traits.email", "context.traits.email":
		m.traitEmail = v
	case "traits.phone", "context.traits.phone":
		m.traitPhone = v
	case "properties.revenue":
		m.revenue, m.hasRevenue = v, true
	default:
		if len(path) > 11 && string(path[:11]) == "properties." {
			m.props = append(m.props, kv{r.key(path[11:]), v})
		} else if len(path) > 7 && string(path[:7]) == "traits." {
			m.traits = append(m.traits, kv{r.key(path[7:]), v})
		}
	}
}

// Next returns the next record, a *RowError for a rejected line, io.EOF
// at the end, or a fatal read error.
func (r *segmentReader) Next() (Record, error) {
	if r.done {
		return Record{}, io.EOF
	}
	var p physLine
	var err error
	for {
		p, err = r.lr.next()
		if err != nil {
			r.done = true
			r.Close()
			if err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, fmt.Errorf("%s: read: %w", r.file, err)
		}
		if !isBlank(string(p.data)) {
			break
		}
	}
	r.rows++
	return r.parseLine(p)
}

// parseLine converts one non-blank physical line into a record or a
// row error.
func (r *segmentReader) parseLine(p physLine) (Record, error) {
	if p.tooLong {
		return Record{}, &RowError{File: r.file, Line: p.line, Reason: "line longer than the " + sizeText(r.lr.max) + " limit", Raw: strings.ToValidUTF8(string(p.data), "\uFFFD") + "…"}
	}
	line := string(p.data)
	if !utf8.ValidString(line) {
		return Record{}, &RowError{File: r.file, Line: p.line, Reason: invalidUTF8Reason(line), Raw: rawText(line)}
	}
	rec := Record{Line: p.line}
	if reason := r.convert(line, &rec); reason != "" {
		return Record{}, &RowError{File: r.file, Line: p.line, Reason: reason, Raw: rawText(line)}
	}
	return rec, nil
}

func (r *segmentReader) convert(line string, rec *Record) string {
	r.m = segMsg{props: r.props[:0], traits: r.traits[:0]}
	reason := r.js.scanObject(line, r)
	r.props, r.traits = r.m.props, r.m.traits
	if reason != "" {
		return reason
	}
	m := &r.m
	switch m.typ {
	case "page", "screen", "track":
		rec.Kind = KindEvent
	case "identify", "group":
		rec.Kind = KindProfile
	case "alias":
		rec.Kind = KindLink
	case "":
		return "no \"type\": a Segment message needs one of identify, track, page, screen, alias, group"
	default:
		return "type " + strconv.Quote(m.typ) + " is not a Segment message type (identify, track, page, screen, alias, group)"
	}
	t, reason := r.msgTime()
	if reason != "" {
		return reason
	}
	rec.Time = t
	rec.DedupKey = m.messageID

	add := func(t IDType, v string) string {
		if isBlank(v) {
			return ""
		}
		nv, err := NormalizeID(t, v)
		if err != nil {
			return err.Error()
		}
		for _, id := range rec.IDs {
			if id.Type == t && id.Value == nv {
				return ""
			}
		}
		if rec.IDs == nil {
			rec.IDs = make([]Identifier, 0, 4)
		}
		rec.IDs = append(rec.IDs, Identifier{Type: t, Value: nv})
		return ""
	}
	var bad string
	try := func(t IDType, v string) {
		if bad == "" {
			bad = add(t, v)
		}
	}
	if m.typ == "alias" {
		try(DetectIDType(m.userID, IDUser), m.userID)
		try(DetectIDType(m.previousID, IDAnonymous), m.previousID)
		if bad != "" {
			return bad
		}
		if len(rec.IDs) < 2 {
			return "alias needs both userId and previousId"
		}
		rec.LinkReason = "alias"
		return ""
	}
	try(DetectIDType(m.userID, IDUser), m.userID)
	try(IDAnonymous, m.anonID)
	if bad == "" && len(rec.IDs) == 0 {
		return "no userId or anonymousId: a Segment message needs one of them"
	}
	try(IDDevice, m.deviceID)
	switch m.typ {
	case "identify":
		try(IDEmail, m.traitEmail)
		try(IDPhone, m.traitPhone)
		rec.LinkReason = "identify"
		if len(m.traits) > 0 {
			rec.Traits = make(map[string]string, len(m.traits))
			for _, p := range m.traits {
				if p.k != "email" && p.k != "phone" {
					rec.Traits[p.k] = p.v
				}
			}
		}
		if bad != "" {
			return bad
		}
		return ""
	case "group":
		rec.LinkReason = "group"
		if m.groupID == "" {
			return "group needs a groupId"
		}
		rec.Traits = make(map[string]string, len(m.traits)+1)
		rec.Traits["group_id"] = m.groupID
		for _, p := range m.traits {
			rec.Traits["group."+p.k] = p.v
		}
		return bad
	}
	if bad != "" {
		return bad
	}
	if len(rec.IDs) > 1 {
		rec.LinkReason = "same message"
	}
	rec.Channel = m.channel
	if rec.Channel == "" {
		switch {
		case r.opt.Channel != "":
			rec.Channel = r.opt.Channel
		case m.typ == "screen" || m.deviceID != "":
			rec.Channel = "app"
		default:
			rec.Channel = "web"
		}
	}
	switch m.typ {
	case "page":
		rec.Type = "page_view"
	case "screen":
		rec.Type = "screen_view"
	default:
		rec.Type = strings.TrimSpace(m.event)
		if rec.Type == "" {
			return "track without an event name"
		}
	}
	rec.Campaign = m.campaign
	if m.hasRevenue {
		x, reason := parseAmount("properties.revenue", strings.Trim(m.revenue, " "))
		if reason != "" {
			return reason
		}
		rec.Revenue, rec.HasRevenue = x, true
	}
	n := len(m.props)
	if m.name != "" {
		n++
	}
	if m.campaignSource != "" {
		n++
	}
	if m.osName != "" {
		n++
	}
	if n > 0 {
		rec.Props = make(map[string]string, n)
		for _, p := range m.props {
			rec.Props[p.k] = p.v
		}
		if m.name != "" {
			rec.Props["name"] = m.name
		}
		if m.campaignSource != "" {
			rec.Props["campaign_source"] = m.campaignSource
		}
		if m.osName != "" {
			rec.Props["os"] = m.osName
		}
	}
	return ""
}

// msgTime applies Segment's rule: receivedAt − (sentAt −
// originalTimestamp) when the three are present, else timestamp, else
// originalTimestamp, else receivedAt.
func (r *segmentReader) msgTime() (int64, string) {
	m := &r.m
	loc := r.opt.Location
	parse := func(name, v string) (int64, string) {
		t, err := parseTime(v, 'd', loc)
		if err != nil {
			return 0, name + ": " + err.Error()
		}
		return t, ""
	}
	if m.receivedAt != "" && m.sentAt != "" && m.originalTS != "" {
		rc, e1 := parse("receivedAt", m.receivedAt)
		if e1 != "" {
			return 0, e1
		}
		st, e2 := parse("sentAt", m.sentAt)
		if e2 != "" {
			return 0, e2
		}
		ot, e3 := parse("originalTimestamp", m.originalTS)
		if e3 != "" {
			return 0, e3
		}
		t := rc - (st - ot)
		if err := checkRange(m.originalTS, t); err != nil {
			return 0, "receivedAt - (sentAt - originalTimestamp): " + err.Error()
		}
		return t, ""
	}
	for _, c := range []struct{ n, v string }{{"timestamp", m.timestamp}, {"originalTimestamp", m.originalTS}, {"receivedAt", m.receivedAt}} {
		if c.v != "" {
			return parse(c.n, c.v)
		}
	}
	return 0, "no timestamp, originalTimestamp or receivedAt: the message has no time"
}

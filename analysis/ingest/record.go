// Package ingest reads customer data exports (CSV with any delimiter,
// JSON Lines in the Segment spec, generic event logs and decision logs),
// validates each row, and turns it into Records that the store loads.
//
// A reader never drops a row silently: every physical row it reads comes
// back either as a Record or as a *RowError naming the file, line and
// reason, with the raw text. Blank lines are not rows. A failure that
// makes the whole file unreadable (no delimiter, a missing required
// column, an ambiguous date order, a duplicated column name, a read
// error) is a fatal error whose message names the flag or mapping that
// fixes it.
//
// # Formats
//
// CSV: the delimiter (comma, semicolon, tab or pipe) is sniffed from the
// first 64 KiB by consistent field counts, quotes respected; RFC 4180
// quoting with fields spanning lines (Line is where the row starts); a
// UTF-8 BOM and CRLF line ends are accepted. A row with a quote that does
// not close is rejected on its first line and reading resumes on the next
// line. A row with invalid UTF-8 is rejected (not repaired), naming the
// byte; a header that is not UTF-8 is fatal. Rows longer than
// Options.MaxRowBytes (default 4 MiB) are rejected and skipped without
// being held in memory; a reject keeps at most 64 KiB of raw text.
//
// JSON Lines: one Segment message per line (see segmentReader for the
// mapping of identify, track, page, screen, alias and group); a line
// that is not one valid JSON object is rejected.
//
// # Kinds
//
// Open detects the kind from the header (or a leading '{' for Segment):
// the sample's exports crm, email, sms, push, call_centre, store,
// decisions by their column names; eventlog when there is a case column
// (case:concept:name, case_id, case …) and an activity column
// (concept:name, activity, event …); otherwise a generic csv whose roles
// are found from common names (case-insensitive, spaces and dashes read
// as underscores): time from timestamp, time:timestamp, event_time, time,
// date …; identifiers from customer_id/user_id (type told by each value's
// shape), crm_id, email, phone, loyalty_card, anonymous_id, device_id;
// type from event_type, event, activity …; channel from channel, source,
// medium; campaign from campaign, utm_campaign, campaign_id; revenue from
// revenue, amount, value; event_id from event_id, message_id. Columns
// that play no role are kept as Props (non-empty values only).
//
// What each sample export becomes: crm → KindProfile (IDs crm_id, email,
// phone, loyalty_card, linked "crm record"; traits first_name, last_name,
// region, loyalty_tier, signup_date; consents from consent_*; Time from
// updated_at). email/sms/push → KindEvent on channel email/sms/push with
// the event or status as Type, campaign, and event_id/message_sid as
// DedupKey. call_centre → channel call_centre, Type "call" (a stable
// journey step; the reason, outcome, duration_s and agent_id are Props),
// IDs phone then, when present, customer_id (typed by shape) and email
// linked "call", times in Europe/London, day-first dates inferred from
// the data.
// store → channel store, Type "purchase", Revenue = amount, IDs
// loyalty_card then email linked "till receipt", DedupKey receipt_id.
// decisions → KindDecision with ctx_* columns as Context (prefix
// dropped), customer_id typed by shape, DedupKey decision_id. eventlog →
// KindEvent with the case as a case_id identifier, the activity as Type
// and channel "process".
//
// # Mapping
//
// Options.Map and the mapping file name columns explicitly. The mapping
// file has one "role=column" (or "role: column") per line, # comments
// and blank lines ignored, plus the settings kind=, date_order=,
// timezone= and default_channel=. For example:
//
//	# shop export
//	customer = cust
//	time = EventDate
//	activity = what
//	id.shop_ref = ref
//	date_order = dmy
//
// When any identifier role is mapped, only mapped identifier columns are
// used.
package ingest

// IDType names a kind of customer identifier. The store keeps one row per
// (type, normalised value).
type IDType string

// The identifier types the workbench knows. Loaders may meet others (a
// mapping file can name any column as an identifier of a custom type).
const (
	IDCRM         IDType = "crm_id"
	IDEmail       IDType = "email"
	IDPhone       IDType = "phone"
	IDAnonymous   IDType = "anonymous_id"
	IDDevice      IDType = "device_id"
	IDLoyaltyCard IDType = "loyalty_card"
	IDCase        IDType = "case_id" // process-mining case: one journey per case
	IDUser        IDType = "user_id" // a userId that is not known to be a CRM id
)

// Identifier is one normalised identifier value.
type Identifier struct {
	Type  IDType
	Value string
}

// Kind says what a Record carries.
type Kind uint8

const (
	// KindEvent is a touchpoint or behaviour on a channel (page view,
	// email open, store purchase …). It may also carry identifiers seen
	// together, which are linked.
	KindEvent Kind = iota + 1
	// KindProfile is a profile row (a CRM customer, a Segment identify
	// with traits): identifiers to link, traits and consents, no event.
	KindProfile
	// KindLink only links identifiers (a Segment alias).
	KindLink
	// KindDecision is one logged decision of a campaign engine.
	KindDecision
)

// Record is one validated row of any export, normalised: times are UTC
// milliseconds since the Unix epoch, identifiers are normalised (emails
// lower-cased and trimmed, phones in E.164).
type Record struct {
	Kind Kind
	Line int64 // 1-based physical line where the row starts

	// IDs are the identifiers that appear on the row. The first is the
	// row's primary identifier (the one the event belongs to); all of
	// them are linked to each other as evidence that they are the same
	// customer, with LinkReason saying why (e.g. "crm row", "identify",
	// "alias", "till receipt").
	IDs        []Identifier
	LinkReason string

	// DedupKey identifies the row across loads: a Segment messageId, an
	// export's own event id, or empty (the store then uses a hash of the
	// row's content).
	DedupKey string

	Time     int64  // UTC milliseconds
	Channel  string // web, app, email, sms, push, call_centre, store, or as mapped
	Type     string // event type: page_view, Order Completed, open, …
	Campaign string
	Revenue  float64
	// HasRevenue is false when the row carries no revenue at all (as
	// opposed to a revenue of zero).
	HasRevenue bool
	// Props are the remaining fields of the row, kept as strings.
	Props map[string]string

	// Traits and Consents are set on profile rows. Consents map a
	// channel (email, sms, push, call) to granted or not.
	Traits   map[string]string
	Consents map[string]bool

	Decision *Decision // set when Kind == KindDecision
}

// Decision is one decision logged by a campaign engine: the context the
// engine saw, the action it chose and the probability with which it chose
// it (the propensity), and the observed outcome.
type Decision struct {
	Trigger    string
	Context    map[string]string // the ctx_* columns, without the prefix
	Action     string
	Propensity float64 // in (0, 1]
	Reward     float64
	Converted  bool
	Revenue    float64
	Cost       float64
}

// RowError rejects one row: the file, the line, why, and the raw text so
// that the analyst can see and fix it.
type RowError struct {
	File   string
	Line   int64
	Reason string
	Raw    string
}

func (e *RowError) Error() string {
	return e.File + ":" + itoa(e.Line) + ": " + e.Reason
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Reader yields the records of one file in order. Next returns the next
// record; a *RowError for a row that is rejected (reading can go on); any
// other error for a failure that stops the file (the load is rolled back);
// and io.EOF at the end.
type Reader interface {
	Next() (Record, error)
	// RowsRead is the number of rows read so far (records + rejects),
	// excluding a header.
	RowsRead() int64
	// BytesRead is how far into the file the reader is, for progress.
	BytesRead() int64
}

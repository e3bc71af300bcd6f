package sample

// Static tables of the sample world: the behaviour of each segment (which
// the analyst can only infer from the exports), names, regions and the
// broadcast campaign calendar.

// behaviour describes how a segment behaves apart from its response to the
// engine's actions (which is the ResponseModel).
type behaviour struct {
	sessRate    float64    // organic sessions per day (× the person's intent)
	decayDays   float64    // activity decays as exp(−t/decay); 0 = no decay
	hasApp      float64    // P(has the app)
	appShare    float64    // P(a session is on the app | has the app)
	prodMean    float64    // extra product views per session (Poisson mean)
	pCart       float64    // P(add to cart) per session
	pCheckout   float64    // P(checkout | cart)
	pOrder      float64    // P(order | checkout)
	storeRate   float64    // store visits per day
	callRate    float64    // inbound calls per day
	preRate     float64    // orders per day in the year before the period
	preGapDays  float64    // no orders in the last preGapDays before the period
	pOpen       float64    // P(open an email)
	pClick      float64    // P(click | open)
	pSMSClick   float64    // P(click an SMS link)
	pPushOpen   float64    // P(open a push)
	consent     [4]float64 // initial P(consent) for email, sms, push (if app), call
	tier        [4]float64 // P(no tier), bronze, silver, gold
	pStoreOrder float64    // P(an organic conversion after a decision happens in store)
}

var behaviours = [5]behaviour{
	segDeal: {sessRate: 0.018, hasApp: 0.25, appShare: 0.15, prodMean: 2.0, pCart: 0.55, pCheckout: 0.35, pOrder: 0.6,
		storeRate: 0.004, callRate: 0.001, preRate: 0.012, pOpen: 0.25, pClick: 0.3, pSMSClick: 0.12, pPushOpen: 0.08,
		consent: [4]float64{0.85, 0.85, 0.5, 0.25}, tier: [4]float64{0.4, 0.5, 0.1, 0}, pStoreOrder: 0.1},
	segLoyal: {sessRate: 0.012, hasApp: 0.4, appShare: 0.3, prodMean: 1.0, pCart: 0.45, pCheckout: 0.7, pOrder: 0.9,
		storeRate: 0.015, callRate: 0.002, preRate: 0.03, pOpen: 0.45, pClick: 0.2, pSMSClick: 0.03, pPushOpen: 0.1,
		consent: [4]float64{0.9, 0.45, 0.55, 0.35}, tier: [4]float64{0, 0.1, 0.4, 0.5}, pStoreOrder: 0.35},
	segApp: {sessRate: 0.022, hasApp: 0.97, appShare: 0.9, prodMean: 1.5, pCart: 0.4, pCheckout: 0.55, pOrder: 0.8,
		storeRate: 0.002, callRate: 0.0005, preRate: 0.012, pOpen: 0.12, pClick: 0.15, pSMSClick: 0.02, pPushOpen: 0.25,
		consent: [4]float64{0.8, 0.35, 0.85, 0.15}, tier: [4]float64{0.4, 0.4, 0.2, 0}, pStoreOrder: 0.05},
	segHigh: {sessRate: 0.008, hasApp: 0.2, appShare: 0.1, prodMean: 3.0, pCart: 0.4, pCheckout: 0.45, pOrder: 0.7,
		storeRate: 0.006, callRate: 0.005, preRate: 0.006, pOpen: 0.25, pClick: 0.2, pSMSClick: 0.02, pPushOpen: 0.08,
		consent: [4]float64{0.85, 0.5, 0.5, 0.75}, tier: [4]float64{0.4, 0.3, 0.15, 0.15}, pStoreOrder: 0.2},
	segDormant: {sessRate: 0.014, decayDays: 25, hasApp: 0.15, appShare: 0.2, prodMean: 0.8, pCart: 0.2, pCheckout: 0.4, pOrder: 0.6,
		storeRate: 0.002, callRate: 0.0005, preRate: 0.004, preGapDays: 150, pOpen: 0.04, pClick: 0.1, pSMSClick: 0.01, pPushOpen: 0.03,
		consent: [4]float64{0.75, 0.35, 0.5, 0.25}, tier: [4]float64{0.5, 0.4, 0.1, 0}, pStoreOrder: 0.2},
}

var regions = []string{"North", "Midlands", "London", "South East", "South West", "Wales", "Scotland"}
var regionWeights = []float64{0.2, 0.17, 0.18, 0.17, 0.1, 0.06, 0.12}

var tiers = []string{"", "bronze", "silver", "gold"}

var firstNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Sophia", "Grace", "Freya",
	"Emily", "Ella", "Poppy", "Evie", "Chloe", "Sarah", "Priya", "Aisha", "Fatima", "Zara",
	"Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie", "Thomas",
	"James", "William", "Henry", "Mohammed", "Ali", "Rohan", "Daniel", "Samuel", "David", "Liam",
}

var lastNames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
	"Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
	"Clarke", "Khan", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris",
	"O'Brien", "McDonald", "Murphy", "Kaur", "Singh", "Ahmed", "Begum", "Lewis", "Scott", "Young",
}

var emailDomains = []string{"example.com", "example.net", "example.org"}

var categories = []string{"sofas", "beds", "lighting", "rugs", "kitchen", "garden", "storage", "decor"}

var referrers = []string{"", "https://www.google.com/", "https://www.bing.com/", "https://www.facebook.com/", "https://www.instagram.com/"}
var referrerWeights = []float64{0.4, 0.35, 0.05, 0.1, 0.1}

const siteURL = "https://www.northwindhome.example"

// Broadcast calendar: newsletters every 14 days from Tuesday 2026-01-06
// 10:00 UTC, SMS promotions on the 15th of each month at 12:00 UTC, push
// promotions every 10 days from 2026-01-03 18:00 UTC.
var (
	newsletterTimes = every(periodStart+5*msDay+10*msHour, 14*msDay)
	pushPromoTimes  = every(periodStart+2*msDay+18*msHour, 10*msDay)
	smsPromoTimes   = func() []int64 {
		var out []int64
		for m := 1; m <= 6; m++ {
			out = append(out, daysFromCivil(2026, m, 15)*msDay+12*msHour)
		}
		return out
	}()
)

func every(first, step int64) []int64 {
	var out []int64
	for t := first; t < periodEnd-msDay; t += step {
		out = append(out, t)
	}
	return out
}

// Audience shares of the broadcasts among the persons who may receive them.
const (
	newsletterAudience = 0.25
	smsPromoAudience   = 0.25
	pushPromoAudience  = 0.4
)

// Rates of noise and of planted malformed rows (FORMATS.md).
const (
	rateCRMMissingPhone = 0.08
	rateCRMMissingEmail = 0.03
	rateCRMEmailCase    = 0.05
	rateCRMEmailSpace   = 0.02
	rateCRMConsentBlank = 0.02
	rateInCRM           = 0.85
	rateTwoCookies      = 0.3
	rateTwoDevices      = 0.1
	rateSharedHousehold = 0.03 // share of households of 2–3 persons sharing one email

	// Linking evidence (FORMATS.md "Linking evidence"): drawn from each
	// person's link stream, so they change no behaviour.
	rateEmailForm      = 0.9  // a visitor who cannot log in gives an email on a surface's first visit
	rateCallVerified   = 0.95 // the agent verifies a registered caller's customer number
	rateCallEmailGiven = 0.9  // a caller with no customer record gives an email (always for an order by phone)

	rateMalWeb   = 0.001
	rateMalApp   = 0.0005
	rateMalEmail = 0.0005
	rateMalStore = 0.002
	rateMalCall  = 0.001
)

// The planted malformed kinds.
const (
	MalTruncatedJSON    = "truncated_json"
	MalMissingTimestamp = "missing_timestamp"
	MalBadTimestamp     = "bad_timestamp"
	MalBadAmount        = "bad_amount"
	MalMissingPhone     = "missing_phone"
)

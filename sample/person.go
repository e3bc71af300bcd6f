package sample

import (
	"math"
	"strconv"
	"strings"
)

// gen holds what every block shares: the options and the compiled model.
// It is read-only once built, so blocks may run in parallel.
type gen struct {
	opt   Options
	model *ResponseModel
	m     *compiled
	// keys make the run's identifiers depend on the seed.
	keyPhone, keyCard, keyEmail uint64
	idKeys                      [8]uint64
}

// Random stream kinds of newRNG (with the gen keys' stream 7). A new kind
// of draw that must not disturb the others gets a stream of its own.
const (
	streamHousehold = 1 // per block: household sizes
	streamPerson    = 2 // per person: behaviour, identifiers, decisions
	streamLink      = 3 // per person: linking evidence only
)

// linkStream is the stream kind of the linking evidence. It is streamLink;
// a test sets another kind to show that those draws reach nothing but the
// linking rows.
var linkStream uint64 = streamLink

// Identifier kinds made by person.newID (each has its own key).
const (
	idEvent = iota
	idSMS
	idCall
	idReceipt
	idOrder
	idDecision
	idDevice
)

func newGen(opt Options, model *ResponseModel) *gen {
	g := &gen{opt: opt, model: model, m: model.compile()}
	r := newRNG(opt.Seed, 7, 0)
	g.keyPhone = r.u64() % 1_000_000_000
	g.keyCard = r.u64() % 10_000_000_000
	g.keyEmail = r.u64() % 100_000_000
	for i := range g.idKeys {
		g.idKeys[i] = r.u64()
	}
	return g
}

type cookie struct {
	anon     string
	off      int // fixed UTC offset in minutes; ukTZ means Europe/London
	skew     int64
	loggedIn bool
	used     bool
	link     linkState
}

type device struct {
	id, anon string
	os       string
	off      int
	skew     int64
	loggedIn bool
	aliased  bool
	used     bool
	link     linkState
}

// linkState is what the site has sent about a browser's or app install's
// owner besides logins. It drives only the linking identify messages
// (drawn from the person's link stream) and never the behaviour: loggedIn
// alone decides userId on events and which carts the engine sees.
type linkState struct {
	recognised bool // an identify with the CRM id was sent without a login
	asked      bool // the first visit's email form was shown
	gaveEmail  bool // an identify with traits.email and no userId was sent
}

const ukTZ = math.MinInt32

type person struct {
	idx int
	pid string
	r   *rng
	// lr is the link stream: the draws of linking evidence (recognition
	// identifies, email forms, call verification) come from it, so adding
	// or changing that evidence leaves every draw of r, and so the
	// behaviour and the decision log, unchanged.
	lr     *rng
	seg    int
	beh    *behaviour
	intent float64
	inCRM  bool
	crmID  string
	hh     int // household head's index
	shared bool

	first, last string
	email       string // normalised
	phone       string // E.164
	phoneNat    string // UK national format
	region      int
	tier        int
	card        string
	signup      int64
	consent     [nActions]bool // by action index (actEmail … actCall)
	crmNoEmail  bool
	crmNoPhone  bool
	consentAt   int64

	cookies []cookie
	devices []device

	orders       []int64
	lastOrder    int64
	lastActivity int64
	lastChannel  string
	stamp        int
	contacts     []int64
	openUntil    int64

	emEmail, emPhone, emCard bool

	q   queue
	seq uint64
}

func (p *person) newID(g *gen, kind int) uint64 {
	p.seq++
	return mix64(g.idKeys[kind] ^ (uint64(p.idx)<<24 | p.seq))
}

// queue items.
const (
	kSession = iota
	kStore
	kCall
	kNewsletter
	kSMSPromo
	kPushPromo
	kDecision
	kLapse
	kOrderStore // a decision's conversion completed in store
)

type qitem struct {
	t      int64
	seq    int
	kind   uint8
	app    bool
	dev    int
	trig   int
	stamp  int
	forced float64
	camp   string
	src    string
	ch     string
}

// queue is a binary min-heap on (t, seq): ties pop in insertion order.
type queue struct {
	items []qitem
	n     int
}

func (q *queue) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	return a.t < b.t || a.t == b.t && a.seq < b.seq
}

func (q *queue) push(it qitem) {
	q.n++
	it.seq = q.n
	q.items = append(q.items, it)
	i := len(q.items) - 1
	for i > 0 {
		par := (i - 1) / 2
		if !q.less(i, par) {
			break
		}
		q.items[i], q.items[par] = q.items[par], q.items[i]
		i = par
	}
}

func (q *queue) pop() qitem {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && q.less(l, m) {
			m = l
		}
		if r < last && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
	return top
}

// block generates the persons of block b.index: households first (from a
// block stream), then each household's persons from their own streams.
func (g *gen) block(b *block) {
	first := b.index * blockSize
	end := first + blockSize
	if end > g.opt.Customers {
		end = g.opt.Customers
	}
	hr := newRNG(g.opt.Seed, streamHousehold, b.index)
	members := make([]*person, 0, 3)
	for i := first; i < end; {
		size := 1
		if hr.bern(rateSharedHousehold) {
			size = 2
			if hr.bern(0.25) {
				size = 3
			}
		}
		if i+size > end {
			size = end - i
		}
		members = members[:0]
		for k := 0; k < size; k++ {
			members = append(members, g.newPerson(i+k, i, size > 1, members))
		}
		if size > 1 {
			b.households++
		}
		for _, p := range members {
			g.simulate(b, p)
		}
		g.writeTruthPersons(b, members)
		b.persons += size
		i += size
	}
}

func pad7(prefix byte, n int) string {
	b := make([]byte, 0, 12)
	b = append(b, prefix)
	s := strconv.Itoa(n)
	for k := len(s); k < 7; k++ {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

func (g *gen) newPerson(idx, head int, shared bool, household []*person) *person {
	r := newRNG(g.opt.Seed, streamPerson, idx)
	p := &person{idx: idx, r: r, lr: newRNG(g.opt.Seed, linkStream, idx), hh: head, shared: shared}
	p.pid = pad7('P', idx+1)
	p.seg = r.pick(g.m.share[:])
	p.beh = &behaviours[p.seg]
	p.intent = r.lognormMean(1, 0.7)
	p.inCRM = shared || r.bern(rateInCRM)
	if p.inCRM {
		p.crmID = pad7('C', idx+1)
	}
	p.first = firstNames[r.intn(len(firstNames))]
	p.last = lastNames[r.intn(len(lastNames))]
	if r.bern(0.004) {
		p.first = p.first + ` "` + firstNames[r.intn(len(firstNames))][:3] + `"`
	}
	if r.bern(0.004) {
		p.last += ", Jr."
	}
	if shared && len(household) > 0 {
		p.last = household[0].last
		p.email = household[0].email
		p.region = household[0].region
	} else {
		p.email = g.makeEmail(idx, p.first, p.last, r)
		p.region = r.pick(regionWeights)
	}
	n := (uint64(idx)*387420489 + g.keyPhone) % 1_000_000_000
	digits := strconv.FormatUint(n+1_000_000_000, 10)[1:]
	p.phone = "+447" + digits
	p.phoneNat = "07" + digits[:3] + " " + digits[3:]
	p.tier = r.pick(p.beh.tier[:])
	if !p.inCRM {
		p.tier = 0
	}
	if p.tier > 0 {
		c := (uint64(idx)*3486784401 + g.keyCard) % 10_000_000_000
		p.card = "LC" + strconv.FormatUint(c+10_000_000_000, 10)[1:]
	}
	// Sign-up: 10% of CRM persons register during the period.
	if r.bern(0.1) {
		p.signup = periodStart + int64(r.float()*150*float64(msDay))
	} else {
		p.signup = periodStart - msDay*30 - int64(r.float()*8*365*float64(msDay))
	}
	if p.inCRM {
		for c := 0; c < 4; c++ {
			p.consent[actEmail+c] = r.bern(p.beh.consent[c])
		}
		p.crmNoEmail = r.bern(rateCRMMissingEmail)
		p.crmNoPhone = r.bern(rateCRMMissingPhone)
	}
	p.consentAt = p.signup
	// Browsers and app installs.
	nc := 1
	if r.bern(rateTwoCookies) {
		nc = 2
	}
	for k := 0; k < nc; k++ {
		p.cookies = append(p.cookies, cookie{anon: string(r.appendUUID(nil)), off: visitorOffset(r), skew: clockSkew(r)})
	}
	if r.bern(p.beh.hasApp) {
		nd := 1
		if r.bern(rateTwoDevices) {
			nd = 2
		}
		for k := 0; k < nd; k++ {
			os := "iOS"
			if r.bern(0.45) {
				os = "Android"
			}
			id := "dev-" + string(appendHex64(nil, p.newID(g, idDevice)))
			p.devices = append(p.devices, device{id: id, anon: string(r.appendUUID(nil)), os: os, off: visitorOffset(r), skew: clockSkew(r)})
		}
	} else {
		p.consent[actPush] = false
	}
	// Orders in the year before the period (a Poisson process backwards).
	gap := p.beh.preGapDays * float64(msDay)
	for t := float64(periodStart) - gap - r.exp(1/p.beh.preRate)*float64(msDay); t > float64(periodStart-365*msDay); t -= r.exp(1/p.beh.preRate) * float64(msDay) {
		if int64(t) > p.signup {
			p.orders = append(p.orders, int64(t))
		}
	}
	// reverse to time order
	for i, j := 0, len(p.orders)-1; i < j; i, j = i+1, j-1 {
		p.orders[i], p.orders[j] = p.orders[j], p.orders[i]
	}
	p.lastOrder = p.signup
	if len(p.orders) > 0 {
		p.lastOrder = p.orders[len(p.orders)-1]
	}
	p.lastActivity = periodStart - int64(r.float()*40*float64(msDay))
	if p.lastActivity < p.signup {
		p.lastActivity = p.signup
	}
	p.lastChannel = "web"
	if len(p.devices) > 0 && r.bern(p.beh.appShare) {
		p.lastChannel = "app"
	} else if p.seg == segLoyal && r.bern(0.4) {
		p.lastChannel = "store"
	}
	return p
}

func visitorOffset(r *rng) int {
	switch u := r.float(); {
	case u < 0.04:
		return -300
	case u < 0.08:
		return 60
	}
	return ukTZ
}

func clockSkew(r *rng) int64 {
	if !r.bern(0.08) {
		return 0
	}
	s := int64(10_000 + r.float()*590_000)
	if r.bern(0.5) {
		s = -s
	}
	return s
}

func lowerASCII(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+32)
		case c >= 'a' && c <= 'z':
			b = append(b, c)
		}
	}
	return string(b)
}

// makeEmail builds a unique address: the local part ends in a number that
// is a bijection of the person index, so no two persons share an address
// unless they are a household.
func (g *gen) makeEmail(idx int, first, last string, r *rng) string {
	n := (uint64(idx)*7919 + g.keyEmail) % 100_000_000
	f := lowerASCII(strings.SplitN(first, " ", 2)[0])
	l := lowerASCII(strings.SplitN(last, ",", 2)[0])
	var local string
	switch r.intn(3) {
	case 0:
		local = f + "." + l
	case 1:
		local = f + l
	default:
		local = f[:1] + l
	}
	return local + strconv.FormatUint(n, 10) + "@" + emailDomains[r.intn(len(emailDomains))]
}

// simulate runs one person's 180 days and writes their rows.
func (g *gen) simulate(b *block, p *person) {
	r := p.r
	beh := p.beh
	day := float64(msDay)
	// Organic sessions, store visits and calls: Poisson processes whose
	// rate may decay (dormant persons fade away).
	addProc := func(kind uint8, rate float64) {
		if rate <= 0 {
			return
		}
		t := 0.0
		for {
			t += r.exp(1 / rate)
			if t >= periodDays {
				return
			}
			if beh.decayDays > 0 && !r.bern(math.Exp(-t/beh.decayDays)) {
				continue
			}
			at := periodStart + int64(t*day)
			at = at - at%msSecond + int64(r.intn(1000))
			p.q.push(qitem{t: at, kind: kind})
		}
	}
	p.q.items = b.qbuf[:0]
	defer func() { b.qbuf = p.q.items[:0] }()
	addProc(kSession, beh.sessRate*p.intent)
	addProc(kStore, beh.storeRate*math.Sqrt(p.intent))
	addProc(kCall, beh.callRate)
	if p.inCRM {
		for _, t := range newsletterTimes {
			p.q.push(qitem{t: t + int64(r.float()*2*float64(msHour)), kind: kNewsletter})
		}
		for _, t := range smsPromoTimes {
			p.q.push(qitem{t: t + int64(r.float()*float64(msHour)), kind: kSMSPromo})
		}
		for _, t := range pushPromoTimes {
			p.q.push(qitem{t: t + int64(r.float()*float64(msHour)), kind: kPushPromo})
		}
		first := p.lastActivity
		if p.signup > first {
			first = p.signup
		}
		at := first + 30*msDay
		if at < periodStart {
			at = periodStart + msHour + int64(r.intn(int(20*msHour)))
		}
		p.q.push(qitem{t: at, kind: kLapse, stamp: p.stamp})
	}
	for len(p.q.items) > 0 {
		it := p.q.pop()
		if it.t >= periodEnd {
			continue
		}
		switch it.kind {
		case kSession:
			app := it.app
			dev := it.dev
			if it.src == "" && it.camp == "" && it.forced == 0 {
				app = len(p.devices) > 0 && r.bern(beh.appShare)
				dev = -1
			}
			g.session(b, p, it.t, app, dev, it.camp, it.src, it.forced)
		case kStore:
			if it.t >= p.openUntil {
				g.storeVisit(b, p, it.t, 0)
			}
		case kOrderStore:
			g.storeVisit(b, p, it.t, it.forced)
		case kCall:
			g.inboundCall(b, p, it.t)
		case kNewsletter:
			if !p.crmNoEmail && p.consent[actEmail] && r.bern(newsletterAudience) {
				y, mo, d, _, _, _, _ := split(it.t, 0)
				camp := "nl-" + strconv.Itoa(y) + "-" + string(append2(nil, mo)) + "-" + string(append2(nil, d))
				g.sendEmail(b, p, it.t, camp, false, 0)
			}
		case kSMSPromo:
			if !p.crmNoPhone && p.consent[actSMS] && r.bern(smsPromoAudience) {
				y, mo, _, _, _, _, _ := split(it.t, 0)
				g.sendSMS(b, p, it.t, "sms-"+strconv.Itoa(y)+"-"+string(append2(nil, mo)), false, 0)
			}
		case kPushPromo:
			if dv := p.pushDevice(); dv >= 0 && p.consent[actPush] && r.bern(pushPromoAudience) {
				y, mo, d, _, _, _, _ := split(it.t, 0)
				camp := "push-" + strconv.Itoa(y) + "-" + string(append2(nil, mo)) + "-" + string(append2(nil, d))
				g.sendPush(b, p, it.t, dv, camp, false, 0)
			}
		case kDecision:
			g.decide(b, p, it.t, it.trig, it.forced, it.ch)
		case kLapse:
			if it.stamp == p.stamp {
				g.decide(b, p, it.t, 1, 0, p.lastChannel)
			}
		}
	}
	if p.inCRM {
		g.writeCRM(b, p)
	}
}

// activity records a customer-initiated interaction: it resets the lapse
// clock.
func (p *person) activity(t int64, ch string) {
	p.lastActivity = t
	p.lastChannel = ch
	p.stamp++
	if p.inCRM {
		p.q.push(qitem{t: t + 30*msDay, kind: kLapse, stamp: p.stamp})
	}
}

func (p *person) order(t int64) {
	p.orders = append(p.orders, t)
	p.lastOrder = t
}

// pushDevice is the first device whose token the engine can map to the
// customer (the app has been logged in on it), or -1.
func (p *person) pushDevice() int {
	for i := range p.devices {
		if p.devices[i].loggedIn {
			return i
		}
	}
	return -1
}

func (p *person) recentContacts(t int64, windowDays int) int {
	n := 0
	for i := len(p.contacts) - 1; i >= 0; i-- {
		if p.contacts[i] <= t-int64(windowDays)*msDay {
			break
		}
		if p.contacts[i] <= t {
			n++
		}
	}
	return n
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// decide logs one decision of the campaign engine (trigger index trig: 0
// cart_abandon, 1 lapse) and plays out its outcome.
func (g *gen) decide(b *block, p *person, t int64, trig int, cart float64, lastCh string) {
	if t < p.openUntil || t+7*msDay > periodEnd || t < p.signup || t < periodStart {
		return
	}
	r := p.r
	m := g.m
	var allowed [nActions]bool
	allowed[actNone] = true
	allowed[actEmail] = p.consent[actEmail] && !p.crmNoEmail
	allowed[actSMS] = p.consent[actSMS] && !p.crmNoPhone
	allowed[actPush] = p.consent[actPush] && p.pushDevice() >= 0
	allowed[actCall] = p.consent[actCall] && !p.crmNoPhone
	total := 0.0
	for a := 0; a < nActions; a++ {
		if allowed[a] {
			total += m.logW[trig][a]
		}
	}
	u := r.float() * total
	act := actNone
	for a := 0; a < nActions; a++ {
		if !allowed[a] {
			continue
		}
		act = a
		if u < m.logW[trig][a] {
			break
		}
		u -= m.logW[trig][a]
	}
	prop := m.logW[trig][act] / total
	k := p.recentContacts(t, m.windowDay)
	conv := r.bern(m.conv(p.seg, trig, act, k))
	value := cart
	if trig == 1 {
		value = round2(r.lognormMean(m.value[p.seg], m.sigma[p.seg]))
	}
	revenue := 0.0
	if conv {
		revenue = value
	}
	cost := round3(m.fixed[act] + m.disc[act]*revenue)
	reward := round3(revenue - cost)
	orders90 := 0
	for i := len(p.orders) - 1; i >= 0 && p.orders[i] > t-90*msDay; i-- {
		orders90++
	}
	did := "D" + string(appendHex64(nil, p.newID(g, idDecision)))
	w := b.buf[fDecisions]
	w = append(w, did...)
	w = append(w, ',')
	w = append(w, p.crmID...)
	w = append(w, ',')
	w = appendISO(w, t, 0, false, true)
	w = append(w, ',')
	w = append(w, Triggers[trig]...)
	w = append(w, ',')
	w = strconv.AppendInt(w, (t-p.lastOrder)/msDay, 10)
	w = append(w, ',')
	w = strconv.AppendInt(w, int64(orders90), 10)
	w = append(w, ',')
	w = strconv.AppendFloat(w, cart, 'f', 2, 64)
	w = append(w, ',')
	w = append(w, tiers[p.tier]...)
	w = append(w, ',')
	w = appendCSV(w, regions[p.region], ',')
	w = append(w, ',')
	w = append(w, lastCh...)
	for a := actEmail; a <= actCall; a++ {
		w = append(w, ',')
		w = strconv.AppendBool(w, allowed[a])
	}
	w = append(w, ',')
	w = append(w, Actions[act]...)
	w = append(w, ',')
	w = strconv.AppendFloat(w, prop, 'g', -1, 64)
	w = append(w, ',')
	if conv {
		w = append(w, '1')
	} else {
		w = append(w, '0')
	}
	w = append(w, ',')
	w = strconv.AppendFloat(w, revenue, 'f', 2, 64)
	w = append(w, ',')
	w = strconv.AppendFloat(w, cost, 'f', -1, 64)
	w = append(w, ',')
	w = strconv.AppendFloat(w, reward, 'f', -1, 64)
	w = append(w, '\n')
	b.buf[fDecisions] = w
	b.rows[fDecisions]++
	b.decisions++

	// Truth: the expected reward of every action in this context.
	ev := value
	if trig == 1 {
		ev = m.value[p.seg]
	}
	w = b.buf[tDecisions]
	w = append(w, did...)
	w = append(w, ',')
	w = append(w, p.pid...)
	w = append(w, ',')
	w = append(w, Segments[p.seg]...)
	for a := 0; a < nActions; a++ {
		w = append(w, ',')
		w = strconv.AppendFloat(w, m.expReward(p.seg, trig, a, k, ev), 'g', -1, 64)
	}
	w = append(w, ',')
	w = strconv.AppendInt(w, int64(k), 10)
	w = append(w, '\n')
	b.buf[tDecisions] = w
	b.rows[tDecisions]++

	p.openUntil = t + 7*msDay
	forced := 0.0
	if conv {
		forced = value
	}
	camp := "trg-cart-"
	if trig == 1 {
		camp = "trg-lapse-"
	}
	send := t + 60_000 + int64(r.intn(240_000))
	switch act {
	case actEmail:
		g.sendEmail(b, p, send, camp+"email", conv, forced)
	case actSMS:
		g.sendSMS(b, p, send, camp+"sms", conv, forced)
	case actPush:
		g.sendPush(b, p, send, p.pushDevice(), camp+"push", conv, forced)
	case actCall:
		g.callBack(b, p, send, conv, forced)
	case actNone:
		if conv {
			at := t + 10*msMinute + int64(math.Min(r.exp(10), 6*24)*float64(msHour))
			if r.bern(p.beh.pStoreOrder) {
				p.q.push(qitem{t: at, kind: kOrderStore, forced: forced})
			} else {
				app := len(p.devices) > 0 && r.bern(p.beh.appShare)
				p.q.push(qitem{t: at, kind: kSession, app: app, dev: -1, forced: forced})
			}
		}
	}
}

// optOut draws whether a contact by action a withdraws its channel's
// consent.
func (g *gen) optOut(p *person, a int, t int64) bool {
	if !p.r.bern(g.m.optOut[p.seg][a]) {
		return false
	}
	p.consent[a] = false
	if t > p.consentAt {
		p.consentAt = t
	}
	return true
}

// clickDelay is the delay from a message to its click or open: short when
// the message leads to the 7-day conversion, so the order lands in time.
func clickDelay(r *rng, meanHours float64) int64 {
	return msMinute + int64(math.Min(r.exp(meanHours), 48)*float64(msHour))
}

package sample

import (
	"math"
	"strconv"
)

// appendCSV appends field, quoted as encoding/csv would quote it: when it
// contains the delimiter, a quote, CR or LF, or begins with a space or tab.
func appendCSV(b []byte, field string, delim byte) []byte {
	need := len(field) > 0 && (field[0] == ' ' || field[0] == '\t')
	for i := 0; i < len(field) && !need; i++ {
		c := field[i]
		need = c == delim || c == '"' || c == '\r' || c == '\n'
	}
	if !need {
		return append(b, field...)
	}
	b = append(b, '"')
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, field[i])
	}
	return append(b, '"')
}

// row ends a row of file f: appends the line end and counts it.
func (b *block) row(f int, w []byte) {
	if f == fCRM {
		w = append(w, '\r', '\n')
	} else {
		w = append(w, '\n')
	}
	b.buf[f] = w
	b.rows[f]++
}

// plant records that the row about to be written to f is malformed.
func (b *block) plant(f int, kind string) {
	b.mal = append(b.mal, malRow{file: f, row: b.rows[f], kind: kind})
}

// surface is where a Segment message comes from: a browser or an app install.
type surface struct {
	app bool
	ck  *cookie
	dv  *device
}

func (s surface) anon() string {
	if s.app {
		return s.dv.anon
	}
	return s.ck.anon
}

// segMsg holds one Segment message while it is written.
type segMsg struct {
	typ     string
	userID  string
	noAnon  bool
	name    string // page/screen name
	event   string // track event
	props   []byte // JSON object body without braces (may be empty)
	traits  []byte // identify traits body
	prevID  string // alias
	camp    string
	src     string
	t       int64
	scratch []byte
}

// writeSeg writes one Segment message line to the web or app export. The
// visitor's clock may be skewed: originalTimestamp and sentAt are on the
// device clock, receivedAt on the server clock, and timestamp is the true
// time t = receivedAt − (sentAt − originalTimestamp).
func (g *gen) writeSeg(b *block, p *person, s surface, m *segMsg) {
	g.writeSegFrom(b, p, s, m, p.r)
}

// writeSegFrom is writeSeg with the message's own draws (messageId,
// network delay, planted malformation) taken from r.
func (g *gen) writeSegFrom(b *block, p *person, s surface, m *segMsg, r *rng) {
	f := fWeb
	off, skew := 0, int64(0)
	var delay int64
	if s.app {
		f = fApp
		off, skew = s.dv.off, s.dv.skew
		s.dv.used = true
		delay = 200 + int64(math.Min(r.exp(5000), 60000))
	} else {
		off, skew = s.ck.off, s.ck.skew
		s.ck.used = true
		delay = 50 + int64(r.intn(450))
	}
	if off == ukTZ {
		off = ukOffsetMin(m.t)
	}
	w := m.scratch[:0]
	w = append(w, `{"type":"`...)
	w = append(w, m.typ...)
	w = append(w, `","messageId":"`...)
	w = r.appendUUID(w)
	w = append(w, '"')
	if !m.noAnon {
		w = append(w, `,"anonymousId":"`...)
		w = append(w, s.anon()...)
		w = append(w, '"')
	}
	if m.userID != "" {
		w = append(w, `,"userId":"`...)
		w = append(w, m.userID...)
		w = append(w, '"')
	}
	if m.prevID != "" {
		w = append(w, `,"previousId":"`...)
		w = append(w, m.prevID...)
		w = append(w, '"')
	}
	if m.name != "" {
		w = append(w, `,"name":"`...)
		w = append(w, m.name...)
		w = append(w, '"')
	}
	if m.event != "" {
		w = append(w, `,"event":"`...)
		w = append(w, m.event...)
		w = append(w, '"')
	}
	if m.typ == "identify" {
		w = append(w, `,"traits":{`...)
		w = append(w, m.traits...)
		w = append(w, '}')
	} else if m.typ != "alias" {
		w = append(w, `,"properties":{`...)
		w = append(w, m.props...)
		w = append(w, '}')
	}
	w = append(w, `,"context":{"channel":"`...)
	if s.app {
		w = append(w, `app","device":{"id":"`...)
		w = append(w, s.dv.id...)
		w = append(w, `","type":"`...)
		if s.dv.os == "iOS" {
			w = append(w, `ios"},"os":{"name":"iOS","version":"18.3"}`...)
		} else {
			w = append(w, `android"},"os":{"name":"Android","version":"15"}`...)
		}
		w = append(w, `,"app":{"name":"Northwind Home","version":"4.2.1"}`...)
	} else {
		w = append(w, `web","locale":"en-GB"`...)
	}
	if m.camp != "" {
		w = append(w, `,"campaign":{"name":"`...)
		w = append(w, m.camp...)
		w = append(w, `","source":"`...)
		w = append(w, m.src...)
		w = append(w, `","medium":"`...)
		w = append(w, m.src...)
		w = append(w, `"}`...)
	}
	w = append(w, '}')
	missing := s.app && r.bern(rateMalApp)
	if !missing {
		w = append(w, `,"timestamp":"`...)
		w = appendISO(w, m.t, off, true, false)
		w = append(w, `","originalTimestamp":"`...)
		w = appendISO(w, m.t+skew, off, true, false)
		w = append(w, '"')
	}
	w = append(w, `,"sentAt":"`...)
	w = appendISO(w, m.t+skew+delay, 0, true, true)
	w = append(w, '"')
	if !missing {
		w = append(w, `,"receivedAt":"`...)
		w = appendISO(w, m.t+delay, 0, true, true)
		w = append(w, '"')
	}
	w = append(w, '}')
	if missing {
		b.plant(f, MalMissingTimestamp)
	} else if !s.app && r.bern(rateMalWeb) {
		b.plant(f, MalTruncatedJSON)
		w = w[:len(w)/2]
	}
	m.scratch = w
	b.row(f, append(b.buf[f], w...))
}

func appendJSONKV(w []byte, key, val string) []byte {
	if len(w) > 0 {
		w = append(w, ',')
	}
	w = append(w, '"')
	w = append(w, key...)
	w = append(w, `":"`...)
	w = append(w, val...)
	return append(w, '"')
}

func appendJSONNum(w []byte, key string, v float64, prec int) []byte {
	if len(w) > 0 {
		w = append(w, ',')
	}
	w = append(w, '"')
	w = append(w, key...)
	w = append(w, `":`...)
	return strconv.AppendFloat(w, v, 'f', prec, 64)
}

// login writes the identify (and, on an app's first login, the alias)
// that ties the surface's anonymous id to the CRM id.
func (g *gen) login(b *block, p *person, s surface, m *segMsg) {
	r := p.r
	if s.app {
		if !s.dv.aliased {
			s.dv.aliased = true
			*m = segMsg{typ: "alias", noAnon: true, userID: p.crmID, prevID: s.dv.anon, t: m.t, scratch: m.scratch}
			g.writeSeg(b, p, s, m)
			m.t += 200
		}
		s.dv.loggedIn = true
	} else {
		s.ck.loggedIn = true
	}
	tr := appendJSONKV(nil, "email", p.email)
	p.emEmail = true
	if r.bern(0.3) {
		ph := p.phone
		if r.bern(0.4) {
			ph = p.phoneNat
		}
		tr = appendJSONKV(tr, "phone", ph)
		p.emPhone = true
	}
	*m = segMsg{typ: "identify", userID: p.crmID, traits: tr, t: m.t, scratch: m.scratch}
	g.writeSeg(b, p, s, m)
}

// link is the surface's linking state.
func (s surface) link() *linkState {
	if s.app {
		return &s.dv.link
	}
	return &s.ck.link
}

// identifyLink writes an identify that links the surface's anonymous id
// (and device id) to the person without a login, at m.t, with every draw
// from the link stream: with the CRM id and traits.email when withUser (a
// remembered login or an email click-through recognising a customer), or
// traits.email alone (a visitor who cannot log in gives an email to a
// newsletter form or a guest checkout). m.t is left as it was.
func (g *gen) identifyLink(b *block, p *person, s surface, m *segMsg, withUser bool) {
	tr := appendJSONKV(nil, "email", p.email)
	p.emEmail = true
	uid := ""
	if withUser {
		uid = p.crmID
		s.link().recognised = true
	} else {
		s.link().gaveEmail = true
	}
	*m = segMsg{typ: "identify", userID: uid, traits: tr, t: m.t, scratch: m.scratch}
	g.writeSegFrom(b, p, s, m, p.lr)
}

// session writes one visit on the web or the app: landing, browsing,
// maybe a cart, a checkout and an order. forced > 0 makes the visit
// complete an order of that value (a decision's conversion). A cart left
// by a logged-in customer schedules a cart_abandon decision one hour after
// the visit.
func (g *gen) session(b *block, p *person, t int64, app bool, dev int, camp, src string, forced float64) {
	r := p.r
	beh := p.beh
	var s surface
	if app && len(p.devices) > 0 {
		if dev < 0 || dev >= len(p.devices) {
			dev = 0
			if len(p.devices) > 1 && r.bern(0.3) {
				dev = 1
			}
		}
		s = surface{app: true, dv: &p.devices[dev]}
	} else {
		ck := 0
		if len(p.cookies) > 1 && r.bern(0.35) {
			ck = 1
		}
		s = surface{ck: &p.cookies[ck]}
	}
	logged := func() bool {
		if s.app {
			return s.dv.loggedIn
		}
		return s.ck.loggedIn
	}
	canLogin := p.inCRM && t >= p.signup
	allowOrder := forced > 0 || t >= p.openUntil
	m := &b.msg
	step := func() { m.t += 5000 + int64(r.exp(35000)) }
	uid := func() string {
		if logged() {
			return p.crmID
		}
		return ""
	}
	view := func(name, path string, ref string) {
		props := b.pbuf[:0]
		if !s.app {
			url := siteURL + path
			if camp != "" && ref == "" {
				url += "?utm_source=" + src + "&utm_medium=" + src + "&utm_campaign=" + camp
			}
			props = appendJSONKV(props, "path", path)
			props = appendJSONKV(props, "url", url)
			props = appendJSONKV(props, "referrer", ref)
			*m = segMsg{typ: "page", userID: uid(), name: name, props: props, camp: camp, src: src, t: m.t, scratch: m.scratch}
		} else {
			*m = segMsg{typ: "screen", userID: uid(), name: name, camp: camp, src: src, t: m.t, scratch: m.scratch}
		}
		g.writeSeg(b, p, s, m)
		b.pbuf = props[:0]
		step()
	}
	track := func(event string, props []byte) {
		*m = segMsg{typ: "track", userID: uid(), event: event, props: props, camp: camp, src: src, t: m.t, scratch: m.scratch}
		g.writeSeg(b, p, s, m)
		b.pbuf = props[:0]
		step()
	}
	m.t = t
	if canLogin && !logged() && r.bern(0.3) {
		g.login(b, p, s, m)
		step()
	}
	// Linking evidence, none of it behaviour: a customer's surface is
	// recognised on its first visit after sign-up; a visitor who cannot
	// log in may give an email on the surface's first visit.
	if lk := s.link(); canLogin && !logged() && !lk.recognised {
		g.identifyLink(b, p, s, m, true)
	} else if !canLogin && !p.shared && !lk.asked {
		lk.asked = true
		if p.lr.bern(rateEmailForm) {
			g.identifyLink(b, p, s, m, false)
		}
	}
	prod := func() (string, string) {
		n := 100 + r.intn(900)
		return "P" + strconv.Itoa(n), categories[n%len(categories)]
	}
	pid, cat := prod()
	if camp != "" {
		view("Product", "/product/"+pid, "")
	} else {
		ref := referrers[r.pick(referrerWeights)]
		view("Home", "/", ref)
		for k := r.intn(3); k > 0; k-- {
			view("Category", "/category/"+cat, siteURL+"/")
		}
		view("Product", "/product/"+pid, siteURL+"/category/"+cat)
	}
	price := round2(r.lognormMean(g.m.value[p.seg], g.m.sigma[p.seg]))
	track("Product Viewed", appendJSONNum(appendJSONKV(appendJSONKV(b.pbuf[:0], "product_id", pid), "category", cat), "price", price, 2))
	for k := r.poisson(beh.prodMean); k > 0; k-- {
		pid, cat = prod()
		price = round2(r.lognormMean(g.m.value[p.seg], g.m.sigma[p.seg]))
		view("Product", "/product/"+pid, siteURL+"/category/"+cat)
		track("Product Viewed", appendJSONNum(appendJSONKV(appendJSONKV(b.pbuf[:0], "product_id", pid), "category", cat), "price", price, 2))
	}
	endCh := "web"
	if s.app {
		endCh = "app"
	}
	if !(forced > 0 || r.bern(math.Min(0.95, beh.pCart*math.Sqrt(p.intent)))) {
		p.activity(m.t, endCh)
		return
	}
	cart := price
	if forced > 0 {
		cart = forced
	}
	track("Product Added", appendJSONNum(appendJSONNum(appendJSONKV(b.pbuf[:0], "product_id", pid), "price", cart, 2), "quantity", 1, 0))
	ordered := false
	if forced > 0 || (allowOrder && r.bern(beh.pCheckout)) {
		view("Cart", "/cart", "")
		track("Checkout Started", appendJSONKV(appendJSONNum(b.pbuf[:0], "value", cart, 2), "currency", "GBP"))
		if canLogin && !logged() {
			g.login(b, p, s, m)
			step()
		} else if !canLogin && !p.shared && !s.link().gaveEmail {
			g.identifyLink(b, p, s, m, false) // guest checkout: the email for the order
		}
		view("Checkout", "/checkout", "")
		if forced > 0 || r.bern(beh.pOrder) {
			oid := "O" + string(appendHex64(nil, p.newID(g, idOrder)))
			if src == "sms" {
				track("Coupon Applied", appendJSONKV(appendJSONKV(b.pbuf[:0], "order_id", oid), "coupon", "SMS10"))
			}
			props := appendJSONKV(b.pbuf[:0], "order_id", oid)
			props = appendJSONNum(props, "revenue", cart, 2)
			props = appendJSONKV(props, "currency", "GBP")
			props = appendJSONNum(props, "products", 1, 0)
			track("Order Completed", props)
			if !s.app {
				view("Order Confirmation", "/order/confirmation", "")
			}
			p.order(m.t)
			ordered = true
		}
	}
	p.activity(m.t, endCh)
	if !ordered && p.inCRM && logged() {
		p.q.push(qitem{t: m.t + msHour, kind: kDecision, trig: 0, forced: cart, ch: endCh})
	}
}

func (g *gen) emailRow(b *block, p *person, t int64, camp, event, url string) {
	w := b.buf[fEmail]
	w = append(w, "ev_"...)
	w = appendHex64(w, p.newID(g, idEvent))
	w = append(w, ',')
	if p.r.bern(rateMalEmail) {
		b.plant(fEmail, MalBadTimestamp)
		w = append(w, "N/A"...)
	} else {
		w = appendISO(w, t, 0, true, true)
	}
	w = append(w, ',')
	w = append(w, p.email...)
	w = append(w, ',')
	w = append(w, camp...)
	w = append(w, ',')
	w = append(w, event...)
	w = append(w, ',')
	w = append(w, url...)
	p.emEmail = true
	b.row(fEmail, w)
}

// sendEmail writes one email's provider events: sent, then bounce or
// delivered, maybe open and click (a click starts a web visit with UTM
// tags), maybe unsubscribe. force makes the email be opened and clicked,
// and the visit order forced (the decision's conversion).
func (g *gen) sendEmail(b *block, p *person, t int64, camp string, force bool, forced float64) {
	r := p.r
	p.contacts = append(p.contacts, t)
	g.emailRow(b, p, t, camp, "sent", "")
	if !force && r.bern(0.01) {
		g.emailRow(b, p, t+2000+int64(r.intn(30000)), camp, "bounce", "")
		return
	}
	g.emailRow(b, p, t+1000+int64(r.intn(20000)), camp, "delivered", "")
	openAt := t + 5*msMinute + int64(r.exp(3*float64(msHour)))
	opened := force || r.bern(p.beh.pOpen)
	if force {
		openAt = t + clickDelay(r, 4)
	}
	if opened {
		g.emailRow(b, p, openAt, camp, "open", "")
		if force || r.bern(p.beh.pClick) {
			clickAt := openAt + 20000 + int64(r.exp(120000))
			n := 100 + r.intn(900)
			url := siteURL + "/product/P" + strconv.Itoa(n) + "?utm_source=email&utm_medium=email&utm_campaign=" + camp
			g.emailRow(b, p, clickAt, camp, "click", url)
			p.q.push(qitem{t: clickAt + 5000, kind: kSession, camp: camp, src: "email", forced: forced, dev: -1})
		}
	}
	if g.optOut(p, actEmail, t) {
		at := t + int64(r.exp(float64(msDay)))
		if opened {
			at = openAt + 30000
		}
		g.emailRow(b, p, at, camp, "unsubscribe", "")
	}
}

func (g *gen) smsRow(b *block, sid []byte, to, camp, status string, t int64) {
	w := b.buf[fSMS]
	w = append(w, sid...)
	w = append(w, ';')
	w = append(w, to...)
	w = append(w, ';')
	w = append(w, camp...)
	w = append(w, ';')
	w = append(w, status...)
	w = append(w, ';')
	w = strconv.AppendInt(w, t/1000, 10)
	b.row(fSMS, w)
}

func (g *gen) newSID(p *person) []byte {
	sid := append([]byte("SM"), appendHex64(nil, p.newID(g, idSMS))...)
	return appendHex64(sid, p.r.u64())
}

// sendSMS writes one SMS's events: sent, delivered or failed, maybe a
// click on its link (a web visit with the SMS10 coupon), maybe an opt-out
// (a STOP reply, logged with its own message_sid).
func (g *gen) sendSMS(b *block, p *person, t int64, camp string, force bool, forced float64) {
	r := p.r
	p.contacts = append(p.contacts, t)
	p.emPhone = true
	sid := g.newSID(p)
	g.smsRow(b, sid, p.phone, camp, "sent", t)
	if !force && r.bern(0.03) {
		g.smsRow(b, sid, p.phone, camp, "failed", t+3000)
		return
	}
	g.smsRow(b, sid, p.phone, camp, "delivered", t+2000+int64(r.intn(8000)))
	if force || r.bern(p.beh.pSMSClick) {
		at := t + clickDelay(r, 1)
		g.smsRow(b, sid, p.phone, camp, "clicked", at)
		p.lastChannel = "sms"
		p.q.push(qitem{t: at + 5000, kind: kSession, camp: camp, src: "sms", forced: forced, dev: -1})
	}
	if g.optOut(p, actSMS, t) {
		g.smsRow(b, g.newSID(p), p.phone, camp, "opted_out", t+msMinute+int64(r.exp(2*float64(msHour))))
	}
}

func (g *gen) pushRow(b *block, token, camp, event string, t int64) {
	w := b.buf[fPush]
	w = append(w, token...)
	w = append(w, '\t')
	w = append(w, camp...)
	w = append(w, '\t')
	w = append(w, event...)
	w = append(w, '\t')
	w = strconv.AppendInt(w, t, 10)
	b.row(fPush, w)
}

// sendPush writes one push notification's events to device dev: sent,
// maybe delivered and opened (an app visit), maybe disabled (opt-out).
func (g *gen) sendPush(b *block, p *person, t int64, dev int, camp string, force bool, forced float64) {
	r := p.r
	p.contacts = append(p.contacts, t)
	d := &p.devices[dev]
	d.used = true
	g.pushRow(b, d.id, camp, "sent", t)
	if !force && r.bern(0.05) {
		return
	}
	g.pushRow(b, d.id, camp, "delivered", t+500+int64(r.intn(5000)))
	if force || r.bern(p.beh.pPushOpen) {
		at := t + clickDelay(r, 2)
		g.pushRow(b, d.id, camp, "opened", at)
		p.q.push(qitem{t: at + 2000, kind: kSession, app: true, dev: dev, camp: camp, src: "push", forced: forced})
	}
	if g.optOut(p, actPush, t) {
		g.pushRow(b, d.id, camp, "disabled", t+msMinute+int64(r.exp(float64(msDay))))
	}
}

var agentIDs = func() []string {
	out := make([]string, 60)
	for i := range out {
		out[i] = "A" + strconv.Itoa(101+i)
	}
	return out
}()

func (g *gen) callRow(b *block, p *person, t int64, dur int, reason, outcome string) {
	r := p.r
	w := b.buf[fCall]
	w = append(w, "CL-"...)
	w = appendHex64(w, p.newID(g, idCall))
	w = append(w, ',')
	mal := r.bern(rateMalCall)
	if mal {
		b.plant(fCall, MalMissingPhone)
	} else {
		w = append(w, p.phoneNat...)
		p.emPhone = true
	}
	w = append(w, ',')
	w = appendUKCall(w, t)
	w = append(w, ',')
	w = strconv.AppendInt(w, int64(dur), 10)
	w = append(w, ',')
	w = append(w, reason...)
	w = append(w, ',')
	w = append(w, outcome...)
	w = append(w, ',')
	w = append(w, agentIDs[r.intn(len(agentIDs))]...)
	// What the agent captured about the caller (from the link stream): a
	// registered customer's number once verified; from a caller who has
	// no customer record, the email they give (always for an order by
	// phone, which needs the e-receipt). A row without a phone carries
	// neither. An unverified customer's email is not taken: it would tie
	// the phone to the customer's email on the caller's word alone.
	w = append(w, ',')
	if !mal && p.inCRM && t >= p.signup && p.lr.bern(rateCallVerified) {
		w = append(w, p.crmID...)
	}
	w = append(w, ',')
	if !mal && !p.inCRM && (reason == "order_by_phone" || p.lr.bern(rateCallEmailGiven)) {
		w = append(w, p.email...)
		p.emEmail = true
	}
	b.row(fCall, w)
}

// callBack is the call_back action: an agent calls the customer; a
// converted call places the order by phone (a contact-centre till receipt).
func (g *gen) callBack(b *block, p *person, t int64, conv bool, forced float64) {
	r := p.r
	p.contacts = append(p.contacts, t)
	at := t + 30*msMinute + int64(math.Min(r.exp(3), 48)*float64(msHour))
	dur := 60 + int(r.exp(300))
	outcome := "resolved"
	if conv {
		outcome = "order_placed"
	} else if r.bern(0.2) {
		outcome = "callback_scheduled"
	}
	g.callRow(b, p, at, dur, "product_question", outcome)
	p.activity(at, "call_centre")
	g.optOut(p, actCall, t)
	if conv {
		g.receipt(b, p, at+int64(dur)*msSecond, "CC01", forced, true)
		p.order(at + int64(dur)*msSecond)
	}
}

// inboundCall is a call the customer makes: about a recent order
// (delivery, returns, complaint) or not (questions, complaints, orders
// by phone).
func (g *gen) inboundCall(b *block, p *person, t int64) {
	r := p.r
	dur := 30 + int(r.exp(240))
	var reason, outcome string
	if len(p.orders) > 0 && p.orders[len(p.orders)-1] > t-14*msDay {
		reason = []string{"delivery", "returns", "complaint"}[r.pick([]float64{0.5, 0.3, 0.2})]
	} else {
		reason = []string{"product_question", "complaint", "order_by_phone"}[r.pick([]float64{0.6, 0.15, 0.25})]
	}
	if reason == "order_by_phone" && t < p.openUntil {
		reason = "product_question"
	}
	switch reason {
	case "complaint":
		outcome = "resolved"
		if r.bern(0.4) {
			outcome = "escalated"
		}
	case "order_by_phone":
		outcome = "order_placed"
	case "delivery", "returns":
		outcome = "resolved"
		if r.bern(0.2) {
			outcome = "callback_scheduled"
		}
	default:
		outcome = "resolved"
	}
	g.callRow(b, p, t, dur, reason, outcome)
	p.activity(t, "call_centre")
	if reason == "order_by_phone" {
		v := round2(r.lognormMean(g.m.value[p.seg], g.m.sigma[p.seg]))
		g.receipt(b, p, t+int64(dur)*msSecond, "CC01", v, true)
		p.order(t + int64(dur)*msSecond)
	}
}

// storeVisit is a purchase at the person's local store (forced > 0: of
// that value, a decision's conversion).
func (g *gen) storeVisit(b *block, p *person, t int64, forced float64) {
	r := p.r
	// Stores open 09:00–20:00 UK time.
	h := (t + int64(ukOffsetMin(t))*msMinute) % msDay
	if h < 9*msHour || h >= 20*msHour {
		t += (9*msHour - h + msDay) % msDay
		t += int64(r.intn(int(10 * msHour)))
	}
	v := forced
	if v == 0 {
		v = round2(r.lognormMean(g.m.value[p.seg], g.m.sigma[p.seg]))
	}
	store := "S0" + string(append2(nil, 1+p.region*5+p.idx%5))
	g.receipt(b, p, t, store, v, false)
	p.order(t)
	p.activity(t, "store")
}

// receipt writes one till receipt; the loyalty card is scanned when the
// person has one (85%), the email is given for an e-receipt (always for
// phone orders and when no card is scanned).
func (g *gen) receipt(b *block, p *person, t int64, store string, amount float64, phoneOrder bool) {
	r := p.r
	w := b.buf[fStore]
	w = append(w, 'R')
	w = appendHex64(w, p.newID(g, idReceipt))
	w = append(w, ',')
	w = append(w, store...)
	w = append(w, ',')
	w = appendTill(w, t)
	w = append(w, ',')
	card := p.card != "" && r.bern(0.85)
	if card {
		w = append(w, p.card...)
		p.emCard = true
	}
	w = append(w, ',')
	if !card || phoneOrder || r.bern(0.4) {
		e := p.email
		if r.bern(0.05) {
			e = upperFirst(e)
		}
		w = append(w, e...)
		p.emEmail = true
	}
	w = append(w, ',')
	if r.bern(rateMalStore) {
		b.plant(fStore, MalBadAmount)
		s := strconv.FormatFloat(amount, 'f', 2, 64)
		w = append(w, '"')
		for i := 0; i < len(s); i++ {
			if s[i] == '.' {
				w = append(w, ',')
			} else {
				w = append(w, s[i])
			}
		}
		w = append(w, "€\""...)
	} else {
		w = strconv.AppendFloat(w, amount, 'f', 2, 64)
	}
	w = append(w, ",GBP,"...)
	w = strconv.AppendInt(w, int64(1+r.poisson(0.8)), 10)
	b.row(fStore, w)
}

// upperFirst capitalises the first letter of the local part and of the
// domain: "Jane.doe1@Example.com" (noise a loader must normalise).
func upperFirst(e string) string {
	b := []byte(e)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
		up = c == '@'
	}
	return string(b)
}

// writeCRM writes the person's CRM row as of the end of the period (the
// export is a snapshot: consents are the final ones).
func (g *gen) writeCRM(b *block, p *person) {
	r := p.r
	w := b.buf[fCRM]
	w = append(w, p.crmID...)
	w = append(w, ',')
	if !p.crmNoEmail {
		e := p.email
		if r.bern(rateCRMEmailCase) {
			e = upperFirst(e)
		}
		if r.bern(rateCRMEmailSpace) {
			e = " " + e + " "
		}
		w = appendCSV(w, e, ',')
		p.emEmail = true
	}
	w = append(w, ',')
	if !p.crmNoPhone {
		w = append(w, p.phone...)
		p.emPhone = true
	}
	w = append(w, ',')
	w = appendCSV(w, p.first, ',')
	w = append(w, ',')
	w = appendCSV(w, p.last, ',')
	w = append(w, ',')
	w = appendCSV(w, regions[p.region], ',')
	w = append(w, ',')
	w = append(w, tiers[p.tier]...)
	w = append(w, ',')
	if p.card != "" {
		w = append(w, p.card...)
		p.emCard = true
	}
	w = append(w, ',')
	w = appendDate(w, p.signup)
	for a := actEmail; a <= actCall; a++ {
		w = append(w, ',')
		if !r.bern(rateCRMConsentBlank) {
			w = strconv.AppendBool(w, p.consent[a])
		}
	}
	w = append(w, ',')
	upd := p.consentAt
	if upd < periodStart {
		upd = periodStart + int64(r.float()*float64(periodDays*msDay))
	}
	w = appendISO(w, upd-upd%msSecond, 0, false, true)
	b.row(fCRM, w)
}

// writeTruthPersons writes persons.csv and identities.csv rows for one
// household (or single person).
func (g *gen) writeTruthPersons(b *block, members []*person) {
	hid := pad7('H', members[0].idx+1)
	sharedEmitted := false
	for _, p := range members {
		sharedEmitted = sharedEmitted || p.emEmail
	}
	for _, p := range members {
		w := b.buf[tPersons]
		w = append(w, p.pid...)
		w = append(w, ',')
		w = append(w, Segments[p.seg]...)
		w = append(w, ',')
		w = append(w, hid...)
		w = append(w, ',')
		w = strconv.AppendBool(w, p.inCRM)
		w = append(w, ',')
		w = append(w, p.crmID...)
		w = append(w, ',')
		w = strconv.AppendFloat(w, p.intent, 'f', 3, 64)
		b.row(tPersons, w)

		id := func(typ, val string, shared bool) {
			w := b.buf[tIdentities]
			w = append(w, typ...)
			w = append(w, ',')
			w = append(w, val...)
			w = append(w, ',')
			w = append(w, p.pid...)
			w = append(w, ',')
			w = strconv.AppendBool(w, shared)
			b.row(tIdentities, w)
		}
		if p.inCRM {
			id("crm_id", p.crmID, false)
		}
		if p.shared && sharedEmitted || !p.shared && p.emEmail {
			id("email", p.email, p.shared)
		}
		if p.emPhone {
			id("phone", p.phone, false)
		}
		if p.emCard {
			id("loyalty_card", p.card, false)
		}
		for _, c := range p.cookies {
			if c.used {
				id("anonymous_id", c.anon, false)
			}
		}
		for _, d := range p.devices {
			if d.used {
				id("anonymous_id", d.anon, false)
				id("device_id", d.id, false)
			}
		}
	}
}

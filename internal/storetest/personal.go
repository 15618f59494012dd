package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

// The personal-data contract (APPI 開示・消去): a person's copy holds
// everything every store keeps about them and no secret; erasure leaves
// nothing in any table that names them, said by them or points at them,
// except the audit trail's entries under the account's random ID; and
// what other people gave, the anonymous answers and the aggregates built
// on them do not move.
//
// A new store takes part by implementing tsunagari.PersonalData, and
// seedPerson must put a row about the person into each of its tables that
// refers to accounts, and a record of each of its kinds into the person's
// copy: the contract fails for a table it did not fill and for a kind
// the copy lacks, so that no store can hold rows about an account that
// the copy or the erasure misses.
//
// What a store keeps after erasure because someone else needs it (a
// consultant's sealed note on a session, the anonymous answers) is kept
// unlinked, and the contract says so explicitly below: a store that
// wants to keep something must add it there, with its reason in
// SECURITY.md.

// person is everything seedPerson made for one account, and the strings
// that must not survive its erasure.
type person struct {
	acc     *tsunagari.Account
	canary  string   // in the name and a personal free-text answer
	gone    []string // values that no table may hold after erasure
	secrets []string // values no copy may show
	others  []string // IDs and names of other people the copy must not show
	profile string   // the message of their consultant profile
	// The person in consultation: the note their consultant keeps on a
	// session they had, and the bookings of their own client.
	keptNote                                  string // the sealed note, as stored
	heldAsMember                              *tsunagari.Booking
	clientHeld, clientComing, clientCancelled *tsunagari.Booking
	clientReflection                          string // the client's sealed reflection
}

// personalWorld is a database with two people, the erased and the kept,
// in two orgs, with rounds of every privacy mode.
type personalWorld struct {
	b                  Backend
	s                  tsunagari.Stores
	orgA, orgB         *tsunagari.Org
	personal           *tsunagari.Round
	attributed, pooled *tsunagari.Round
	erased, kept       *person
	anonymousCanary    string // in an anonymous answer of the erased person: it stays
}

// diary is an instrument with a free-text item.
func diary() *tsunagari.Instrument {
	t := func(ja, en string) tsunagari.Text { return tsunagari.Text{Ja: ja, En: en} }
	return &tsunagari.Instrument{
		ID: "diary", Version: 1, Title: t("ふりかえり", "Reflection"),
		Sections: []tsunagari.Section{{ID: "s1", Title: t("今週", "This week"), Items: []tsunagari.Item{
			{ID: "mood", Kind: tsunagari.KindLikert, Points: 5, Text: t("気分", "Mood")},
			{ID: "note", Kind: tsunagari.KindText, Text: t("ひとこと", "A note")},
		}}},
	}
}

func newPersonalWorld(t *testing.T, open func(t *testing.T) Backend) *personalWorld {
	t.Helper()
	b := open(t)
	w := &personalWorld{b: b, s: b.Stores(), anonymousCanary: "匿名のまま残るカナリア7"}
	w.orgA, w.orgB = mustCreateOrg(t, w.s, "みなと精機株式会社"), mustCreateOrg(t, w.s, "ひだまりケア")
	mustSaveInstrument(t, w.s, diary())
	w.personal = mustCreateRound(t, w.s, &tsunagari.Round{InstrumentID: "diary", InstrumentVersion: 1, Mode: tsunagari.ModePersonal})
	w.attributed = mustCreateRound(t, w.s, &tsunagari.Round{InstrumentID: "diary", InstrumentVersion: 1,
		Mode: tsunagari.ModeAttributed, OrgID: w.orgA.ID})
	w.pooled = mustCreateRound(t, w.s, &tsunagari.Round{InstrumentID: "diary", InstrumentVersion: 1, Mode: tsunagari.ModeAnonymous})
	w.erased = w.seedPerson(t, "erase", "カナリア消去太郎")
	w.kept = w.seedPerson(t, "keep", "残る花子")
	// The operator settings kept in one row name who saved them last:
	// the erased person, whose name goes from them.
	ctx := context.Background()
	rw := tsunagari.DefaultRecommendWeights()
	rw.UpdatedAt, rw.UpdatedBy = t0, w.erased.acc.ID
	if err := w.s.Recommend.SaveRecommendWeights(ctx, &rw); err != nil {
		t.Fatalf("SaveRecommendWeights error = %v", err)
	}
	mw := tsunagari.DefaultMatchWeights()
	mw.UpdatedAt, mw.UpdatedBy = t0, w.erased.acc.ID
	if err := w.s.Match.SaveMatchWeights(ctx, mw); err != nil {
		t.Fatalf("SaveMatchWeights error = %v", err)
	}
	return w
}

// seedPerson gives one person a row in every store: their account with
// roles and employment, a session, an API token, a password reset and its
// mail, an authenticator with recovery codes, invitations to their
// address and one they sent as HR, a round they sent and an instrument
// they wrote, personal answers, answers to an attributed and an anonymous
// round, audit entries, and consultations on both sides (seedConsultation).
func (w *personalWorld) seedPerson(t *testing.T, tag, name string) *person {
	t.Helper()
	ctx := context.Background()
	s := w.s
	p := &person{canary: name + "の秘密のメモ"}
	email := tag + "@example.jp"
	dept := mustCreateDepartment(t, s, w.orgA.ID, "", "部署-"+tag)
	p.acc = account(email, tsunagari.RoleMember, tsunagari.RoleHRAdmin)
	p.acc.Name = name
	p.acc.PasswordHash = "$argon2id$secret-hash-of-" + tag
	p.acc.Employment = &tsunagari.Employment{OrgID: w.orgA.ID, DepartmentID: dept.ID, StartedAt: t0}
	mustCreateAccount(t, s, p.acc)
	id := p.acc.ID
	ua := "Mozilla/5.0 (" + tag + "-browser-7731)"
	ip := "198.51.100." + map[string]string{"erase": "11", "keep": "12"}[tag]
	p.gone = []string{email, name, p.canary, ua}
	p.secrets = []string{p.acc.PasswordHash}

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %s: %v", tag, what, err)
		}
	}
	sess := &tsunagari.Session{TokenHash: "session-hash-" + tag, AccountID: id, CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(time.Hour), IdleTimeout: time.Hour, UserAgent: ua, IP: ip}
	must("session", s.Sessions.CreateSession(ctx, sess))
	tok := &tsunagari.APIToken{AccountID: id, Name: "スクリプト-" + tag, TokenHash: "token-hash-" + tag,
		CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	must("api token", s.Sessions.CreateAPIToken(ctx, tok))
	reset := &tsunagari.PasswordReset{TokenHash: "reset-hash-" + tag, AccountID: id, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must("password reset", s.Sessions.CreatePasswordReset(ctx, reset, &tsunagari.Mail{To: email, Subject: "再設定",
		Body: name + "さん https://example.jp/password/reset?token=tsr_live-link-" + tag, Kind: "password_reset", CreatedAt: t0}))
	must("authenticator", s.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: id, Secret: "sealed-totp-secret-" + tag, CreatedAt: t0}))
	must("authenticator", s.MFA.ConfirmTOTP(ctx, id, 1, t0, []string{"recovery-hash-1-" + tag, "recovery-hash-2-" + tag}))
	must("recovery code", s.MFA.UseRecoveryCode(ctx, id, "recovery-hash-1-"+tag, t0))
	p.secrets = append(p.secrets, "session-hash-"+tag, "token-hash-"+tag, "reset-hash-"+tag,
		"sealed-totp-secret-"+tag, "recovery-hash-2-"+tag, "tsr_live-link-"+tag)

	// Invitations: one to their address from org B, accepted; one still
	// pending from org A; one they sent to someone else.
	accepted := &tsunagari.Invitation{OrgID: w.orgB.ID, Email: email, Role: tsunagari.RoleMember,
		TokenHash: "invite-hash-b-" + tag, CreatedAt: t0, ExpiresAt: t0.Add(240 * time.Hour)}
	pending := &tsunagari.Invitation{OrgID: w.orgA.ID, Email: email, Role: tsunagari.RoleMember,
		TokenHash: "invite-hash-a-" + tag, CreatedAt: t0, ExpiresAt: t0.Add(240 * time.Hour)}
	sent := &tsunagari.Invitation{OrgID: w.orgA.ID, Email: "invited-by-" + tag + ".person@example.jp", Role: tsunagari.RoleMember,
		TokenHash: "invite-hash-sent-" + tag, InvitedBy: id, CreatedAt: t0, ExpiresAt: t0.Add(240 * time.Hour)}
	must("invitations", s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{accepted, pending, sent},
		[]*tsunagari.Mail{{To: email, Subject: "招待", Body: "招待状", Kind: "invitation", CreatedAt: t0}}))
	must("accept invitation", s.Orgs.AcceptInvitation(ctx, accepted.TokenHash, id, t0.Add(time.Minute)))
	p.secrets = append(p.secrets, "invite-hash-b-"+tag, "invite-hash-a-"+tag, "invited-by-"+tag)

	// Surveys: a round they sent, personal answers with free text, and
	// answers to an attributed and an anonymous round.
	mustCreateRound(t, s, &tsunagari.Round{InstrumentID: "diary", InstrumentVersion: 1, Mode: tsunagari.ModeAnonymous,
		OrgID: w.orgA.ID, CreatedBy: id})
	must("personal answers", s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: w.personal.ID, InstrumentID: "diary",
		InstrumentVersion: 1, AccountID: id, SubmittedAt: t0,
		Answers: []tsunagari.Answer{{Item: "mood", Value: tsunagari.Float(4)}, {Item: "note", Text: p.canary}}}))
	must("attributed answers", s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: w.attributed.ID, InstrumentID: "diary",
		InstrumentVersion: 1, AccountID: id, Segments: tsunagari.Segments{SizeBand: w.orgA.SizeBand(), DepartmentID: dept.ID, AgeBand: "30s"},
		Answers: []tsunagari.Answer{{Item: "mood", Value: tsunagari.Float(2)}}}))
	anonymous := "ふつう"
	if tag == "erase" {
		anonymous = w.anonymousCanary
	}
	must("anonymous answers", s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: w.pooled.ID, InstrumentID: "diary",
		InstrumentVersion: 1, AccountID: id, Answers: []tsunagari.Answer{{Item: "note", Text: anonymous}}}))

	must("mail", s.Outbox.EnqueueMail(ctx, &tsunagari.Mail{To: email, Subject: "お知らせ", Body: name + "さんへ", Kind: "notice", CreatedAt: t0}))
	must("audit", s.Audit.AppendAudit(ctx,
		&tsunagari.AuditEvent{ActorID: id, Action: tsunagari.AuditSignIn, Outcome: tsunagari.OutcomeSuccess, IP: ip, At: t0},
		&tsunagari.AuditEvent{ActorID: tsunagari.NewID(), Action: tsunagari.AuditRoleGrant, Outcome: tsunagari.OutcomeSuccess,
			TargetType: "account", TargetID: id, IP: "203.0.113.99", At: t0}))

	authored := diary()
	authored.ID, authored.Version, authored.OrgID, authored.CreatedBy = "diary_"+tag, 0, w.orgA.ID, id
	if _, err := s.Surveys.AddInstrumentVersion(ctx, authored, t0); err != nil {
		t.Fatalf("seed %s: instrument: %v", tag, err)
	}
	w.seedConsultation(t, p, tag)
	// Communities, events and pro-bono projects: an NPO they organise
	// alone and rate, an event they created there with their seat and
	// their calendar feed, and a project they created and applied to.
	c := mustCreateCommunity(t, s, community(tsunagari.CommunityNPO, "まちの灯-"+tag, p.acc))
	must("rating", s.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: c.ID, AccountID: id,
		Scores: map[tsunagari.Trait]int{tsunagari.TraitMemberRun: 4}, RatedAt: t0}))
	ev := event(c, "読書会-"+tag, 10, true)
	ev.CreatedBy = id
	mustCreateEvent(t, s, ev)
	mustRSVP(t, s, ev, p.acc, t0)
	must("calendar feed", s.Events.SetCalendarFeed(ctx, &tsunagari.CalendarFeed{AccountID: id, TokenHash: "feed-hash-" + tag, CreatedAt: t0}))
	pr := project(c, "寄付サイト-"+tag)
	pr.CreatedBy = id
	mustCreateProject(t, s, pr)
	must("application", s.Probono.CreateApplication(ctx, &tsunagari.ProbonoApplication{ProjectID: pr.ID, AccountID: id,
		Skills: []string{"Go"}, HoursPerWeek: 3, Motivation: p.canary, CreatedAt: t0}))
	p.secrets = append(p.secrets, "feed-hash-"+tag)

	// Ideas: one they posted, which goes with them, and their "me too"
	// for someone else's.
	own := &tsunagari.Idea{PosterID: id, Title: "夜勤明けの学び場-" + tag, Description: p.canary, Tags: []string{"介護"},
		Area: tsunagari.IdeaOnline, Threshold: 5, CreatedAt: t0}
	must("idea", s.Ideas.CreateIdea(ctx, own))
	poster := mustCreateAccount(t, s, account("idea-"+tag+"-poster@example.jp"))
	theirs := &tsunagari.Idea{PosterID: poster.ID, Title: "育児と両立する勉強会-" + tag, Tags: []string{"育児"},
		Area: "13", Threshold: 5, CreatedAt: t0}
	must("someone's idea", s.Ideas.CreateIdea(ctx, theirs))
	must("support", s.Ideas.AddSupport(ctx, &tsunagari.IdeaSupport{IdeaID: theirs.ID, AccountID: id,
		Role: tsunagari.IdeaRoleSpeak, CreatedAt: t0}))
	p.gone = append(p.gone, own.Title)

	// Recommendations and programmes: their wish and a community they
	// saved; a programme they created as HR and enrolled in.
	wish := "介護の現場でマネジメントを学びたい-" + tag
	must("recommend preferences", s.Recommend.SaveRecommendPrefs(ctx, &tsunagari.RecommendPrefs{AccountID: id, Wish: wish,
		Online: true, UpdatedAt: t0}))
	must("community mark", s.Recommend.SetCommunityMark(ctx, &tsunagari.CommunityMark{AccountID: id, CommunityID: c.ID,
		Mark: tsunagari.MarkBookmark, MarkedAt: t0}))
	prog := &tsunagari.Programme{OrgID: w.orgA.ID, Kind: tsunagari.ProgrammeTraining, Name: "キャリア研修-" + tag,
		StartsOn: t0, EndsOn: t0.Add(30 * 24 * time.Hour), CreatedBy: id, CreatedAt: t0}
	must("programme", s.Programmes.CreateProgramme(ctx, prog))
	must("enrolment", s.Programmes.Enrol(ctx, prog.ID, id, t0))
	p.gone = append(p.gone, wish)
	return p
}

// seedConsultation makes the person a consultant with a profile and
// hours, who held a session with a client (a note of theirs, the client's
// reflection), has one to come and cancelled one; and a member who had a
// session with another consultant (that consultant's note, their own
// reflection), booked one to come and moved it, and cancelled another.
func (w *personalWorld) seedConsultation(t *testing.T, p *person, tag string) {
	t.Helper()
	ctx := context.Background()
	s := w.s
	id := p.acc.ID
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %s: %v", tag, what, err)
		}
	}
	number := map[string]string{"erase": "16000011", "keep": "16000012"}[tag]
	// Upcoming is ahead of the stores' clock; held sessions are behind.
	soon := time.Now().UTC().Truncate(time.Hour).Add(30 * 24 * time.Hour)
	held := t0.Add(-7 * 24 * time.Hour)

	// The person as a consultant.
	me := consultant(id, number)
	me.DisplayName, me.Message = p.acc.Name, "相談員としての自己紹介-"+tag
	me.MeetingURL = "https://meet.example.jp/room-" + tag
	mustSaveConsultant(t, s, me)
	p.profile = me.Message
	av := tsunagari.DefaultAvailability(id)
	av.Weekly = []tsunagari.WeeklyWindow{{Weekday: time.Monday, Window: tsunagari.Window{Start: 9 * 60, End: 12 * 60}}}
	av.Exceptions = []tsunagari.Exception{{Date: "2026-12-29"}}
	must("availability", s.Consultation.SaveAvailability(ctx, av))
	client := account("client-of-"+tag+".person@example.jp", tsunagari.RoleMember)
	client.Name = "相談者-" + tag
	mustCreateAccount(t, s, client)
	p.gone = append(p.gone, me.Message, me.MeetingURL)
	p.others = append(p.others, client.ID, client.Name, client.Email)

	book := func(what string, b *tsunagari.Booking) *tsunagari.Booking {
		t.Helper()
		out, err := s.Consultation.CreateBooking(ctx, b, noCap, nil)
		must(what, err)
		return out
	}
	p.clientHeld = booking(me, client.ID, held)
	p.clientHeld.MeetingURL = me.MeetingURL
	book("client's held session", p.clientHeld)
	must("note", s.Consultation.SaveNote(ctx, &tsunagari.Note{BookingID: p.clientHeld.ID, ConsultantID: id,
		Body: "sealed-note-by-" + tag, UpdatedAt: t0}, []string{"job_change"}))
	p.clientReflection = "sealed-reflection-of-client-of-" + tag
	must("client's reflection", s.Consultation.SaveReflection(ctx, &tsunagari.Reflection{BookingID: p.clientHeld.ID,
		MemberID: client.ID, Body: p.clientReflection, Rating: 5, UpdatedAt: t0}))
	p.clientComing = booking(me, client.ID, soon)
	p.clientComing.MeetingURL = me.MeetingURL
	book("client's coming session", p.clientComing)
	p.clientCancelled = book("client's cancelled session", booking(me, client.ID, soon.Add(2*time.Hour)))
	must("cancel as consultant", s.Consultation.CancelBooking(ctx, p.clientCancelled.ID,
		tsunagari.Cancellation{By: id, At: t0}, nil))
	p.gone = append(p.gone, "sealed-note-by-"+tag)
	p.secrets = append(p.secrets, "sealed-note-by-"+tag)

	// The person as a member, with another consultant.
	theirs := newConsultant(t, s, "consultant-of-"+tag+".person@example.jp", map[string]string{"erase": "16000021", "keep": "16000022"}[tag])
	p.heldAsMember = book("held session", booking(theirs, id, held))
	p.keptNote = "sealed-note-of-consultant-about-" + tag
	must("consultant's note", s.Consultation.SaveNote(ctx, &tsunagari.Note{BookingID: p.heldAsMember.ID,
		ConsultantID: theirs.AccountID, Body: p.keptNote, UpdatedAt: t0}, []string{"job_change", "learning"}))
	must("reflection", s.Consultation.SaveReflection(ctx, &tsunagari.Reflection{BookingID: p.heldAsMember.ID, MemberID: id,
		Body: "sealed-reflection-" + tag, Rating: 4, ShareRating: true, Shared: []string{"realised"}, UpdatedAt: t0}))
	coming := booking(theirs, id, soon)
	coming.IdempotencyKey = "booking-key-" + tag
	book("coming session", coming)
	moved := booking(theirs, id, soon.Add(2*time.Hour))
	_, err := s.Consultation.RescheduleBooking(ctx, coming.ID, tsunagari.Cancellation{By: id, At: t0}, moved, noCap, nil)
	must("reschedule", err)
	cancelled := book("cancelled session", booking(theirs, id, soon.Add(4*time.Hour)))
	must("cancel as member", s.Consultation.CancelBooking(ctx, cancelled.ID, tsunagari.Cancellation{By: id, At: t0, Late: true}, nil))
	p.gone = append(p.gone, "sealed-reflection-"+tag)
	p.secrets = append(p.secrets, "sealed-reflection-"+tag)

	// Their consultant bookmarked, and their career inventory, sealed,
	// shared with the consultant of the session they held.
	must("consultant mark", s.Match.SetMark(ctx, &tsunagari.ConsultantMark{MemberID: id, ConsultantID: theirs.AccountID,
		Kind: tsunagari.ConsultantBookmark, CreatedAt: t0}))
	must("inventory", s.Inventory.SaveInventory(ctx, &tsunagari.Inventory{MemberID: id, Body: "sealed-inventory-" + tag, UpdatedAt: t0}))
	must("inventory share", s.Inventory.ShareInventory(ctx, &tsunagari.InventoryShare{BookingID: p.heldAsMember.ID, MemberID: id,
		ConsultantID: theirs.AccountID, SharedAt: t0}))
	p.gone = append(p.gone, "sealed-inventory-"+tag)
	p.secrets = append(p.secrets, "sealed-inventory-"+tag)
}

func export(t *testing.T, pd tsunagari.PersonalData, id string) []tsunagari.PersonalRecord {
	t.Helper()
	recs, err := pd.ExportPersonalData(context.Background(), id)
	if err != nil {
		t.Fatalf("ExportPersonalData error = %v", err)
	}
	return recs
}

func kinds(recs []tsunagari.PersonalRecord) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[r.Kind]++
	}
	return out
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("a personal copy cannot be written as JSON: %v", err)
	}
	return string(b)
}

// answerSets returns what the aggregation path yields for a round.
func answerSets(t *testing.T, s tsunagari.Stores, roundID string) []string {
	t.Helper()
	var out []string
	err := s.Surveys.EachAnswerSet(context.Background(), roundID, func(seg tsunagari.Segments, as []tsunagari.Answer) error {
		b, _ := json.Marshal(struct {
			S tsunagari.Segments
			A []tsunagari.Answer
		}{seg, as})
		out = append(out, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// cellsHolding returns "table.column" for every cell of the dump that
// contains s.
func cellsHolding(dump map[string][][]string, s string) []string {
	var out []string
	for table, rows := range dump {
		for _, row := range rows[1:] {
			for i, cell := range row {
				if strings.Contains(cell, s) {
					out = append(out, table+"."+rows[0][i])
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// referencing counts the rows of each table referring to accounts whose
// reference column holds id.
func referencing(t *testing.T, b Backend, id string) map[string]int {
	t.Helper()
	refs, err := b.AccountReferences(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) == 0 {
		t.Fatal("AccountReferences found no table referring to accounts")
	}
	dump, err := b.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for table, cols := range refs {
		rows := dump[table]
		out[table] += 0
		for _, row := range rows[1:] {
			for i, name := range rows[0] {
				if slices.Contains(cols, name) && row[i] == id {
					out[table]++
					break
				}
			}
		}
	}
	return out
}

// holdsNothing names the stores that keep nothing about any one person:
// releases are aggregates published under the disclosure rules, and the
// insight store only reads.
var holdsNothing = map[string]bool{"Releases": true, "Insights": true}

func testPersonalData(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("EveryStoreTakesPart", func(t *testing.T) {
		s := open(t).Stores()
		for name, store := range s.All() {
			if _, ok := store.(tsunagari.PersonalData); !ok {
				t.Errorf("Stores.%s (%T) does not implement tsunagari.PersonalData: every store says what it "+
					"holds about an account and erases it (an empty export and a no-op erase if it holds nothing)", name, store)
			}
		}
		if s.Personal == nil {
			t.Fatal("Stores.Personal is nil")
		}
	})

	t.Run("Export", func(t *testing.T) {
		w := newPersonalWorld(t, open)
		recs := export(t, w.s.Personal, w.erased.acc.ID)
		got := kinds(recs)
		for _, k := range tsunagari.PersonalKinds {
			if got[k] == 0 {
				t.Errorf("the copy has no %s record; the seeded person has one", k)
			}
		}
		for k := range got {
			if !slices.Contains(tsunagari.PersonalKinds, k) {
				t.Errorf("the copy has records of kind %q, which tsunagari.PersonalKinds does not list", k)
			}
		}
		text := asJSON(t, tsunagari.NewPersonalExport(w.erased.acc.ID, t0, recs))
		for _, want := range []string{w.erased.acc.Email, w.erased.acc.Name, w.erased.canary, w.orgA.Name, w.orgB.Name,
			w.erased.profile, w.erased.heldAsMember.ID, w.erased.clientHeld.ID} {
			if !strings.Contains(text, want) {
				t.Errorf("the copy lacks %q", want)
			}
		}
		for _, other := range w.erased.others {
			if strings.Contains(text, other) {
				t.Errorf("the copy holds %q, which is another person's (a client of the person as consultant)", other)
			}
		}
		// A store cannot open what it holds sealed: it hands it over as
		// tsunagari.Sealed, for the service with the key to open.
		for _, r := range recs {
			if r.Kind != tsunagari.PersonalReflection && r.Kind != tsunagari.PersonalNote && r.Kind != tsunagari.PersonalInventory {
				continue
			}
			if !slices.ContainsFunc(slices.Collect(maps.Values(r.Fields)), func(v any) bool { _, ok := v.(tsunagari.Sealed); return ok }) {
				t.Errorf("the %s record %v holds no tsunagari.Sealed value: sealed texts go into the copy as tsunagari.Sealed", r.Kind, r.Fields)
			}
		}
		for _, secret := range w.erased.secrets {
			if strings.Contains(text, secret) {
				t.Errorf("the copy shows the secret %q", secret)
			}
		}
		for _, other := range append(w.kept.gone, w.kept.acc.ID) {
			if strings.Contains(text, other) {
				t.Errorf("the copy holds %q, which is the other person's", other)
			}
		}
		if strings.Contains(text, w.anonymousCanary) {
			t.Error("the copy holds an anonymous answer: anonymous answers are linked to nobody")
		}
		for _, r := range recs {
			for k, v := range r.Fields {
				if tm, ok := v.(time.Time); ok && tm.Location() != time.UTC {
					t.Errorf("%s.%s = %v, want UTC", r.Kind, k, tm)
				}
			}
		}
		// Nobody has nothing.
		if recs := export(t, w.s.Personal, tsunagari.NewID()); len(recs) != 0 {
			t.Errorf("the copy of an unknown account has %d records, want none", len(recs))
		}
	})

	t.Run("Erase", func(t *testing.T) {
		w := newPersonalWorld(t, open)
		id := w.erased.acc.ID
		before := referencing(t, w.b, id)
		for table, n := range before {
			if n == 0 {
				t.Errorf("table %s refers to accounts, but the contract put no row about the person in it: "+
					"add one to seedPerson in internal/storetest/personal.go", table)
			}
		}
		keptCopy := asJSON(t, export(t, w.s.Personal, w.kept.acc.ID))
		attributed, pooled := answerSets(t, w.s, w.attributed.ID), answerSets(t, w.s, w.pooled.ID)

		if err := w.s.Personal.ErasePersonalData(ctx, id); err != nil {
			t.Fatalf("ErasePersonalData error = %v", err)
		}

		for table, n := range referencing(t, w.b, id) {
			if n > 0 {
				t.Errorf("after erasure %d rows of %s still refer to the account", n, table)
			}
		}
		dump, err := w.b.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range w.erased.gone {
			if cells := cellsHolding(dump, s); len(cells) > 0 {
				t.Errorf("after erasure %q is still in %v", s, cells)
			}
		}
		if cells := cellsHolding(dump, id); slices.ContainsFunc(cells, func(c string) bool { return !strings.HasPrefix(c, "audit_events.") }) {
			t.Errorf("after erasure the account's ID is still in %v; only the audit trail keeps it", cells)
		}
		if got := kinds(export(t, w.s.Personal, id)); len(got) != 1 || got[tsunagari.PersonalAuditEvent] == 0 {
			t.Errorf("after erasure the copy has %v; want the kept audit entries only", got)
		}
		if _, err := w.s.Accounts.FindAccountByID(ctx, id); !errors.Is(err, tsunagari.ErrNotFound) {
			t.Errorf("FindAccountByID(erased) error = %v, want ErrNotFound", err)
		}

		// What others keep, unlinked from the person: the note their
		// consultant wrote on their session, sealed, for the consultant
		// until tsunagari.NoteRetentionYears after it (SECURITY.md); and
		// their client's booking and reflection, without the consultant.
		if cells := cellsHolding(dump, w.erased.keptNote); !slices.Equal(cells, []string{"consultation_notes.body"}) {
			t.Errorf("the consultant's note on the person's session is in %v, want it kept in consultation_notes.body", cells)
		}
		held := w.erased.heldAsMember
		if b, err := w.s.Consultation.FindBooking(ctx, held.ID); err != nil || b.MemberID != "" || len(b.Themes) != 0 ||
			b.IdempotencyKey != "" || b.ConsultantID != held.ConsultantID || b.Status != tsunagari.BookingConfirmed {
			t.Errorf("the session the consultant keeps a note on = %+v, %v; want it confirmed with its consultant, "+
				"without the member or the themes they picked", b, err)
		}
		if cells := cellsHolding(dump, w.erased.clientReflection); !slices.Equal(cells, []string{"consultation_reflections.body"}) {
			t.Errorf("the reflection of the person's client is in %v, want it kept: it is the client's", cells)
		}
		for _, c := range []struct {
			what   string
			b      *tsunagari.Booking
			status tsunagari.BookingStatus
		}{
			{"held session", w.erased.clientHeld, tsunagari.BookingConfirmed},
			{"coming session", w.erased.clientComing, tsunagari.BookingCancelled},
			{"session the person cancelled", w.erased.clientCancelled, tsunagari.BookingCancelled},
		} {
			b, err := w.s.Consultation.FindBooking(ctx, c.b.ID)
			if err != nil || b.MemberID != c.b.MemberID || b.ConsultantID != "" || b.CancelledBy != "" || b.MeetingURL != "" ||
				b.Status != c.status || (c.status == tsunagari.BookingCancelled && b.CancelledAt == nil) {
				t.Errorf("the client's %s after the consultant left = %+v, %v; want it the client's, %s, without the consultant",
					c.what, b, err, c.status)
			}
		}

		// Nothing of anybody else moved.
		if got := asJSON(t, export(t, w.s.Personal, w.kept.acc.ID)); got != keptCopy {
			t.Errorf("erasing one person changed another's data:\n%s\nwant\n%s", got, keptCopy)
		}
		if got := answerSets(t, w.s, w.attributed.ID); !slices.Equal(got, attributed) {
			t.Errorf("erasure changed the attributed answers that aggregates are built from:\n%v\nwant\n%v", got, attributed)
		}
		if got := answerSets(t, w.s, w.pooled.ID); !slices.Equal(got, pooled) {
			t.Errorf("erasure changed the anonymous answers:\n%v\nwant\n%v", got, pooled)
		}
		if cells := cellsHolding(dump, w.anonymousCanary); len(cells) != 1 {
			t.Errorf("the anonymous answer of the erased person is in %v, want it kept once", cells)
		}
		if _, err := w.s.Orgs.FindOrgByID(ctx, w.orgA.ID); err != nil {
			t.Errorf("the org is gone: %v", err)
		}
		// Both had moved to org B by accepting its invitation.
		if n, err := w.s.Orgs.CountEmployees(ctx, w.orgB.ID); err != nil || n != 1 {
			t.Errorf("CountEmployees = %d, %v; want the one who stays", n, err)
		}

		fp := fingerprint(t, w.b)
		wantErr(t, "ErasePersonalData(erased again)", w.s.Personal.ErasePersonalData(ctx, id), tsunagari.ErrNotFound)
		wantErr(t, "ErasePersonalData(unknown)", w.s.Personal.ErasePersonalData(ctx, tsunagari.NewID()), tsunagari.ErrNotFound)
		unchanged(t, w.b, fp, "erasing an unknown account")
	})

	// The note a consultant keeps on the session of a person who left
	// goes when its time is up, and nothing else with it.
	t.Run("KeptNotesExpire", func(t *testing.T) {
		w := newPersonalWorld(t, open)
		held := w.erased.heldAsMember
		if err := w.s.Personal.ErasePersonalData(ctx, w.erased.acc.ID); err != nil {
			t.Fatalf("ErasePersonalData error = %v", err)
		}
		keptCopy := asJSON(t, export(t, w.s.Personal, w.kept.acc.ID))
		fp := fingerprint(t, w.b)
		if n, err := w.s.Consultation.PurgeKeptNotes(ctx, held.End); err != nil || n != 0 {
			t.Errorf("PurgeKeptNotes(the session's end) = %d, %v; want nothing purged yet", n, err)
		}
		unchanged(t, w.b, fp, "PurgeKeptNotes before the time is up")
		if n, err := w.s.Consultation.PurgeKeptNotes(ctx, held.End.Add(time.Second)); err != nil || n != 1 {
			t.Errorf("PurgeKeptNotes(after the session's end) = %d, %v; want the one session", n, err)
		}
		_, err := w.s.Consultation.FindBooking(ctx, held.ID)
		wantErr(t, "FindBooking(purged)", err, tsunagari.ErrNotFound)
		dump, err := w.b.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cells := cellsHolding(dump, w.erased.keptNote); len(cells) > 0 {
			t.Errorf("after the purge the note is still in %v", cells)
		}
		for _, b := range []*tsunagari.Booking{w.kept.heldAsMember, w.kept.clientHeld, w.erased.clientHeld} {
			if _, err := w.s.Consultation.FindBooking(ctx, b.ID); err != nil {
				t.Errorf("the purge took a session whose member is still here: %v", err)
			}
		}
		if got := asJSON(t, export(t, w.s.Personal, w.kept.acc.ID)); got != keptCopy {
			t.Errorf("the purge changed another person's data:\n%s\nwant\n%s", got, keptCopy)
		}
	})

	// When both people leave, their clients keep their sessions, even
	// two held at the same time by consultants who are both gone.
	t.Run("EveryoneLeaves", func(t *testing.T) {
		w := newPersonalWorld(t, open)
		for _, p := range []*person{w.erased, w.kept} {
			if err := w.s.Personal.ErasePersonalData(ctx, p.acc.ID); err != nil {
				t.Fatalf("ErasePersonalData(%s) error = %v", p.acc.Email, err)
			}
		}
		for _, p := range []*person{w.erased, w.kept} {
			b, err := w.s.Consultation.FindBooking(ctx, p.clientHeld.ID)
			if err != nil || b.ConsultantID != "" || b.MemberID != p.clientHeld.MemberID || b.Status != tsunagari.BookingConfirmed {
				t.Errorf("the client's held session = %+v, %v; want it confirmed, the client's, without the consultant", b, err)
			}
			if _, err := w.s.Consultation.FindBooking(ctx, p.heldAsMember.ID); err != nil {
				t.Errorf("the session whose note the consultant keeps is gone: %v", err)
			}
		}
	})

	// A person who leaves frees what they held in communities and events:
	// organising passes on or the community is hidden, and their seats go
	// to the waitlist, as on a cancellation, with the mail.
	t.Run("LeavingCommunitiesAndEvents", func(t *testing.T) {
		w := newPersonalWorld(t, open)
		s, er := w.s, w.erased.acc
		o := people(t, s, "pd-other", 3)
		coOrganiser, member, organiser := o[0], o[1], o[2]
		shared := community(tsunagari.CommunityOccupational, "二人で運営する会", er)
		shared.Organisers = append(shared.Organisers, tsunagari.Organiser{AccountID: organiser.ID, Role: tsunagari.CommunityOrganiser})
		mustCreateCommunity(t, s, shared)
		handed := community(tsunagari.CommunityOccupational, "引き継がれる会", er)
		handed.Organisers = append(handed.Organisers, tsunagari.Organiser{AccountID: coOrganiser.ID, Role: tsunagari.CommunityCoOrganiser})
		mustCreateCommunity(t, s, handed)
		orphan := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "一人で運営する会", er))
		mustJoin(t, s, orphan, member, tsunagari.MembershipActive, t0)

		// One seat with a waitlist, still to come and over.
		now := time.Now().UTC().Truncate(time.Second)
		coming := event(shared, "これからの勉強会", 1, true)
		coming.StartsAt, coming.EndsAt, coming.CreatedAt = now.Add(30*24*time.Hour), now.Add(30*24*time.Hour+2*time.Hour), now
		mustCreateEvent(t, s, coming)
		past := mustCreateEvent(t, s, event(shared, "終わった勉強会", 1, true))
		for _, e := range []*tsunagari.Event{coming, past} {
			at := now
			if e.StartsAt.Before(now) {
				at = e.StartsAt.Add(-time.Hour)
			}
			mustRSVP(t, s, e, er, at.Add(-time.Minute))
			mustRSVP(t, s, e, member, at)
		}

		if err := s.Personal.ErasePersonalData(tsunagari.WithNotify(ctx, notify), er.ID); err != nil {
			t.Fatalf("ErasePersonalData error = %v", err)
		}

		role := func(c *tsunagari.Community, a *tsunagari.Account) tsunagari.CommunityRole {
			t.Helper()
			m, err := s.Communities.FindMembership(ctx, c.ID, a.ID)
			if err != nil {
				t.Fatalf("FindMembership(%s, %s) error = %v", c.Name, a.Email, err)
			}
			return m.Role
		}
		found := func(c *tsunagari.Community) *tsunagari.Community {
			t.Helper()
			got, err := s.Communities.FindCommunityByID(ctx, c.ID)
			if err != nil {
				t.Fatalf("FindCommunityByID(%s) error = %v", c.Name, err)
			}
			return got
		}
		if got := found(shared); got.Hidden() || len(got.Organisers) != 1 || got.Organisers[0].AccountID != organiser.ID || got.MemberCount != 1 {
			t.Errorf("%s: hidden %v, organisers %+v, %d members; want it shown, run by the other organiser alone",
				shared.Name, got.Hidden(), got.Organisers, got.MemberCount)
		}
		if got := found(handed); got.Hidden() || role(handed, coOrganiser) != tsunagari.CommunityOrganiser || got.MemberCount != 1 {
			t.Errorf("%s: hidden %v, co-organiser is %s, %d members; want it shown and taken over by the co-organiser",
				handed.Name, got.Hidden(), role(handed, coOrganiser), got.MemberCount)
		}
		if got := found(orphan); !got.Hidden() || got.HiddenReason != tsunagari.OrganiserLeftReason || got.MemberCount != 1 ||
			role(orphan, member) != tsunagari.CommunityMember {
			t.Errorf("%s: hidden %v (%q), %d members; want it hidden with OrganiserLeftReason and its member kept",
				orphan.Name, got.Hidden(), got.HiddenReason, got.MemberCount)
		}

		if o := occurrenceOf(t, s, coming); o.Confirmed != 1 || o.Waitlisted != 0 {
			t.Errorf("%s after erasure: %d confirmed, %d waitlisted; want the waitlisted member promoted", coming.Title, o.Confirmed, o.Waitlisted)
		}
		if o := occurrenceOf(t, s, past); o.Confirmed != 0 || o.Waitlisted != 1 {
			t.Errorf("%s after erasure: %d confirmed, %d waitlisted; want the seat freed and nobody promoted after the start",
				past.Title, o.Confirmed, o.Waitlisted)
		}
		var promoted []string
		for _, m := range told(t, s) {
			if strings.HasSuffix(m, ":"+string(tsunagari.ChangePromoted)) {
				promoted = append(promoted, m)
			}
		}
		if want := []string{member.Email + ":" + string(tsunagari.ChangePromoted)}; !slices.Equal(promoted, want) {
			t.Errorf("promotions told after erasure = %v, want %v", promoted, want)
		}
	})

	// Each store erases its own part on its own, too.
	t.Run("EachStore", func(t *testing.T) {
		names := slices.Sorted(func(yield func(string) bool) {
			for name := range open(t).Stores().All() {
				if name != "Personal" && !yield(name) {
					return
				}
			}
		})
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				w := newPersonalWorld(t, open)
				store, ok := w.s.All()[name].(tsunagari.PersonalData)
				if !ok {
					t.Skipf("Stores.%s does not take part (EveryStoreTakesPart fails)", name)
				}
				id := w.erased.acc.ID
				mine := export(t, store, id)
				if holdsNothing[name] {
					if len(mine) > 0 {
						t.Errorf("Stores.%s exports %v, but holds nothing about anyone", name, kinds(mine))
					}
					if err := store.ErasePersonalData(ctx, id); err != nil {
						t.Errorf("Stores.%s.ErasePersonalData error = %v", name, err)
					}
					return
				}
				if len(mine) == 0 {
					t.Fatalf("Stores.%s exports nothing about the seeded person", name)
				}
				keptBefore := asJSON(t, export(t, store, w.kept.acc.ID))
				if err := store.ErasePersonalData(ctx, id); err != nil {
					t.Fatalf("Stores.%s.ErasePersonalData error = %v", name, err)
				}
				after := export(t, store, id)
				if name == "Audit" {
					if asJSON(t, after) != asJSON(t, mine) {
						t.Error("the audit trail changed on erasure; it keeps its entries")
					}
				} else if len(after) > 0 {
					t.Errorf("after Stores.%s.ErasePersonalData it still exports %v", name, kinds(after))
				}
				if asJSON(t, export(t, store, w.kept.acc.ID)) != keptBefore {
					t.Errorf("Stores.%s.ErasePersonalData changed another person's data", name)
				}
			})
		}
	})
}

package storetest

import (
	"context"
	"encoding/json"
	"errors"
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
// refers to accounts: the contract fails for a table it did not fill, so
// that no store can hold rows about an account that erasure misses.

// person is everything seedPerson made for one account, and the strings
// that must not survive its erasure.
type person struct {
	acc     *tsunagari.Account
	canary  string   // in the name and a personal free-text answer
	gone    []string // values that no table may hold after erasure
	secrets []string // values no copy may show
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
	return w
}

// seedPerson gives one person a row in every store: their account with
// roles and employment, a session, an API token, a password reset and its
// mail, an authenticator with recovery codes, invitations to their
// address and one they sent as HR, a round they sent, personal answers,
// answers to an attributed and an anonymous round, and audit entries.
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
	return p
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
		for _, want := range []string{w.erased.acc.Email, w.erased.acc.Name, w.erased.canary, w.orgA.Name, w.orgB.Name} {
			if !strings.Contains(text, want) {
				t.Errorf("the copy lacks %q", want)
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

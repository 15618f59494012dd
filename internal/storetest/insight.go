package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

func testInsights(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("Programmes", func(t *testing.T) { testProgrammes(t, open(t)) })
	t.Run("Releases", func(t *testing.T) { testReleases(t, open(t)) })
	t.Run("DisclosureSettings", func(t *testing.T) { testDisclosureSettings(t, open(t)) })
	t.Run("Funnel", func(t *testing.T) { testFunnel(t, open(t)) })
	t.Run("PulseRoundsToPublish", func(t *testing.T) { testPulseRoundsToPublish(t, open(t)) })
	t.Run("TenureBand", func(t *testing.T) { testTenureBand(t, open(t)) })
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func testProgrammes(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	o := mustCreateOrg(t, s, "みなと精機")
	other := mustCreateOrg(t, s, "よつば商事")
	sales := mustCreateDepartment(t, s, o.ID, "", "営業部")
	legal := mustCreateDepartment(t, s, o.ID, "", "法務部")
	foreign := mustCreateDepartment(t, s, other.ID, "", "営業部")
	hr := mustCreateAccount(t, s, account("hr@minato.example", tsunagari.RoleHRAdmin))
	member := mustCreateAccount(t, s, account("member@minato.example"))

	p := &tsunagari.Programme{OrgID: o.ID, Kind: tsunagari.ProgrammeConsultation, Name: "社外キャリア面談 3回",
		Description: "外部のキャリアコンサルタントと3回まで面談できます。", Sessions: 3,
		Departments: []string{legal.ID, sales.ID}, StartsOn: day(2026, 4, 1), EndsOn: day(2026, 9, 30),
		CreatedBy: hr.ID, CreatedAt: t0}
	slices.Sort(p.Departments)
	if err := s.Programmes.CreateProgramme(ctx, p); err != nil {
		t.Fatalf("CreateProgramme error = %v", err)
	}
	if !tsunagari.ValidID(p.ID) {
		t.Errorf("CreateProgramme set ID %q", p.ID)
	}
	got, err := s.Programmes.FindProgramme(ctx, o.ID, p.ID)
	if err != nil {
		t.Fatalf("FindProgramme error = %v", err)
	}
	if got.Name != p.Name || got.Description != p.Description || got.Sessions != 3 || got.Kind != p.Kind ||
		!slices.Equal(got.Departments, p.Departments) || !sameTime(got.StartsOn, p.StartsOn) ||
		!sameTime(got.EndsOn, p.EndsOn) || !sameTime(got.CreatedAt, t0) || got.CreatedBy != hr.ID || got.OrgID != o.ID {
		t.Errorf("FindProgramme = %+v, want %+v", got, p)
	}
	later := &tsunagari.Programme{OrgID: o.ID, Kind: tsunagari.ProgrammeTraining, Name: "キャリア研修",
		StartsOn: day(2026, 10, 1), EndsOn: day(2026, 10, 2), CreatedAt: t0}
	if err := s.Programmes.CreateProgramme(ctx, later); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Programmes.FindProgramme(ctx, o.ID, later.ID); err != nil || len(got.Departments) != 0 || got.Departments == nil {
		t.Errorf("FindProgramme(whole org) departments = %#v, %v; want empty", got.Departments, err)
	}
	all, err := s.Programmes.FindProgrammes(ctx, o.ID)
	if err != nil || len(all) != 2 || all[0].ID != later.ID || all[1].ID != p.ID {
		t.Errorf("FindProgrammes = %d programmes, %v; want the later first", len(all), err)
	}
	if none, err := s.Programmes.FindProgrammes(ctx, other.ID); err != nil || len(none) != 0 {
		t.Errorf("FindProgrammes(other org) = %d, %v; want none", len(none), err)
	}

	// Another tenant's department, an unknown org or department: nothing
	// is stored.
	fp := fingerprint(t, b)
	for name, bad := range map[string]*tsunagari.Programme{
		"another org's department": {OrgID: o.ID, Departments: []string{foreign.ID}},
		"an unknown department":    {OrgID: o.ID, Departments: []string{sales.ID, tsunagari.NewID()}},
		"an unknown org":           {OrgID: tsunagari.NewID()},
	} {
		bad.Kind, bad.Name, bad.StartsOn, bad.EndsOn = tsunagari.ProgrammeTraining, "x", day(2026, 1, 1), day(2026, 1, 2)
		wantErr(t, "CreateProgramme("+name+")", s.Programmes.CreateProgramme(ctx, bad), tsunagari.ErrNotFound)
	}
	unchanged(t, b, fp, "refused programmes")
	if _, err := s.Programmes.FindProgramme(ctx, other.ID, p.ID); err == nil {
		t.Errorf("FindProgramme(another org's ID) found it")
	} else {
		wantErr(t, "FindProgramme(another org)", err, tsunagari.ErrNotFound)
	}

	// Enrolment: once per person; the store answers for one person only.
	if err := s.Programmes.Enrol(ctx, p.ID, member.ID, t0); err != nil {
		t.Fatalf("Enrol error = %v", err)
	}
	fp = fingerprint(t, b)
	wantErr(t, "Enrol(again)", s.Programmes.Enrol(ctx, p.ID, member.ID, t0), tsunagari.ErrConflict)
	wantErr(t, "Enrol(unknown programme)", s.Programmes.Enrol(ctx, tsunagari.NewID(), member.ID, t0), tsunagari.ErrNotFound)
	wantErr(t, "Enrol(unknown account)", s.Programmes.Enrol(ctx, p.ID, tsunagari.NewID(), t0), tsunagari.ErrNotFound)
	unchanged(t, b, fp, "refused enrolments")
	for _, tt := range []struct {
		prog, acc string
		want      bool
	}{{p.ID, member.ID, true}, {p.ID, hr.ID, false}, {later.ID, member.ID, false}} {
		if ok, err := s.Programmes.Enrolled(ctx, tt.prog, tt.acc); err != nil || ok != tt.want {
			t.Errorf("Enrolled(%s, %s) = %v, %v; want %v", tt.prog, tt.acc, ok, err, tt.want)
		}
	}

	// A programme someone enrolled in stays.
	wantErr(t, "DeleteProgramme(with enrolments)", s.Programmes.DeleteProgramme(ctx, o.ID, p.ID), tsunagari.ErrConflict)
	wantErr(t, "DeleteProgramme(another org)", s.Programmes.DeleteProgramme(ctx, other.ID, later.ID), tsunagari.ErrNotFound)
	if err := s.Programmes.DeleteProgramme(ctx, o.ID, later.ID); err != nil {
		t.Errorf("DeleteProgramme error = %v", err)
	}
	if _, err := s.Programmes.FindProgramme(ctx, o.ID, later.ID); err == nil {
		t.Errorf("a deleted programme is still found")
	}
}

func testReleases(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	o := mustCreateOrg(t, s, "みなと精機")
	other := mustCreateOrg(t, s, "よつば商事")
	body := []byte(`{"k":5,"stages":["respondents"],"grids":[{"breakdown":"total","rows":[{"cells":[{"n":25,"means":[61.5]}]}]}]}` + "\n  ")
	r := &tsunagari.Release{OrgID: o.ID, Kind: tsunagari.ReleasePulse, Subject: tsunagari.NewID(), PublishedAt: t0,
		K: 5, Body: body}
	if err := s.Releases.PublishRelease(ctx, r, []byte("audit one")); err != nil {
		t.Fatalf("PublishRelease error = %v", err)
	}
	got, err := s.Releases.FindRelease(ctx, o.ID, tsunagari.ReleasePulse, r.Subject)
	if err != nil {
		t.Fatalf("FindRelease error = %v", err)
	}
	if !bytes.Equal(got.Body, body) || got.K != 5 || got.Epsilon != 0 || !sameTime(got.PublishedAt, t0) || got.ID != r.ID ||
		got.OrgID != o.ID || got.Kind != tsunagari.ReleasePulse {
		t.Errorf("FindRelease = %+v (body %q), want the release as published", got, got.Body)
	}

	// A subject is published once; the ledger never changes it.
	fp := fingerprint(t, b)
	again := &tsunagari.Release{OrgID: o.ID, Kind: tsunagari.ReleasePulse, Subject: r.Subject, PublishedAt: t0.Add(time.Hour),
		K: 5, Body: []byte(`{}`)}
	wantErr(t, "PublishRelease(same subject)", s.Releases.PublishRelease(ctx, again, []byte("audit two")), tsunagari.ErrConflict)
	wantErr(t, "PublishRelease(unknown org)", s.Releases.PublishRelease(ctx,
		&tsunagari.Release{OrgID: tsunagari.NewID(), Kind: tsunagari.ReleasePulse, Subject: "x", Body: []byte(`{}`)}, nil), tsunagari.ErrNotFound)
	unchanged(t, b, fp, "refused releases")

	q1 := &tsunagari.Release{OrgID: o.ID, Kind: tsunagari.ReleasePeriod, Subject: "2026-Q1", PublishedAt: t0, K: 5, Epsilon: 1.5, Body: []byte(`{"a":1}`)}
	q2 := &tsunagari.Release{OrgID: o.ID, Kind: tsunagari.ReleasePeriod, Subject: "2026-Q2", PublishedAt: t0.Add(24 * time.Hour), K: 5, Body: []byte(`{"a":2}`)}
	theirs := &tsunagari.Release{OrgID: other.ID, Kind: tsunagari.ReleasePeriod, Subject: "2026-Q1", PublishedAt: t0, K: 8, Body: []byte(`{"b":1}`)}
	for i, rel := range []*tsunagari.Release{q1, q2, theirs} {
		if err := s.Releases.PublishRelease(ctx, rel, fmt.Appendf(nil, "audit %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Releases.FindReleases(ctx, o.ID, tsunagari.ReleasePeriod)
	if err != nil || len(list) != 2 || list[0].Subject != "2026-Q2" || list[1].Subject != "2026-Q1" || list[1].Epsilon != 1.5 ||
		string(list[1].Body) != `{"a":1}` {
		t.Errorf("FindReleases = %d releases, %v; want Q2 then Q1 of this org only", len(list), err)
	}
	meta, err := s.Releases.ListReleases(ctx, o.ID, tsunagari.ReleasePeriod)
	if err != nil || len(meta) != 2 || meta[0].Subject != "2026-Q2" || meta[0].ID != q2.ID || meta[1].K != 5 || meta[0].Body != nil ||
		!sameTime(meta[1].PublishedAt, t0) {
		t.Errorf("ListReleases = %+v, %v; want Q2 then Q1, without bodies", meta, err)
	}
	if _, err := s.Releases.FindRelease(ctx, other.ID, tsunagari.ReleasePulse, r.Subject); err == nil {
		t.Errorf("FindRelease found another org's release")
	} else {
		wantErr(t, "FindRelease(another org)", err, tsunagari.ErrNotFound)
	}
	audits, err := s.Releases.ReleaseAudits(ctx, o.ID, tsunagari.ReleasePeriod)
	if err != nil || len(audits) != 2 || string(audits["2026-Q1"]) != "audit 0" || string(audits["2026-Q2"]) != "audit 1" {
		t.Errorf("ReleaseAudits = %q, %v; want this org's two", audits, err)
	}
}

func testDisclosureSettings(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	o := mustCreateOrg(t, s, "みなと精機")
	ds, err := s.Releases.DisclosureSettings(ctx, o.ID)
	if err != nil || ds.MinTextGroupSize != 0 || ds.NoiseEpsilon != 0 || ds.EpsilonBudget != 0 || ds.OrgID != o.ID {
		t.Errorf("DisclosureSettings(new org) = %+v, %v; want the defaults", ds, err)
	}
	want := &tsunagari.DisclosureSettings{OrgID: o.ID, MinTextGroupSize: 15, NoiseEpsilon: 0.5, EpsilonBudget: 12, UpdatedAt: t0}
	if err := s.Releases.SaveDisclosureSettings(ctx, want); err != nil {
		t.Fatalf("SaveDisclosureSettings error = %v", err)
	}
	want.MinTextGroupSize = 20
	if err := s.Releases.SaveDisclosureSettings(ctx, want); err != nil {
		t.Fatalf("SaveDisclosureSettings(again) error = %v", err)
	}
	got, err := s.Releases.DisclosureSettings(ctx, o.ID)
	if err != nil || got.MinTextGroupSize != 20 || got.NoiseEpsilon != 0.5 || got.EpsilonBudget != 12 || !sameTime(got.UpdatedAt, t0) {
		t.Errorf("DisclosureSettings = %+v, %v; want %+v", got, err, want)
	}
	_, err = s.Releases.DisclosureSettings(ctx, tsunagari.NewID())
	wantErr(t, "DisclosureSettings(unknown org)", err, tsunagari.ErrNotFound)
	wantErr(t, "SaveDisclosureSettings(unknown org)", s.Releases.SaveDisclosureSettings(ctx,
		&tsunagari.DisclosureSettings{OrgID: tsunagari.NewID()}), tsunagari.ErrNotFound)
}

// valuesDiagnosis is a stand-in for the values diagnosis: the funnel
// counts who has taken it.
func valuesDiagnosis() *tsunagari.Instrument {
	in := pulse(1)
	in.ID = "values_diagnosis"
	return in
}

func testFunnel(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	o := mustCreateOrg(t, s, "みなと精機")
	other := mustCreateOrg(t, s, "よつば商事")
	sales := mustCreateDepartment(t, s, o.ID, "", "営業部")
	mustSaveInstrument(t, s, valuesDiagnosis())
	standing := mustCreateRound(t, s, &tsunagari.Round{InstrumentID: "values_diagnosis", InstrumentVersion: 1,
		Mode: tsunagari.ModePersonal, Standing: true})
	at := t0.Add(30 * 24 * time.Hour)

	employ := func(email string, org *tsunagari.Org, dept string, started time.Time) *tsunagari.Account {
		a := account(email)
		a.Employment = &tsunagari.Employment{OrgID: org.ID, DepartmentID: dept, StartedAt: started}
		return mustCreateAccount(t, s, a)
	}
	diagnose := func(a *tsunagari.Account, when time.Time) {
		if err := s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: standing.ID, InstrumentID: "values_diagnosis",
			InstrumentVersion: 1, AccountID: a.ID, SubmittedAt: when, Answers: answers(4, 2)}); err != nil {
			t.Fatal(err)
		}
	}
	current := employ("current@minato.example", o, sales.ID, t0)
	diagnose(current, t0.Add(time.Hour))
	late := employ("late@minato.example", o, sales.ID, t0)
	diagnose(late, at.Add(time.Hour)) // after the funnel's time
	employ("nodept@minato.example", o, "", t0.Add(-400*24*time.Hour))
	employ("future@minato.example", o, sales.ID, at.Add(time.Hour))
	employ("elsewhere@yotsuba.example", other, "", t0)
	left := employ("left@minato.example", o, sales.ID, t0.Add(-800*24*time.Hour))
	if err := s.Orgs.EndEmployment(ctx, left.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	invite := func(email, dept string, created time.Time) *tsunagari.Invitation {
		inv := &tsunagari.Invitation{OrgID: o.ID, DepartmentID: dept, Email: email, Role: tsunagari.RoleMember,
			TokenHash: tsunagari.NewID(), CreatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour)}
		if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
			t.Fatal(err)
		}
		return inv
	}
	invite("pending@minato.example", sales.ID, t0)
	invite("pending@minato.example", sales.ID, t0.Add(10*24*time.Hour)) // invited twice: one person
	invite("expired@minato.example", "", t0.Add(-100*24*time.Hour))
	invite("current@minato.example", sales.ID, t0.Add(-time.Hour)) // registered: counted once, as an employee
	invite("later@minato.example", sales.ID, at.Add(time.Hour))    // after the funnel's time

	// The current employee joined a community and went to one of its
	// events; the late one only asked to join.
	c := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "設計者の勉強会", nil))
	mustJoin(t, s, c, current, tsunagari.MembershipActive, t0.Add(2*time.Hour))
	mustJoin(t, s, c, late, tsunagari.MembershipPending, t0.Add(2*time.Hour))
	ev := mustCreateEvent(t, s, event(c, "月例勉強会", 0, false))
	seat := mustRSVP(t, s, ev, current, t0.Add(3*time.Hour))
	if _, err := s.Events.CheckIn(ctx, seat.ID, ev.StartsAt); err != nil {
		t.Fatal(err)
	}
	mustRSVP(t, s, ev, late, t0.Add(3*time.Hour)) // not checked in

	got, err := s.Insights.Funnel(ctx, o.ID, at)
	if err != nil {
		t.Fatalf("Funnel error = %v", err)
	}
	var summary []string
	for _, p := range got {
		summary = append(summary, fmt.Sprintf("%s/%s/%d/%v", deptName(p.DepartmentID, sales), p.AgeBand, p.Stages, !p.StartedAt.IsZero()))
	}
	slices.Sort(summary)
	reg := tsunagari.StageInvited | tsunagari.StageRegistered
	want := []string{
		fmt.Sprintf("-//%d/false", tsunagari.StageInvited),
		fmt.Sprintf("-/30s/%d/true", reg),
		fmt.Sprintf("sales//%d/false", tsunagari.StageInvited),
		fmt.Sprintf("sales/30s/%d/true", reg),
		fmt.Sprintf("sales/30s/%d/true", reg|tsunagari.StageDiagnosed|tsunagari.StageJoined|tsunagari.StageAttended),
	}
	slices.Sort(want)
	if !slices.Equal(summary, want) {
		t.Errorf("Funnel = %v, want %v", summary, want)
	}
	for _, p := range got {
		if p.AgeBand != "" && p.JobFamily != "care" {
			t.Errorf("Funnel person %+v lacks their job family", p)
		}
	}
}

func deptName(id string, sales *tsunagari.Department) string {
	switch id {
	case "":
		return "-"
	case sales.ID:
		return "sales"
	}
	return id
}

func testPulseRoundsToPublish(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	mustSaveInstrument(t, s, pulse(1))
	o := mustCreateOrg(t, s, "みなと精機")
	closes := t0.Add(14 * 24 * time.Hour)
	due := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID, ClosesAt: closes})
	mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous, OrgID: o.ID, ClosesAt: closes})
	mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID, ClosesAt: closes.Add(48 * time.Hour)})
	mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID})
	mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, ClosesAt: closes})
	mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID, ClosesAt: closes,
		Subject: &tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: tsunagari.NewID()}, Phase: tsunagari.PhasePre})

	got, err := s.Insights.PulseRoundsToPublish(ctx, "pulse", closes.Add(time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != due.ID || got[0].OrgID != o.ID {
		t.Fatalf("PulseRoundsToPublish = %d rounds, %v; want only the closed attributed org round", len(got), err)
	}
	if got, _ := s.Insights.PulseRoundsToPublish(ctx, "other", closes.Add(time.Hour)); len(got) != 0 {
		t.Errorf("PulseRoundsToPublish(another instrument) = %d rounds", len(got))
	}
	if err := s.Releases.PublishRelease(ctx, &tsunagari.Release{OrgID: o.ID, Kind: tsunagari.ReleasePulse, Subject: due.ID,
		K: 5, Body: []byte(`{}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Insights.PulseRoundsToPublish(ctx, "pulse", closes.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("PulseRoundsToPublish after publishing = %d rounds, %v; want none", len(got), err)
	}
}

func testTenureBand(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	mustSaveInstrument(t, s, pulse(1))
	o := mustCreateOrg(t, s, "みなと精機")
	subject := &tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: tsunagari.NewID()}
	pre := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID, Subject: subject, Phase: tsunagari.PhasePre})
	post := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID, Subject: subject, Phase: tsunagari.PhasePost})
	a := mustCreateAccount(t, s, account("p@minato.example"))
	seg := tsunagari.Segments{AgeBand: "30s", TenureBand: "3to5"}
	for _, r := range []*tsunagari.Round{pre, post} {
		if err := s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: r.ID, AccountID: a.ID, Segments: seg,
			PairKey: "pair-1", Answers: answers(3, 3)}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	err := s.Surveys.EachAnswerSet(ctx, pre.ID, func(got tsunagari.Segments, _ []tsunagari.Answer) error {
		n++
		if got != seg {
			t.Errorf("EachAnswerSet segments = %+v, want %+v", got, seg)
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Errorf("EachAnswerSet yielded %d, %v", n, err)
	}
	n = 0
	err = s.Surveys.EachAnswerPair(ctx, pre.ID, post.ID, func(got tsunagari.Segments, _, _ []tsunagari.Answer) error {
		n++
		if got.TenureBand != "3to5" {
			t.Errorf("EachAnswerPair tenure band = %q, want 3to5", got.TenureBand)
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Errorf("EachAnswerPair yielded %d, %v", n, err)
	}
}

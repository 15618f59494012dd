package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"tsunagari"
)

// values24 is an instrument shaped like the values diagnosis: 24 Likert
// items over 8 dimensions, every third reverse-scored.
func values24() *tsunagari.Instrument {
	t := func(s string) tsunagari.Text { return tsunagari.Text{Ja: s, En: s} }
	in := &tsunagari.Instrument{ID: "values24", Version: 1, Title: t("values24")}
	sec := tsunagari.Section{ID: "s", Title: t("s")}
	for d := range 8 {
		dim := fmt.Sprintf("d%d", d)
		in.Dimensions = append(in.Dimensions, tsunagari.Dimension{ID: dim, Label: t(dim)})
		for i := range 3 {
			sec.Items = append(sec.Items, tsunagari.Item{ID: fmt.Sprintf("q%d_%d", d, i), Kind: tsunagari.KindLikert,
				Points: 5, Dimension: dim, Reverse: i == 2, Required: true, Text: t("q")})
		}
	}
	in.Sections = []tsunagari.Section{sec}
	return in
}

// BenchmarkScoring stores responses answers to an anonymous round of a
// 24-item instrument and measures reading them all back through the
// aggregation path and scoring them: the mean of each dimension over
// every respondent. It reports stored answers scored per second.
func BenchmarkScoring(b *testing.B, bk Backend, responses int) {
	ctx := context.Background()
	s := bk.Stores()
	in := values24()
	if err := s.Surveys.SaveInstrument(ctx, in, t0); err != nil {
		b.Fatal(err)
	}
	round := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: 1, Mode: tsunagari.ModeAnonymous, OpensAt: t0, CreatedAt: t0}
	if err := s.Surveys.CreateRound(ctx, round); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	items := in.Items()
	for done := 0; done < responses; {
		n := min(10_000, responses-done)
		batch := make([]*tsunagari.Response, n)
		for i := range batch {
			as := make([]tsunagari.Answer, len(items))
			for j, it := range items {
				as[j] = tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(float64(1 + rng.IntN(5)))}
			}
			batch[i] = &tsunagari.Response{RoundID: round.ID, Answers: as, Scores: in.Score(as)}
		}
		if err := s.Surveys.ImportResponses(ctx, batch); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.ResetTimer()
	for b.Loop() {
		sums := make([]float64, len(in.Dimensions))
		count := 0
		err := s.Surveys.EachAnswerSet(ctx, round.ID, func(_ tsunagari.Segments, as []tsunagari.Answer) error {
			for i, sc := range in.Score(as) {
				sums[i] += sc.Value
			}
			count++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if count != responses {
			b.Fatalf("scored %d responses, want %d", count, responses)
		}
	}
	b.ReportMetric(float64(responses*len(items))*float64(b.N)/b.Elapsed().Seconds(), "answers/s")
}

// crossTabbed is an instrument shaped like the HR survey: a size, two
// single-choice items, one multiple-choice item, and a segment derived
// from the answers.
func crossTabbed() *tsunagari.Instrument {
	t := func(s string) tsunagari.Text { return tsunagari.Text{Ja: s, En: s} }
	opts := func(ids ...string) []tsunagari.Option {
		var out []tsunagari.Option
		for _, id := range ids {
			out = append(out, tsunagari.Option{ID: id, Label: t(id)})
		}
		return out
	}
	return &tsunagari.Instrument{ID: "crosstabbed", Version: 1, Title: t("crosstabbed"),
		Sections: []tsunagari.Section{{ID: "s", Title: t("s"), Items: []tsunagari.Item{
			{ID: "size", Kind: tsunagari.KindSingle, Required: true, Text: t("size"), Options: opts("size_small", "size_mid", "size_large")},
			{ID: "interest", Kind: tsunagari.KindSingle, Required: true, Text: t("interest"), Options: opts("strong", "somewhat", "little", "none")},
			{ID: "initiatives", Kind: tsunagari.KindSingle, Required: true, Text: t("initiatives"), Options: opts("primary", "related", "planning", "none")},
			{ID: "measures", Kind: tsunagari.KindMultiple, Text: t("measures"),
				Options: opts("training", "posting", "learning", "self_study", "interview", "one_on_one", "mentor", "side_job", "other")},
		}}},
		Segments: []tsunagari.DerivedSegment{{ID: "implementing", Label: t("implementing"), Item: "initiatives", Groups: []tsunagari.SegmentGroup{
			{ID: "yes", Label: t("yes"), AnyOf: []string{"primary", "related"}},
			{ID: "no", Label: t("no"), AnyOf: []string{"planning", "none"}}}}},
	}
}

// BenchmarkCrossTab stores responses attributed answers to an instrument
// shaped like the HR survey and measures one cross-tabulation over all of
// them through the aggregation path: a single-choice item by the size
// band snapshotted with each answer, as a report does before releasing
// it. It reports the responses tabulated per second.
func BenchmarkCrossTab(b *testing.B, bk Backend, responses int) {
	ctx := context.Background()
	s := bk.Stores()
	in := crossTabbed()
	if err := in.Validate(); err != nil {
		b.Fatal(err)
	}
	if err := s.Surveys.SaveInstrument(ctx, in, t0); err != nil {
		b.Fatal(err)
	}
	round := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: t0, CreatedAt: t0}
	if err := s.Surveys.CreateRound(ctx, round); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	bands := []tsunagari.SizeBand{tsunagari.SizeSmall, tsunagari.SizeMid, tsunagari.SizeLarge}
	pick := func(it *tsunagari.Item) string { return it.Options[rng.IntN(len(it.Options))].ID }
	items := in.Items()
	for done := 0; done < responses; {
		n := min(10_000, responses-done)
		batch := make([]*tsunagari.Response, n)
		for i := range batch {
			band := bands[rng.IntN(len(bands))]
			as := []tsunagari.Answer{{Item: "size", Choices: []string{string(band)}},
				{Item: "interest", Choices: []string{pick(items[1])}}, {Item: "initiatives", Choices: []string{pick(items[2])}}}
			var measures []string
			for _, o := range items[3].Options {
				if rng.IntN(3) == 0 {
					measures = append(measures, o.ID)
				}
			}
			if len(measures) > 0 {
				as = append(as, tsunagari.Answer{Item: "measures", Choices: measures})
			}
			batch[i] = &tsunagari.Response{RoundID: round.ID, Answers: as,
				Segments: tsunagari.Segments{SizeBand: band, Industry: tsunagari.Industries[rng.IntN(len(tsunagari.Industries))]}}
		}
		if err := s.Surveys.ImportResponses(ctx, batch); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	groups := []string{string(tsunagari.SizeSmall), string(tsunagari.SizeMid), string(tsunagari.SizeLarge)}
	b.ResetTimer()
	for b.Loop() {
		tally := tsunagari.NewTally(in, "interest", tsunagari.SegmentSizeBand, groups)
		err := s.Surveys.EachAnswerSet(ctx, round.ID, func(seg tsunagari.Segments, as []tsunagari.Answer) error {
			tally.Add(seg, as)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		total := 0
		for _, n := range tally.Respondents {
			total += n
		}
		if total != responses || tally.Respondents[len(tally.Respondents)-1] != 0 {
			b.Fatalf("tabulated %d responses (%v), want %d", total, tally.Respondents, responses)
		}
	}
	b.ReportMetric(float64(responses)*float64(b.N)/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkCreateBookings stores bookings on distinct slots of a hundred
// consultants, each with the two mails that announce it, in one
// transaction each, as the booking service does: the idempotency check,
// the weekly count and the overlap guard all run. With parallel, as many
// goroutines as GOMAXPROCS×16 book at once, like many members at a time.
// It reports bookings per second.
func BenchmarkCreateBookings(b *testing.B, bk Backend, parallel bool) {
	ctx := context.Background()
	s := bk.Stores()
	const consultants = 100
	ids := make([]string, consultants)
	members := make([]string, consultants)
	for i := range consultants {
		c := &tsunagari.Account{Email: fmt.Sprintf("bench-c%d@example.jp", i), Name: "相談 員", Roles: []tsunagari.Role{tsunagari.RoleConsultant}, CreatedAt: t0}
		m := &tsunagari.Account{Email: fmt.Sprintf("bench-m%d@example.jp", i), Name: "相談 者", Roles: []tsunagari.Role{tsunagari.RoleMember}, CreatedAt: t0}
		if err := s.Accounts.CreateAccounts(ctx, []*tsunagari.Account{c, m}); err != nil {
			b.Fatal(err)
		}
		prof := consultant(c.ID, fmt.Sprintf("%08d", 70000000+i))
		if err := s.Consultation.SaveConsultant(ctx, prof); err != nil {
			b.Fatal(err)
		}
		ids[i], members[i] = c.ID, m.ID
	}
	var next atomic.Int64
	book := func() {
		n := next.Add(1) - 1
		c := int(n % consultants)
		start := t0.Add(time.Duration(n/consultants) * time.Hour)
		week, end := tsunagari.WeekOf(start, tsunagari.Tokyo)
		bkg := &tsunagari.Booking{ConsultantID: ids[c], MemberID: members[(c+1)%consultants], Start: start, End: start.Add(50 * time.Minute),
			BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed, Themes: []string{"job_change"},
			IdempotencyKey: fmt.Sprintf("bench-%d", n), CreatedAt: t0, ConfirmedAt: &t0}
		mails := []*tsunagari.Mail{
			{To: "m@example.jp", Subject: "面談の予約を受け付けました", Body: "日時と詳細のリンク", Kind: "booking_booked"},
			{To: "c@example.jp", Subject: "面談の予約を受け付けました", Body: "日時と詳細のリンク", Kind: "booking_booked"},
		}
		if _, err := s.Consultation.CreateBooking(ctx, bkg, tsunagari.WeekCap{Start: week, End: end, Max: 1 << 30}, mails); err != nil {
			b.Error(err)
		}
	}
	b.ResetTimer()
	cpu := CPUTime()
	defer func() { ReportCPU(b, cpu) }()
	if parallel {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				book()
			}
		})
	} else {
		for b.Loop() {
			book()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
}

// ReportCPU reports, next to the rate over wall time, the rate over the
// processor time the process used since cpu (from CPUTime): on a shared
// machine the wall-time rate says as much about the neighbours as about
// the code.
func ReportCPU(b *testing.B, cpu time.Duration) {
	if used := CPUTime() - cpu; cpu > 0 && used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "ops/cpu-s")
	}
}

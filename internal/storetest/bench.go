package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

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

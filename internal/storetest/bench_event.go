package storetest

import (
	"context"
	"sync/atomic"
	"testing"

	"tsunagari"
)

// Seats and requests of each event in BenchmarkRSVP.
const (
	benchSeats    = 20
	benchRequests = 200
)

// BenchmarkRSVP measures requests for seats sent concurrently: many
// goroutines (b.SetParallelism(8), so 8 per CPU) ask for seats at events
// of 20 seats with a waitlist, 200 requests each, so that every event
// sees a race for its last seats and then a queue. It reports requests
// stored per second, and checks afterwards that no event confirmed more
// than its seats.
func BenchmarkRSVP(b *testing.B, bk Backend) {
	ctx := context.Background()
	s := bk.Stores()
	lead := account("lead@example.jp")
	if err := s.Accounts.CreateAccount(ctx, lead); err != nil {
		b.Fatal(err)
	}
	c := community(tsunagari.CommunityOccupational, "ベンチマーク勉強会", lead)
	if err := s.Communities.CreateCommunity(ctx, c); err != nil {
		b.Fatal(err)
	}
	ps := people(b, s, "bench", benchRequests)
	events := make([]*tsunagari.Event, b.N/benchRequests+1)
	for i := range events {
		events[i] = event(c, "交流会", benchSeats, true)
		if err := s.Events.CreateEvent(ctx, events[i]); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			e := events[i/benchRequests]
			r := &tsunagari.RSVP{EventID: e.ID, StartsAt: e.StartsAt, AccountID: ps[i%benchRequests].ID, RequestedAt: t0}
			if err := s.Events.CreateRSVP(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rsvps/s")
	for _, e := range events {
		list, err := s.Events.FindOccurrences(ctx, e.ID, e.StartsAt, e.EndsAt)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == 1 && list[0].Confirmed > benchSeats {
			b.Fatalf("event %s confirmed %d of %d seats", e.ID, list[0].Confirmed, benchSeats)
		}
	}
}

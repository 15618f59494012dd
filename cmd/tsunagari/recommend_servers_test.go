package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/postgres/pgtest"
)

// TestRecommendationsFreshAcrossServers runs two tsunagari servers on one
// database, changes memberships through the first, and asks the second:
// its recommendations reflect each join and leave within two seconds.
func TestRecommendationsFreshAcrossServers(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var dsn string
			switch engine {
			case "sqlite":
				dsn = filepath.Join(t.TempDir(), "shared.db")
			case "postgres":
				if !pgtest.Enabled() {
					t.Skip(pgtest.DSNEnv + " is not set")
				}
				dsn = pgtest.MustCreateSchema(t)
			}
			a, b := startNode(t, dsn), startNode(t, dsn)
			testFreshAcrossServers(t, a, b)
		})
	}
}

func testFreshAcrossServers(t *testing.T, a, b *Main) {
	ctx := context.Background()
	st := a.db.Stores()

	// A care worker signs up on the second server.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, b.URL()+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(out)
	}
	if code, body := call("POST", "/api/v1/signup", `{"email":"care@example.jp","name":"介護 花子","password":"tsunagari-e2e-password"}`); code != 201 {
		t.Fatalf("signup: %d %s", code, body)
	}
	if code, body := call("PATCH", "/api/v1/me", `{"jobFamily":"care","prefecture":"11"}`); code != 200 {
		t.Fatalf("profile: %d %s", code, body)
	}

	// jobShare asks the second server for the care worker's
	// recommendations and returns the share of care workers it quotes for
	// the café, -1 if the café is not listed.
	jobShare := func(id string) (int, string) {
		t.Helper()
		code, body := call("GET", "/api/v1/recommendations", "")
		if code != 200 {
			t.Fatalf("recommendations: %d %s", code, body)
		}
		var res struct {
			Recommendations []struct {
				Community struct{ ID string }
				Reasons   []struct{ Code, Text string }
			}
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Recommendations {
			if r.Community.ID != id {
				continue
			}
			for _, reason := range r.Reasons {
				if reason.Code == "job_share" {
					var pc int
					fmt.Sscanf(reason.Text[strings.LastIndex(reason.Text, "が")+len("が"):], "%d", &pc)
					return pc, reason.Text
				}
			}
			return 0, fmt.Sprint(r.Reasons)
		}
		return -1, body
	}
	await := func(what, id string, want int) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			got, detail := jobShare(id)
			if got == want {
				return time.Since(start)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s: the second server says %d%% after 2s, want %d%% (%s)", what, got, want, detail)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// The first server's process lists a café and five care workers join.
	cafe := &tsunagari.Community{Kind: tsunagari.CommunityOccupational, Name: "対話カフェ", Purpose: "働く人が月に一度話し合う",
		Prefecture: "13", Online: true, JoinPolicy: tsunagari.JoinOpen, HoursPerMonth: 2, Tags: []string{},
		Styles: []tsunagari.ActivityStyle{}, Languages: []string{"ja"}, Traits: []tsunagari.Trait{}}
	if err := st.Communities.CreateCommunity(ctx, cafe); err != nil {
		t.Fatal(err)
	}
	var members []*tsunagari.Account
	for i := range 6 {
		job := "care"
		if i == 5 {
			job = "sales"
		}
		m := &tsunagari.Account{Email: fmt.Sprintf("m%d@example.jp", i), Name: "会員", Roles: []tsunagari.Role{tsunagari.RoleMember},
			JobFamily: job, Prefecture: "13"}
		if err := st.Accounts.CreateAccount(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := st.Communities.CreateMembership(ctx, &tsunagari.Membership{CommunityID: cafe.ID, AccountID: m.ID,
			Involvement: tsunagari.InvolvementRegular, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive}); err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	took := await("six join", cafe.ID, 83) // 5 of 6
	t.Logf("joins seen by the other server after %v", took)

	if err := st.Communities.DeleteMembership(ctx, cafe.ID, members[0].ID); err != nil {
		t.Fatal(err)
	}
	took = await("one leaves", cafe.ID, 80) // 4 of 5
	t.Logf("a leave seen by the other server after %v", took)

	if err := st.Communities.DeleteMembership(ctx, cafe.ID, members[1].ID); err != nil {
		t.Fatal(err)
	}
	took = await("another leaves, and the group is too small for figures", cafe.ID, 0)
	t.Logf("a second leave seen by the other server after %v", took)
}

package community_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"tsunagari"
	"tsunagari/internal/community"
)

const goodImport = `{"kind":"regional_alumni","name":"にいがた県人会 in 東京","purpose":"新潟にゆかりのある人がSNSでつながる","prefecture":"東京都","homePrefecture":"新潟","online":true,"tags":["Uターン"],"organisers":["org@example.jp"]}

{"kind":"union","name":"キャリア相談のできるユニオン","purpose":"働く人の相談窓口と学び","prefecture":"","online":true,"monthlyFee":500,"hoursPerMonth":1,"traits":["free_exit"]}
{"kind":"worker_coop","name":"みどり農園ワーカーズコープ","purpose":"みんなで出資し、みんなで働く","prefecture":"Nagano","joinPolicy":"approval","styles":["projects"]}
`

func TestImport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.account("op@example.jp", tsunagari.RoleOperator)
	org := e.account("org@example.jp", tsunagari.RoleOrganiser)

	_, err := e.svc.Import(ctx, org, strings.NewReader(goodImport))
	wantCode(t, "Import by an organiser", err, tsunagari.CodeNotFound, "")
	n, err := e.svc.Import(ctx, op, strings.NewReader("\uFEFF"+goodImport))
	if err != nil || n != 3 {
		t.Fatalf("Import = %d, %v; want 3", n, err)
	}
	res, _ := e.svc.Search(ctx, org, tsunagari.CommunitySearch{Query: "新潟"})
	if res.Total != 1 || res.Communities[0].HomePrefecture != "15" || res.Communities[0].Prefecture != "13" ||
		len(res.Communities[0].Organisers) != 1 || res.Communities[0].Organisers[0].AccountID != org.ID {
		t.Errorf("after import, 新潟 finds %+v", res.Communities)
	}
	if res, _ := e.svc.Search(ctx, org, tsunagari.CommunitySearch{Prefecture: "20"}); res.Total != 1 || res.Communities[0].JoinPolicy != tsunagari.JoinApproval {
		t.Errorf("after import, Nagano = %+v", res.Communities)
	}
}

func TestImportReportsEveryBadLineAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.account("op@example.jp", tsunagari.RoleOperator)
	e.account("org@example.jp", tsunagari.RoleOrganiser)
	lines := []string{
		`{"kind":"occupational","name":"よい会","purpose":"学ぶ","prefecture":"13"}`,                                           // 1 good
		`{"kind":"club","name":"謎の会","purpose":"x","prefecture":"13"}`,                                                    // 2 unknown kind
		`{"kind":"union","name":"どこかの組合","purpose":"x","prefecture":"東京県"}`,                                               // 3 unknown prefecture
		`{"kind":"union","name":"壊れた行","purpose":"x"`,                                                                     // 4 bad JSON
		`{"kind":"union","name":"綴り違い","purpose":"x","prefectrue":"13"}`,                                                  // 5 unknown field
		`{"kind":"union","name":"料金が文字","purpose":"x","prefecture":"13","monthlyFee":"無料"}`,                               // 6 wrong type
		`{"kind":"union","name":"知らない運営者","purpose":"x","prefecture":"13","organisers":["nobody@example.jp"]}`,            // 7
		`{"kind":"occupational","name":"よい会","purpose":"学ぶ","prefecture":"13"}`,                                           // 8 duplicate of 1
		`{"kind":"regional_alumni","name":"出身地なし","purpose":"x","prefecture":"13"}`,                                       // 9 no home prefecture
		`{"kind":"npo","name":"会社つき","purpose":"x","prefecture":"13","orgId":"` + tsunagari.NewID() + `"}`,                // 10 org on an NPO
		`{"kind":"corporate_alumni","name":"知らない会社","purpose":"x","prefecture":"13","orgId":"` + tsunagari.NewID() + `"}`, // 11 unknown org
		`{"kind":"union","name":"","purpose":"x","prefecture":"13"}`,                                                      // 12 no name
	}
	fp := e.fingerprint()
	_, err := e.svc.Import(ctx, op, strings.NewReader(strings.Join(lines, "\n")))
	var ie *tsunagari.Error
	if !errors.As(err, &ie) || ie.Code != tsunagari.CodeInvalid {
		t.Fatalf("Import(bad lines) error = %v; want invalid", err)
	}
	type problem struct {
		line int
		key  string
	}
	var got []problem
	for _, d := range ie.Details {
		got = append(got, problem{d.Line, d.Key})
	}
	// Lines are checked on their own first; the checks that need the
	// database run once every line reads well.
	want := []problem{{2, "community.kind_unknown"}, {3, "community.prefecture_unknown"}, {4, "community.import_bad_json"},
		{5, "community.import_unknown_field"}, {6, "community.import_wrong_type"}, {9, "community.home_prefecture_required"},
		{10, "community.org_only_corporate"}, {12, "community.name_required"}}
	if !slices.Equal(got, want) {
		t.Errorf("Import details = %v\nwant %v", got, want)
	}
	if e.fingerprint() != fp {
		t.Error("a rejected import changed the database")
	}

	// With the lines that read badly removed, the database checks speak.
	fixed := []string{lines[0], lines[6], lines[7], lines[10]}
	_, err = e.svc.Import(ctx, op, strings.NewReader(strings.Join(fixed, "\n")))
	got = nil
	if errors.As(err, &ie) {
		for _, d := range ie.Details {
			got = append(got, problem{d.Line, d.Key})
		}
	}
	want = []problem{{2, "community.organiser_unknown"}, {3, "community.import_duplicate"}, {4, "community.org_unknown"}}
	if !slices.Equal(got, want) {
		t.Errorf("Import details = %v\nwant %v", got, want)
	}
	if e.fingerprint() != fp {
		t.Error("a rejected import changed the database")
	}
	_, err = e.svc.Import(ctx, op, strings.NewReader("\n \n"))
	wantCode(t, "Import(nothing)", err, tsunagari.CodeInvalid, "community.import_empty")
}

func TestParseImportLimits(t *testing.T) {
	long := `{"kind":"union","name":"長い","purpose":"x","prefecture":"13","description":"` + strings.Repeat("あ", community.MaxImportLineLen) + `"}`
	_, err := community.ParseImport(strings.NewReader(`{"kind":"union","name":"a","purpose":"x","prefecture":"13"}` + "\n" + long))
	var ie *tsunagari.Error
	if !errors.As(err, &ie) || len(ie.Details) != 1 || ie.Details[0].Line != 2 || ie.Details[0].Key != "community.import_line_too_long" {
		t.Errorf("ParseImport(a line too long) = %v", err)
	}
	many := strings.Repeat(`{"kind":"union","name":"a","purpose":"x","prefecture":"13"}`+"\n", community.MaxImportLines+1)
	_, err = community.ParseImport(strings.NewReader(many))
	if !errors.As(err, &ie) || ie.Details[len(ie.Details)-1].Key != "community.import_too_many" {
		t.Errorf("ParseImport(too many lines) = %v", err)
	}
}

func TestPrefectureCode(t *testing.T) {
	for in, want := range map[string]string{"15": "15", "新潟県": "15", "新潟": "15", "niigata": "15", "東京": "13", "東京都": "13",
		"大阪": "27", "北海道": "01", "": ""} {
		if got, ok := community.PrefectureCode(in); !ok || got != want {
			t.Errorf("PrefectureCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"48", "東京県", "Edo", "00"} {
		if got, ok := community.PrefectureCode(bad); ok {
			t.Errorf("PrefectureCode(%q) = %q; want unknown", bad, got)
		}
	}
}

// FuzzParseImport checks that any input is either refused with a line
// number for every problem, or read into communities that are valid.
func FuzzParseImport(f *testing.F) {
	f.Add(goodImport)
	f.Add(`{"kind":"club"}` + "\n" + `{`)
	f.Add("\uFEFF" + `{"kind":"union","name":"a","purpose":"b","prefecture":"Tokyo","tags":["#x"," "]}`)
	f.Fuzz(func(t *testing.T, in string) {
		items, err := community.ParseImport(strings.NewReader(in))
		if err != nil {
			var ie *tsunagari.Error
			if !errors.As(err, &ie) || ie.Code != tsunagari.CodeInvalid {
				t.Fatalf("ParseImport error = %v; want invalid", err)
			}
			if ie.Key == "community.import_invalid" {
				for _, d := range ie.Details {
					if d.Line < 1 || d.Key == "" {
						t.Fatalf("detail %+v has no line or key", d)
					}
				}
			}
			return
		}
		last := 0
		for _, it := range items {
			if it.Line <= last {
				t.Fatalf("lines out of order: %d after %d", it.Line, last)
			}
			last = it.Line
			if err := it.Community.Validate(); err != nil {
				t.Fatalf("line %d parsed into an invalid community: %v", it.Line, err)
			}
		}
	})
}

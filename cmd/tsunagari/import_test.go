package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tsunagari"
	"tsunagari/internal/sqlite"
)

func TestImportCommunities(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "import.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Stores().Accounts.CreateAccount(ctx, &tsunagari.Account{Email: "lead@example.jp", Name: "運営 花子",
		Roles: []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleOrganiser}}); err != nil {
		t.Fatal(err)
	}
	fp, err := db.Fingerprint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"kind":"regional_alumni","name":"にいがた県人会 in 東京","purpose":"新潟にゆかりのある人がつながる","prefecture":"東京都","homePrefecture":"新潟","online":true,"organisers":["lead@example.jp"]}
{"kind":"worker_coop","name":"みどり農園ワーカーズコープ","purpose":"みんなで出資し、みんなで働く","prefecture":"長野県"}
`
	bad := good + `{"kind":"club","name":"謎の会","purpose":"x","prefecture":"13"}
{"kind":"union","name":"どこかの組合","purpose":"x","prefecture":"東京県"}
`
	getenv := func(string) string { return "" }

	var out bytes.Buffer
	err = runImport(ctx, []string{"communities", "--db", path, write("bad.jsonl", bad)}, getenv, &out)
	if err == nil {
		t.Fatal("import of a file with bad lines succeeded")
	}
	for _, want := range []string{"2行に問題があります", "bad.jsonl:3: kind: コミュニティの種類「club」は使えません", "bad.jsonl:4: prefecture: 都道府県「東京県」が見つかりません"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Fingerprint(ctx); got != fp {
		t.Error("a refused import changed the database")
	}
	db.Close()

	out.Reset()
	if err := runImport(ctx, []string{"communities", "--db", path, "--lang", "en", write("good.jsonl", good)}, getenv, &out); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "imported 2 communities") {
		t.Errorf("output = %q", out.String())
	}
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, n, err := db.Stores().Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: "新潟"})
	if err != nil || n != 1 || len(list[0].Organisers) != 1 || list[0].Organisers[0].Name != "運営 花子" {
		t.Errorf("after import, 新潟 = %d, %v, %v", n, list, err)
	}

	if err := runImport(ctx, []string{"events"}, getenv, &out); err == nil {
		t.Error(`"import events" succeeded`)
	}
}

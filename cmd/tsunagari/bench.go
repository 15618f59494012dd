package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/jatext"
	"tsunagari/internal/match"
	"tsunagari/internal/recommend"
)

// benchConfig is what the bench command is told.
type benchConfig struct {
	DSN         string
	Communities int
	Members     int // memberships
	Consultants int
	Duration    time.Duration
	Quick       bool
}

// samples is how many timed operations each latency row takes.
func (c benchConfig) samples() int {
	if c.Quick {
		return 100
	}
	return 1000
}

func runBench(ctx context.Context, args []string, out io.Writer) error {
	start := time.Now()
	var c benchConfig
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&c.DSN, "db", "", "SQLite file to create, or a postgres:// URL of a server on which a fresh database is created and dropped (default: a temporary SQLite file)")
	fs.IntVar(&c.Communities, "communities", 100_000, "communities to generate")
	fs.IntVar(&c.Members, "members", 200_000, "memberships to generate, held by members/10 accounts (each is one transaction: on SQLite under a thousand a second)")
	fs.IntVar(&c.Consultants, "consultants", 10_000, "consultants in the shortlist's roster")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long each HTTP load runs")
	fs.BoolVar(&c.Quick, "quick", false, "tiny sizes and short loads, to check that the command works")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if c.Quick {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for name, v := range map[string]*int{"communities": &c.Communities, "members": &c.Members, "consultants": &c.Consultants} {
			if !given[name] {
				*v = map[string]int{"communities": 2_000, "members": 4_000, "consultants": 200}[name]
			}
		}
		if !given["duration"] {
			c.Duration = time.Second
		}
	}
	if c.Communities < 10 || c.Members < 100 || c.Consultants < 10 || c.Duration <= 0 {
		return usageError{errors.New("bench needs at least 10 communities, 100 memberships, 10 consultants and a positive duration")}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	engine := "SQLite"
	switch {
	case isPostgres(c.DSN):
		engine = "PostgreSQL"
		dsn, drop, err := createBenchDatabase(ctx, c.DSN)
		if err != nil {
			return err
		}
		defer drop()
		c.DSN = dsn
	case c.DSN == "":
		dir, err := os.MkdirTemp("", "tsunagari-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.DSN = filepath.Join(dir, "bench.db")
	default:
		if _, err := os.Stat(c.DSN); err == nil {
			return usageError{fmt.Errorf("--db %s exists: bench fills a new database", c.DSN)}
		}
	}

	db, err := openDB(ctx, c.DSN, true)
	if err != nil {
		return err
	}
	defer db.Close()
	b := &bench{cfg: c, stores: db.Stores(), logger: logger, rng: mrand.New(mrand.NewPCG(2026, 9))}
	genStart := time.Now()
	if err := b.generate(ctx); err != nil {
		return fmt.Errorf("generate data: %w", err)
	}
	generated := time.Since(genStart)

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"recommendations", b.recommendRow},
		{"shortlist", b.shortlistRow},
		{"search", b.searchRows},
		{"text mining", b.textRow},
		{"HTTP", b.httpRows},
		{"RSVPs", b.rsvpRow},
		{"bookings", b.bookingRow},
		{"start-up", b.startupRows},
	}
	for _, s := range steps {
		logger.Info("bench: measuring", "what", s.name)
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}

	fmt.Fprintf(out, "## tsunagari bench (%s)\n\n", version)
	fmt.Fprintf(out, "- engine: %s\n", engine)
	fmt.Fprintf(out, "- data: %d communities, %d memberships of %d accounts, %d consultants in the shortlist's roster\n",
		c.Communities, c.Members, len(b.accounts), c.Consultants)
	fmt.Fprintf(out, "- GOMAXPROCS: %d (%d CPUs); HTTP load: 64 connections for %s per target\n", runtime.GOMAXPROCS(0), runtime.NumCPU(), c.Duration)
	fmt.Fprintf(out, "- generating the data took %s; the whole command took %s\n", generated.Round(time.Second), time.Since(start).Round(time.Second))
	fmt.Fprintf(out, "- latency rows: median and 99th percentile of one operation; rate rows: the rate over the run, and the 99th percentile latency of one operation; ratio = median ÷ anchor median\n\n")
	fmt.Fprintln(out, "| measure | median | p99 | anchor | anchor median | ratio |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	for _, r := range b.rows {
		anchor, am, ratio := "—", "—", "—"
		if r.anchor != "" {
			anchor, am = r.anchor, r.format(r.anchorMedian)
			ratio = num(r.median / r.anchorMedian)
		}
		p99 := "—"
		if r.p99 > 0 {
			p99 = fmt.Sprintf("%s %s", num(r.p99), r.p99Unit)
		}
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", r.measure, r.format(r.median), p99, anchor, am, ratio)
	}
	return nil
}

// benchRow is one line of the table.
type benchRow struct {
	measure      string
	median       float64
	unit         string
	p99          float64
	p99Unit      string
	anchor       string
	anchorMedian float64
}

func (r benchRow) format(v float64) string { return num(v) + " " + r.unit }

// num writes v with three or four significant digits, and without an
// exponent from 0.001 up.
func num(v float64) string {
	switch {
	case v > 0 && v < 0.001:
		return strconv.FormatFloat(v, 'g', 3, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the p-th percentile of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

// bench holds the generated data and the rows measured so far.
type bench struct {
	cfg    benchConfig
	stores tsunagari.Stores
	logger *slog.Logger
	rng    *mrand.Rand

	accounts    []*tsunagari.Account
	communities []*tsunagari.Community
	rows        []benchRow
}

// Words the generated communities are written from.
var (
	benchTopics = strings.Fields(`介護 看護 保育 転職 副業 起業 独立 学び直し 子育て 育休 復職 Uターン 地方創生 農業 DX AI
		データ分析 デザイン 営業 人事 経理 法務 マーケティング エンジニア 医療 福祉 教育 観光 防災 環境 プロボノ NPO
		協同労働 キャリア相談 越境学習 リスキリング 英語 読書会 広報 翻訳 建築 金融 物流 製造 研究 薬剤師 栄養士
		ケアマネージャー 社会福祉士 介護福祉士 ITエンジニア 管理職 フリーランス 公務員 教員 看護師 保育士 経営者 移住`)
	benchForms = strings.Fields(`勉強会 交流会 サロン 研究会 倶楽部 ネットワーク 県人会 アルムナイ ユニオン 協会 カフェ ゼミ ラボ`)
	benchDoing = []string{"毎月集まって語り合います", "事例を持ち寄って学び合います", "オンラインで気軽に情報交換しています",
		"初めての方の見学を歓迎します", "仕事の悩みを安心して話せる場です", "専門性を活かして地域を支えます",
		"メンバーが交代で運営しています", "出入り自由で、かかわり方も自由です"}
	benchWishes = []string{"介護の仕事の悩みを同じ立場の人と話したい", "いつか地元に帰って役に立ちたい",
		"副業でプロボノに関わってみたい", "エンジニアとして学び直しをしたい", "子育てしながら復職する仲間がほしい"}
)

// pick returns a random element of list.
func pick[T any](r *mrand.Rand, list []T) T { return list[r.IntN(len(list))] }

// prefecture draws a prefecture code, the big ones more often.
func (b *bench) prefecture() string {
	if b.rng.IntN(2) == 0 {
		return pick(b.rng, []string{"13", "13", "14", "27", "23", "11", "12", "01", "40", "28"})
	}
	return pick(b.rng, tsunagari.Prefectures).Code
}

// generate fills the database: accounts, communities, then memberships,
// most of them in the larger communities.
func (b *bench) generate(ctx context.Context) error {
	now := time.Now().UTC().Truncate(time.Second)
	r := b.rng
	nAccounts := max(b.cfg.Members/10, 50)
	b.accounts = make([]*tsunagari.Account, nAccounts)
	for i := range b.accounts {
		b.accounts[i] = &tsunagari.Account{ID: tsunagari.NewID(), Email: fmt.Sprintf("bench%d@example.jp", i),
			Name: fmt.Sprintf("会員 %d", i), PasswordHash: "$argon2id$bench", Roles: []tsunagari.Role{tsunagari.RoleMember},
			Locale: "ja", TimeZone: "Asia/Tokyo", JobFamily: pick(r, tsunagari.JobFamilies), Industry: pick(r, tsunagari.Industries),
			Prefecture: b.prefecture(), HomePrefecture: pick(r, tsunagari.Prefectures).Code, AgeBand: pick(r, tsunagari.AgeBands),
			CreatedAt: now, PasswordChangedAt: now}
	}
	for rest := b.accounts; len(rest) > 0; {
		batch := rest[:min(len(rest), 2000)]
		if err := b.stores.Accounts.CreateAccounts(ctx, batch); err != nil {
			return fmt.Errorf("accounts: %w", err)
		}
		rest = rest[len(batch):]
	}
	b.logger.Info("bench: accounts created", "accounts", nAccounts)

	b.communities = make([]*tsunagari.Community, b.cfg.Communities)
	for i := range b.communities {
		pref := pick(r, tsunagari.Prefectures)
		short := strings.TrimRight(pref.Name, "都府県")
		t1, t2, t3 := pick(r, benchTopics), pick(r, benchTopics), pick(r, benchTopics)
		c := &tsunagari.Community{ID: tsunagari.NewID(), Kind: pick(r, tsunagari.CommunityKinds),
			Name:        short + t1 + pick(r, benchForms),
			Purpose:     t1 + "と" + t2 + "に関心のある人が、" + pick(r, benchDoing) + "。",
			Description: t2 + "の経験者も未経験者も歓迎。" + pick(r, benchDoing) + "。" + t3 + "についての勉強会も開いています。",
			Tags:        []string{t1, t2}, Styles: []tsunagari.ActivityStyle{pick(r, tsunagari.ActivityStyles)},
			Prefecture: pref.Code, Online: r.IntN(2) == 0, MonthlyFee: pick(r, []int{0, 0, 0, 500, 1000, 3000}),
			HoursPerMonth: r.IntN(12), Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen, Traits: []tsunagari.Trait{},
			CreatedAt: now}
		if c.Kind == tsunagari.CommunityRegionalAlumni {
			c.HomePrefecture = pick(r, tsunagari.Prefectures).Code
		}
		for _, t := range tsunagari.Traits {
			if r.IntN(2) == 0 {
				c.Traits = append(c.Traits, t)
			}
		}
		b.communities[i] = c
	}
	for rest := b.communities; len(rest) > 0; {
		batch := rest[:min(len(rest), 5000)]
		if err := b.stores.Communities.ImportCommunities(ctx, batch); err != nil {
			return fmt.Errorf("communities: %w", err)
		}
		rest = rest[len(batch):]
	}
	b.logger.Info("bench: communities created", "communities", len(b.communities))

	// Memberships: each account joins about ten communities, drawn with a
	// skew so that a few communities are large and most are small.
	type job struct{ account, community int }
	jobs := make(chan job, 1024)
	var done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				m := &tsunagari.Membership{CommunityID: b.communities[j.community].ID, AccountID: b.accounts[j.account].ID,
					Involvement: tsunagari.InvolvementRegular, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive,
					RequestedAt: now, JoinedAt: now}
				if err := b.stores.Communities.CreateMembership(ctx, m); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("memberships: %w", err) })
					continue
				}
				if n := done.Add(1); n%100_000 == 0 {
					b.logger.Info("bench: memberships created", "memberships", n, "of", b.cfg.Members)
				}
			}
		})
	}
	nc := len(b.communities)
	each := min((b.cfg.Members+nAccounts-1)/nAccounts, nc)
	for a, i := 0, 0; a < nAccounts && i < b.cfg.Members && ctx.Err() == nil; a++ {
		var seen []int
		for len(seen) < each && i < b.cfg.Members {
			u := r.Float64()
			c := int(u * u * u * float64(nc))
			if slices.Contains(seen, c) {
				continue
			}
			seen = append(seen, c)
			jobs <- job{a, c}
			i++
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	b.cfg.Members = int(done.Load())
	return ctx.Err()
}

// member returns the recommendation profile of a random generated
// account, half of them with a wish.
func (b *bench) member() recommend.Member {
	a := pick(b.rng, b.accounts)
	m := recommend.Member{JobFamily: a.JobFamily, Industry: a.Industry, AgeBand: a.AgeBand, Prefecture: a.Prefecture,
		HomePrefecture: a.HomePrefecture}
	if b.rng.IntN(2) == 0 {
		m.Wish = pick(b.rng, benchWishes)
	}
	if b.rng.IntN(10) < 3 {
		for _, d := range recommend.ValueDimensions {
			m.Values = append(m.Values, tsunagari.Score{Dimension: d, Value: float64(b.rng.IntN(101))})
		}
	}
	return m
}

// recommendRow ranks the top ten for random members with the index the
// server builds, read from the database, and compares it with a scan of
// the same vectors that only sums the signals.
func (b *bench) recommendRow(ctx context.Context) error {
	x := recommend.NewIndex()
	if err := b.stores.Recommend.EachCommunitySignals(ctx, nil, func(s *tsunagari.CommunitySignals) error {
		x.Put(s)
		return nil
	}); err != nil {
		return err
	}
	n := b.cfg.samples()
	rank, scan := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	var sink float32
	for range n {
		q := recommend.Query{Member: b.member(), Weights: tsunagari.DefaultRecommendWeights()}
		start := time.Now()
		recs := x.Rank(q)
		rank = append(rank, time.Since(start))
		if len(recs) == 0 {
			return errors.New("the index recommended nothing")
		}
		start = time.Now()
		sink += x.ScanLowerBound(&q)
		scan = append(scan, time.Since(start))
	}
	if sink < 0 {
		return errors.New("negative scores")
	}
	b.rows = append(b.rows, benchRow{measure: fmt.Sprintf("community recommendation top-10 (index of %d)", x.Len()),
		median: ms(percentile(rank, 0.5)), unit: "ms", p99: ms(percentile(rank, 0.99)), p99Unit: "ms",
		anchor: "brute-force scan lower bound", anchorMedian: ms(percentile(scan, 0.5))})
	return nil
}

// shortlistRow builds the shortlist's index over a synthetic roster and
// asks for ten consultants for random members.
func (b *bench) shortlistRow(context.Context) error {
	r := mrand.New(mrand.NewPCG(5, 10))
	now := time.Now()
	words := []string{"転職", "育児", "介護", "両立", "キャリア", "傾聴", "副業", "学び直し", "管理職", "Uターン"}
	var themes []string
	for _, t := range tsunagari.Themes {
		themes = append(themes, t.ID)
	}
	values := func() []tsunagari.Score {
		var out []tsunagari.Score
		for _, d := range recommend.ValueDimensions {
			out = append(out, tsunagari.Score{Dimension: d, Value: float64(10 + r.IntN(90)), Items: 3})
		}
		return out
	}
	roster := make([]*tsunagari.RosterEntry, b.cfg.Consultants)
	for i := range roster {
		id := fmt.Sprintf("c%06d", i)
		msg := ""
		for range 30 {
			msg += pick(r, words) + "のご相談。"
		}
		c := &tsunagari.Consultant{AccountID: id, DisplayName: fmt.Sprintf("相談員%d", i), YearsOfPractice: r.IntN(30),
			Values: values(), Languages: []string{"ja"}, Online: r.IntN(10) > 0, InPerson: r.IntN(3) == 0,
			JobFamilies: []string{pick(r, tsunagari.JobFamilies)}, Industries: []string{pick(r, tsunagari.Industries)},
			Themes: []string{pick(r, themes), pick(r, themes)}, AgeBand: pick(r, tsunagari.AgeBands), Message: msg}
		if c.InPerson {
			c.Area = pick(r, tsunagari.Prefectures).Code
		}
		av := tsunagari.DefaultAvailability(id)
		av.ClosedOnHolidays, av.WeeklyMax = false, 5+r.IntN(20)
		if r.IntN(10) > 0 {
			from := tsunagari.Clock(9*60 + 60*r.IntN(4))
			for d := time.Monday; d <= time.Friday; d++ {
				av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d,
					Window: tsunagari.Window{Start: from, End: from + tsunagari.Clock(120+60*r.IntN(5))}})
			}
		}
		roster[i] = &tsunagari.RosterEntry{Consultant: c, Availability: av}
	}
	ix := match.Build(roster, match.Config{Dims: recommend.ValueDimensions, Now: now})
	w := tsunagari.DefaultMatchWeights()
	w.ViewsPerSession = tsunagari.MaxViewsPerSession
	n := b.cfg.samples()
	lat := make([]time.Duration, 0, n)
	for range n {
		p := match.Profile{Values: values(), Themes: []string{pick(r, themes)}, AgeBand: pick(r, tsunagari.AgeBands),
			JobFamily: pick(r, tsunagari.JobFamilies), Industry: pick(r, tsunagari.Industries)}
		start := time.Now()
		picks := ix.Shortlist(p, match.Filter{}, w, tsunagari.ShortlistSize, nil)
		lat = append(lat, time.Since(start))
		if len(picks) == 0 {
			return errors.New("empty shortlist")
		}
	}
	b.rows = append(b.rows, benchRow{measure: fmt.Sprintf("consultant shortlist top-10 (%d consultants)", len(roster)),
		median: ms(percentile(lat, 0.5)), unit: "ms", p99: ms(percentile(lat, 0.99)), p99Unit: "ms"})
	return nil
}

// searchRows times the store's search for a two-character and a longer
// query, against a plain LIKE '%…%' over the same rows: on PostgreSQL
// with a pg_trgm GIN index, on SQLite a scan.
func (b *bench) searchRows(ctx context.Context) error {
	like, anchorName, closeAnchor, err := b.likeQuery(ctx)
	if err != nil {
		return err
	}
	defer closeAnchor()
	n := b.cfg.samples() / 2
	for _, q := range []string{"転職", "介護福祉士"} {
		ours, theirs := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			list, total, err := b.stores.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: q, Limit: 10})
			ours = append(ours, time.Since(start))
			if err != nil {
				return err
			}
			if total == 0 || len(list) == 0 {
				return fmt.Errorf("search %q found nothing", q)
			}
			start = time.Now()
			found, err := like(ctx, "%"+q+"%")
			theirs = append(theirs, time.Since(start))
			if err != nil {
				return err
			}
			if found == 0 {
				return fmt.Errorf("LIKE %q found nothing", q)
			}
		}
		b.rows = append(b.rows, benchRow{measure: fmt.Sprintf("search 「%s」 (%d characters), first page", q, len([]rune(q))),
			median: ms(percentile(ours, 0.5)), unit: "ms", p99: ms(percentile(ours, 0.99)), p99Unit: "ms",
			anchor: anchorName, anchorMedian: ms(percentile(theirs, 0.5))})
	}
	return nil
}

// likeSQL is the anchor of the search rows: the obvious query for the
// same answer the store gives, the first page of visible matches, most
// members first, with the number of matches.
const likeSQL = `SELECT id, count(*) OVER () FROM communities
	WHERE name || ' ' || purpose || ' ' || description LIKE %s AND hidden_at IS NULL
	ORDER BY member_count DESC, id LIMIT 20`

// likeQuery returns a function that runs likeSQL on a connection of its
// own and counts the rows.
func (b *bench) likeQuery(ctx context.Context) (func(context.Context, string) (int, error), string, func(), error) {
	if isPostgres(b.cfg.DSN) {
		conn, err := pgx.Connect(ctx, b.cfg.DSN)
		if err != nil {
			return nil, "", nil, err
		}
		for _, s := range []string{`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
			`CREATE INDEX bench_communities_trgm ON communities USING gin ((name || ' ' || purpose || ' ' || description) gin_trgm_ops)`,
			`ANALYZE communities`} {
			if _, err := conn.Exec(ctx, s); err != nil {
				conn.Close(ctx)
				return nil, "", nil, fmt.Errorf("%s: %w", s, err)
			}
		}
		q := fmt.Sprintf(likeSQL, "$1")
		return func(ctx context.Context, pattern string) (int, error) {
			rows, err := conn.Query(ctx, q, pattern)
			if err != nil {
				return 0, err
			}
			n := 0
			for rows.Next() {
				n++
			}
			return n, rows.Err()
		}, "pg_trgm GIN, LIKE '%…%', first page by members", func() { conn.Close(ctx) }, nil
	}
	sdb, err := sql.Open("sqlite", "file:"+b.cfg.DSN+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, "", nil, err
	}
	q := fmt.Sprintf(likeSQL, "?")
	return func(ctx context.Context, pattern string) (int, error) {
		rows, err := sdb.QueryContext(ctx, q, pattern)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n, rows.Err()
	}, "SQLite LIKE '%…%' scan, first page by members", func() { sdb.Close() }, nil
}

// textRow counts kagome tokens per second through the text-mining
// analyser and through kagome alone, over the generated communities'
// purposes and descriptions.
func (b *bench) textRow(context.Context) error {
	a, err := jatext.New()
	if err != nil {
		return err
	}
	raw, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
	if err != nil {
		return err
	}
	var texts []string
	for _, c := range b.communities[:min(len(b.communities), 2000)] {
		texts = append(texts, c.Purpose+c.Description)
	}
	tokens := 0
	for _, t := range texts {
		tokens += len(raw.Tokenize(t))
	}
	rounds := 5
	if b.cfg.Quick {
		rounds = 2
	}
	measure := func(fn func(string)) (rate float64, p99 time.Duration) {
		var rates []float64
		var lat []time.Duration
		for range rounds {
			start := time.Now()
			for _, t := range texts {
				s := time.Now()
				fn(t)
				lat = append(lat, time.Since(s))
			}
			rates = append(rates, float64(tokens)/time.Since(start).Seconds())
		}
		slices.Sort(rates)
		return rates[len(rates)/2], percentile(lat, 0.99)
	}
	ours, p99 := measure(func(t string) { a.Terms(t, func(string) {}) })
	theirs, _ := measure(func(t string) { raw.Tokenize(t) })
	b.rows = append(b.rows, benchRow{measure: fmt.Sprintf("text mining (jatext, %d texts)", len(texts)),
		median: ours, unit: "tokens/s", p99: float64(p99) / float64(time.Microsecond), p99Unit: "µs/text",
		anchor: "raw kagome tokenisation", anchorMedian: theirs})
	return nil
}

// load sends GET requests from 64 connections for d, and returns the
// rate of successful answers and the 99th percentile latency.
func load(ctx context.Context, d time.Duration, header http.Header, next func(r *mrand.Rand) string) (float64, time.Duration, error) {
	const conns = 64
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lats := make([][]time.Duration, conns)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(i), 1))
			for ctx.Err() == nil {
				req, err := http.NewRequestWithContext(context.Background(), "GET", next(r), nil)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				maps(req.Header, header)
				s := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET %s: %s", req.URL.Path, res.Status)
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				lats[i] = append(lats[i], time.Since(s))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lats...)
	if n := failed.Load(); n > 0 {
		return 0, 0, fmt.Errorf("%d of %d requests failed, the first with: %v", n, int64(len(all))+n, firstErr.Load())
	}
	if len(all) == 0 {
		return 0, 0, errors.New("no request answered")
	}
	return float64(len(all)) / elapsed.Seconds(), percentile(all, 0.99), nil
}

// maps copies the header from into to.
func maps(to, from http.Header) {
	for k, v := range from {
		to[k] = v
	}
}

// httpRows starts the real server in this process on the generated data
// and loads the community page, the search API and the recommendation
// API, then a minimal net/http handler the same way.
func (b *bench) httpRows(ctx context.Context) error {
	// The recommendation API needs a signed-in member: a personal API
	// token, stored as the server's auth service stores one.
	member := b.accounts[0]
	token := tsunagari.NewSecret("tsu_")
	now := time.Now().UTC().Truncate(time.Second)
	if err := b.stores.Sessions.CreateAPIToken(ctx, &tsunagari.APIToken{AccountID: member.ID, Name: "bench",
		TokenHash: auth.HashToken(token), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	minimal := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "つながり\n")
	})}
	go minimal.Serve(ln)
	anchorRate, _, err := load(ctx, b.cfg.Duration, nil, func(*mrand.Rand) string { return "http://" + ln.Addr().String() + "/" })
	minimal.Close()
	if err != nil {
		return fmt.Errorf("minimal handler: %w", err)
	}

	m := NewMain()
	m.Config = Config{Addr: "127.0.0.1:0", DB: b.cfg.DSN, Migrate: true, LogLevel: "error", LogFormat: "text",
		ShutdownGrace: time.Second, SecretKey: base64.StdEncoding.EncodeToString(randomBytes(32))}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	base := m.URL()
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	queries := []string{"転職", "介護", "子育て", "エンジニア", "介護福祉士", "学び直し"}
	targets := []struct {
		name   string
		header http.Header
		url    func(r *mrand.Rand) string
	}{
		{"HTTP community page /communities/{id}", nil,
			func(r *mrand.Rand) string { return base + "/communities/" + pick(r, b.communities).ID }},
		{"HTTP search API /api/v1/communities?q=…", bearer,
			func(r *mrand.Rand) string { return base + "/api/v1/communities?q=" + url.QueryEscape(pick(r, queries)) }},
		{"HTTP recommendation API /api/v1/recommendations", bearer,
			func(*mrand.Rand) string { return base + "/api/v1/recommendations" }},
	}
	for _, t := range targets {
		rate, p99, err := load(ctx, b.cfg.Duration, t.header, t.url)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		b.rows = append(b.rows, benchRow{measure: t.name + ", 64 connections", median: rate, unit: "req/s",
			p99: ms(p99), p99Unit: "ms", anchor: "minimal net/http handler", anchorMedian: anchorRate})
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// racers is how many goroutines ask at once in the race rows.
const racers = 64

// race runs op(i) for i in [0, n) from racers goroutines and returns the
// rate and the 99th percentile latency.
func race(n int, op func(i int) error) (float64, time.Duration, error) {
	var next atomic.Int64
	lats := make([][]time.Duration, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := time.Now()
	for g := range racers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				s := time.Now()
				if err := op(i); err != nil {
					errs[g] = err
					return
				}
				lats[g] = append(lats[g], time.Since(s))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, 0, err
	}
	return float64(n) / elapsed.Seconds(), percentile(slices.Concat(lats...), 0.99), nil
}

// rsvpRow has many members ask at once for the seats of one event with a
// waitlist; exactly as many are confirmed as there are seats.
func (b *bench) rsvpRow(ctx context.Context) error {
	const seats = 50
	n := min(len(b.accounts), 2000)
	if b.cfg.Quick {
		n = min(n, 500)
	}
	start := time.Now().UTC().Truncate(time.Hour).Add(7 * 24 * time.Hour)
	e := &tsunagari.Event{CommunityID: b.communities[0].ID, Title: "ベンチマーク交流会", Description: "席の取り合い",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Venue: "新潟市民プラザ", Prefecture: "15", Capacity: seats,
		Waitlist: true, Exceptions: []string{}, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if err := b.stores.Events.CreateEvent(ctx, e); err != nil {
		return err
	}
	rate, p99, err := race(n, func(i int) error {
		return b.stores.Events.CreateRSVP(ctx, &tsunagari.RSVP{EventID: e.ID, StartsAt: e.StartsAt,
			AccountID: b.accounts[i].ID, RequestedAt: time.Now().UTC()})
	})
	if err != nil {
		return err
	}
	list, err := b.stores.Events.FindOccurrences(ctx, e.ID, e.StartsAt, e.EndsAt)
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].Confirmed != seats || list[0].Confirmed+list[0].Waitlisted != n {
		return fmt.Errorf("%d requests for %d seats: occurrences %+v, want %d confirmed and the rest waitlisted", n, seats, list, seats)
	}
	b.rows = append(b.rows, benchRow{measure: fmt.Sprintf("RSVP race, %d goroutines, %d requests for %d seats (confirmed %d = seats, %d waitlisted)",
		racers, n, seats, list[0].Confirmed, list[0].Waitlisted), median: rate, unit: "RSVPs/s", p99: ms(p99), p99Unit: "ms"})
	return nil
}

// bookingRow books distinct slots of a hundred consultants from many
// goroutines, then has every goroutine try for one same slot: exactly
// one booking is made.
func (b *bench) bookingRow(ctx context.Context) error {
	const consultants = 100
	now := time.Now().UTC().Truncate(time.Second)
	ids := make([]string, consultants)
	for i := range consultants {
		a := &tsunagari.Account{ID: tsunagari.NewID(), Email: fmt.Sprintf("bench-consultant%d@example.jp", i), Name: "相談 員",
			PasswordHash: "$argon2id$bench", Roles: []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleConsultant},
			Locale: "ja", TimeZone: "Asia/Tokyo", CreatedAt: now, PasswordChangedAt: now}
		if err := b.stores.Accounts.CreateAccount(ctx, a); err != nil {
			return err
		}
		c := &tsunagari.Consultant{AccountID: a.ID, DisplayName: "田中 恵子", RegistrationNumber: fmt.Sprintf("%08d", 70000000+i),
			YearsOfPractice: 12, Industries: []string{"it_telecom"}, JobFamilies: []string{"hr"}, AgeBand: "40s", Gender: "female",
			Themes: []string{"job_change"}, Message: "傾聴を大切にしています。", Languages: []string{"ja"}, Online: true,
			FeeYen: 5500, AutoAccept: true, CreatedAt: now, UpdatedAt: now}
		if err := b.stores.Consultation.SaveConsultant(ctx, c); err != nil {
			return err
		}
		ids[i] = a.ID
	}
	t0 := now.Truncate(time.Hour).Add(14 * 24 * time.Hour)
	book := func(consultant, member string, start time.Time, key string) (*tsunagari.Booking, error) {
		week, end := tsunagari.WeekOf(start, tsunagari.Tokyo)
		bk := &tsunagari.Booking{ConsultantID: consultant, MemberID: member, Start: start, End: start.Add(50 * time.Minute),
			BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed, Themes: []string{"job_change"},
			IdempotencyKey: key, CreatedAt: now, ConfirmedAt: &now}
		mails := []*tsunagari.Mail{{To: "m@example.jp", Subject: "面談の予約を受け付けました", Body: "日時と詳細のリンク", Kind: "booking_booked"}}
		return b.stores.Consultation.CreateBooking(ctx, bk, tsunagari.WeekCap{Start: week, End: end, Max: 1 << 30}, mails)
	}
	n := 2000
	if b.cfg.Quick {
		n = 300
	}
	rate, p99, err := race(n, func(i int) error {
		_, err := book(ids[i%consultants], b.accounts[i%len(b.accounts)].ID, t0.Add(time.Duration(i/consultants)*time.Hour),
			fmt.Sprintf("bench-%d", i))
		return err
	})
	if err != nil {
		return err
	}
	// The race for one slot: every goroutine, one consultant, one time.
	var won, lost atomic.Int64
	slot := t0.Add(-time.Hour)
	if _, _, err := race(racers, func(i int) error {
		_, err := book(ids[0], b.accounts[i%len(b.accounts)].ID, slot, fmt.Sprintf("bench-race-%d", i))
		switch {
		case err == nil:
			won.Add(1)
		case errors.Is(err, tsunagari.ErrOverlap):
			lost.Add(1)
		default:
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if won.Load() != 1 {
		return fmt.Errorf("%d goroutines booked one slot: %d bookings made, want 1", racers, won.Load())
	}
	b.rows = append(b.rows, benchRow{measure: fmt.Sprintf("booking, %d goroutines, %d distinct slots (same-slot race: %d of %d booked)",
		racers, n, won.Load(), racers), median: rate, unit: "bookings/s", p99: ms(p99), p99Unit: "ms"})
	return nil
}

// startupRows runs this binary's serve command on the generated database
// three times, timing each until /readyz answers 200, and reads its
// memory from /proc.
func (b *bench) startupRows(ctx context.Context) error {
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	var took []time.Duration
	var hwm, rss []float64
	for range 3 {
		d, h, r, err := startServeProcess(ctx, bin, b.cfg.DSN)
		if err != nil {
			return err
		}
		took, hwm, rss = append(took, d), append(hwm, h), append(rss, r)
	}
	slices.Sort(hwm)
	slices.Sort(rss)
	b.rows = append(b.rows,
		benchRow{measure: "serve start-up until /readyz answers 200 (3 runs; p99 = slowest)", median: ms(percentile(took, 0.5)), unit: "ms",
			p99: ms(percentile(took, 1)), p99Unit: "ms"},
		benchRow{measure: "serve peak RSS, VmHWM (3 runs; p99 = largest)", median: hwm[1], unit: "MB", p99: hwm[2], p99Unit: "MB"},
		benchRow{measure: "serve RSS when ready, VmRSS (3 runs; p99 = largest)", median: rss[1], unit: "MB", p99: rss[2], p99Unit: "MB"})
	return nil
}

// startServeProcess starts `bin serve` on dsn and a free port, waits for
// /readyz, reads VmHWM and VmRSS in MB and stops it.
func startServeProcess(ctx context.Context, bin, dsn string) (time.Duration, float64, float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--db", dsn, "--log-level", "error")
	cmd.Env = append(os.Environ(), "TSUNAGARI_SECRET_KEY="+base64.StdEncoding.EncodeToString(randomBytes(32)))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		res, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			return 0, 0, 0, fmt.Errorf("serve exited before it was ready: %v\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return 0, 0, 0, fmt.Errorf("serve was not ready within 5 minutes\n%s", stderr.String())
		}
	}
	took := time.Since(start)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	stop()
	if err != nil {
		return 0, 0, 0, err
	}
	hwm, rss := procKB(string(status), "VmHWM:"), procKB(string(status), "VmRSS:")
	if hwm <= 0 || rss <= 0 {
		return 0, 0, 0, errors.New("no VmHWM or VmRSS in /proc/PID/status")
	}
	return took, hwm / 1024, rss / 1024, nil
}

// procKB reads a "Name:   123 kB" line of /proc/PID/status.
func procKB(status, name string) float64 {
	for line := range strings.SplitSeq(status, "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			v, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return v
		}
	}
	return 0
}

// createBenchDatabase creates a fresh database with a UTF-8 ctype (which
// pg_trgm needs to see Japanese) on the server of dsn, and returns its
// DSN and a function that drops it.
func createBenchDatabase(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	name := "tsunagari_bench_" + hex.EncodeToString(randomBytes(6))
	ident := pgx.Identifier{name}.Sanitize()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + ident + " ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"); err != nil {
		return "", nil, fmt.Errorf("create the bench database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), func() {
		if err := exec("DROP DATABASE " + ident + " WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "tsunagari: drop the bench database %s: %v\n", name, err)
		}
	}, nil
}

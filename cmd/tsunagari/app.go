package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/auth"
	"tsunagari/internal/community"
	"tsunagari/internal/consulting"
	"tsunagari/internal/demo"
	"tsunagari/internal/event"
	"tsunagari/internal/i18n"
	"tsunagari/internal/idea"
	"tsunagari/internal/insight"
	"tsunagari/internal/jatext"
	journeys "tsunagari/internal/journey" // the package name is taken by the browser test's journey type
	"tsunagari/internal/mail"
	"tsunagari/internal/org"
	"tsunagari/internal/postgres"
	"tsunagari/internal/privacy"
	"tsunagari/internal/probono"
	"tsunagari/internal/programme"
	"tsunagari/internal/recommender"
	"tsunagari/internal/report"
	"tsunagari/internal/shortlist"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
	"tsunagari/internal/web"
)

// database is what the commands need of either backend.
type database interface {
	Stores() tsunagari.Stores
	Ping(ctx context.Context) error
	Migrate(ctx context.Context) ([]string, error)
	Close() error
}

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openDB opens SQLite or PostgreSQL, as dsn says.
func openDB(ctx context.Context, dsn string, migrate bool) (database, error) {
	if isPostgres(dsn) {
		db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: migrate})
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, dsn, sqlite.Options{Migrate: migrate})
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Main is the serve command: a database, the services and an HTTP server.
// Tests run it too, with Config.Addr "127.0.0.1:0".
type Main struct {
	Config Config
	Logger *slog.Logger

	db      database
	server  *web.Server
	http    *http.Server
	ln      net.Listener
	jobs    []job
	cancel  context.CancelFunc
	stopped chan struct{}
}

// NewMain returns a Main with default configuration.
func NewMain() *Main { return &Main{stopped: make(chan struct{})} }

// URL returns the address the server listens on.
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Run opens the database, loads demo data if asked, starts the HTTP server
// and background jobs, and returns. Close stops them.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	if m.Logger == nil {
		level, _ := parseLevel(c.LogLevel)
		opts := &slog.HandlerOptions{Level: level}
		if c.LogFormat == "json" {
			m.Logger = slog.New(slog.NewJSONHandler(os.Stderr, opts))
		} else {
			m.Logger = slog.New(slog.NewTextHandler(os.Stderr, opts))
		}
	}
	start := time.Now()
	db, err := openDB(ctx, c.DB, c.Migrate)
	if err != nil {
		return err
	}
	m.db = db
	stores := db.Stores()

	// Take the port first: a port in use fails at once, before any data
	// is written.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	m.ln = ln

	key, err := loadSecretKey(c, m.Logger)
	if err != nil {
		return err
	}
	sealer, err := loadSealer(c, m.Logger)
	if err != nil {
		return err
	}

	hasher := auth.NewHasher(auth.DefaultParams, 4)
	var logins []web.DemoLogin
	if c.Demo {
		if logins, err = loadDemo(ctx, stores, hasher, sealer, c.Seed, 1, m.Logger); err != nil {
			return err
		}
	}

	surveys := &survey.Service{Store: stores.Surveys, Orgs: stores.Orgs, Now: time.Now, PairSecret: subkey(key, "survey pairs")}
	if err := surveys.Install(ctx); err != nil {
		return err
	}
	baseURL := c.BaseURL
	if baseURL == "" {
		baseURL = m.URL()
	}
	catalog, err := i18n.New()
	if err != nil {
		return err
	}
	auditSvc := &audit.Service{Store: stores.Audit, Accounts: stores.Accounts, Now: time.Now}
	authSvc := auth.NewService(stores.Accounts, stores.Sessions, hasher, catalog, m.Logger, baseURL)
	authSvc.Audit = auditSvc
	authSvc.MFA, authSvc.Sealer = stores.MFA, sealer
	if c.Demo {
		// The shared demo accounts, and only they, may skip the two-step
		// sign-in their roles require: a visitor has no authenticator
		// enrolled for them. Demo mode says so on the sign-in page.
		exempt := make(map[string]bool)
		for _, d := range demo.DemoAccounts() {
			exempt[d.Email] = true
		}
		authSvc.MFAExempt = func(a *tsunagari.Account) bool { return exempt[a.Email] }
	}
	consultingSvc := &consulting.Service{Store: stores.Consultation, Accounts: stores.Accounts, Sealer: sealer,
		Catalog: catalog, BaseURL: baseURL, Audit: auditSvc, Now: time.Now}
	communities := &community.Service{Store: stores.Communities, Accounts: stores.Accounts, Orgs: stores.Orgs,
		Audit: auditSvc, Now: time.Now}
	// The recommender reads every community into memory before the server
	// takes traffic, then follows the changes of every process.
	jobs, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	recommend := &recommender.Service{Store: stores.Recommend, Communities: stores.Communities, Surveys: stores.Surveys,
		Audit: auditSvc, Logger: m.Logger}
	if err := recommend.Start(jobs); err != nil {
		return fmt.Errorf("recommendations: %w", err)
	}
	events := &event.Service{Store: stores.Events, Communities: stores.Communities, Catalog: catalog, BaseURL: baseURL,
		Now: time.Now, Audit: auditSvc}
	projects := &probono.Service{Store: stores.Probono, Communities: stores.Communities, Catalog: catalog, BaseURL: baseURL,
		Now: time.Now, Audit: auditSvc}
	recommend.Events = events
	journey := &journeys.Service{Store: stores.Inventory, Accounts: stores.Accounts, Consultation: stores.Consultation,
		Surveys: stores.Surveys, Communities: stores.Communities, Sealer: sealer, Now: time.Now}
	m.server, err = web.New(&web.Server{
		Auth: authSvc,
		Orgs: &org.Service{Store: stores.Orgs, Accounts: stores.Accounts, Catalog: catalog, BaseURL: baseURL, Now: time.Now,
			Audit: auditSvc},
		Mail:  &mail.Service{Outbox: stores.Outbox, Audit: auditSvc, Accounts: stores.Accounts},
		Audit: auditSvc,
		Privacy: &privacy.Service{Store: stores.Personal, Accounts: stores.Accounts, Auth: authSvc, Audit: auditSvc, Now: time.Now,
			Parts: []privacy.Part{consultingSvc, journey}, Notify: events.Notifier()},
		Surveys:        surveys,
		Consulting:     consultingSvc,
		Communities:    communities,
		Events:         events,
		Probono:        projects,
		Ideas:          &idea.Service{Store: stores.Ideas, Catalog: catalog, BaseURL: baseURL, Audit: auditSvc, Now: time.Now},
		Reports:        &report.Service{Ledger: stores.Releases},
		Programmes:     &programme.Service{Store: stores.Programmes, Orgs: stores.Orgs, Surveys: surveys, Now: time.Now},
		Catalog:        catalog,
		Logger:         m.Logger,
		Ready:          db.Ping,
		SecureCookies:  c.SecureCookies,
		Version:        version,
		Demo:           logins,
		MetricsToken:   c.MetricsToken,
		TrustedProxies: c.TrustedProxies,

		Recommend: recommend,
		Shortlist: &shortlist.Service{Store: stores.Match, Surveys: stores.Surveys, Catalog: catalog, Audit: auditSvc,
			Logger: m.Logger, Now: time.Now},
		Journey: journey,
	})
	if err != nil {
		return err
	}
	m.http = &http.Server{
		Handler:           m.server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}

	m.jobs = []job{
		{"sweep sessions", 10 * time.Minute, func(ctx context.Context) (int, error) {
			return stores.Sessions.DeleteExpiredSessions(ctx, time.Now())
		}},
		{"booking reminders", 5 * time.Minute, consultingSvc.SendReminders},
		{"draw lotteries", time.Minute, events.DrawDue},
		{"answer overdue applications", time.Minute, projects.AnswerOverdue},
		{"kept notes retention", time.Hour, consultingSvc.PurgeKeptNotes},
		{"publish reports", PublishEvery, publishReports(m.Logger, &insight.Service{Surveys: stores.Surveys, Orgs: stores.Orgs,
			Programmes: stores.Programmes, Releases: stores.Releases, Insights: stores.Insights, Logger: m.Logger, Now: time.Now})},
	}
	if c.SMTPAddr != "" {
		sender := &mail.Sender{Outbox: stores.Outbox, Logger: m.Logger, Now: time.Now,
			SMTP: mail.SMTP{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUser, Password: c.SMTPPassword}}
		m.jobs = append(m.jobs, job{"send mail", 5 * time.Second, func(ctx context.Context) (int, error) {
			return 0, sender.Flush(ctx)
		}})
	}
	for _, j := range m.jobs {
		go m.repeat(jobs, j)
	}
	go func() {
		defer close(m.stopped)
		if err := m.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server", "err", err)
		}
	}()
	m.Logger.Info("tsunagari is serving", "url", m.URL(), "db", redactDSN(c.DB), "demo", c.Demo,
		"startup_ms", time.Since(start).Milliseconds(), "version", version)
	return nil
}

// job is work the server does now and then, on its own. Every server of
// a site runs every job, at the same time as the others: each job claims
// its work in the database (a row lock, a conditional update, a unique
// key), so that none is done twice.
type job struct {
	name  string
	every time.Duration
	// run does whatever is due and reports how much it did.
	run func(ctx context.Context) (int, error)
}

// repeat runs j now and then every j.every until ctx ends.
func (m *Main) repeat(ctx context.Context, j job) {
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		n, err := j.run(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			m.Logger.Error("background job failed", "job", j.name, "err", err)
		case err == nil && n > 0:
			m.Logger.Info("background job done", "job", j.name, "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PublishEvery is how often the server looks for closed rounds, quarters
// and programmes to publish to the release ledger.
const PublishEvery = time.Minute

// publishReports returns the job that publishes whatever has closed: HR's
// reports are computed once, there, and never on a page view. The
// Japanese analyser loads off the request path, and the job waits for it:
// a quarter published without it would keep no keywords for good.
func publishReports(logger *slog.Logger, svc *insight.Service) func(context.Context) (int, error) {
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		text, err := jatext.New()
		if err != nil {
			logger.Error("load the Japanese analyser; reports will have no keywords", "err", err)
			return
		}
		svc.Text = text
	}()
	return func(ctx context.Context) (int, error) {
		select {
		case <-loaded:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		return svc.PublishDue(ctx)
	}
}

// Close shuts the server down gracefully: /readyz fails first, requests in
// flight may finish within the grace period, then the database closes.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		m.server.Drain()
	}
	if m.http == nil && m.ln != nil {
		errs = append(errs, m.ln.Close()) // Run failed before serving
	}
	if m.http != nil {
		grace := m.Config.ShutdownGrace
		if grace == 0 {
			grace = 10 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		errs = append(errs, m.http.Shutdown(ctx))
		<-m.stopped
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	return errors.Join(errs...)
}

// redactDSN hides a password in a PostgreSQL URL for logging.
func redactDSN(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if colon := strings.Index(dsn[len("postgres://"):at], ":"); colon >= 0 {
			return dsn[:len("postgres://")+colon+1] + "***" + dsn[at:]
		}
	}
	return dsn
}

// loadDemo fills an empty database with demo data; a database that holds
// accounts already is left alone.
func loadDemo(ctx context.Context, stores tsunagari.Stores, hasher *auth.Hasher, sealer *auth.Sealer, seed int64, scale int, logger *slog.Logger) ([]web.DemoLogin, error) {
	var logins []web.DemoLogin
	for _, d := range demo.DemoAccounts() {
		logins = append(logins, web.DemoLogin{Email: d.Email, Role: d.Role, Description: d.Description, DescriptionEn: d.DescriptionEn})
	}
	_, n, err := stores.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		logger.Info("demo data not loaded: the database already has accounts", "accounts", n)
		return logins, nil
	}
	hash, err := hasher.Hash(ctx, demo.Password)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	g := &demo.Generator{Stores: stores, Seed: seed, Scale: scale, Now: time.Now(), PasswordHash: hash,
		Logger: logger, Steps: demo.DefaultSteps()}
	if sealer != nil {
		g.Sealer = sealer
	}
	if _, err := g.Run(ctx); err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	logger.Info("demo data loaded", "seed", seed, "scale", scale, "ms", time.Since(start).Milliseconds())
	return logins, nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string) error {
	var dsn string
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	// Opening with migration applies whatever is pending, in order, each
	// in its own transaction; a schema newer than this binary is refused.
	db, err := openDB(ctx, dsn, true)
	if err != nil {
		return err
	}
	fmt.Printf("database schema of %s is up to date\n", redactDSN(dsn))
	return db.Close()
}

func runDemo(ctx context.Context, args []string, getenv func(string) string) error {
	var dsn, keyFile string
	var seed int64
	var scale int
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	keyFileFlag(fs, &keyFile)
	fs.Int64Var(&seed, "seed", 1, "seed of the generated data")
	fs.IntVar(&scale, "scale", 1, "1 for the demo; N for N×1,000 members and more orgs (benchmarks)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if scale < 1 {
		return usageError{fmt.Errorf("--scale must be at least 1")}
	}
	db, err := openDB(ctx, dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// The demo's consultation records are sealed with the key the server
	// will use: the same one "serve --demo" would find or create.
	sealer, err := loadSealer(Config{DB: dsn, Demo: true, SecretKeyFile: keyFile, SecretKey: getenv("TSUNAGARI_SECRET_KEY")}, logger)
	switch {
	case errors.Is(err, errNoSecretKey):
		logger.Info("no secret key: the demo's past consultations get no notes or reflections")
		sealer = nil
	case err != nil:
		return err
	}
	if _, err := loadDemo(ctx, db.Stores(), auth.NewHasher(auth.DefaultParams, 4), sealer, seed, scale, logger); err != nil {
		return err
	}
	fmt.Printf("demo data in %s; every demo account's password is %q\n", redactDSN(dsn), demo.Password)
	return nil
}

// subkey derives a key for one purpose from the server's secret key, so
// that no two uses share a key.
func subkey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("tsunagari " + purpose))
	return m.Sum(nil)
}

package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/auth"
	"tsunagari/internal/community"
	"tsunagari/internal/consulting"
	"tsunagari/internal/event"
	"tsunagari/internal/i18n"
	"tsunagari/internal/idea"
	"tsunagari/internal/journey"
	"tsunagari/internal/mail"
	"tsunagari/internal/org"
	"tsunagari/internal/postgres/pgtest"
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

// testPassword is the password of every account a test creates.
const testPassword = "correct horse battery"

// backend is a migrated, empty database of either kind.
type backend interface {
	Stores() tsunagari.Stores
	Ping(ctx context.Context) error
	Fingerprint(ctx context.Context) (string, error)
	DataFingerprint(ctx context.Context) (string, error)
}

// openSQLite opens a migrated SQLite database in a temporary directory.
func openSQLite(t testing.TB) backend {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a migrated PostgreSQL database in a fresh schema; it
// skips the test unless TSUNAGARI_TEST_POSTGRES_DSN is set.
func openPostgres(t testing.TB) backend { return pgtest.MustOpenDB(t) }

// onBoth runs f once on SQLite and once on PostgreSQL (skipped unless
// TSUNAGARI_TEST_POSTGRES_DSN is set), each as a subtest.
func onBoth(t *testing.T, f func(t *testing.T, open func(testing.TB) backend)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openSQLite) })
	t.Run("postgres", func(t *testing.T) {
		if !pgtest.Enabled() {
			t.Skip(pgtest.DSNEnv + " is not set")
		}
		f(t, openPostgres)
	})
}

// testEnv is a real server on a temporary database, with cheap password
// hashing so tests stay fast.
type testEnv struct {
	t      testing.TB
	db     backend
	stores tsunagari.Stores
	srv    *web.Server
	ts     *httptest.Server
	hasher *auth.Hasher
	audit  *audit.Service
	auth   *auth.Service
	sealer *auth.Sealer
	// skew moves the clock of sign-in forward, in nanoseconds, so that
	// tests can use one-time codes of later time steps.
	skew atomic.Int64
	// secrets holds the authenticator secret of accounts enrolled with
	// enrol, by email.
	secrets sync.Map
	hash    string // testPassword, hashed
	// consulting is the server's consultation service.
	consulting *consulting.Service
	// recommend keeps recommendations fresh for this server.
	recommend *recommender.Service
	// logs holds everything the server logged, at every level.
	logs *logBuffer
}

// logBuffer is a log sink that tests can read while the server writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was logged so far.
func (b *logBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// newTestEnv returns a server on SQLite.
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	return newTestEnvOn(t, openSQLite(t))
}

// newTestEnvOn returns a server on db.
func newTestEnvOn(t testing.TB, db backend) *testEnv {
	t.Helper()
	ctx := context.Background()
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &testEnv{t: t, db: db, stores: db.Stores(), logs: logs,
		hasher: auth.NewHasher(auth.Params{Time: 1, Memory: 1024, Threads: 1, KeyLen: 32}, 4)}
	e.hash, err = e.hasher.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	surveys := &survey.Service{Store: e.stores.Surveys, Orgs: e.stores.Orgs, Now: time.Now,
		PairSecret: []byte("tsunagari web tests: pair secret")}
	if err := surveys.Install(ctx); err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewUnstartedServer(nil)
	e.recommend = &recommender.Service{Store: e.stores.Recommend, Communities: e.stores.Communities, Surveys: e.stores.Surveys,
		Logger: logger}
	recCtx, stopRecommend := context.WithCancel(context.Background())
	t.Cleanup(stopRecommend)
	if err := e.recommend.Start(recCtx); err != nil {
		t.Fatal(err)
	}
	baseURL := "http://" + e.ts.Listener.Addr().String()
	e.audit = &audit.Service{Store: e.stores.Audit, Accounts: e.stores.Accounts, Now: time.Now}
	e.recommend.Audit = e.audit
	authSvc := auth.NewService(e.stores.Accounts, e.stores.Sessions, e.hasher, catalog, logger, baseURL)
	authSvc.Audit = e.audit
	if e.sealer, err = auth.NewSealer([]byte("tsunagari web tests: 32-byte key")); err != nil {
		t.Fatal(err)
	}
	authSvc.MFA, authSvc.Sealer = e.stores.MFA, e.sealer
	authSvc.Now = e.now
	e.auth = authSvc
	e.consulting = &consulting.Service{Store: e.stores.Consultation, Accounts: e.stores.Accounts, Sealer: e.sealer,
		Catalog: catalog, BaseURL: baseURL, Audit: e.audit, Now: time.Now}
	journeys := &journey.Service{Store: e.stores.Inventory, Accounts: e.stores.Accounts, Consultation: e.stores.Consultation,
		Surveys: e.stores.Surveys, Communities: e.stores.Communities, Sealer: e.sealer, Now: time.Now}
	e.srv, err = web.New(&web.Server{
		Auth:       authSvc,
		Orgs:       &org.Service{Store: e.stores.Orgs, Accounts: e.stores.Accounts, Catalog: catalog, BaseURL: baseURL, Now: time.Now, Audit: e.audit},
		Mail:       &mail.Service{Outbox: e.stores.Outbox, Audit: e.audit, Accounts: e.stores.Accounts},
		Audit:      e.audit,
		Privacy:    &privacy.Service{Store: e.stores.Personal, Accounts: e.stores.Accounts, Auth: authSvc, Audit: e.audit, Now: time.Now, Parts: []privacy.Part{e.consulting, journeys}},
		Surveys:    surveys,
		Catalog:    catalog,
		Consulting: e.consulting,
		Logger:     logger,
		Ready:      db.Ping,

		Communities: &community.Service{Store: e.stores.Communities, Accounts: e.stores.Accounts, Orgs: e.stores.Orgs,
			Audit: e.audit, Now: e.now},
		Events: &event.Service{Store: e.stores.Events, Communities: e.stores.Communities, Catalog: catalog, BaseURL: baseURL,
			Now: time.Now, Audit: e.audit},
		Probono: &probono.Service{Store: e.stores.Probono, Communities: e.stores.Communities, Catalog: catalog, BaseURL: baseURL,
			Now: time.Now, Audit: e.audit},
		Ideas:     &idea.Service{Store: e.stores.Ideas, Catalog: catalog, BaseURL: baseURL, Audit: e.audit, Now: time.Now},
		Recommend: e.recommend,

		Shortlist: &shortlist.Service{Store: e.stores.Match, Surveys: e.stores.Surveys, Catalog: catalog, Audit: e.audit,
			Logger: logger, Now: time.Now, CheckEvery: time.Nanosecond},
		Journey:    journeys,
		Reports:    &report.Service{Ledger: e.stores.Releases},
		Programmes: &programme.Service{Store: e.stores.Programmes, Orgs: e.stores.Orgs, Surveys: surveys, Now: time.Now},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.recommend.Events = e.srv.Events
	e.srv.Privacy.Notify = e.srv.Events.Notifier()
	e.ts.Config.Handler = e.srv
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	return e
}

// org creates an organisation with one department and returns both.
func (e *testEnv) org(name string) (*tsunagari.Org, *tsunagari.Department) {
	e.t.Helper()
	ctx := context.Background()
	o := &tsunagari.Org{Name: name, Industry: "manufacturing", DeclaredEmployees: 500, MinGroupSize: 5}
	if err := e.stores.Orgs.CreateOrg(ctx, o); err != nil {
		e.t.Fatal(err)
	}
	d := &tsunagari.Department{OrgID: o.ID, Name: "人事部"}
	if err := e.stores.Orgs.CreateDepartment(ctx, d); err != nil {
		e.t.Fatal(err)
	}
	return o, d
}

// account creates an account with testPassword, employed by orgID if set.
func (e *testEnv) account(email, orgID string, roles ...tsunagari.Role) *tsunagari.Account {
	e.t.Helper()
	a := &tsunagari.Account{Email: email, Name: "山田 花子", PasswordHash: e.hash,
		Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...), PasswordChangedAt: time.Now().Add(-time.Hour)}
	if orgID != "" {
		a.Employment = &tsunagari.Employment{OrgID: orgID, StartedAt: time.Now().Add(-time.Hour)}
	}
	if err := e.stores.Accounts.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// client returns a browser-like client: it keeps cookies, does not follow
// redirects, and sends same-origin fetch metadata as a browser would.
func (e *testEnv) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: sameOrigin{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type sameOrigin struct{}

func (sameOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// signIn returns a client signed in as email, through the sign-in form
// and, for accounts enrolled with enrol, the second step.
func (e *testEnv) signIn(email string) *http.Client {
	e.t.Helper()
	c := e.client()
	res := e.post(c, "/signin", url.Values{"email": {email}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d: %s", email, res.StatusCode, res.body)
	}
	if strings.HasPrefix(res.Header.Get("Location"), "/signin/mfa") {
		secret, ok := e.secrets.Load(email)
		if !ok {
			e.t.Fatalf("sign in as %s: asked for a code, but the test did not enrol it", email)
		}
		e.advance() // each code works once
		res = e.post(c, "/signin/mfa", url.Values{"code": {e.code(secret.(string))}})
		if res.StatusCode != http.StatusSeeOther {
			e.t.Fatalf("sign in as %s, second step: status %d: %s", email, res.StatusCode, res.body)
		}
	}
	return c
}

type response struct {
	*http.Response
	body string
}

func (e *testEnv) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Response: res, body: string(b)}
}

func (e *testEnv) get(c *http.Client, path string) response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
	return e.do(c, req)
}

func (e *testEnv) post(c *http.Client, path string, form url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

// api sends a JSON request to /api/v1.
func (e *testEnv) api(c *http.Client, method, path, body string) response {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(c, req)
}

// fingerprint hashes the whole database but the audit trail, which
// records refused requests too.
func (e *testEnv) fingerprint() string {
	e.t.Helper()
	fp, err := e.db.DataFingerprint(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

// now is the clock of sign-in: real time plus the skew.
func (e *testEnv) now() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

// advance moves the clock of sign-in forward by one TOTP step, so that a
// new one-time code is due.
func (e *testEnv) advance() { e.skew.Add(int64(auth.TOTPPeriod)) }

// code returns the one-time code of secret now.
func (e *testEnv) code(secret string) string {
	e.t.Helper()
	c, err := auth.TOTPCode(secret, e.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrol gives a a confirmed authenticator directly in the store and
// returns its secret, in base32.
func (e *testEnv) enrol(a *tsunagari.Account) string {
	e.t.Helper()
	ctx := context.Background()
	key := make([]byte, 20)
	rand.Read(key)
	sealed := e.sealer.Seal(key, "tsunagari totp "+a.ID)
	if err := e.stores.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: a.ID, Secret: sealed}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.stores.MFA.ConfirmTOTP(ctx, a.ID, 0, time.Now(), nil); err != nil {
		e.t.Fatal(err)
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	e.secrets.Store(a.Email, secret)
	return secret
}

// startSession signs a in on client by creating a session directly, as a
// completed sign-in would, without going through the sign-in form and its
// throttles.
func (e *testEnv) startSession(c *http.Client, a *tsunagari.Account) {
	e.t.Helper()
	token := tsunagari.NewSecret("tss_")
	now := time.Now().UTC().Truncate(time.Second)
	sess := &tsunagari.Session{TokenHash: auth.HashToken(token), AccountID: a.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour), IdleTimeout: 30 * time.Minute}
	if err := e.stores.Sessions.CreateSession(context.Background(), sess); err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(e.ts.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "tsunagari_session", Value: token, Path: "/"}})
}

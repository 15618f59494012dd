// Package web serves tsunagari over HTTP: server-rendered HTML pages for
// browsers and a JSON API under /api/v1. Handlers parse the request, call
// one service method and render the result; they hold no business rules.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
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
	"tsunagari/internal/privacy"
	"tsunagari/internal/probono"
	"tsunagari/internal/programme"
	"tsunagari/internal/recommender"
	"tsunagari/internal/report"
	"tsunagari/internal/shortlist"
	"tsunagari/internal/survey"
)

//go:embed templates static openapi.json
var assets embed.FS

// DemoLogin is a shared-password demo account listed on the sign-in page
// when the server runs with demo data.
type DemoLogin struct {
	Email         string
	Role          tsunagari.Role
	Description   string
	DescriptionEn string
}

// Server is tsunagari's HTTP handler. Create it with New.
type Server struct {
	Auth    *auth.Service
	Orgs    *org.Service
	Mail    *mail.Service
	Surveys *survey.Service
	Audit   *audit.Service
	Privacy *privacy.Service
	// Consulting runs external consultation: profiles, bookings, records.
	Consulting *consulting.Service
	Catalog    *i18n.Catalog
	Logger     *slog.Logger
	// Events runs community events; Probono, pro-bono projects.
	Events  *event.Service
	Probono *probono.Service
	// Ideas runs ideas and concerns that become communities.
	Ideas *idea.Service
	// Reports serves HR's anonymised reports from the release ledger;
	// Programmes runs programmes and pulse rounds.
	Reports    *report.Service
	Programmes *programme.Service
	// Ready reports whether the server can take traffic (the database answers).
	Ready func(ctx context.Context) error
	// SecureCookies marks cookies Secure and sends HSTS; set it when the
	// site is served over HTTPS.
	SecureCookies bool
	Version       string
	Demo          []DemoLogin
	// MetricsToken, if set, is the bearer token a Prometheus scraper must
	// send; without it, /metrics answers loopback clients only.
	MetricsToken string
	// TrustedProxies are the load balancers and proxies in front of the
	// server. A request that comes from one of them is taken to be from
	// the rightmost address of its X-Forwarded-For that is not one of
	// them; from anywhere else, forwarding headers are ignored.
	TrustedProxies []netip.Prefix

	// Shortlist proposes consultants; Journey keeps the member's career
	// inventory and timeline.
	Shortlist *shortlist.Service
	Journey   *journey.Service

	// Communities runs the directory of third communities.
	Communities *community.Service
	// Recommend recommends communities to members.
	Recommend *recommender.Service

	// Authenticate finds the account of a request. New sets it to the
	// session cookie or bearer token check; tests may replace it.
	Authenticate func(r *http.Request) (*tsunagari.Account, error)

	pages    map[string]*template.Template
	handler  http.Handler
	metrics  *metrics
	draining atomic.Bool
	static   http.Handler
	openapi  []byte
	started  time.Time
	patterns []string
}

// New returns a Server with its routes, templates and middleware ready.
func New(s *Server) (*Server, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Authenticate == nil {
		s.Authenticate = s.authenticate
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.openapi, err = assets.ReadFile("openapi.json"); err != nil {
		return nil, err
	}
	staticFS, _ := fs.Sub(assets, "static")
	s.static = http.StripPrefix("/static/", http.FileServerFS(staticFS))
	s.metrics = newMetrics()
	s.started = time.Now()

	mux := &router{ServeMux: http.NewServeMux()}
	s.routes(mux)
	s.patterns = mux.patterns
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	s.handler = s.realClient(s.withRequestID(s.withLogging(s.withRecover(s.withHeaders(refuseNUL(cop.Handler(mux)))))))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes /readyz fail so a load balancer stops sending traffic before
// the process shuts down.
func (s *Server) Drain() { s.draining.Store(true) }

package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is everything the serve command can be told.
type Config struct {
	Addr          string
	DB            string
	Demo          bool
	Seed          int64
	BaseURL       string
	Migrate       bool
	SecureCookies bool
	SMTPAddr      string
	SMTPFrom      string
	SMTPUser      string
	SMTPPassword  string
	MetricsToken  string
	// TrustedProxies are the load balancers in front of the server, whose
	// X-Forwarded-For names the client (--trusted-proxies).
	TrustedProxies []netip.Prefix
	LogLevel       string
	LogFormat      string
	ShutdownGrace  time.Duration
	// SecretKeyFile names a file holding the server's secret key, which
	// seals two-step sign-in secrets; SecretKey is the key itself, read
	// from TSUNAGARI_SECRET_KEY only (never a flag, which ps would show).
	SecretKeyFile string
	SecretKey     string
	// PreviousSecretKeys are the keys a rotation replaced, from
	// TSUNAGARI_PREVIOUS_SECRET_KEYS only: records sealed with them still
	// open until "tsunagari rekey" moves them to the current key.
	PreviousSecretKeys string
}

// envName is the environment variable of a flag: --base-url is
// TSUNAGARI_BASE_URL.
func envName(flagName string) string {
	return "TSUNAGARI_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag not given on the command line from its
// environment variable. Flags given explicitly win.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = usageError{fmt.Errorf("%s=%q: %v", envName(f.Name), v, serr)}
			}
		}
	})
	return err
}

// dbFlag registers --db, shared by every command that touches data.
func dbFlag(fs *flag.FlagSet, dst *string) {
	fs.StringVar(dst, "db", "tsunagari.db", "SQLite file path, or a postgres:// URL")
}

func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of tsunagari %s (each flag also reads TSUNAGARI_<FLAG>):\n", fs.Name())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return applyEnv(fs, getenv)
}

// ParseFlags reads the serve command's flags, each defaulting to its
// TSUNAGARI_* environment variable.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	c := &m.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	dbFlag(fs, &c.DB)
	fs.BoolVar(&c.Demo, "demo", false, "load demo data into an empty database")
	fs.Int64Var(&c.Seed, "seed", 1, "seed of the demo data")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL of the site, used in emailed links (default http://ADDR)")
	fs.BoolVar(&c.Migrate, "migrate", true, "apply pending database migrations at start; false refuses an out-of-date schema")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "the site is served over HTTPS: mark cookies Secure and send HSTS")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", "", "SMTP server host:port; without it, mail stays in the outbox")
	fs.StringVar(&c.SMTPFrom, "smtp-from", "tsunagari@localhost", "sender address of outgoing mail")
	fs.StringVar(&c.SMTPUser, "smtp-user", "", "SMTP user name")
	fs.StringVar(&c.SMTPPassword, "smtp-password", "", "SMTP password")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer token for /metrics; without it only loopback clients may read metrics")
	var proxies string
	fs.StringVar(&proxies, "trusted-proxies", "", "comma-separated addresses or CIDR ranges of the load balancers in front of the server; their X-Forwarded-For names the client")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 10*time.Second, "how long to let requests finish at shutdown")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", "", "file holding the secret key (32 random bytes in base64) that encrypts two-step sign-in secrets and consultation records; or set TSUNAGARI_SECRET_KEY")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	var err error
	if c.TrustedProxies, err = parsePrefixes(proxies); err != nil {
		return usageError{fmt.Errorf("--trusted-proxies: %w", err)}
	}
	c.SecretKey = getenv("TSUNAGARI_SECRET_KEY")
	c.PreviousSecretKeys = getenv("TSUNAGARI_PREVIOUS_SECRET_KEYS")
	switch c.LogFormat {
	case "text", "json":
	default:
		return usageError{fmt.Errorf("--log-format %q: want text or json", c.LogFormat)}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return usageError{err}
	}
	return nil
}

// parsePrefixes reads a comma-separated list of addresses and CIDR
// ranges; an address alone is a range of one.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

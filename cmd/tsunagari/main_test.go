package main

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env makes a getenv func from a map.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// defaultConfig is what serve runs with when told nothing.
var defaultConfig = Config{
	Addr:          "127.0.0.1:8080",
	DB:            "tsunagari.db",
	Seed:          1,
	Migrate:       true,
	SMTPFrom:      "tsunagari@localhost",
	LogLevel:      "info",
	LogFormat:     "text",
	ShutdownGrace: 10 * time.Second,
}

func TestParseFlagsDefaults(t *testing.T) {
	m := NewMain()
	if err := m.ParseFlags(nil, env(nil)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Config, defaultConfig) {
		t.Errorf("defaults:\n got %+v\nwant %+v", m.Config, defaultConfig)
	}
}

// serveSettings is every serve flag: its name, a value different from the
// default, and the Config field it sets to that value.
var serveSettings = []struct {
	flag, value, field string
	want               any
}{
	{"addr", "0.0.0.0:9000", "Addr", "0.0.0.0:9000"},
	{"db", "postgres://tsunagari@db.internal/tsunagari", "DB", "postgres://tsunagari@db.internal/tsunagari"},
	{"demo", "true", "Demo", true},
	{"seed", "42", "Seed", int64(42)},
	{"base-url", "https://tsunagari.example", "BaseURL", "https://tsunagari.example"},
	{"migrate", "false", "Migrate", false},
	{"secure-cookies", "true", "SecureCookies", true},
	{"smtp-addr", "smtp.example:587", "SMTPAddr", "smtp.example:587"},
	{"smtp-from", "noreply@tsunagari.example", "SMTPFrom", "noreply@tsunagari.example"},
	{"smtp-user", "mailer", "SMTPUser", "mailer"},
	{"smtp-password", "s3cret", "SMTPPassword", "s3cret"},
	{"metrics-token", "scrape-me", "MetricsToken", "scrape-me"},
	{"log-level", "debug", "LogLevel", "debug"},
	{"log-format", "json", "LogFormat", "json"},
	{"shutdown-grace", "3s", "ShutdownGrace", 3 * time.Second},
	{"secret-key-file", "/etc/tsunagari/secret.key", "SecretKeyFile", "/etc/tsunagari/secret.key"},
	{"trusted-proxies", "10.0.0.0/8, 192.0.2.7", "TrustedProxies",
		[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}},
}

func TestParseFlagsEnv(t *testing.T) {
	// Every field of Config has a flag, and every flag is covered here.
	// The key itself is read from TSUNAGARI_SECRET_KEY only: a flag would
	// show it in the process list.
	covered := map[string]bool{"SecretKey": true, "PreviousSecretKeys": true}
	for _, s := range serveSettings {
		covered[s.field] = true
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		if !covered[ct.Field(i).Name] {
			t.Errorf("Config.%s has no case in serveSettings", ct.Field(i).Name)
		}
	}

	for _, s := range serveSettings {
		name := envName(s.flag)
		t.Run(name, func(t *testing.T) {
			m := NewMain()
			if err := m.ParseFlags(nil, env(map[string]string{name: s.value})); err != nil {
				t.Fatalf("%s=%s: %v", name, s.value, err)
			}
			got := reflect.ValueOf(m.Config).FieldByName(s.field).Interface()
			if !reflect.DeepEqual(got, s.want) {
				t.Errorf("%s=%s: Config.%s = %v, want %v", name, s.value, s.field, got, s.want)
			}
			// Nothing else changes.
			want := defaultConfig
			reflect.ValueOf(&want).Elem().FieldByName(s.field).Set(reflect.ValueOf(s.want))
			if !reflect.DeepEqual(m.Config, want) {
				t.Errorf("%s=%s:\n got %+v\nwant %+v", name, s.value, m.Config, want)
			}

			// The flag says the same.
			f := NewMain()
			if err := f.ParseFlags([]string{"--" + s.flag + "=" + s.value}, env(nil)); err != nil {
				t.Fatalf("--%s=%s: %v", s.flag, s.value, err)
			}
			if !reflect.DeepEqual(f.Config, m.Config) {
				t.Errorf("--%s=%s gives %+v; %s gives %+v", s.flag, s.value, f.Config, name, m.Config)
			}
		})
	}
}

func TestParseFlagsExplicitWins(t *testing.T) {
	vars := map[string]string{
		"TSUNAGARI_ADDR":     "0.0.0.0:9000",
		"TSUNAGARI_DB":       "/var/lib/tsunagari/env.db",
		"TSUNAGARI_DEMO":     "true",
		"TSUNAGARI_BASE_URL": "https://env.example",
		"TSUNAGARI_MIGRATE":  "false",
		"TSUNAGARI_SEED":     "7",
	}
	m := NewMain()
	args := []string{"--addr", "127.0.0.1:0", "--db", "flag.db", "--demo=false", "--migrate"}
	if err := m.ParseFlags(args, env(vars)); err != nil {
		t.Fatal(err)
	}
	want := defaultConfig
	want.Addr = "127.0.0.1:0"
	want.DB = "flag.db"
	want.Demo = false
	want.Migrate = true
	// Variables of flags not given still apply.
	want.BaseURL = "https://env.example"
	want.Seed = 7
	if !reflect.DeepEqual(m.Config, want) {
		t.Errorf("ParseFlags(%q) with %v:\n got %+v\nwant %+v", args, vars, m.Config, want)
	}
}

func TestParseFlagsUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		says string // the error names the culprit
	}{
		{"bool variable", nil, map[string]string{"TSUNAGARI_DEMO": "maybe"}, "TSUNAGARI_DEMO"},
		{"int variable", nil, map[string]string{"TSUNAGARI_SEED": "many"}, "TSUNAGARI_SEED"},
		{"duration without unit", nil, map[string]string{"TSUNAGARI_SHUTDOWN_GRACE": "10"}, "TSUNAGARI_SHUTDOWN_GRACE"},
		{"log level variable", nil, map[string]string{"TSUNAGARI_LOG_LEVEL": "loud"}, "loud"},
		{"log format variable", nil, map[string]string{"TSUNAGARI_LOG_FORMAT": "xml"}, "xml"},
		{"log format flag", []string{"--log-format", "yaml"}, nil, "yaml"},
		{"trusted proxy that is not an address", []string{"--trusted-proxies", "10.0.0.0/8,lb.internal"}, nil, "lb.internal"},
		{"int flag", []string{"--seed", "x"}, nil, "seed"},
		{"duration flag", []string{"--shutdown-grace", "soon"}, nil, "shutdown-grace"},
		{"unknown flag", []string{"--port", "80"}, nil, "port"},
		{"stray argument", []string{"--demo", "extra"}, nil, "extra"},
		{"missing value", []string{"--addr"}, nil, "addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			err := m.ParseFlags(tc.args, env(tc.env))
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseFlags(%q) with %v = %v, want a usage error", tc.args, tc.env, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not mention %q", err, tc.says)
			}
		})
	}
}

func TestSecretKeyOnlyFromEnvironment(t *testing.T) {
	m := NewMain()
	if err := m.ParseFlags(nil, env(map[string]string{"TSUNAGARI_SECRET_KEY": "a2V5"})); err != nil {
		t.Fatal(err)
	}
	if m.Config.SecretKey != "a2V5" {
		t.Errorf("SecretKey = %q, want it from TSUNAGARI_SECRET_KEY", m.Config.SecretKey)
	}
	if err := NewMain().ParseFlags([]string{"--secret-key", "a2V5"}, env(nil)); err == nil {
		t.Error("--secret-key was accepted; the key must not be a flag")
	}
	m = NewMain()
	if err := m.ParseFlags(nil, env(map[string]string{"TSUNAGARI_PREVIOUS_SECRET_KEYS": "b2xk"})); err != nil || m.Config.PreviousSecretKeys != "b2xk" {
		t.Errorf("PreviousSecretKeys = %q, %v; want it from TSUNAGARI_PREVIOUS_SECRET_KEYS", m.Config.PreviousSecretKeys, err)
	}
	if err := NewMain().ParseFlags([]string{"--previous-secret-keys", "b2xk"}, env(nil)); err == nil {
		t.Error("--previous-secret-keys was accepted; keys must not be flags")
	}
}

package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestRealClient checks whose address a request is taken to come from,
// behind trusted proxies and without them.
func TestRealClient(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tt := range []struct {
		name    string
		proxies []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured: headers ignored", nil, "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"from an untrusted peer: headers ignored", proxies, "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"through the load balancer", proxies, "10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's forged hop is left of the real one", proxies, "10.0.0.2:4000", []string{"127.0.0.1, 198.51.100.1"}, "198.51.100.1"},
		{"two proxies deep", proxies, "10.0.0.2:4000", []string{"198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"several headers read as one list", proxies, "10.0.0.2:4000", []string{"192.0.2.8", "198.51.100.1"}, "198.51.100.1"},
		{"a malformed hop stops the walk", proxies, "10.0.0.2:4000", []string{"198.51.100.1, not-an-ip"}, "10.0.0.2"},
		{"no header: the proxy itself", proxies, "10.0.0.2:4000", nil, "10.0.0.2"},
		{"IPv6 loopback proxy", proxies, "[::1]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped client", proxies, "10.0.0.2:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{TrustedProxies: tt.proxies}
			var got string
			h := s.realClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = client(r).IP }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("client IP = %q, want %q", got, tt.want)
			}
		})
	}
}

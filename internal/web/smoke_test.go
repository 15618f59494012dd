package web_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestSignInReachesDashboard(t *testing.T) {
	e := newTestEnv(t)
	e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	res := e.get(c, "/dashboard")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "山田 花子さん、こんにちは") {
		t.Fatalf("GET /dashboard = %d, want 200 with a Japanese greeting:\n%s", res.StatusCode, res.body)
	}
}

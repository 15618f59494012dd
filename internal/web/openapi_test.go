package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"tsunagari"
	"tsunagari/internal/insight"
	"tsunagari/internal/recommend"
	"tsunagari/internal/survey"
)

// The operation IDs the document must have, one per /api/v1 route.
var wantOperationIDs = []string{
	"getOpenAPI", "login", "logout", "signUp", "requestPasswordReset", "resetPassword",
	"getMe", "updateMe", "changePassword", "listApiTokens", "createApiToken", "deleteApiToken",
	"getMyOrg", "listDepartments", "createDepartment", "getDepartment",
	"listInvitations", "createInvitations", "getInvitation", "acceptInvitation",
	"listOrgs", "createOrg", "getOrg", "listOutbox",
	"listInstruments", "getInstrument", "getMyResults", "createRound", "submitResponse",
	"createInstrument", "listRounds", "getRoundReport", "getCrossTab", "exportCrossTab",
	"listAuditEvents", "exportMyData", "deleteMe",
	"listConsultants", "getConsultant", "listSlots", "listBookings", "createBooking", "getBooking",
	"cancelBooking", "confirmBooking", "rescheduleBooking", "getNote", "writeNote", "getReflection", "writeReflection",
	"searchCommunities", "getCommunity", "joinCommunity", "leaveCommunity", "importCommunities",
	"recommendCommunities", "getRecommendationPreferences", "updateRecommendationPreferences", "listCommunityMarks",
	"markCommunity", "unmarkCommunity", "getRecommendationWeights", "updateRecommendationWeights",
	"listEvents", "createEvent", "getEvent", "rsvpEvent", "cancelRsvp", "cancelEvent", "listAttendees", "exportAttendees",
	"checkIn", "decideRsvp", "getCalendarFeed", "createCalendarFeed", "revokeCalendarFeed",
	"listProbonoProjects", "createProbonoProject", "getProbonoProject", "applyProbono", "proposeTeam", "confirmTeam",
	"recommendConsultants", "searchConsultants", "listConsultantMarks", "markConsultant", "unmarkConsultant",
	"getMatchWeights", "updateMatchWeights", "getInventory", "saveInventory", "deleteInventory", "listInventoryShares",
	"shareInventory", "unshareInventory", "getSharedInventory", "getTimeline", "listSharedInventories",
	"getOrgReport", "exportReportCSV", "getProgrammeEffect", "createProgramme", "listProgrammes", "enrolProgramme",
	"createPulseRound",
	"listIdeas", "createIdea", "getIdea", "supportIdea", "withdrawIdeaSupport", "convertIdea",
}

// loadOpenAPI loads openapi.json and validates it as an OpenAPI document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// docOperation is one operation of the document.
type docOperation struct {
	method, path string
	op           *openapi3.Operation
}

func (o docOperation) String() string { return o.method + " " + o.path }

// operations lists the document's operations, sorted by path and method.
func operations(doc *openapi3.T) []docOperation {
	var out []docOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out = append(out, docOperation{method: method, path: path, op: op})
		}
	}
	slices.SortFunc(out, func(a, b docOperation) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf(`servers = %v, want [{"url":"/"}]`, doc.Servers)
	}
	for _, name := range []string{"sessionCookie", "bearerToken"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("security scheme %s is missing", name)
		}
	}

	// The server serves the file as it is.
	e := newTestEnv(t)
	res := e.get(e.client(), "/api/v1/openapi.json")
	file, _ := os.ReadFile("openapi.json")
	if res.StatusCode != http.StatusOK || res.body != string(file) {
		t.Errorf("GET /api/v1/openapi.json = %d, and the body is not openapi.json", res.StatusCode)
	}
}

// TestOpenAPIVocabulary checks the enumerations of the document against
// the Go vocabulary they describe.
func TestOpenAPIVocabulary(t *testing.T) {
	doc := loadOpenAPI(t)
	enum := func(name string) []string {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Fatalf("schema %s is missing", name)
		}
		var out []string
		for _, v := range ref.Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	strs := func(list ...any) []string {
		var out []string
		for _, v := range list {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	check := func(name string, want []string) {
		t.Helper()
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("schema %s enumerates %q, want %q", name, got, want)
		}
	}
	var roles []string
	for _, r := range tsunagari.Roles {
		roles = append(roles, string(r))
	}
	check("Role", roles)
	check("InvitationRole", strs(tsunagari.RoleMember, tsunagari.RoleHRAdmin))
	check("SizeBand", strs(tsunagari.SizeBandOf(1), tsunagari.SizeBandOf(301), tsunagari.SizeBandOf(1001)))
	check("AgeBand", tsunagari.AgeBands)
	check("JobFamily", tsunagari.JobFamilies)
	check("Industry", tsunagari.Industries)
	check("Locale", []string{"ja", "en"})
	checkCommunityVocabulary(t, check, strs)
	check("Mark", strs(tsunagari.MarkBookmark, tsunagari.MarkDismiss))
	check("ReasonCode", recommend.ReasonCodes)
	var ideaRoles []string
	for _, r := range tsunagari.IdeaRoles {
		ideaRoles = append(ideaRoles, string(r))
	}
	check("IdeaRole", ideaRoles)
	codes := strs(tsunagari.CodeInvalid, tsunagari.CodeUnauthorized, tsunagari.CodeForbidden, tsunagari.CodeNotFound,
		tsunagari.CodeConflict, tsunagari.CodeTooLarge, tsunagari.CodeTooManyRequests, tsunagari.CodeUnavailable, tsunagari.CodeInternal)
	var errorCodes []string
	for _, v := range doc.Components.Schemas["Error"].Value.Properties["code"].Value.Enum {
		errorCodes = append(errorCodes, fmt.Sprint(v))
	}
	if !slices.Equal(errorCodes, codes) {
		t.Errorf("Error.code enumerates %q, want %q", errorCodes, codes)
	}

	re := regexp.MustCompile(doc.Components.Schemas["PrefectureCode"].Value.Pattern)
	for _, p := range tsunagari.Prefectures {
		if !re.MatchString(p.Code) {
			t.Errorf("PrefectureCode rejects %s (%s)", p.Code, p.Name)
		}
	}
	for _, bad := range []string{"", "00", "48", "1", "013", "4a"} {
		if re.MatchString(bad) {
			t.Errorf("PrefectureCode accepts %q", bad)
		}
	}
	if id := regexp.MustCompile(doc.Components.Schemas["Id"].Value.Pattern); !id.MatchString(tsunagari.NewID()) {
		t.Error("Id rejects tsunagari.NewID()")
	}
}

// registeredAPIRoutes returns the "METHOD /api/v1/..." patterns that
// routes.go registers, read from its source.
func registeredAPIRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "mux" {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("%s: the route pattern is not a string literal, so this test cannot check it against openapi.json", fset.Position(call.Pos()))
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(pattern, "/api/v1/") {
			t.Errorf("%s: route %q has no method; every /api/v1 route must name one", fset.Position(call.Pos()), pattern)
			return true
		}
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			return true
		}
		path = strings.ReplaceAll(strings.ReplaceAll(path, "{$}", ""), "...}", "}")
		out = append(out, method+" "+path)
		return true
	})
	if len(out) == 0 {
		t.Fatal("found no /api/v1 routes in routes.go; has the registration code changed shape?")
	}
	return out
}

// TestOpenAPIRoutesMatchMux checks that routes.go and openapi.json name
// the same /api/v1 routes, and that the server answers each documented one
// with a real handler rather than the catch-all "no such endpoint".
func TestOpenAPIRoutesMatchMux(t *testing.T) {
	doc := loadOpenAPI(t)
	registered := registeredAPIRoutes(t)
	var documented []string
	for _, o := range operations(doc) {
		documented = append(documented, o.String())
	}
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("routes.go registers %q, but openapi.json does not document it", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json documents %q, but routes.go does not register it", d)
		}
	}

	e := newTestEnv(t)
	caughtByCatchAll := func(method, path, body string) (bool, response) {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, e.ts.URL+path, r)
		req.Header.Set("Accept-Language", "en")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res := e.do(&http.Client{}, req)
		var eb struct{ Code, Message string }
		_ = json.Unmarshal([]byte(res.body), &eb)
		return eb.Code == "not_found" && eb.Message == "No such API endpoint.", res
	}
	// The detection itself works.
	if hit, res := caughtByCatchAll("GET", "/api/v1/no-such-endpoint", ""); !hit {
		t.Fatalf("GET /api/v1/no-such-endpoint was not answered by the catch-all (%d %s); fix the detection in this test", res.StatusCode, res.body)
	}
	params := regexp.MustCompile(`\{[^}]+\}`)
	for _, o := range operations(doc) {
		path := params.ReplaceAllStringFunc(o.path, func(p string) string {
			if p == "{token}" {
				return "tsi_nosuchtoken"
			}
			return "aaaaaaaaaaaaaaaaaaaaaaaaaa"
		})
		body := ""
		if o.op.RequestBody != nil {
			body = "{}" // invalid for every operation, so nothing changes
		}
		if hit, res := caughtByCatchAll(o.method, path, body); hit {
			t.Errorf("%s (%s): answered by the catch-all not-found handler (%d); is it routed?", o, o.op.OperationID, res.StatusCode)
		}
	}
}

// TestOpenAPIOperations checks the shape of every operation: a known,
// unique ID, a success answer, and the error answers that the server's
// plumbing can give it.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.Components.Schemas["Error"] == nil {
		t.Fatal("schema Error is missing")
	}
	seen := map[string]string{}
	for _, o := range operations(doc) {
		op := o.op
		id := op.OperationID
		switch {
		case id == "":
			t.Errorf("%s has no operationId", o)
			continue
		case seen[id] != "":
			t.Errorf("operationId %s is used by both %s and %s", id, seen[id], o)
		case !slices.Contains(wantOperationIDs, id):
			t.Errorf("%s: unexpected operationId %s", o, id)
		}
		seen[id] = o.String()

		has := func(status string) bool { return op.Responses.Value(status) != nil }
		need := func(status, why string) {
			t.Helper()
			if !has(status) {
				t.Errorf("%s (%s) does not document %s, which %s", o, id, status, why)
			}
		}
		success := 0
		for status := range op.Responses.Map() {
			if len(status) == 3 && status[0] == '2' {
				success++
			}
		}
		if success == 0 {
			t.Errorf("%s (%s) documents no 2xx answer", o, id)
		}
		need("default", "covers 500 and 503")

		roles, _ := op.Extensions["x-roles"].([]any)
		if len(roles) == 0 {
			t.Errorf("%s (%s) has no x-roles", o, id)
		}
		public := slices.Contains(roles, any("anyone"))
		for _, r := range roles {
			if s := fmt.Sprint(r); s != "anyone" && !tsunagari.Role(s).Valid() {
				t.Errorf("%s (%s): x-roles names unknown role %q", o, id, s)
			}
		}
		security := doc.Security
		if op.Security != nil {
			security = *op.Security
		}
		anonymous := len(security) == 0 || slices.ContainsFunc(security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
		if public != anonymous {
			t.Errorf("%s (%s): x-roles %v disagrees with its security requirements %v", o, id, roles, security)
		}
		if !public {
			need("401", "every signed-in operation answers when signed out")
			if !slices.Contains(roles, any("member")) && !has("404") && !has("403") {
				t.Errorf("%s (%s) is limited to %v but documents neither 404 nor 403 for other roles", o, id, roles)
			}
		}
		if o.method != http.MethodGet {
			need("403", "cross-origin protection gives every unsafe method")
		}
		if op.RequestBody != nil {
			need("413", "decodeJSON gives every JSON body")
			need("422", "decodeJSON gives every JSON body")
		}
		if strings.Contains(o.path, "{") {
			need("404", "an operation on one object gives")
		}
		for status, ref := range op.Responses.Map() {
			if status[0] == '2' {
				continue
			}
			mt := ref.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Error" {
				t.Errorf("%s (%s): answer %s is not an application/json Error", o, id, status)
			}
		}
	}
	for _, id := range wantOperationIDs {
		if seen[id] == "" {
			t.Errorf("operationId %s is missing", id)
		}
	}
	if login := doc.Paths.Find("/api/v1/login"); login != nil && login.Post != nil && login.Post.RequestBody != nil {
		schema := login.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
		props := slices.Sorted(maps.Keys(schema.Properties))
		if !slices.Equal(props, []string{"email", "password"}) || !slices.Equal(slices.Sorted(slices.Values(schema.Required)), props) {
			t.Errorf("login takes %v (required %v), want email and password, both required", props, schema.Required)
		}
	}
}

// apiValidator sends requests to the test server and checks each request
// and response against the document.
type apiValidator struct {
	t      *testing.T
	e      *testEnv
	doc    *openapi3.T
	router routers.Router
	ok     map[string]bool // operations that answered 2xx
}

func newAPIValidator(t *testing.T, e *testEnv) *apiValidator {
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiValidator{t: t, e: e, doc: doc, router: router, ok: map[string]bool{}}
}

// call sends method path with an optional JSON body from client c, extra
// headers given as name, value pairs. It checks that the route is the
// operation opID, that the status is want and documented for it, and that
// the answer matches the document. Requests that should succeed are
// checked against the document as well.
func (v *apiValidator) call(c *http.Client, opID, method, path, body string, want int, header ...string) response {
	v.t.Helper()
	newRequest := func() *http.Request {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, v.e.ts.URL+path, r)
		if err != nil {
			v.t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return req
	}
	ctx := context.Background()
	req := newRequest()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Fatalf("%s %s: no documented route: %v", method, path, err)
	}
	if route.Operation.OperationID != opID {
		v.t.Fatalf("%s %s is operation %s, not %s", method, path, route.Operation.OperationID, opID)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if want/100 == 2 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			v.t.Errorf("%s: the test's own request does not match the document: %v", opID, err)
		}
	}

	res := v.e.do(c, newRequest())
	if res.StatusCode != want {
		v.t.Errorf("%s %s (%s) = %d, want %d: %s", method, path, opID, res.StatusCode, want, res.body)
	}
	if route.Operation.Responses.Status(res.StatusCode) == nil {
		v.t.Errorf("%s: status %d is not documented (only covered by default)", opID, res.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes([]byte(res.body))
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		v.t.Errorf("%s %s (%s) answered %d, which does not match the document: %v\nbody: %s", method, path, opID, res.StatusCode, err, res.body)
	}
	if res.StatusCode/100 == 2 {
		v.ok[opID] = true
	}
	return res
}

func decode[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	return v
}

type idJSON struct {
	ID string `json:"id"`
}

// TestOpenAPIResponsesMatch drives a realistic scenario through the real
// server and checks every request and answer against the document.
func TestOpenAPIResponsesMatch(t *testing.T) {
	e := newTestEnv(t)
	v := newAPIValidator(t, e)
	own, ownDept := e.org("つながり商事")
	other, otherDept := e.org("よそ株式会社")
	e.enrol(e.account("hr@example.jp", own.ID, tsunagari.RoleHRAdmin))
	e.enrol(e.account("operator@example.jp", "", tsunagari.RoleOperator))
	anon := e.client()

	v.call(anon, "getOpenAPI", "GET", "/api/v1/openapi.json", "", 200)

	// Signed out.
	v.call(anon, "getMe", "GET", "/api/v1/me", "", 401)
	v.call(anon, "listApiTokens", "GET", "/api/v1/tokens", "", 401)
	v.call(anon, "login", "POST", "/api/v1/login", "", 422)
	v.call(anon, "login", "POST", "/api/v1/login", `{}`, 422)
	v.call(anon, "login", "POST", "/api/v1/login", `{"email":"nobody@example.jp","password":"wrong password"}`, 401)
	v.call(anon, "login", "POST", "/api/v1/login", `{"email":"`+strings.Repeat("a", 1<<20)+`"}`, 413)
	v.call(anon, "signUp", "POST", "/api/v1/signup", `{"email":"x@example.jp","name":"","password":"short"}`, 422)
	v.call(anon, "logout", "POST", "/api/v1/logout", "", 403, "Sec-Fetch-Site", "cross-site")

	// A person signs up, out and in, and edits their settings.
	const pw, pw2, pw3 = "ながいパスワード123", "another long password", "third long password"
	member := e.client()
	me := decode[idJSON](t, v.call(member, "signUp", "POST", "/api/v1/signup",
		`{"email":"Hanako@Example.jp","name":"佐藤 花子","password":"`+pw+`","locale":"ja"}`, 201))
	v.call(member, "signUp", "POST", "/api/v1/signup",
		`{"email":"hanako@example.jp","name":"佐藤 花子","password":"`+pw+`"}`, 422) // taken
	v.call(member, "getMe", "GET", "/api/v1/me", "", 200)
	v.call(member, "logout", "POST", "/api/v1/logout", "", 204)
	v.call(member, "getMe", "GET", "/api/v1/me", "", 401)
	v.call(member, "login", "POST", "/api/v1/login", `{"email":"hanako@example.jp","password":"`+pw+`"}`, 200)
	v.call(member, "updateMe", "PATCH", "/api/v1/me", `{"prefecture":"13","homePrefecture":"47","ageBand":"30s",`+
		`"jobFamily":"engineering","industry":"it_telecom","timeZone":"Asia/Tokyo","locale":"en","name":null}`, 200)
	v.call(member, "updateMe", "PATCH", "/api/v1/me", `{"prefecture":"","ageBand":""}`, 200)
	v.call(member, "updateMe", "PATCH", "/api/v1/me", `{"prefecture":"48"}`, 422)
	v.call(member, "updateMe", "PATCH", "/api/v1/me", `{"nickname":"はな"}`, 422)
	v.call(member, "updateMe", "PATCH", "/api/v1/me", `{"name":"x"}`, 422, "Content-Type", "text/plain")

	// Personal API tokens.
	created := decode[struct{ ID, Token string }](t, v.call(member, "createApiToken", "POST", "/api/v1/tokens", `{"name":"週次レポート"}`, 201))
	v.call(member, "createApiToken", "POST", "/api/v1/tokens", `{"name":"  "}`, 422)
	v.call(member, "createApiToken", "POST", "/api/v1/tokens", `{"name":"x"}`, 403, "Sec-Fetch-Site", "cross-site")
	bearer := &http.Client{}
	v.call(bearer, "getMe", "GET", "/api/v1/me", "", 200, "Authorization", "Bearer "+created.Token)
	v.call(member, "listApiTokens", "GET", "/api/v1/tokens", "", 200)
	v.call(member, "deleteApiToken", "DELETE", "/api/v1/tokens/"+created.ID, "", 204)
	v.call(member, "deleteApiToken", "DELETE", "/api/v1/tokens/"+created.ID, "", 404)
	v.call(bearer, "getMe", "GET", "/api/v1/me", "", 401, "Authorization", "Bearer "+created.Token)

	// What a member may not see answers 404; creating an org, 403.
	v.call(member, "getMyOrg", "GET", "/api/v1/org", "", 404)
	v.call(member, "listDepartments", "GET", "/api/v1/org/departments", "", 404)
	v.call(member, "getDepartment", "GET", "/api/v1/org/departments/"+ownDept.ID, "", 404)
	v.call(member, "listOrgs", "GET", "/api/v1/orgs", "", 404)
	v.call(member, "getOrg", "GET", "/api/v1/orgs/"+own.ID, "", 404)
	v.call(member, "listOutbox", "GET", "/api/v1/outbox", "", 404)
	v.call(member, "createOrg", "POST", "/api/v1/orgs", `{"name":"勝手な会社","declaredEmployees":10}`, 404)
	v.call(member, "listAuditEvents", "GET", "/api/v1/audit-events", "", 404)

	// Passwords.
	v.call(member, "changePassword", "POST", "/api/v1/me/password", `{"currentPassword":"wrong","newPassword":"`+pw2+`"}`, 422)
	v.call(member, "changePassword", "POST", "/api/v1/me/password", `{"currentPassword":"`+pw+`","newPassword":"`+pw2+`"}`, 204)
	v.call(member, "getMe", "GET", "/api/v1/me", "", 200) // the fresh session cookie works
	v.call(anon, "requestPasswordReset", "POST", "/api/v1/password-resets", `{"email":"hanako@example.jp"}`, 202)
	v.call(anon, "requestPasswordReset", "POST", "/api/v1/password-resets", `{"email":"nobody@example.jp"}`, 202)
	v.call(anon, "requestPasswordReset", "POST", "/api/v1/password-resets", `{"email":"not an address"}`, 422)
	v.call(anon, "resetPassword", "POST", "/api/v1/password-resets/confirm", `{"token":"tsr_nosuchtoken","password":"`+pw3+`"}`, 422)

	// HR administers its own org.
	hr := e.signIn("hr@example.jp")
	v.call(hr, "getMyOrg", "GET", "/api/v1/org", "", 200)
	sales := decode[idJSON](t, v.call(hr, "createDepartment", "POST", "/api/v1/org/departments", `{"name":"営業本部"}`, 201))
	v.call(hr, "createDepartment", "POST", "/api/v1/org/departments", `{"name":"東日本営業部","parentId":"`+sales.ID+`"}`, 201)
	v.call(hr, "createDepartment", "POST", "/api/v1/org/departments", `{"name":"営業本部"}`, 422)
	v.call(hr, "createDepartment", "POST", "/api/v1/org/departments", `{"name":"x","parentId":"`+otherDept.ID+`"}`, 422)
	v.call(hr, "listDepartments", "GET", "/api/v1/org/departments", "", 200)
	v.call(hr, "getDepartment", "GET", "/api/v1/org/departments/"+sales.ID, "", 200)
	v.call(hr, "getDepartment", "GET", "/api/v1/org/departments/"+otherDept.ID, "", 404)
	v.call(hr, "getDepartment", "GET", "/api/v1/org/departments/junk", "", 404)
	invs := decode[[]idJSON](t, v.call(hr, "createInvitations", "POST", "/api/v1/org/invitations",
		`{"invitations":[{"email":"hanako@example.jp"},{"email":"taro@example.jp","departmentId":"`+sales.ID+`","role":"hr_admin"}]}`, 201))
	rejected := decode[struct{ Details []struct{ Line int } }](t, v.call(hr, "createInvitations", "POST", "/api/v1/org/invitations",
		`{"invitations":[{"email":"new@example.jp"},{"email":"bad"},{"email":"taro@example.jp"}]}`, 422))
	if len(rejected.Details) != 2 || rejected.Details[0].Line != 2 || rejected.Details[1].Line != 3 {
		t.Errorf("createInvitations details = %+v, want lines 2 and 3 (positions in the list)", rejected.Details)
	}
	v.call(hr, "createInvitations", "POST", "/api/v1/org/invitations", `{"invitations":[]}`, 422)
	v.call(hr, "listInvitations", "GET", "/api/v1/org/invitations", "", 200)
	v.call(hr, "getInvitation", "GET", "/api/v1/org/invitations/"+invs[0].ID, "", 200)
	v.call(hr, "getInvitation", "GET", "/api/v1/org/invitations/aaaaaaaaaaaaaaaaaaaaaaaaaa", "", 404)
	v.call(hr, "getOrg", "GET", "/api/v1/orgs/"+own.ID, "", 200)
	v.call(hr, "getOrg", "GET", "/api/v1/orgs/"+other.ID, "", 404)
	v.call(hr, "listOrgs", "GET", "/api/v1/orgs", "", 404)

	// Surveys: the five powers check-in, answered in the member's own round.
	v.call(anon, "listInstruments", "GET", "/api/v1/instruments", "", 401)
	offers := decode[[]struct{ ID, RoundID string }](t, v.call(member, "listInstruments", "GET", "/api/v1/instruments", "", 200))
	var fiveRound string
	for _, o := range offers {
		if o.ID == "five_powers" {
			fiveRound = o.RoundID
		}
	}
	five := decode[struct {
		Sections []struct{ Items []struct{ ID string } }
	}](t, v.call(member, "getInstrument", "GET", "/api/v1/instruments/five_powers", "", 200))
	v.call(member, "getInstrument", "GET", "/api/v1/instruments/no_such_instrument", "", 404)
	var answers []string
	for _, sec := range five.Sections {
		for _, it := range sec.Items {
			answers = append(answers, `{"item":"`+it.ID+`","value":4}`)
		}
	}
	v.call(member, "submitResponse", "POST", "/api/v1/rounds/"+fiveRound+"/responses", `{"answers":[`+strings.Join(answers, ",")+`]}`, 201)
	v.call(member, "submitResponse", "POST", "/api/v1/rounds/"+fiveRound+"/responses", `{"answers":[{"item":"zz","value":1}]}`, 422)
	v.call(member, "getMyResults", "GET", "/api/v1/instruments/five_powers/results", "", 200)
	v.call(member, "createRound", "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"anonymous"}`, 403)
	pulse := decode[idJSON](t, v.call(hr, "createRound", "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"anonymous","closesAt":"2099-01-01T00:00:00Z"}`, 201))
	v.call(hr, "createRound", "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"secret"}`, 422)
	v.call(hr, "submitResponse", "POST", "/api/v1/rounds/"+pulse.ID+"/responses", `{"answers":[`+strings.Join(answers, ",")+`]}`, 201)
	v.call(hr, "submitResponse", "POST", "/api/v1/rounds/"+pulse.ID+"/responses", `{"answers":[`+strings.Join(answers, ",")+`]}`, 409)

	// Authoring, rounds and their reports.
	authored := `{"id":"tsunagari_pulse","title":{"ja":"職場のパルス","en":"Workplace pulse"},"sections":[{"id":"s","title":{"ja":"いま","en":"Now"},"items":[` +
		`{"id":"q1","kind":"single","required":true,"text":{"ja":"上司に本音で相談できる","en":"I can talk honestly with my manager"},` +
		`"options":[{"id":"yes","label":{"ja":"はい","en":"Yes"}},{"id":"no","label":{"ja":"いいえ","en":"No"}}]}]}]}`
	v.call(member, "createInstrument", "POST", "/api/v1/instruments", authored, 403)
	v.call(hr, "createInstrument", "POST", "/api/v1/instruments", authored, 201)
	v.call(hr, "createInstrument", "POST", "/api/v1/instruments", authored, 200)
	v.call(hr, "createInstrument", "POST", "/api/v1/instruments", `{"id":"Bad","title":{"ja":"","en":""},"sections":[]}`, 422)
	v.call(hr, "getInstrument", "GET", "/api/v1/instruments/hr_autonomy_survey", "", 200)
	v.call(member, "listRounds", "GET", "/api/v1/rounds", "", 404)
	v.call(hr, "listRounds", "GET", "/api/v1/rounds", "", 200)
	v.call(hr, "getRoundReport", "GET", "/api/v1/rounds/"+pulse.ID+"/report", "", 200)
	v.call(hr, "getCrossTab", "GET", "/api/v1/rounds/"+pulse.ID+"/crosstab", "", 409)
	v.call(member, "getRoundReport", "GET", "/api/v1/rounds/"+pulse.ID+"/report", "", 404)
	hrSurvey := e.closedRound(survey.HRAutonomySurvey, own.ID, 12, hrAnswers)
	v.call(hr, "getRoundReport", "GET", "/api/v1/rounds/"+hrSurvey.ID+"/report?segment=implementing", "", 200)
	v.call(hr, "getRoundReport", "GET", "/api/v1/rounds/"+hrSurvey.ID+"/report?segment=religion", "", 422)
	v.call(hr, "getCrossTab", "GET", "/api/v1/rounds/"+hrSurvey.ID+"/crosstab?item=interest&segment=company_size", "", 200)
	v.call(hr, "getCrossTab", "GET", "/api/v1/rounds/"+hrSurvey.ID+"/crosstab?item=measures&segment=implementing", "", 200)
	v.call(hr, "getCrossTab", "GET", "/api/v1/rounds/"+hrSurvey.ID+"/crosstab?item=no_such", "", 422)
	v.call(hr, "exportCrossTab", "GET", "/api/v1/rounds/"+hrSurvey.ID+"/crosstab.csv?item=effect", "", 200)
	v.call(hr, "exportCrossTab", "GET", "/api/v1/rounds/"+pulse.ID+"/crosstab.csv", "", 409)
	pulseByDept := e.closedRound(survey.FiveSupports, own.ID, 8, func(i int) (tsunagari.Segments, []tsunagari.Answer) {
		return tsunagari.Segments{DepartmentID: ownDept.ID}, e.likertAll(survey.FiveSupports, float64(1+i%5))
	})
	v.call(hr, "getRoundReport", "GET", "/api/v1/rounds/"+pulseByDept.ID+"/report", "", 200)

	// The operator.
	op := e.signIn("operator@example.jp")
	v.call(op, "listOrgs", "GET", "/api/v1/orgs", "", 200)
	v.call(op, "createOrg", "POST", "/api/v1/orgs", `{"name":"新しい会社","industry":"finance","declaredEmployees":1200}`, 201)
	v.call(op, "createOrg", "POST", "/api/v1/orgs", `{"name":"小さな会社","declaredEmployees":12,"minGroupSize":8}`, 201)
	v.call(op, "createOrg", "POST", "/api/v1/orgs", `{"name":"","declaredEmployees":0}`, 422)
	v.call(op, "getOrg", "GET", "/api/v1/orgs/"+other.ID, "", 200)
	v.call(op, "getOrg", "GET", "/api/v1/orgs/aaaaaaaaaaaaaaaaaaaaaaaaaa", "", 404)
	v.call(op, "getMyOrg", "GET", "/api/v1/org", "", 404)
	v.call(op, "listOutbox", "GET", "/api/v1/outbox", "", 200)
	v.call(op, "createRound", "POST", "/api/v1/rounds", `{"instrumentId":"hr_autonomy_survey","mode":"attributed","audience":"hr_admin"}`, 201)
	v.call(hr, "createRound", "POST", "/api/v1/rounds", `{"instrumentId":"five_supports","mode":"attributed","audience":"hr_admin"}`, 422)
	v.call(op, "listAuditEvents", "GET", "/api/v1/audit-events?limit=5", "", 200)
	mails := decode[[]struct{ To, Kind, Body string }](t, v.call(op, "listOutbox", "GET", "/api/v1/outbox?to="+url.QueryEscape("Hanako@example.jp"), "", 200))
	secret := func(kind, prefix string) string {
		t.Helper()
		for _, m := range mails {
			if m.Kind == kind {
				if s := regexp.MustCompile(prefix + `[a-z2-7]+`).FindString(m.Body); s != "" {
					return s
				}
			}
		}
		t.Fatalf("no %s mail with a %s token for hanako@example.jp in %v", kind, prefix, mails)
		return ""
	}

	// The emailed secrets.
	v.call(anon, "resetPassword", "POST", "/api/v1/password-resets/confirm", `{"token":"`+secret("password_reset", "tsr_")+`","password":"`+pw3+`"}`, 204)
	v.call(member, "getMe", "GET", "/api/v1/me", "", 401) // every session ended
	v.call(member, "login", "POST", "/api/v1/login", `{"email":"hanako@example.jp","password":"`+pw3+`"}`, 200)
	invite := secret("invitation", "tsi_")
	v.call(anon, "acceptInvitation", "POST", "/api/v1/invitations/"+invite+"/accept", "", 401)
	v.call(hr, "acceptInvitation", "POST", "/api/v1/invitations/"+invite+"/accept", "", 403) // not addressed to HR
	v.call(member, "acceptInvitation", "POST", "/api/v1/invitations/tsi_nosuchtoken/accept", "", 404)
	v.call(member, "acceptInvitation", "POST", "/api/v1/invitations/"+invite+"/accept", "", 204)
	v.call(member, "acceptInvitation", "POST", "/api/v1/invitations/"+invite+"/accept", "", 404) // used
	if got := decode[struct{ ID, OrgID string }](t, v.call(member, "getMe", "GET", "/api/v1/me", "", 200)); got.ID != me.ID || got.OrgID != own.ID {
		t.Errorf("after accepting, getMe = %+v, want id %s with orgId %s", got, me.ID, own.ID)
	}

	shortlistScenario(t, e, v)
	communityScenario(t, e, v, member, op)
	recommendScenario(t, e, v, anon, member, op)
	// Programmes, pulse rounds and the report, now that the member works
	// for the org.
	day := func(d int) string { return time.Now().AddDate(0, 0, d).Format(time.DateOnly) }
	prog := decode[idJSON](t, v.call(hr, "createProgramme", "POST", "/api/v1/org/programmes",
		`{"kind":"consultation","name":"社外キャリア面談","sessions":3,"startsOn":"`+day(7)+`","endsOn":"`+day(60)+`"}`, 201))
	v.call(hr, "createProgramme", "POST", "/api/v1/org/programmes", `{"kind":"training","name":"","startsOn":"`+day(9)+`","endsOn":"`+day(8)+`"}`, 422)
	v.call(hr, "createProgramme", "POST", "/api/v1/org/programmes", `{"kind":"training","name":"研修","startsOn":"`+day(1)+`","endsOn":"`+day(2)+`","departments":["`+otherDept.ID+`"]}`, 422)
	v.call(member, "createProgramme", "POST", "/api/v1/org/programmes", `{"kind":"training","name":"研修","startsOn":"`+day(1)+`","endsOn":"`+day(2)+`"}`, 404)
	v.call(member, "listProgrammes", "GET", "/api/v1/programmes", "", 200)
	v.call(hr, "listProgrammes", "GET", "/api/v1/programmes", "", 200)
	v.call(member, "enrolProgramme", "POST", "/api/v1/programmes/"+prog.ID+"/enrolment", "", 201)
	v.call(member, "enrolProgramme", "POST", "/api/v1/programmes/"+prog.ID+"/enrolment", "", 409)
	v.call(member, "enrolProgramme", "POST", "/api/v1/programmes/aaaaaaaaaaaaaaaaaaaaaaaaaa/enrolment", "", 404)
	v.call(hr, "createPulseRound", "POST", "/api/v1/org/pulse-rounds", `{"closesAt":"`+time.Now().AddDate(0, 0, 14).UTC().Format(time.RFC3339)+`"}`, 201)
	v.call(hr, "createPulseRound", "POST", "/api/v1/org/pulse-rounds", `{}`, 422)
	v.call(member, "createPulseRound", "POST", "/api/v1/org/pulse-rounds", `{"closesAt":"2099-01-01T00:00:00Z"}`, 404)
	v.call(member, "getOrgReport", "GET", "/api/v1/org/report", "", 404)
	v.call(hr, "getOrgReport", "GET", "/api/v1/org/report?breakdown=department,age_band", "", 200)
	v.call(hr, "getOrgReport", "GET", "/api/v1/org/report?breakdown=salary", "", 422)
	v.call(hr, "getOrgReport", "GET", "/api/v1/org/report?period=2001-Q1", "", 422)
	v.call(hr, "getProgrammeEffect", "GET", "/api/v1/org/programmes/"+prog.ID+"/effect", "", 404) // not released yet
	later := &insight.Service{Surveys: e.stores.Surveys, Orgs: e.stores.Orgs, Programmes: e.stores.Programmes,
		Releases: e.stores.Releases, Insights: e.stores.Insights, Now: func() time.Time { return time.Now().AddDate(0, 4, 0) }}
	if _, err := later.PublishDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	v.call(hr, "getProgrammeEffect", "GET", "/api/v1/org/programmes/"+prog.ID+"/effect", "", 200)
	v.call(hr, "getOrgReport", "GET", "/api/v1/org/report", "", 200)
	v.call(hr, "exportReportCSV", "GET", "/api/v1/org/report/csv", "", 200)
	v.call(hr, "exportReportCSV", "GET", "/api/v1/org/report/csv?breakdown=x", "", 422)
	v.call(member, "exportReportCSV", "GET", "/api/v1/org/report/csv", "", 404)

	// Throttled sign-in: 10 attempts per address, then 429 with Retry-After.
	for range 10 {
		v.call(anon, "login", "POST", "/api/v1/login", `{"email":"guess@example.jp","password":"guess"}`, 401)
	}
	v.call(anon, "login", "POST", "/api/v1/login", `{"email":"guess@example.jp","password":"guess"}`, 429)

	// A person's own data: the copy, and deleting the account.
	leaver := e.client()
	v.call(leaver, "signUp", "POST", "/api/v1/signup", `{"email":"leaver@example.jp","name":"去る 人","password":"`+pw+`"}`, 201)
	v.call(anon, "exportMyData", "GET", "/api/v1/me/data", "", 401)
	copied := decode[struct {
		Records map[string][]map[string]any
	}](t, v.call(leaver, "exportMyData", "GET", "/api/v1/me/data", "", 200))
	if acc := copied.Records["account"]; len(acc) != 1 || acc[0]["email"] != "leaver@example.jp" {
		t.Errorf("exportMyData account records = %v, want the leaver's", acc)
	}
	v.call(anon, "deleteMe", "DELETE", "/api/v1/me", `{"password":"`+pw+`","confirm":true}`, 401)
	v.call(leaver, "deleteMe", "DELETE", "/api/v1/me", `{"password":"wrong password","confirm":true}`, 422)
	v.call(leaver, "deleteMe", "DELETE", "/api/v1/me", `{"password":"`+pw+`","confirm":false}`, 422)
	v.call(leaver, "deleteMe", "DELETE", "/api/v1/me", `{"password":"`+pw+`","confirm":true}`, 204)
	v.call(leaver, "getMe", "GET", "/api/v1/me", "", 401)
	v.call(op, "deleteMe", "DELETE", "/api/v1/me", `{"password":"`+testPassword+`","confirm":true}`, 409) // the only operator
	consultationScenario(t, e, v)
	eventScenario(t, e, v, member)
	ideaScenario(t, e, v, member, anon)

	for _, id := range wantOperationIDs {
		if !v.ok[id] {
			t.Errorf("the scenario never saw %s succeed; add a step for it", id)
		}
	}
}

// TestOpenAPIEmptyOutbox checks the answer of listOutbox when no message
// matches: an empty array, as the document says.
func TestOpenAPIEmptyOutbox(t *testing.T) {
	e := newTestEnv(t)
	v := newAPIValidator(t, e)
	e.enrol(e.account("operator@example.jp", "", tsunagari.RoleOperator))
	op := e.signIn("operator@example.jp")
	if res := e.api(op, "GET", "/api/v1/outbox?to=nobody@example.jp", ""); strings.TrimSpace(res.body) != "[]" {
		t.Errorf("listOutbox with no match = %s, want []", res.body)
	}
	v.call(op, "listOutbox", "GET", "/api/v1/outbox?to=nobody@example.jp", "", 200)
}

// TestOpenAPIValidationIsStrict makes sure the response checks above can
// fail: answers that differ from the Go wire types are rejected.
func TestOpenAPIValidationIsStrict(t *testing.T) {
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	validate := func(method, path string, status int, body string) error {
		req, _ := http.NewRequest(method, "http://example.jp"+path, nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 status,
			Header:                 http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes([]byte(body))
		return openapi3filter.ValidateResponse(context.Background(), in)
	}
	const me = `"id":"k7q2m4x5c6d3e2f7g4h5j6n3p2","email":"a@example.jp","name":"山田","roles":["member"],"locale":"",` +
		`"timeZone":"","jobFamily":"","industry":"","prefecture":"13","homePrefecture":"","ageBand":"30s"`
	const org = `"id":"k7q2m4x5c6d3e2f7g4h5j6n3p2","name":"商事","industry":"","declaredEmployees":500,"sizeBand":"size_mid",` +
		`"minGroupSize":5,"createdAt":"2026-04-01T00:00:00Z"`
	good := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/v1/me", 200, `{` + me + `,"createdAt":"2026-04-01T09:00:00+09:00"}`},
		{"GET", "/api/v1/orgs", 200, `[{` + org + `}]`},
		{"GET", "/api/v1/org", 200, `{` + org + `,"departments":1,"registeredEmployees":null}`},
		{"POST", "/api/v1/tokens", 201, `{"id":"k7q2m4x5c6d3e2f7g4h5j6n3p2","name":"x","createdAt":"2026-04-01T00:00:00Z","expiresAt":"2026-06-30T00:00:00Z","token":"tsu_abc"}`},
		{"GET", "/api/v1/me", 401, `{"code":"unauthorized","message":"ログインしてください。"}`},
	}
	for _, c := range good {
		if err := validate(c.method, c.path, c.status, c.body); err != nil {
			t.Errorf("%s %s %d %s: rejected: %v", c.method, c.path, c.status, c.body, err)
		}
	}
	bad := []struct {
		method, path string
		status       int
		body, why    string
	}{
		{"GET", "/api/v1/me", 200, `{` + me + `,"createdAt":"2026-04-01T00:00:00Z","passwordHash":"x"}`, "an extra field"},
		{"GET", "/api/v1/me", 200, `{` + me + `}`, "a missing field"},
		{"GET", "/api/v1/me", 200, `{` + strings.Replace(me, `"13"`, `"48"`, 1) + `,"createdAt":"2026-04-01T00:00:00Z"}`, "prefecture 48"},
		{"GET", "/api/v1/me", 200, `{` + me + `,"createdAt":"yesterday"}`, "a time that is not date-time"},
		{"GET", "/api/v1/me", 200, `{` + strings.Replace(me, `"member"`, `"admin"`, 1) + `,"createdAt":"2026-04-01T00:00:00Z"}`, "an unknown role"},
		{"GET", "/api/v1/orgs", 200, `[{` + strings.Replace(org, "size_mid", "huge", 1) + `}]`, "an unknown size band"},
		{"GET", "/api/v1/orgs", 200, `[{` + org + `,"departments":1}]`, "an extra field on Org"},
		{"GET", "/api/v1/org", 200, `{` + org + `,"departments":1,"registeredEmployees":null,"secret":1}`, "an extra field on MyOrg"},
		{"GET", "/api/v1/org", 200, `{` + org + `,"departments":1}`, "a missing registeredEmployees"},
		{"POST", "/api/v1/tokens", 201, `{"id":"k7q2m4x5c6d3e2f7g4h5j6n3p2","name":"x","createdAt":"2026-04-01T00:00:00Z","expiresAt":"2026-06-30T00:00:00Z"}`, "a new token without its value"},
		{"GET", "/api/v1/outbox", 200, `null`, "null for a list"},
		{"GET", "/api/v1/me", 401, `{"error":"unauthorized"}`, "an error that is not an Error"},
	}
	for _, c := range bad {
		if err := validate(c.method, c.path, c.status, c.body); err == nil {
			t.Errorf("%s %s %d with %s: accepted, want rejected", c.method, c.path, c.status, c.why)
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
)

// The authorization matrix (TRUST.md §6 S1): every route × every role ×
// every relation of the actor to the object the route takes, against the
// expected answers in testdata/authz.csv. A route the server registers
// but the table lacks fails the test, and so does a row for a route that
// no longer exists.
//
// Each route gets a world of its own (a fresh database with two tenants
// and one account per role), and each cell gets objects of its own, so
// that what one cell changes cannot decide another cell's answer.

const authzFile = "testdata/authz.csv"

var updateAuthz = flag.Bool("update-authz", false, "rewrite "+authzFile+" from the answers the server gives; review the diff")

// matrixRoles are the columns of the matrix.
var matrixRoles = []string{
	"anonymous", "member", "member_other_org", "consultant", "consultant_other",
	"organiser", "hr_admin", "hr_admin_other_org", "operator",
}

// Relations of the actor to a route's object.
const (
	relNone   = "-"      // the route takes no object
	relOwn    = "own"    // the actor's own object, or one of the actor's own org
	relOther  = "other"  // someone else's in the actor's own org (or, for accounts without an org, anyone else's)
	relTenant = "tenant" // an object of another tenant
	relHidden = "hidden" // someone else's community that an operator hid
)

// objectKind is what a route's path parameter names.
type objectKind string

const (
	noObject    objectKind = ""
	kindToken   objectKind = "api_token"   // an API token ID
	kindDept    objectKind = "department"  // a department ID
	kindInv     objectKind = "invitation"  // an invitation ID
	kindInvite  objectKind = "invite_link" // the secret of an emailed invitation
	kindOrgID   objectKind = "org"         // an org ID
	kindRound   objectKind = "round"       // a survey round sent to an org's employees
	kindInstr   objectKind = "instrument"  // an instrument authored for an org
	kindProg    objectKind = "programme"   // an employer's programme, with a published effect
	paramMarker            = "{}"

	kindMark objectKind = "community_mark" // a community someone has bookmarked

	// Objects of communities, whose relations are own, other and hidden.
	kindEvent         objectKind = "event"           // an event
	kindEventRSVPd    objectKind = "event_requested" // an event the actor asked for a seat at
	kindRSVPConfirmed objectKind = "rsvp_confirmed"  // someone's seat at an event starting within the hour
	kindRSVPPending   objectKind = "rsvp_pending"    // someone's request awaiting approval
	kindNPO           objectKind = "npo_community"   // an NPO community; hidden: the actor organises it
	kindProject       objectKind = "probono"         // a pro-bono project
	kindProjectTeam   objectKind = "probono_applied" // a pro-bono project with two applications
	kindFeed          objectKind = "calendar_feed"   // the secret of someone's calendar feed
	communityMarker              = "{community}"     // a visible community, in feed paths
)

// Relations of the actor to an object of a community: own, other and
// relHidden, which for kindNPO is the actor's own community that an
// operator hid. Calendar feeds are valid or revoked.
const (
	relRuns                       = "own"   // the actor organises the community
	relValid                      = "valid" // a calendar feed in use
	relGone                       = "revoked"
	kindConsultantMark objectKind = "mark"           // a consultant that the actor (own), a colleague or a stranger marked
	kindMyBooking      objectKind = "shared_booking" // a booking, shared, of the actor (own), a colleague or a stranger as the member
	kindHeld           objectKind = "held_booking"   // a booking, shared, held by the actor (own) or another consultant
)

// Objects of communities.
const (
	kindCommunity objectKind = "community"        // a community (own: the actor organises it)
	kindMember    objectKind = "community_member" // "{community}/members/{account}": a request to join a community
)

// relations lists the relations a kind of object has.
func (k objectKind) relations() []string {
	if rels, ok := consultationRelations(k); ok {
		return rels
	}
	if rels, ok := ideaRelations(k); ok {
		return rels
	}
	switch k {
	case noObject:
		return []string{relNone}
	case kindOrgID, kindRound, kindInstr, kindProg:
		// An org is the tenant itself, and a round goes to one org's
		// employees: the actor's own org or another.
		return []string{relOwn, relTenant}
	case kindCommunity:
		// Communities belong to no tenant: one the actor organises, one
		// someone else organises, and someone else's that is hidden.
		return []string{relOwn, relOther, relHidden}
	case kindMark:
		// A mark is the actor's own, or someone else's.
		return []string{relOwn, relOther}
	case kindMember:
		return []string{relOwn, relOther}
	case kindEvent, kindEventRSVPd, kindRSVPConfirmed, kindRSVPPending, kindNPO, kindProject, kindProjectTeam:
		// Communities are not tenants: what matters is who runs them.
		return []string{relRuns, relOther, relHidden}
	case kindFeed:
		return []string{relValid, relGone}
	}
	return []string{relOwn, relOther, relTenant}
}

// request is how the matrix calls one route. path holds {} where the
// object goes; body returns the content type and body of the request,
// written so that an actor who may use the route succeeds.
type request struct {
	method, path string
	kind         objectKind
	body         func(w *world, a *actor) (contentType, body string)
}

func form(v url.Values) (string, string) { return "application/x-www-form-urlencoded", v.Encode() }
func jsonBody(s string) (string, string) { return "application/json", s }

// requests maps every route pattern to how the matrix calls it.
var requests = map[string]request{
	"GET /healthz":     {method: "GET", path: "/healthz"},
	"GET /readyz":      {method: "GET", path: "/readyz"},
	"GET /metrics":     {method: "GET", path: "/metrics"},
	"GET /static/":     {method: "GET", path: "/static/app.css"},
	"GET /favicon.ico": {method: "GET", path: "/favicon.ico"},
	"GET /{$}":         {method: "GET", path: "/"},
	"POST /lang":       {method: "POST", path: "/lang", body: func(*world, *actor) (string, string) { return form(url.Values{"lang": {"en"}, "next": {"/"}}) }},
	"GET /signin":      {method: "GET", path: "/signin"},
	"POST /signin": {method: "POST", path: "/signin", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"email": {w.bystander.Email}, "password": {testPassword}})
	}},
	"GET /signin/mfa": {method: "GET", path: "/signin/mfa"},
	"POST /signin/mfa": {method: "POST", path: "/signin/mfa", body: func(*world, *actor) (string, string) {
		return form(url.Values{"code": {"123456"}})
	}},
	"GET /signup": {method: "GET", path: "/signup"},
	"POST /signup": {method: "POST", path: "/signup", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"email": {w.fresh()}, "name": {"新規 登録"}, "password": {testPassword}})
	}},
	"POST /signout":        {method: "POST", path: "/signout"},
	"GET /password/forgot": {method: "GET", path: "/password/forgot"},
	"POST /password/forgot": {method: "POST", path: "/password/forgot", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"email": {w.bystander.Email}})
	}},
	"GET /password/reset": {method: "GET", path: "/password/reset"},
	"POST /password/reset": {method: "POST", path: "/password/reset", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"token": {w.resetToken()}, "password": {"a brand new password"}})
	}},
	"GET /invite/{token}": {method: "GET", path: "/invite/{}", kind: kindInvite},
	"POST /invite/{token}": {method: "POST", path: "/invite/{}", kind: kindInvite, body: func(*world, *actor) (string, string) {
		return form(url.Values{"name": {"招待 受諾"}, "password": {testPassword}})
	}},

	"GET /dashboard": {method: "GET", path: "/dashboard"},
	"GET /settings":  {method: "GET", path: "/settings"},
	"POST /settings": {method: "POST", path: "/settings", body: func(*world, *actor) (string, string) { return form(url.Values{"name": {"名前 変更"}}) }},
	"POST /settings/password": {method: "POST", path: "/settings/password", body: func(*world, *actor) (string, string) {
		return form(url.Values{"currentPassword": {testPassword}, "newPassword": {"a brand new password"}})
	}},
	"POST /settings/tokens": {method: "POST", path: "/settings/tokens", body: func(*world, *actor) (string, string) {
		return form(url.Values{"name": {"スクリプト"}})
	}},
	"POST /settings/tokens/{id}/delete": {method: "POST", path: "/settings/tokens/{}/delete", kind: kindToken},

	"GET /settings/mfa": {method: "GET", path: "/settings/mfa"},
	"POST /settings/mfa": {method: "POST", path: "/settings/mfa", body: func(*world, *actor) (string, string) {
		return form(url.Values{"password": {testPassword}})
	}},
	"POST /settings/mfa/confirm": {method: "POST", path: "/settings/mfa/confirm", body: func(*world, *actor) (string, string) {
		return form(url.Values{"code": {"123456"}})
	}},
	"POST /settings/mfa/recovery-codes": {method: "POST", path: "/settings/mfa/recovery-codes", body: func(*world, *actor) (string, string) {
		return form(url.Values{"password": {testPassword}})
	}},
	"POST /settings/mfa/delete": {method: "POST", path: "/settings/mfa/delete", body: func(*world, *actor) (string, string) {
		return form(url.Values{"password": {testPassword}})
	}},

	"GET /settings/data":      {method: "GET", path: "/settings/data"},
	"GET /settings/data.json": {method: "GET", path: "/settings/data.json"},
	"GET /settings/delete":    {method: "GET", path: "/settings/delete"},
	"POST /settings/delete": {method: "POST", path: "/settings/delete", body: func(*world, *actor) (string, string) {
		return form(url.Values{"password": {testPassword}, "confirm": {"yes"}})
	}},

	"GET /hr/departments": {method: "GET", path: "/hr/departments"},
	"POST /hr/departments": {method: "POST", path: "/hr/departments", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"name": {"新設部 " + w.seq()}})
	}},
	"GET /hr/departments/{id}": {method: "GET", path: "/hr/departments/{}", kind: kindDept},
	"GET /hr/invitations":      {method: "GET", path: "/hr/invitations"},
	"POST /hr/invitations": {method: "POST", path: "/hr/invitations", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"email": {w.fresh()}})
	}},
	"POST /hr/invitations/csv": {method: "POST", path: "/hr/invitations/csv", body: func(w *world, _ *actor) (string, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "invite.csv")
		fmt.Fprintf(fw, "email\n%s\n", w.fresh())
		mw.Close()
		return mw.FormDataContentType(), b.String()
	}},
	"GET /hr/invitations/{id}": {method: "GET", path: "/hr/invitations/{}", kind: kindInv},

	"GET /surveys":              {method: "GET", path: "/surveys"},
	"GET /surveys/{instrument}": {method: "GET", path: "/surveys/five_powers"},
	"GET /rounds/{id}":          {method: "GET", path: "/rounds/{}", kind: kindRound},
	"POST /rounds/{id}": {method: "POST", path: "/rounds/{}", kind: kindRound, body: func(w *world, _ *actor) (string, string) {
		v := url.Values{}
		for _, id := range w.fivePowersItems() {
			v.Set(id, "4")
		}
		return form(v)
	}},
	"GET /api/v1/instruments":              {method: "GET", path: "/api/v1/instruments"},
	"GET /api/v1/instruments/{id}":         {method: "GET", path: "/api/v1/instruments/five_powers"},
	"GET /api/v1/instruments/{id}/results": {method: "GET", path: "/api/v1/instruments/five_powers/results"},
	"POST /api/v1/rounds": {method: "POST", path: "/api/v1/rounds", body: func(*world, *actor) (string, string) {
		return jsonBody(`{"instrumentId":"five_powers","mode":"anonymous"}`)
	}},
	"POST /api/v1/rounds/{id}/responses": {method: "POST", path: "/api/v1/rounds/{}/responses", kind: kindRound, body: func(w *world, _ *actor) (string, string) {
		var answers []string
		for _, id := range w.fivePowersItems() {
			answers = append(answers, fmt.Sprintf(`{"item":%q,"value":4}`, id))
		}
		return jsonBody(`{"answers":[` + strings.Join(answers, ",") + `]}`)
	}},

	"GET /hr/rounds": {method: "GET", path: "/hr/rounds"},
	"POST /hr/rounds": {method: "POST", path: "/hr/rounds", body: func(*world, *actor) (string, string) {
		return form(url.Values{"instrumentId": {"five_supports"}, "mode": {"attributed"}})
	}},
	"GET /operator/rounds": {method: "GET", path: "/operator/rounds"},
	"POST /operator/rounds": {method: "POST", path: "/operator/rounds", body: func(*world, *actor) (string, string) {
		return form(url.Values{"instrumentId": {"hr_autonomy_survey"}, "mode": {"attributed"}, "audience": {"hr_admin"}})
	}},
	"GET /reports/{id}":              {method: "GET", path: "/reports/{}", kind: kindRound},
	"GET /reports/{id}/crosstab.csv": {method: "GET", path: "/reports/{}/crosstab.csv", kind: kindRound},
	"GET /instruments":               {method: "GET", path: "/instruments"},
	"GET /instruments/new":           {method: "GET", path: "/instruments/new"},
	"GET /instruments/{id}/edit":     {method: "GET", path: "/instruments/{}/edit", kind: kindInstr},
	"POST /instruments": {method: "POST", path: "/instruments", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"action": {"json"}, "definition": {w.instrumentJSON()}})
	}},
	"POST /api/v1/instruments": {method: "POST", path: "/api/v1/instruments", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(w.instrumentJSON())
	}},
	"GET /api/v1/rounds":                   {method: "GET", path: "/api/v1/rounds"},
	"GET /api/v1/rounds/{id}/report":       {method: "GET", path: "/api/v1/rounds/{}/report", kind: kindRound},
	"GET /api/v1/rounds/{id}/crosstab":     {method: "GET", path: "/api/v1/rounds/{}/crosstab", kind: kindRound},
	"GET /api/v1/rounds/{id}/crosstab.csv": {method: "GET", path: "/api/v1/rounds/{}/crosstab.csv", kind: kindRound},
	"GET /communities":                     {method: "GET", path: "/communities?q=" + url.QueryEscape("新潟")},
	"GET /communities/mine":                {method: "GET", path: "/communities/mine"},
	"GET /communities/new":                 {method: "GET", path: "/communities/new"},
	"GET /shortlist":                       {method: "GET", path: "/shortlist"},
	"GET /shortlist/search":                {method: "GET", path: "/shortlist/search?q=%E8%BB%A2%E8%81%B7"},
	"GET /shortlist/{id}":                  {method: "GET", path: "/shortlist/{}", kind: kindConsultant},
	"POST /shortlist/{id}/mark": {method: "POST", path: "/shortlist/{}/mark", kind: kindConsultant, body: func(*world, *actor) (string, string) {
		return form(url.Values{"mark": {"bookmark"}})
	}},
	"GET /operator/matching": {method: "GET", path: "/operator/matching"},
	"POST /operator/matching": {method: "POST", path: "/operator/matching", body: func(*world, *actor) (string, string) {
		return form(url.Values{"values": {"40"}, "themes": {"30"}, "background": {"20"}, "experience": {"10"},
			"diversity": {"30"}, "viewsPerSession": {"10"}})
	}},
	"GET /api/v1/shortlist":                {method: "GET", path: "/api/v1/shortlist?theme=job_change"},
	"GET /api/v1/consultant-search":        {method: "GET", path: "/api/v1/consultant-search?q=%E8%BB%A2%E8%81%B7"},
	"GET /api/v1/consultant-marks":         {method: "GET", path: "/api/v1/consultant-marks"},
	"DELETE /api/v1/consultant-marks/{id}": {method: "DELETE", path: "/api/v1/consultant-marks/{}", kind: kindConsultantMark},
	"GET /api/v1/match-weights":            {method: "GET", path: "/api/v1/match-weights"},
	"GET /inventory":                       {method: "GET", path: "/inventory"},
	"GET /journey":                         {method: "GET", path: "/journey"},
	"GET /inventory/shared/{id}":           {method: "GET", path: "/inventory/shared/{}", kind: kindHeld},
	"POST /inventory/shares/{id}":          {method: "POST", path: "/inventory/shares/{}", kind: kindMyBooking},
	"POST /inventory/shares/{id}/delete":   {method: "POST", path: "/inventory/shares/{}/delete", kind: kindMyBooking},
	"GET /api/v1/inventory":                {method: "GET", path: "/api/v1/inventory"},
	"GET /api/v1/inventory/shares":         {method: "GET", path: "/api/v1/inventory/shares"},
	"PUT /api/v1/inventory/shares/{id}":    {method: "PUT", path: "/api/v1/inventory/shares/{}", kind: kindMyBooking},
	"DELETE /api/v1/inventory/shares/{id}": {method: "DELETE", path: "/api/v1/inventory/shares/{}", kind: kindMyBooking},
	"GET /api/v1/shared-inventories/{id}":  {method: "GET", path: "/api/v1/shared-inventories/{}", kind: kindHeld},
	"GET /api/v1/timeline":                 {method: "GET", path: "/api/v1/timeline"},
	"GET /inventory/shared":                {method: "GET", path: "/inventory/shared"},
	"GET /api/v1/shared-inventories":       {method: "GET", path: "/api/v1/shared-inventories"},
	"PUT /api/v1/consultant-marks/{id}": {method: "PUT", path: "/api/v1/consultant-marks/{}", kind: kindConsultantMark, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"mark":"ignore"}`)
	}},
	"PUT /api/v1/match-weights": {method: "PUT", path: "/api/v1/match-weights", body: func(*world, *actor) (string, string) {
		return jsonBody(`{"values":40,"themes":30,"background":20,"experience":10,"diversity":30,"viewsPerSession":10}`)
	}},
	"POST /inventory": {method: "POST", path: "/inventory", body: func(*world, *actor) (string, string) {
		return form(url.Values{"want": {"学び直し"}})
	}},
	"POST /inventory/delete": {method: "POST", path: "/inventory/delete", body: func(w *world, a *actor) (string, string) {
		w.inventory(a.acc) // something to delete
		return "", ""
	}},
	"PUT /api/v1/inventory": {method: "PUT", path: "/api/v1/inventory", body: func(*world, *actor) (string, string) {
		return jsonBody(`{"items":[{"id":"can","text":"聞くこと"}]}`)
	}},
	"DELETE /api/v1/inventory": {method: "DELETE", path: "/api/v1/inventory", body: func(w *world, a *actor) (string, string) {
		w.inventory(a.acc)
		return "", ""
	}},

	"POST /communities": {method: "POST", path: "/communities", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"kind": {"occupational"}, "name": {"介護職の対話カフェ " + w.seq()}, "purpose": {"語り合う"},
			"prefecture": {"13"}, "joinPolicy": {"open"}})
	}},
	"GET /communities/{id}":      {method: "GET", path: "/communities/{}", kind: kindCommunity},
	"GET /communities/{id}/edit": {method: "GET", path: "/communities/{}/edit", kind: kindCommunity},
	"POST /communities/{id}/edit": {method: "POST", path: "/communities/{}/edit", kind: kindCommunity, body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"kind": {"occupational"}, "name": {"名前を変えた会 " + w.seq()}, "purpose": {"語り合う"},
			"prefecture": {"13"}, "joinPolicy": {"open"}})
	}},
	"POST /communities/{id}/join": {method: "POST", path: "/communities/{}/join", kind: kindCommunity, body: func(*world, *actor) (string, string) {
		return form(url.Values{"involvement": {"observer"}})
	}},
	"POST /communities/{id}/leave": {method: "POST", path: "/communities/{}/leave", kind: kindCommunity},
	"POST /communities/{id}/involvement": {method: "POST", path: "/communities/{}/involvement", kind: kindCommunity, body: func(*world, *actor) (string, string) {
		return form(url.Values{"involvement": {"core"}})
	}},
	"POST /communities/{id}/rating": {method: "POST", path: "/communities/{}/rating", kind: kindCommunity, body: func(*world, *actor) (string, string) {
		return form(url.Values{"free_exit": {"5"}})
	}},
	"GET /communities/{id}/members":                    {method: "GET", path: "/communities/{}/members", kind: kindCommunity},
	"POST /communities/{id}/members/{account}/approve": {method: "POST", path: "/communities/{}/approve", kind: kindMember},
	"POST /communities/{id}/members/{account}/remove":  {method: "POST", path: "/communities/{}/remove", kind: kindMember},
	"POST /communities/{id}/members/{account}/role": {method: "POST", path: "/communities/{}/role", kind: kindMember, body: func(*world, *actor) (string, string) {
		return form(url.Values{"role": {"co_organiser"}})
	}},
	"POST /communities/{id}/hide": {method: "POST", path: "/communities/{}/hide", kind: kindCommunity, body: func(*world, *actor) (string, string) {
		return form(url.Values{"reason": {"規約違反の勧誘"}})
	}},
	"POST /communities/{id}/show": {method: "POST", path: "/communities/{}/show", kind: kindCommunity},
	"GET /operator/communities":   {method: "GET", path: "/operator/communities"},
	"POST /operator/communities/import": {method: "POST", path: "/operator/communities/import", body: func(w *world, _ *actor) (string, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "communities.jsonl")
		fmt.Fprintf(fw, `{"kind":"union","name":"取り込んだ組合 %s","purpose":"相談","prefecture":"13"}`+"\n", w.seq())
		mw.Close()
		return mw.FormDataContentType(), b.String()
	}},
	"GET /api/v1/communities":      {method: "GET", path: "/api/v1/communities?q=" + url.QueryEscape("介護")},
	"GET /api/v1/communities/{id}": {method: "GET", path: "/api/v1/communities/{}", kind: kindCommunity},
	"POST /api/v1/communities/{id}/membership": {method: "POST", path: "/api/v1/communities/{}/membership", kind: kindCommunity, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"involvement":"regular"}`)
	}},
	"DELETE /api/v1/communities/{id}/membership": {method: "DELETE", path: "/api/v1/communities/{}/membership", kind: kindCommunity},
	"POST /api/v1/communities/import": {method: "POST", path: "/api/v1/communities/import", body: func(w *world, _ *actor) (string, string) {
		return "application/x-ndjson", fmt.Sprintf(`{"kind":"npo","name":"取り込んだNPO %s","purpose":"支える","online":true}`+"\n", w.seq())
	}},
	"GET /hr/report":     {method: "GET", path: "/hr/report"},
	"GET /hr/programmes": {method: "GET", path: "/hr/programmes"},
	"POST /hr/programmes": {method: "POST", path: "/hr/programmes", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"name": {"キャリア研修 " + w.seq()}, "kind": {"training"},
			"startsOn": {time.Now().AddDate(0, 0, 7).Format(time.DateOnly)}, "endsOn": {time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}})
	}},
	"GET /hr/programmes/{id}/effect": {method: "GET", path: "/hr/programmes/{}/effect", kind: kindProg},
	"GET /hr/pulse":                  {method: "GET", path: "/hr/pulse"},
	"POST /hr/pulse": {method: "POST", path: "/hr/pulse", body: func(*world, *actor) (string, string) {
		return form(url.Values{"closesOn": {time.Now().AddDate(0, 0, 14).Format(time.DateOnly)}})
	}},
	"GET /programmes":                        {method: "GET", path: "/programmes"},
	"POST /programmes/{id}/enrol":            {method: "POST", path: "/programmes/{}/enrol", kind: kindProg},
	"GET /api/v1/org/report":                 {method: "GET", path: "/api/v1/org/report"},
	"GET /api/v1/org/report/csv":             {method: "GET", path: "/api/v1/org/report/csv"},
	"GET /api/v1/programmes":                 {method: "GET", path: "/api/v1/programmes"},
	"GET /api/v1/org/programmes/{id}/effect": {method: "GET", path: "/api/v1/org/programmes/{}/effect", kind: kindProg},
	"POST /api/v1/org/programmes": {method: "POST", path: "/api/v1/org/programmes", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"name":"キャリア研修 %s","kind":"training","startsOn":%q,"endsOn":%q}`, w.seq(),
			time.Now().AddDate(0, 0, 7).Format(time.DateOnly), time.Now().AddDate(0, 1, 0).Format(time.DateOnly)))
	}},
	"POST /api/v1/programmes/{id}/enrolment": {method: "POST", path: "/api/v1/programmes/{}/enrolment", kind: kindProg},
	"POST /api/v1/org/pulse-rounds": {method: "POST", path: "/api/v1/org/pulse-rounds", body: func(*world, *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"closesAt":%q}`, time.Now().AddDate(0, 0, 14).UTC().Format(time.RFC3339)))
	}},

	"GET /operator/orgs": {method: "GET", path: "/operator/orgs"},
	"POST /operator/orgs": {method: "POST", path: "/operator/orgs", body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"name": {"新規法人 " + w.seq()}, "declaredEmployees": {"120"}})
	}},
	"GET /operator/outbox":    {method: "GET", path: "/operator/outbox"},
	"GET /operator/audit":     {method: "GET", path: "/operator/audit"},
	"GET /operator/audit.csv": {method: "GET", path: "/operator/audit.csv"},

	"GET /recommendations": {method: "GET", path: "/recommendations"},
	"POST /recommendations/preferences": {method: "POST", path: "/recommendations/preferences", body: func(*world, *actor) (string, string) {
		return form(url.Values{"filters": {"1"}, "wish": {"新潟に帰りたい"}, "maxFee": {"3000"}, "prefecture": {"13"}})
	}},
	"POST /recommendations/{id}/bookmark": {method: "POST", path: "/recommendations/{}/bookmark", kind: kindCommunity},
	"POST /recommendations/{id}/dismiss":  {method: "POST", path: "/recommendations/{}/dismiss", kind: kindCommunity},
	"POST /recommendations/{id}/unmark":   {method: "POST", path: "/recommendations/{}/unmark", kind: kindMark},
	"GET /operator/recommendations":       {method: "GET", path: "/operator/recommendations"},
	"POST /operator/recommendations": {method: "POST", path: "/operator/recommendations", body: func(*world, *actor) (string, string) {
		v := url.Values{"variety": {"0.3"}}
		d := tsunagari.DefaultRecommendWeights()
		for _, f := range d.Fields() {
			v.Set(f.Name, "1")
		}
		return form(v)
	}},
	"GET /api/v1/recommendations":               {method: "GET", path: "/api/v1/recommendations"},
	"GET /api/v1/me/recommendation-preferences": {method: "GET", path: "/api/v1/me/recommendation-preferences"},
	"PUT /api/v1/me/recommendation-preferences": {method: "PUT", path: "/api/v1/me/recommendation-preferences", body: func(*world, *actor) (string, string) {
		return jsonBody(`{"wish":"介護の仲間と話したい","maxHours":4}`)
	}},
	"GET /api/v1/me/community-marks": {method: "GET", path: "/api/v1/me/community-marks"},
	"PUT /api/v1/me/community-marks/{id}": {method: "PUT", path: "/api/v1/me/community-marks/{}", kind: kindCommunity, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"mark":"bookmark"}`)
	}},
	"DELETE /api/v1/me/community-marks/{id}": {method: "DELETE", path: "/api/v1/me/community-marks/{}", kind: kindMark},
	"GET /api/v1/recommendation-weights":     {method: "GET", path: "/api/v1/recommendation-weights"},
	"PUT /api/v1/recommendation-weights": {method: "PUT", path: "/api/v1/recommendation-weights", body: func(*world, *actor) (string, string) {
		return jsonBody(`{"jobFamily":3,"industry":1.5,"ageBand":1,"prefecture":1,"homePrefecture":3,"values":1.5,"wish":3,` +
			`"givenUp":2,"area":1,"declaredTraits":0.5,"ratedTraits":1,"variety":0.35}`)
	}},

	"GET /api/v1/openapi.json": {method: "GET", path: "/api/v1/openapi.json"},
	"POST /api/v1/login": {method: "POST", path: "/api/v1/login", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"email":%q,"password":%q}`, w.bystander.Email, testPassword))
	}},
	"POST /api/v1/logout": {method: "POST", path: "/api/v1/logout"},
	"POST /api/v1/signup": {method: "POST", path: "/api/v1/signup", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"email":%q,"name":"新規 登録","password":%q}`, w.fresh(), testPassword))
	}},
	"POST /api/v1/password-resets": {method: "POST", path: "/api/v1/password-resets", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"email":%q}`, w.bystander.Email))
	}},
	"POST /api/v1/password-resets/confirm": {method: "POST", path: "/api/v1/password-resets/confirm", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"token":%q,"password":"a brand new password"}`, w.resetToken()))
	}},
	"GET /api/v1/me":   {method: "GET", path: "/api/v1/me"},
	"PATCH /api/v1/me": {method: "PATCH", path: "/api/v1/me", body: func(*world, *actor) (string, string) { return jsonBody(`{"name":"名前 変更"}`) }},
	"POST /api/v1/me/password": {method: "POST", path: "/api/v1/me/password", body: func(*world, *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"currentPassword":%q,"newPassword":"a brand new password"}`, testPassword))
	}},
	"GET /api/v1/me/data": {method: "GET", path: "/api/v1/me/data"},
	"DELETE /api/v1/me": {method: "DELETE", path: "/api/v1/me", body: func(*world, *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"password":%q,"confirm":true}`, testPassword))
	}},
	"GET /api/v1/tokens":          {method: "GET", path: "/api/v1/tokens"},
	"POST /api/v1/tokens":         {method: "POST", path: "/api/v1/tokens", body: func(*world, *actor) (string, string) { return jsonBody(`{"name":"スクリプト"}`) }},
	"DELETE /api/v1/tokens/{id}":  {method: "DELETE", path: "/api/v1/tokens/{}", kind: kindToken},
	"GET /api/v1/org":             {method: "GET", path: "/api/v1/org"},
	"GET /api/v1/org/departments": {method: "GET", path: "/api/v1/org/departments"},
	"POST /api/v1/org/departments": {method: "POST", path: "/api/v1/org/departments", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"name":"新設部 %s"}`, w.seq()))
	}},
	"GET /api/v1/org/departments/{id}": {method: "GET", path: "/api/v1/org/departments/{}", kind: kindDept},
	"GET /api/v1/org/invitations":      {method: "GET", path: "/api/v1/org/invitations"},
	"POST /api/v1/org/invitations": {method: "POST", path: "/api/v1/org/invitations", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"invitations":[{"email":%q}]}`, w.fresh()))
	}},
	"GET /api/v1/org/invitations/{id}":        {method: "GET", path: "/api/v1/org/invitations/{}", kind: kindInv},
	"POST /api/v1/invitations/{token}/accept": {method: "POST", path: "/api/v1/invitations/{}/accept", kind: kindInvite},
	"GET /api/v1/orgs":                        {method: "GET", path: "/api/v1/orgs"},
	"POST /api/v1/orgs": {method: "POST", path: "/api/v1/orgs", body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"name":"新規法人 %s","declaredEmployees":120}`, w.seq()))
	}},
	"GET /api/v1/orgs/{id}":                          {method: "GET", path: "/api/v1/orgs/{}", kind: kindOrgID},
	"GET /api/v1/outbox":                             {method: "GET", path: "/api/v1/outbox"},
	"GET /api/v1/audit-events":                       {method: "GET", path: "/api/v1/audit-events"},
	"GET /events":                                    {method: "GET", path: "/events?trial=1"},
	"GET /events/{id}":                               {method: "GET", path: "/events/{}", kind: kindEvent},
	"GET /events/{id}/event.ics":                     {method: "GET", path: "/events/{}/event.ics", kind: kindEvent},
	"POST /events/{id}/rsvp":                         {method: "POST", path: "/events/{}/rsvp", kind: kindEvent, body: emptyForm},
	"POST /events/{id}/rsvp/cancel":                  {method: "POST", path: "/events/{}/rsvp/cancel", kind: kindEventRSVPd, body: emptyForm},
	"POST /events/{id}/cancel":                       {method: "POST", path: "/events/{}/cancel", kind: kindEvent, body: cancelForm},
	"GET /events/{id}/attendees":                     {method: "GET", path: "/events/{}/attendees", kind: kindEvent},
	"GET /events/{id}/attendees.csv":                 {method: "GET", path: "/events/{}/attendees.csv", kind: kindEvent},
	"POST /rsvps/{id}/check-in":                      {method: "POST", path: "/rsvps/{}/check-in", kind: kindRSVPConfirmed, body: emptyForm},
	"POST /rsvps/{id}/approve":                       {method: "POST", path: "/rsvps/{}/approve", kind: kindRSVPPending, body: emptyForm},
	"POST /rsvps/{id}/decline":                       {method: "POST", path: "/rsvps/{}/decline", kind: kindRSVPPending, body: emptyForm},
	"GET /communities/{id}/events/new":               {method: "GET", path: "/communities/{}/events/new", kind: kindNPO},
	"POST /communities/{id}/events":                  {method: "POST", path: "/communities/{}/events", kind: kindNPO, body: eventForm},
	"GET /settings/calendar":                         {method: "GET", path: "/settings/calendar"},
	"POST /settings/calendar":                        {method: "POST", path: "/settings/calendar", body: emptyForm},
	"POST /settings/calendar/delete":                 {method: "POST", path: "/settings/calendar/delete", body: withFeed(emptyForm)},
	"GET /feeds/{token}/member.ics":                  {method: "GET", path: "/feeds/{}/member.ics", kind: kindFeed},
	"GET /feeds/{token}/communities/{id}/events.ics": {method: "GET", path: "/feeds/{}/communities/{community}/events.ics", kind: kindFeed},
	"GET /probono":                                   {method: "GET", path: "/probono"},
	"GET /probono/{id}":                              {method: "GET", path: "/probono/{}", kind: kindProject},
	"POST /probono/{id}/apply":                       {method: "POST", path: "/probono/{}/apply", kind: kindProject, body: applyForm},
	"GET /probono/{id}/team":                         {method: "GET", path: "/probono/{}/team", kind: kindProjectTeam},
	"POST /probono/{id}/team":                        {method: "POST", path: "/probono/{}/team", kind: kindProjectTeam, body: teamForm},
	"GET /communities/{id}/probono/new":              {method: "GET", path: "/communities/{}/probono/new", kind: kindNPO},
	"POST /communities/{id}/probono":                 {method: "POST", path: "/communities/{}/probono", kind: kindNPO, body: projectForm},
	"GET /api/v1/events":                             {method: "GET", path: "/api/v1/events"},
	"POST /api/v1/communities/{id}/events": {method: "POST", path: "/api/v1/communities/{}/events", kind: kindNPO, body: func(*world, *actor) (string, string) {
		start := time.Now().Add(96 * time.Hour).UTC().Truncate(time.Second)
		return jsonBody(fmt.Sprintf(`{"title":"勉強会","startsAt":%q,"endsAt":%q,"online":true,"capacity":10}`,
			start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339)))
	}},
	"GET /api/v1/events/{id}":               {method: "GET", path: "/api/v1/events/{}", kind: kindEvent},
	"POST /api/v1/events/{id}/rsvp":         {method: "POST", path: "/api/v1/events/{}/rsvp", kind: kindEvent, body: func(*world, *actor) (string, string) { return jsonBody(`{"trial":true}`) }},
	"DELETE /api/v1/events/{id}/rsvp":       {method: "DELETE", path: "/api/v1/events/{}/rsvp", kind: kindEventRSVPd},
	"POST /api/v1/events/{id}/cancel":       {method: "POST", path: "/api/v1/events/{}/cancel", kind: kindEvent, body: func(*world, *actor) (string, string) { return jsonBody(`{"reason":"会場の都合"}`) }},
	"GET /api/v1/events/{id}/attendees":     {method: "GET", path: "/api/v1/events/{}/attendees", kind: kindEvent},
	"GET /api/v1/events/{id}/attendees.csv": {method: "GET", path: "/api/v1/events/{}/attendees.csv", kind: kindEvent},
	"POST /api/v1/rsvps/{id}/check-in":      {method: "POST", path: "/api/v1/rsvps/{}/check-in", kind: kindRSVPConfirmed},
	"POST /api/v1/rsvps/{id}/decision":      {method: "POST", path: "/api/v1/rsvps/{}/decision", kind: kindRSVPPending, body: func(*world, *actor) (string, string) { return jsonBody(`{"approve":true}`) }},
	"GET /api/v1/me/calendar-feed":          {method: "GET", path: "/api/v1/me/calendar-feed", body: withFeed(func(*world, *actor) (string, string) { return "", "" })},
	"POST /api/v1/me/calendar-feed":         {method: "POST", path: "/api/v1/me/calendar-feed"},
	"DELETE /api/v1/me/calendar-feed":       {method: "DELETE", path: "/api/v1/me/calendar-feed", body: withFeed(func(*world, *actor) (string, string) { return "", "" })},
	"GET /api/v1/probono-projects":          {method: "GET", path: "/api/v1/probono-projects"},
	"POST /api/v1/communities/{id}/probono-projects": {method: "POST", path: "/api/v1/communities/{}/probono-projects", kind: kindNPO, body: func(*world, *actor) (string, string) {
		answer := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
		return jsonBody(fmt.Sprintf(`{"title":"会計の見直し","deliverable":"新しい会計の手順書","roles":[{"name":"経理","skills":["会計"]}],`+
			`"teamSize":2,"hoursPerWeek":5,"durationMonths":2,"startsOn":%q,"answerBy":%q}`,
			answer.AddDate(0, 0, 14).In(tsunagari.Tokyo).Format(time.DateOnly), answer.Format(time.RFC3339)))
	}},
	"GET /api/v1/probono-projects/{id}": {method: "GET", path: "/api/v1/probono-projects/{}", kind: kindProject},
	"POST /api/v1/probono-projects/{id}/applications": {method: "POST", path: "/api/v1/probono-projects/{}/applications", kind: kindProject, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"skills":["Go"],"hoursPerWeek":5}`)
	}},
	"GET /api/v1/probono-projects/{id}/team-proposal": {method: "GET", path: "/api/v1/probono-projects/{}/team-proposal", kind: kindProjectTeam},
	"POST /api/v1/probono-projects/{id}/team": {method: "POST", path: "/api/v1/probono-projects/{}/team", kind: kindProjectTeam, body: func(w *world, _ *actor) (string, string) {
		return jsonBody(fmt.Sprintf(`{"members":[{"applicationId":%q,"role":"デザイナー"},{"applicationId":%q}]}`, w.application(0), w.application(1)))
	}},
	"GET /ideas":                {method: "GET", path: "/ideas?q=" + url.QueryEscape("介護")},
	"GET /ideas/new":            {method: "GET", path: "/ideas/new"},
	"POST /ideas":               {method: "POST", path: "/ideas", body: ideaForm},
	"GET /ideas/{id}":           {method: "GET", path: "/ideas/{}", kind: kindIdea},
	"POST /ideas/{id}/support":  {method: "POST", path: "/ideas/{}/support", kind: kindIdea, body: ideaSupportForm},
	"POST /ideas/{id}/withdraw": {method: "POST", path: "/ideas/{}/withdraw", kind: kindIdeaBacked, body: emptyForm},
	"POST /ideas/{id}/convert":  {method: "POST", path: "/ideas/{}/convert", kind: kindIdeaReady, body: ideaConvertForm},
	"GET /api/v1/ideas":         {method: "GET", path: "/api/v1/ideas?q=" + url.QueryEscape("介護")},
	"POST /api/v1/ideas": {method: "POST", path: "/api/v1/ideas", body: func(*world, *actor) (string, string) {
		return jsonBody(`{"title":"介護の現場でマネジメントを学べる場がほしい","tags":["介護"],"area":"online"}`)
	}},
	"GET /api/v1/ideas/{id}": {method: "GET", path: "/api/v1/ideas/{}", kind: kindIdea},
	"POST /api/v1/ideas/{id}/support": {method: "POST", path: "/api/v1/ideas/{}/support", kind: kindIdea, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"role":"speak"}`)
	}},
	"DELETE /api/v1/ideas/{id}/support": {method: "DELETE", path: "/api/v1/ideas/{}/support", kind: kindIdeaBacked},
	"POST /api/v1/ideas/{id}/conversion": {method: "POST", path: "/api/v1/ideas/{}/conversion", kind: kindIdeaReady, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"kind":"npo","name":"介護マネジメントの学び場"}`)
	}},
	"/api/": {method: "GET", path: "/api/v1/no-such-thing"},
	"/":     {method: "GET", path: "/no-such-page"},
}

// actor is one column of the matrix: an account (nil for anonymous) with
// a signed-in client, the org it belongs to ("home": its employer, or org
// A for accounts without one) and the other tenant ("foreign").
type actor struct {
	role          string
	acc           *tsunagari.Account
	client        *http.Client
	home, foreign *tenant
	// colleague is someone else in the home org (or, for accounts without
	// an org, someone else without one); stranger works for the foreign org.
	colleague, stranger *tsunagari.Account
}

type tenant struct {
	org  *tsunagari.Org
	dept *tsunagari.Department
}

// world is the data one route is tried on.
type world struct {
	e         *testEnv
	a, b      *tenant
	actors    []*actor
	bystander *tsunagari.Account // signs in where a route signs someone in
	n         int
	// community is a visible community, for the paths of community feeds.
	community string
	// applications are the applications of the last project with a team
	// to choose, for the request that confirms it.
	applications []string
}

func (w *world) seq() string { w.n++; return fmt.Sprint(w.n) }

// fresh returns an address no account or invitation uses yet.
func (w *world) fresh() string { return "fresh" + w.seq() + "@example.jp" }

func newWorld(t testing.TB, db backend) *world {
	t.Helper()
	e := newTestEnvOn(t, db)
	w := &world{e: e}
	mk := func(name string) *tenant {
		o, d := e.org(name)
		return &tenant{org: o, dept: d}
	}
	w.a, w.b = mk("A社"), mk("B社")
	person := func(email string, t *tenant, roles ...tsunagari.Role) *tsunagari.Account {
		a := &tsunagari.Account{Email: email, Name: "山田 花子", PasswordHash: e.hash,
			Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...), PasswordChangedAt: time.Now().Add(-time.Hour)}
		if t != nil {
			a.Employment = &tsunagari.Employment{OrgID: t.org.ID, DepartmentID: t.dept.ID, StartedAt: time.Now().Add(-time.Hour)}
		}
		if err := e.stores.Accounts.CreateAccount(context.Background(), a); err != nil {
			e.t.Fatal(err)
		}
		return a
	}
	colleagueA, colleagueB, colleagueFree := person("colleague@a.example", w.a), person("colleague@b.example", w.b), person("colleague@free.example", nil)
	w.bystander = person("bystander@free.example", nil)
	for _, role := range matrixRoles {
		var (
			acc  *tsunagari.Account
			home = w.a
		)
		switch role {
		case "member":
			acc = person("member@a.example", w.a)
		case "member_other_org":
			acc, home = person("member@b.example", w.b), w.b
		case "consultant":
			acc = person("consultant@free.example", nil, tsunagari.RoleConsultant)
		case "consultant_other":
			acc = person("consultant2@free.example", nil, tsunagari.RoleConsultant)
		case "organiser":
			acc = person("organiser@free.example", nil, tsunagari.RoleOrganiser)
		case "hr_admin":
			acc = person("hr@a.example", w.a, tsunagari.RoleHRAdmin)
		case "hr_admin_other_org":
			acc, home = person("hr@b.example", w.b, tsunagari.RoleHRAdmin), w.b
		case "operator":
			acc = person("operator@free.example", nil, tsunagari.RoleOperator)
		}
		if acc.Privileged() {
			// Their roles require two-step sign-in; the matrix is about
			// what they may do once signed in with it.
			e.enrol(acc)
		}
		ac := &actor{role: role, acc: acc, home: home, foreign: w.b, client: e.client()}
		if home == w.b {
			ac.foreign = w.a
		}
		switch {
		case acc == nil || acc.OrgID() == "":
			ac.colleague, ac.stranger = colleagueFree, colleagueA
		case home == w.a:
			ac.colleague, ac.stranger = colleagueA, colleagueB
		default:
			ac.colleague, ac.stranger = colleagueB, colleagueA
		}
		if acc == nil {
			// Anonymous requests use the objects a member of org A would.
			ac.colleague, ac.stranger = colleagueA, colleagueB
		}
		w.actors = append(w.actors, ac)
	}
	return w
}

// signIn gives every actor but the anonymous one a fresh session.
func (w *world) signIn() {
	for _, a := range w.actors {
		a.client = w.e.client()
		if a.acc != nil {
			w.e.startSession(a.client, a.acc)
		}
	}
}

// resetToken returns a valid password-reset token of the bystander.
func (w *world) resetToken() string {
	token := tsunagari.NewSecret("tsr_")
	now := time.Now().UTC().Truncate(time.Second)
	r := &tsunagari.PasswordReset{TokenHash: auth.HashToken(token), AccountID: w.bystander.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := w.e.stores.Sessions.CreatePasswordReset(context.Background(), r,
		&tsunagari.Mail{To: w.bystander.Email, Subject: "s", Body: "b", Kind: "password_reset", CreatedAt: now}); err != nil {
		w.e.t.Fatal(err)
	}
	return token
}

// object creates, for one cell, an object of kind in relation rel to a,
// and returns what goes in the path.
func (w *world) object(kind objectKind, rel string, a *actor) string {
	ctx := context.Background()
	st := w.e.stores
	t := w.e.t
	now := time.Now().UTC().Truncate(time.Second)
	owner := map[string]*tsunagari.Account{relOwn: a.acc, relOther: a.colleague, relTenant: a.stranger, relHidden: a.colleague}[rel]
	if owner == nil { // anonymous: a member of org A's own
		owner = w.actors[slices.IndexFunc(w.actors, func(x *actor) bool { return x.role == "member" })].acc
	}
	org := a.home
	if rel == relTenant {
		org = a.foreign
	}
	switch kind {
	case kindToken:
		tok := &tsunagari.APIToken{AccountID: owner.ID, Name: "cell", TokenHash: auth.HashToken(tsunagari.NewSecret("tsu_")),
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := st.Sessions.CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return tok.ID
	case kindDept:
		if rel == relOwn && a.acc != nil && a.acc.Employment != nil {
			return a.acc.Employment.DepartmentID
		}
		d := &tsunagari.Department{OrgID: org.org.ID, Name: "課 " + w.seq(), CreatedAt: now}
		if err := st.Orgs.CreateDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d.ID
	case kindInv, kindInvite:
		token := tsunagari.NewSecret("tsi_")
		inv := &tsunagari.Invitation{OrgID: org.org.ID, Email: w.fresh(), Role: tsunagari.RoleMember,
			TokenHash: auth.HashToken(token), InvitedBy: owner.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if kind == kindInvite && rel == relOwn && a.acc != nil {
			inv.Email = a.acc.Email
		}
		if err := st.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
			t.Fatal(err)
		}
		if kind == kindInvite {
			return token
		}
		return inv.ID
	case kindOrgID:
		return org.org.ID
	case kindRound:
		in, err := st.Surveys.FindInstrument(ctx, "five_powers", 0)
		if err != nil {
			t.Fatal(err)
		}
		r := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAnonymous,
			OrgID: org.org.ID, OpensAt: now.Add(-time.Hour), CreatedAt: now}
		if err := st.Surveys.CreateRound(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r.ID
	case kindInstr:
		in := &tsunagari.Instrument{ID: "cell_" + w.seq(), OrgID: org.org.ID, Title: tsunagari.Text{Ja: "表", En: "Cell"},
			Sections: []tsunagari.Section{{ID: "s", Title: tsunagari.Text{Ja: "節", En: "Section"}, Items: []tsunagari.Item{
				{ID: "q", Kind: tsunagari.KindText, Text: tsunagari.Text{Ja: "問", En: "Question"}}}}}}
		if _, err := st.Surveys.AddInstrumentVersion(ctx, in, now); err != nil {
			t.Fatal(err)
		}
		return in.ID
	case kindMark:
		// owner is the actor for its own mark, a colleague otherwise.
		c := &tsunagari.Community{Kind: tsunagari.CommunityOccupational, Name: "勉強会 " + w.seq(), Purpose: "学び直し",
			Prefecture: "13", JoinPolicy: tsunagari.JoinOpen}
		if err := st.Communities.CreateCommunity(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := st.Recommend.SetCommunityMark(ctx, &tsunagari.CommunityMark{AccountID: owner.ID, CommunityID: c.ID,
			Mark: tsunagari.MarkBookmark}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	case kindConsultantMark:
		c := w.consultant()
		if err := st.Match.SetMark(ctx, &tsunagari.ConsultantMark{MemberID: owner.ID, ConsultantID: c.ID,
			Kind: tsunagari.ConsultantBookmark, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	case kindMyBooking, kindHeld:
		member, consultant := owner, w.consultant()
		if kind == kindHeld {
			member = a.colleague
			if rel == relTenant {
				member = a.stranger
			}
			if rel == relOwn && a.acc != nil {
				// The actor holds the booking; a profile makes it possible
				// whatever the actor's roles, so that the roles decide.
				w.profile(a.acc)
				consultant = a.acc
			}
		}
		w.inventory(member)
		start := now.Add(time.Duration(72+w.n) * time.Hour)
		b, err := st.Consultation.CreateBooking(ctx, &tsunagari.Booking{ConsultantID: consultant.ID, MemberID: member.ID,
			Start: start, End: start.Add(time.Hour), BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed,
			Themes: []string{"job_change"}, CreatedAt: now}, tsunagari.WeekCap{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.seq()
		if err := st.Inventory.ShareInventory(ctx, &tsunagari.InventoryShare{BookingID: b.ID, MemberID: member.ID,
			ConsultantID: consultant.ID, SharedAt: now}); err != nil {
			t.Fatal(err)
		}
		return b.ID
	case kindCommunity, kindMember:
		c := &tsunagari.Community{Kind: tsunagari.CommunityNPO, Name: "寄付を集める会 " + w.seq(), Purpose: "語り合う",
			Prefecture: "13", JoinPolicy: tsunagari.JoinOpen, CreatedAt: now,
			Organisers: []tsunagari.Organiser{{AccountID: owner.ID, Role: tsunagari.CommunityOrganiser}}}
		if err := st.Communities.CreateCommunity(ctx, c); err != nil {
			t.Fatal(err)
		}
		if rel == relHidden {
			if err := st.Communities.SetCommunityHidden(ctx, c.ID, &now, "規約違反"); err != nil {
				t.Fatal(err)
			}
		}
		if kind == kindCommunity {
			return c.ID
		}
		// A request to join from a newcomer.
		newcomer := &tsunagari.Account{Email: w.fresh(), Name: "新参 太郎", Roles: []tsunagari.Role{tsunagari.RoleMember}, CreatedAt: now}
		if err := st.Accounts.CreateAccount(ctx, newcomer); err != nil {
			t.Fatal(err)
		}
		m := &tsunagari.Membership{CommunityID: c.ID, AccountID: newcomer.ID, Involvement: tsunagari.InvolvementRegular,
			Role: tsunagari.CommunityMember, Status: tsunagari.MembershipPending, RequestedAt: now}
		if err := st.Communities.CreateMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
		return c.ID + "/members/" + newcomer.ID
	case kindProg:
		p := &tsunagari.Programme{OrgID: org.org.ID, Kind: tsunagari.ProgrammeTraining, Name: "キャリア研修 " + w.seq(),
			StartsOn: now.AddDate(0, 0, -7), EndsOn: now.AddDate(0, 1, 0), CreatedAt: now}
		if err := st.Programmes.CreateProgramme(ctx, p); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"programme":%q,"name":%q,"kind":"training","startsOn":"2026-01-01T00:00:00Z","endsOn":"2026-03-31T00:00:00Z","instrument":"pre_post","labels":[],"pairK":10,"effects":[]}`,
			p.ID, p.Name)
		if err := st.Releases.PublishRelease(ctx, &tsunagari.Release{OrgID: org.org.ID, Kind: tsunagari.ReleaseProgramme,
			Subject: p.ID, K: 5, Body: []byte(body)}, nil); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	if id, ok := w.consultationObject(kind, rel, a); ok {
		return id
	}
	if id, ok := w.communityObject(kind, rel, a); ok {
		return id
	}
	if id, ok := w.ideaObject(kind, rel, a); ok {
		return id
	}
	t.Fatalf("no object of kind %q", kind)
	return ""
}

// instrumentJSON returns the definition of a new instrument, under an ID
// no other cell uses.
func (w *world) instrumentJSON() string {
	return fmt.Sprintf(`{"id":"authored_%s","title":{"ja":"自作","en":"Authored"},"sections":[{"id":"s","title":{"ja":"節","en":"Section"},`+
		`"items":[{"id":"q","kind":"single","text":{"ja":"問","en":"Question"},"options":[`+
		`{"id":"a","label":{"ja":"あ","en":"A"}},{"id":"b","label":{"ja":"い","en":"B"}}]}]}]}`, w.seq())
}

// consultant creates a verified consultant with free time and returns
// their account.
func (w *world) consultant() *tsunagari.Account {
	ctx := context.Background()
	a := &tsunagari.Account{Email: w.fresh(), Name: "相談員 " + w.seq(), PasswordHash: w.e.hash,
		Roles: []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleConsultant}, PasswordChangedAt: time.Now().Add(-time.Hour)}
	if err := w.e.stores.Accounts.CreateAccount(ctx, a); err != nil {
		w.e.t.Fatal(err)
	}
	w.profile(a)
	av := tsunagari.DefaultAvailability(a.ID)
	av.ClosedOnHolidays = false
	for d := time.Sunday; d <= time.Saturday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 9 * 60, End: 18 * 60}})
	}
	if err := w.e.stores.Consultation.SaveAvailability(ctx, av); err != nil {
		w.e.t.Fatal(err)
	}
	return a
}

// profile gives a a verified consultant profile, unless it has one.
func (w *world) profile(a *tsunagari.Account) {
	ctx := context.Background()
	if _, err := w.e.stores.Consultation.FindConsultant(ctx, a.ID); err == nil {
		return
	}
	c := &tsunagari.Consultant{AccountID: a.ID, DisplayName: a.Name, RegistrationNumber: fmt.Sprintf("%08d", 19000000+registrations.Add(1)),
		Languages: []string{"ja"}, Online: true, Themes: []string{"job_change"}, Message: "転職のご相談をどうぞ。"}
	if err := w.e.stores.Consultation.SaveConsultant(ctx, c); err != nil {
		w.e.t.Fatal(err)
	}
	if err := w.e.stores.Consultation.VerifyConsultant(ctx, a.ID, "", time.Now()); err != nil {
		w.e.t.Fatal(err)
	}
}

// inventory gives a, if anyone, a career inventory (sealed as the
// service seals it).
func (w *world) inventory(a *tsunagari.Account) {
	if a == nil {
		return
	}
	if _, err := w.e.srv.Journey.SaveInventory(context.Background(), a,
		[]tsunagari.InventoryItem{{ID: "want", Text: "学び直したい"}}); err != nil {
		w.e.t.Fatal(err)
	}
}

// fivePowersItems lists the item IDs of the five powers check-in.
func (w *world) fivePowersItems() []string {
	in, err := w.e.stores.Surveys.FindInstrument(context.Background(), "five_powers", 0)
	if err != nil {
		w.e.t.Fatal(err)
	}
	var ids []string
	for _, it := range in.Items() {
		ids = append(ids, it.ID)
	}
	return ids
}

// missing returns an object of kind that does not exist.
func missing(kind objectKind) string {
	if kind == kindInvite {
		return tsunagari.NewSecret("tsi_")
	}
	if kind == kindMember {
		return tsunagari.NewID() + "/members/" + tsunagari.NewID()
	}
	if kind == kindFeed {
		return tsunagari.NewSecret("tsf_")
	}
	return tsunagari.NewID()
}

// do sends one request of the matrix.
func (w *world) do(a *actor, rq request, obj string) response {
	path := strings.Replace(rq.path, paramMarker, obj, 1)
	if strings.Contains(path, communityMarker) {
		if w.community == "" {
			w.community = w.e.communityRunBy(w.bystander, tsunagari.CommunityNPO, "見える会").ID
		}
		path = strings.Replace(path, communityMarker, w.community, 1)
	}
	var ct, body string
	if rq.body != nil {
		ct, body = rq.body(w, a)
	}
	req, _ := http.NewRequest(rq.method, w.e.ts.URL+path, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return w.e.do(a.client, req)
}

// answer is how a cell is written in the table: the status, or "login"
// for a redirect to the sign-in page.
func answer(res response) string {
	if res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
		return "login"
	}
	return fmt.Sprint(res.StatusCode)
}

type cellKey struct{ route, rel, role string }

// readMatrix reads the expected answers.
func readMatrix(t *testing.T) (map[cellKey]string, []string) {
	t.Helper()
	f, err := os.Open(authzFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]string{"route", "relation"}, matrixRoles...); !slices.Equal(header, want) {
		t.Fatalf("%s header = %v, want %v", authzFile, header, want)
	}
	cells := map[cellKey]string{}
	var order []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(order, rec[0]) {
			order = append(order, rec[0])
		}
		for i, role := range matrixRoles {
			k := cellKey{rec[0], rec[1], role}
			if _, dup := cells[k]; dup {
				t.Errorf("%s: %s %s %s twice", authzFile, rec[0], rec[1], role)
			}
			cells[k] = strings.TrimSpace(rec[2+i])
		}
	}
	return cells, order
}

func TestAuthorizationMatrix(t *testing.T) {
	want, _ := readMatrix(t)
	routes := newTestEnv(t).srv.Routes()

	// Every route has a row and a way to be called, and every row a route.
	for _, route := range routes {
		rq, ok := requests[route]
		if !ok {
			// Fatal even with -update-authz: there is nothing to ask.
			t.Fatalf("route %q is not in the matrix test's requests: add how to call it", route)
		}
		for _, rel := range rq.kind.relations() {
			if _, ok := want[cellKey{route, rel, matrixRoles[0]}]; !ok {
				t.Errorf("route %q, relation %q has no row in %s", route, rel, authzFile)
			}
		}
	}
	for k := range want {
		if k.role == matrixRoles[0] && !slices.Contains(routes, k.route) {
			t.Errorf("%s has a row for %q, which the server does not register", authzFile, k.route)
		}
	}
	if t.Failed() && !*updateAuthz {
		t.FailNow()
	}

	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		var (
			mu    sync.Mutex
			got   = map[cellKey]string{}
			cells int
		)
		// The routes run in parallel, each in its own world; the group
		// returns when all of them are done.
		t.Run("routes", func(t *testing.T) {
			for _, route := range routes {
				rq := requests[route]
				t.Run(route, func(t *testing.T) {
					t.Parallel()
					w := newWorld(t, open(t))
					for _, rel := range rq.kind.relations() {
						// Sessions are fresh for each relation: a cell may
						// sign its actor out or change its password.
						w.signIn()
						for _, a := range w.actors {
							obj := ""
							if rq.kind != noObject {
								obj = w.object(rq.kind, rel, a)
							}
							res := w.do(a, rq, obj)
							k := cellKey{route, rel, a.role}
							ans := answer(res)
							mu.Lock()
							got[k] = ans
							cells++
							mu.Unlock()
							if exp := want[k]; ans != exp && !*updateAuthz {
								t.Errorf("%s (%s) as %s = %s, want %s\n%.300s", route, rel, a.role, ans, exp, res.body)
							}
							// What may not be known to exist answers exactly as
							// an object that does not exist.
							if ans == "404" && rq.kind != noObject {
								absent := missing(rq.kind)
								other := w.do(a, rq, absent)
								if other.StatusCode != res.StatusCode || strings.ReplaceAll(res.body, obj, absent) != other.body {
									t.Errorf("%s (%s) as %s: the 404 differs from that for a missing object:\n%s\n---\n%s",
										route, rel, a.role, res.body, other.body)
								}
							}
						}
					}
				})
			}
		})
		t.Logf("authorization matrix: %d routes, %d roles, %d cells", len(routes), len(matrixRoles), cells)
		if *updateAuthz && !t.Failed() {
			writeMatrix(t, routes, got)
		}
	})
}

// writeMatrix rewrites the table from the answers observed.
func writeMatrix(t *testing.T, routes []string, got map[cellKey]string) {
	t.Helper()
	old, err := os.ReadFile(authzFile)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for line := range strings.Lines(string(old)) {
		if !strings.HasPrefix(line, "#") {
			break
		}
		b.WriteString(line)
	}
	cw := csv.NewWriter(&b)
	cw.Write(append([]string{"route", "relation"}, matrixRoles...))
	for _, route := range routes {
		for _, rel := range requests[route].kind.relations() {
			rec := []string{route, rel}
			for _, role := range matrixRoles {
				rec = append(rec, got[cellKey{route, rel, role}])
			}
			cw.Write(rec)
		}
	}
	cw.Flush()
	if err := os.WriteFile(authzFile, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

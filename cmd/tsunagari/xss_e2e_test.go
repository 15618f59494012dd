package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"tsunagari"
	"tsunagari/internal/demo"
)

// The XSS suite (TRUST.md §6 S4): every payload goes into every text
// field that exists, through the form or API a person uses, and every
// page that then shows the field (or echoes the refused input) is
// rendered in headless Chromium. No payload may become markup: no element
// it carries (marked data-xss) may appear in the DOM, no dialog may open,
// no script it carries may run, and no Content Security Policy violation
// may be reported. The payload's text must be on the page, so a field that
// is not shown cannot pass by accident.
//
// To cover a new text field, add a case to xssCases.

// xssPayloads are the attacks, each ending in a token X<n> that makes it
// findable on the page. They include full-width and other Unicode
// look-alikes, which a normaliser running after escaping would turn into
// markup. Each is at most 60 characters, the shortest field limit.
var xssPayloads = []string{
	`<script>window.__xss=1</script>`,
	`"><img src=x onerror=alert(1) data-xss>`,
	`'><svg onload=alert(1) data-xss>`,
	`</title><script>alert(1)</script>`,
	`</textarea><img src=x onerror=alert(1) data-xss>`,
	`" autofocus onfocus="alert(1)" data-xss="`,
	`' onmouseover='alert(1)' data-xss='`,
	`javascript:alert(1)//`,
	`<a href="javascript:alert(1)" data-xss>x</a>`,
	`<iframe srcdoc="<script>alert(1)</script>" data-xss>`,
	`<details open ontoggle=alert(1) data-xss>`,
	`<math><mtext><table><mglyph><style><img data-xss>`,
	`<svg><style><img src=x onerror=alert(1) data-xss>`,
	`<!--<img src="--><img src=x onerror=alert(1) data-xss>`,
	`<noscript><p title="</noscript><img data-xss>">`,
	`<base href="//evil.example/" data-xss>`,
	`<meta http-equiv=refresh content="0;url=//evil" data-xss>`,
	`<scr<script>ipt>alert(1)</script>`,
	`{{.}}{{template "layout" .}}`,
	`&lt;img src=x onerror=alert(1) data-xss&gt;`,
	`%3Cimg%20src%3Dx%20onerror%3Dalert(1)%20data-xss%3E`,
	`\u003cimg src=x onerror=alert(1) data-xss\u003e`,
	`\"-alert(1)-\"`,
	"＜script＞alert(1)＜／script＞",
	"＂＞＜img src=x onerror=alert(1) data-xss＞",
	"<ｓｃｒｉｐｔ>alert(1)</ｓｃｒｉｐｔ>",
	"﹤img src=x onerror=alert(1) data-xss﹥",
	"\u202e<img src=x onerror=alert(1) data-xss>",
	"<\u200bimg src=x onerror=alert(1) data-xss>",
	"＜ｉｍｇ ｓｒｃ＝ｘ ｏｎｅｒｒｏｒ＝ａｌｅｒｔ(1)＞",
}

// xssPage is one page to look at: its HTML, fetched by the viewer, and
// where it came from.
type xssPage struct {
	what string
	html string
	path string // the page's path, when it was fetched with GET
}

// xssEnv is the demo server and a signed-in client per role.
type xssEnv struct {
	t                       *testing.T
	m                       *Main
	base                    string
	visitor, member, hr, op *http.Client
	reflection              *tsunagari.Round

	// The organiser runs community. The consultant held booking, a past
	// session, with client, and has upcoming, a session ahead, with
	// sharer, who shares their career inventory for it.
	organiser, consultant, client, sharer *http.Client
	community, booking, upcoming          string
	consultantID                          string
	profile                               url.Values // the consultant's profile form as it was
	shared                                bool       // sharer has shared their inventory
	n                                     int        // numbers what a case creates
}

func (x *xssEnv) get(c *http.Client, path string) xssPage {
	x.t.Helper()
	res, err := c.Get(x.base + path)
	if err != nil {
		x.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		x.t.Errorf("GET %s = %d", path, res.StatusCode)
	}
	return xssPage{what: "GET " + path, html: string(b), path: path}
}

// post sends a form and returns the page it answered with, following a
// redirect to the page it leads to.
func (x *xssEnv) post(c *http.Client, path, contentType string, body io.Reader) xssPage {
	x.t.Helper()
	req, _ := http.NewRequest("POST", x.base+path, body)
	req.Header.Set("Content-Type", contentType)
	res, err := c.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		x.t.Errorf("POST %s = %d", path, res.StatusCode)
	}
	if res.StatusCode == http.StatusSeeOther {
		return x.get(c, res.Header.Get("Location"))
	}
	return xssPage{what: fmt.Sprintf("POST %s (%d)", path, res.StatusCode), html: string(b)}
}

func (x *xssEnv) postForm(c *http.Client, path string, v url.Values) xssPage {
	x.t.Helper()
	return x.post(c, path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

// create sends a form that makes something: a community, an event, a
// project. It returns the pages it answered with and the path of what it
// made, or "" when the form was refused. A payload longer than a field
// may be is refused with the form shown again; then shorten, when given,
// changes the form and it is sent once more, so that the other fields
// still reach the pages that show them.
func (x *xssEnv) create(c *http.Client, path string, v url.Values, made string, shorten func(url.Values)) ([]xssPage, string) {
	x.t.Helper()
	pg := x.postForm(c, path, v)
	pages := []xssPage{pg}
	if !strings.HasPrefix(pg.path, made) && shorten != nil {
		shorten(v)
		pg = x.postForm(c, path, v)
		pages = append(pages, pg)
	}
	if !strings.HasPrefix(pg.path, made) {
		return pages, ""
	}
	return pages, pg.path
}

// newCommunity has the organiser start an NPO, which may hold events and
// pro-bono projects, and returns its ID.
func (x *xssEnv) newCommunity() string {
	x.t.Helper()
	_, made := x.create(x.organiser, "/communities", url.Values{"kind": {"npo"}, "name": {"XSS試験のNPO"},
		"purpose": {"プロボノ案件とイベントを開く"}, "online": {"1"}, "languages": {"ja"}, "joinPolicy": {"open"},
		"monthlyFee": {"0"}, "hoursPerMonth": {"2"}}, "/communities/", nil)
	if made == "" {
		x.t.Fatal("the organiser could not start a community")
	}
	return strings.TrimPrefix(made, "/communities/")
}

// probonoForm is the form of a pro-bono project whose texts are all p.
func probonoForm(p string) url.Values {
	answer := time.Now().AddDate(0, 0, 10).In(tsunagari.Tokyo)
	return url.Values{"title": {p}, "deliverable": {p}, "description": {p}, "roleName1": {p}, "roleSkills1": {"Go"},
		"teamSize": {"3"}, "hoursPerWeek": {"5"}, "durationMonths": {"3"},
		"startsOn": {answer.AddDate(0, 0, 20).Format(time.DateOnly)}, "answerBy": {answer.Format(time.DateOnly)}}
}

// xssCase is one text field: how a person fills it in, and the pages that
// show what they wrote (or echo it back when it is refused). Unless hidden
// is set, at least one of the pages must show the payload's text.
type xssCase struct {
	field  string
	hidden bool // the pages need not show the value, only never run it
	put    func(x *xssEnv, payload string) []xssPage
}

var xssCases = []xssCase{
	{"account name", false, func(x *xssEnv, p string) []xssPage {
		pages := []xssPage{x.postForm(x.member, "/settings", url.Values{"name": {p}})}
		return append(pages, x.get(x.member, "/dashboard"), x.get(x.member, "/settings/data"),
			x.get(x.op, "/operator/audit")) // the trail names its actors
	}},
	{"sign-up name and address", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.visitor, "/signup", url.Values{"name": {p}, "email": {p}, "password": {"short"}})}
	}},
	{"sign-in address and return path", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{
			// Without a password the form comes back at once, before any
			// password hashing.
			x.postForm(x.visitor, "/signin", url.Values{"email": {p}, "next": {p}}),
			x.get(x.visitor, "/signin?next="+url.QueryEscape("/"+p)),
		}
	}},
	{"password reset address and token", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{
			x.postForm(x.visitor, "/password/forgot", url.Values{"email": {p}}),
			x.get(x.visitor, "/password/reset?token="+url.QueryEscape(p)),
		}
	}},
	{"API token name", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.member, "/settings/tokens", url.Values{"name": {p}}), x.get(x.member, "/settings")}
	}},
	{"department name", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.hr, "/hr/departments", url.Values{"name": {p}}),
			x.get(x.hr, "/hr/invitations")}
	}},
	{"invitation address", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.hr, "/hr/invitations", url.Values{"email": {p}, "departmentId": {p}})}
	}},
	{"invitation file", false, func(x *xssEnv, p string) []xssPage {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", p+".csv")
		fmt.Fprintf(fw, "email,department\n%q,%q\n", p, p)
		mw.Close()
		return []xssPage{x.post(x.hr, "/hr/invitations/csv", mw.FormDataContentType(), &b)}
	}},
	{"organisation name", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.op, "/operator/orgs", url.Values{"name": {p}, "declaredEmployees": {"120"}}),
			x.postForm(x.op, "/operator/orgs", url.Values{"name": {p}, "declaredEmployees": {p}})}
	}},
	{"free-text answer", false, func(x *xssEnv, p string) []xssPage {
		path := "/rounds/" + x.reflection.ID
		return []xssPage{
			x.postForm(x.member, path, url.Values{"note": {p}}), // refused: the mood is required
			x.postForm(x.member, path, url.Values{"note": {p}, "mood": {"4"}}),
			x.get(x.member, "/settings/data"),
		}
	}},
	{"community name, purpose, description and tags", false, func(x *xssEnv, p string) []xssPage {
		v := url.Values{"kind": {"occupational"}, "name": {p}, "purpose": {p}, "description": {p}, "tags": {p}, "online": {"1"},
			"languages": {"ja"}, "joinPolicy": {"open"}, "monthlyFee": {"0"}, "hoursPerMonth": {"2"}}
		pages, made := x.create(x.organiser, "/communities", v, "/communities/", func(v url.Values) { v.Del("tags") })
		if made != "" {
			pages = append(pages, x.get(x.member, made), x.get(x.organiser, made+"/edit"), x.get(x.organiser, made+"/members"))
		}
		return append(pages, x.get(x.member, "/communities?q="+url.QueryEscape(p)), x.get(x.organiser, "/communities/mine"))
	}},
	{"event title, description and place", false, func(x *xssEnv, p string) []xssPage {
		start := time.Now().Add(10 * 24 * time.Hour).In(tsunagari.Tokyo)
		v := url.Values{"title": {p}, "description": {p}, "venue": {p}, "prefecture": {"13"}, "capacity": {"10"}, "seats": {"first"},
			"startsAt": {start.Format("2006-01-02T15:04")}, "endsAt": {start.Add(2 * time.Hour).Format("2006-01-02T15:04")}}
		// Each event in a community of its own, which lists it first.
		c := x.newCommunity()
		pages, made := x.create(x.organiser, "/communities/"+c+"/events", v, "/events/", nil)
		if made != "" {
			pages = append(pages, x.get(x.member, made), x.get(x.visitor, made), x.get(x.organiser, made+"/attendees"))
		}
		return append(pages, x.get(x.member, "/communities/"+c), x.get(x.visitor, "/events"))
	}},
	{"pro-bono project title, deliverable, description and role", false, func(x *xssEnv, p string) []xssPage {
		v := probonoForm(p)
		pages, made := x.create(x.organiser, "/communities/"+x.community+"/probono", v, "/probono/", func(v url.Values) {
			v.Set("roleName1", "デザイナー")
		})
		if made != "" {
			pages = append(pages, x.get(x.member, made), x.get(x.organiser, made+"/team"))
		}
		return append(pages, x.get(x.visitor, "/probono"))
	}},
	{"pro-bono application", false, func(x *xssEnv, p string) []xssPage {
		_, project := x.create(x.organiser, "/communities/"+x.community+"/probono", probonoForm("応募を待つ案件"), "/probono/", nil)
		if project == "" {
			x.t.Fatal("the organiser could not open a pro-bono project")
		}
		v := url.Values{"motivation": {p}, "skills": {p}, "hoursPerWeek": {"5"}}
		pages, _ := x.create(x.member, project+"/apply", v, "/probono/", func(v url.Values) { v.Set("skills", "Go") })
		return append(pages, x.get(x.organiser, project+"/team"), x.get(x.member, "/settings/data"))
	}},
	{"consultant display name and message", false, func(x *xssEnv, p string) []xssPage {
		v := url.Values{}
		for k, vs := range x.profile {
			v[k] = vs
		}
		v.Set("displayName", p)
		v.Set("message", p)
		id := x.consultantID
		return []xssPage{x.postForm(x.consultant, "/consultant/profile", v), x.get(x.member, "/consultants/"+id),
			x.get(x.member, "/shortlist/"+id), x.get(x.member, "/shortlist/search?q="+url.QueryEscape(p)),
			x.get(x.client, "/bookings/"+x.booking), x.get(x.client, "/bookings"),
			x.get(x.op, "/operator/consultants")}
	}},
	{"consultant's note", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.consultant, "/bookings/"+x.booking+"/note", url.Values{"note": {p}}),
			x.get(x.consultant, "/bookings/"+x.booking), x.get(x.consultant, "/settings/data")}
	}},
	{"session reflection", false, func(x *xssEnv, p string) []xssPage {
		v := url.Values{"rating": {"4"}, "shareRating": {"1"}}
		for _, q := range tsunagari.ReflectionItems {
			v.Set(q.ID, p)
			v.Set("share_"+q.ID, "1")
		}
		return []xssPage{x.postForm(x.client, "/bookings/"+x.booking+"/reflection", v), x.get(x.client, "/bookings/"+x.booking),
			x.get(x.client, "/settings/data"), x.get(x.consultant, "/bookings/"+x.booking), x.get(x.client, "/journey")}
	}},
	{"recommendation wish", false, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.postForm(x.member, "/recommendations/preferences", url.Values{"from": {"settings"}, "wish": {p}}),
			x.get(x.member, "/settings"), x.get(x.member, "/recommendations"), x.get(x.member, "/settings/data")}
	}},
	{"career inventory", false, func(x *xssEnv, p string) []xssPage {
		v := url.Values{}
		for _, it := range tsunagari.InventoryItems {
			v.Set(it.ID, p)
		}
		pages := []xssPage{x.postForm(x.sharer, "/inventory", v)}
		if !x.shared {
			pages = append(pages, x.postForm(x.sharer, "/inventory/shares/"+x.upcoming, nil))
			x.shared = true
		}
		return append(pages, x.get(x.sharer, "/inventory"), x.get(x.sharer, "/settings/data"),
			x.get(x.consultant, "/inventory/shared/"+x.upcoming))
	}},
	{"programme name and description", false, func(x *xssEnv, p string) []xssPage {
		today := time.Now().In(tsunagari.Tokyo)
		v := url.Values{"kind": {"training"}, "name": {p}, "description": {p}, "startsOn": {today.Format(time.DateOnly)},
			"endsOn": {today.AddDate(0, 1, 0).Format(time.DateOnly)}}
		pages := []xssPage{x.postForm(x.hr, "/hr/programmes", v), x.get(x.member, "/programmes")}
		ctx, stores := context.Background(), x.m.db.Stores()
		hr, err := stores.Accounts.FindAccountByEmail(ctx, "hr@tsunagari.example")
		if err != nil {
			x.t.Fatal(err)
		}
		ps, err := stores.Programmes.FindProgrammes(ctx, hr.OrgID())
		if err != nil {
			x.t.Fatal(err)
		}
		for _, pr := range ps {
			if pr.Name == strings.TrimSpace(p) {
				pages = append(pages, x.get(x.hr, "/hr/programmes/"+pr.ID+"/effect"))
			}
		}
		return pages
	}},
	{"authored instrument title and item text", false, func(x *xssEnv, p string) []xssPage {
		x.n++
		id := fmt.Sprintf("xss_%d", x.n)
		t := tsunagari.Text{Ja: p, En: p}
		in := tsunagari.Instrument{ID: id, Title: t, Intro: t, Sections: []tsunagari.Section{{ID: "s1", Title: t, Items: []tsunagari.Item{
			{ID: "q1", Kind: tsunagari.KindLikert, Points: 5, Text: t, Low: t, High: t},
			{ID: "q2", Kind: tsunagari.KindSingle, Text: t, Options: []tsunagari.Option{{ID: "a", Label: t}, {ID: "b", Label: t}}},
			{ID: "q3", Kind: tsunagari.KindText, Text: t},
		}}}}
		def, err := json.Marshal(in)
		if err != nil {
			x.t.Fatal(err)
		}
		pages := []xssPage{x.postForm(x.hr, "/instruments", url.Values{"action": {"json"}, "new": {"1"}, "definition": {string(def)}}),
			x.get(x.hr, "/instruments/"+id+"/edit")}
		closes := time.Now().In(tsunagari.Tokyo).AddDate(0, 0, 7).Format(time.DateOnly)
		rounds, round := x.create(x.hr, "/hr/rounds", url.Values{"instrumentId": {id}, "mode": {"anonymous"}, "closesOn": {closes}}, "/reports/", nil)
		pages = append(pages, rounds...)
		if round == "" {
			x.t.Errorf("the round of %s was not sent", id)
			return pages
		}
		return append(pages, x.get(x.member, "/rounds/"+strings.TrimPrefix(round, "/reports/")), x.get(x.member, "/surveys"))
	}},
	{"audit filter", true, func(x *xssEnv, p string) []xssPage {
		return []xssPage{x.get(x.op, "/operator/audit?action="+url.QueryEscape(p)+"&actor="+url.QueryEscape(p)),
			x.get(x.op, "/operator/outbox?to="+url.QueryEscape(p))}
	}},
	{"path parameters", true, func(x *xssEnv, p string) []xssPage {
		seg := url.PathEscape(p)
		return []xssPage{x.get(x.visitor, "/invite/"+seg), x.get(x.member, "/surveys/"+seg), x.get(x.member, "/rounds/"+seg),
			x.get(x.hr, "/hr/departments/"+seg), x.get(x.visitor, "/"+seg)}
	}},
}

// renderer shows HTML in the browser under the site's origin and its
// Content Security Policy, and reports what the page did.
type renderer struct {
	ctx        context.Context
	base       string
	frame      cdp.FrameID
	dialogs    atomic.Int64
	violations atomic.Int64
}

func newRenderer(t *testing.T, browser context.Context, base string) *renderer {
	r := &renderer{ctx: browser, base: base}
	if err := chromedp.Listen(browser, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			r.dialogs.Add(1)
			go chromedp.Call(browser, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *log.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") {
				r.violations.Add(1)
			}
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				if strings.Contains(string(a.Value), "Content Security Policy") {
					r.violations.Add(1)
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

// verdict is what a rendered page did.
type verdict struct {
	Marked int    `json:"marked"` // elements a payload put there
	Ran    bool   `json:"ran"`    // a payload's script ran
	Text   string `json:"text"`   // the page's text and form values
}

// render loads the HTML into a page of the site and returns its verdict.
// The page is opened once, at /healthz, so that it has the site's origin
// and the Content Security Policy every answer carries; each HTML then
// replaces its document.
func (r *renderer) render(html string) (verdict, int64, int64, error) {
	ctx, cancel := context.WithTimeout(r.ctx, stepTimeout)
	defer cancel()
	if r.frame == "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(r.base+"/healthz")); err != nil {
			return verdict{}, 0, 0, err
		}
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return verdict{}, 0, 0, err
		}
		r.frame = tree.FrameTree.Frame.ID
	}
	d0, v0 := r.dialogs.Load(), r.violations.Load()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`delete window.__xss`)); err != nil {
		return verdict{}, 0, 0, err
	}
	if _, err := chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: r.frame, HTML: html}); err != nil {
		return verdict{}, 0, 0, err
	}
	// The document is parsed only once its stylesheet has loaded, which
	// the first page takes a while for; then a turn of the event loop
	// lets onerror, onload and autofocus fire.
	v, err := chromedp.Run(ctx, chromedp.Evaluate[verdict](`new Promise(done => {
		const look = () => done({
			marked: document.querySelectorAll("[data-xss]").length,
			ran: !!window.__xss,
			text: document.body ? document.body.innerText + "\n" +
				[...document.querySelectorAll("input, textarea, option")].map(e => e.value + " " + e.textContent).join("\n") : ""
		});
		const parsed = () => document.readyState === "loading" ? setTimeout(parsed, 5) : setTimeout(look, 10);
		parsed();
	})`, chromedp.EvalAwaitPromise))
	return v, r.dialogs.Load() - d0, r.violations.Load() - v0, err
}

// setUpConsultation signs in the consultant and the client of one of
// their past sessions, and keeps the consultant's profile form as it is.
func (x *xssEnv) setUpConsultation(ctx context.Context, email string) {
	t, stores := x.t, x.m.db.Stores()
	acc, err := stores.Accounts.FindAccountByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	x.consultantID = acc.ID
	c, err := stores.Consultation.FindConsultant(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	x.profile = url.Values{"displayName": {c.DisplayName}, "registrationNumber": {c.RegistrationNumber},
		"yearsOfPractice": {strconv.Itoa(c.YearsOfPractice)}, "ageBand": {c.AgeBand}, "gender": {c.Gender}, "message": {c.Message},
		"area": {c.Area}, "feeYen": {strconv.Itoa(c.FeeYen)}, "meetingUrl": {c.MeetingURL}, "industries": c.Industries,
		"jobFamilies": c.JobFamilies, "themes": c.Themes, "languages": c.Languages}
	for k, on := range map[string]bool{"online": c.Online, "inPerson": c.InPerson, "employerPaid": c.EmployerPaid, "autoAccept": c.AutoAccept} {
		if on {
			x.profile.Set(k, "on")
		}
	}
	bs, err := stores.Consultation.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: acc.ID, To: time.Now().Add(-3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Status != tsunagari.BookingConfirmed || b.End.After(time.Now()) {
			continue
		}
		m, err := stores.Accounts.FindAccountByID(ctx, b.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		x.booking, x.client = b.ID, signedInClient(t, x.base, m.Email)
		break
	}
	if x.booking == "" {
		t.Fatalf("%s has held no session in the demo", email)
	}
	// A member with a session ahead shares their inventory for it.
	bs, err = stores.Consultation.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: acc.ID, Active: true, From: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) == 0 {
		t.Fatalf("%s has no session ahead in the demo", email)
	}
	m, err := stores.Accounts.FindAccountByID(ctx, bs[0].MemberID)
	if err != nil {
		t.Fatal(err)
	}
	x.upcoming, x.sharer = bs[0].ID, signedInClient(t, x.base, m.Email)
	x.consultant = signedInClient(t, x.base, email)
}

func TestBrowserXSS(t *testing.T) {
	browserCtx := newBrowser(t)
	m := startServe(t)
	ctx := context.Background()
	stores := m.db.Stores()
	if err := stores.Surveys.SaveInstrument(ctx, reflection(), time.Now()); err != nil {
		t.Fatal(err)
	}
	x := &xssEnv{t: t, m: m, base: m.URL(), visitor: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	x.reflection = &tsunagari.Round{InstrumentID: "weekly_reflection", InstrumentVersion: 1, Mode: tsunagari.ModePersonal,
		OpensAt: time.Now().Add(-time.Hour)}
	if err := stores.Surveys.CreateRound(ctx, x.reflection); err != nil {
		t.Fatal(err)
	}
	for _, a := range demo.DemoAccounts() {
		switch a.Email {
		case "member@tsunagari.example":
			x.member = signedInClient(t, x.base, a.Email)
		case "hr@tsunagari.example":
			x.hr = signedInClient(t, x.base, a.Email)
		case "operator@tsunagari.example":
			x.op = signedInClient(t, x.base, a.Email)
		}
	}
	if x.member == nil || x.hr == nil || x.op == nil {
		t.Fatal("the demo accounts are not as this test expects")
	}
	x.setUpConsultation(ctx, "consultant@tsunagari.example")
	x.organiser = signedInClient(t, x.base, "organiser@tsunagari.example")
	x.community = x.newCommunity()
	r := newRenderer(t, browserCtx, x.base)

	// The check itself must be able to fail: markup that is not escaped
	// is caught.
	v, _, _, err := r.render(`<!doctype html><body><img src=x onerror="alert(1)" data-xss><p>X0</p></body>`)
	if err != nil {
		t.Fatal(err)
	}
	if v.Marked != 1 || !strings.Contains(v.Text, "X0") {
		t.Fatalf("the renderer does not see injected markup: %+v", v)
	}

	start := time.Now()
	pages := 0
	for _, c := range xssCases {
		t.Run(c.field, func(t *testing.T) {
			x.t = t
			for i, payload := range xssPayloads {
				token := fmt.Sprintf("X%d", i+1)
				shown := false
				for _, pg := range c.put(x, payload+token) {
					pages++
					v, dialogs, violations, err := r.render(pg.html)
					if err != nil {
						t.Fatalf("%s: %v", pg.what, err)
					}
					if strings.TrimSpace(v.Text) == "" {
						t.Errorf("payload %d in %s: %s: the page has no text; it was not looked at", i+1, c.field, pg.what)
					}
					if v.Marked > 0 || v.Ran || dialogs > 0 || violations > 0 {
						t.Errorf("payload %d %q in %s: %s: %d injected elements, script ran %v, %d dialogs, %d CSP violations",
							i+1, payload, c.field, pg.what, v.Marked, v.Ran, dialogs, violations)
					}
					shown = shown || strings.Contains(v.Text, token)
				}
				if !shown && !c.hidden {
					t.Errorf("payload %d %q in %s: no page shows it; the case does not reach the field", i+1, payload, c.field)
				}
			}
		})
	}
	x.t = t
	t.Logf("XSS: %d payloads × %d fields: %d pages rendered in Chromium in %v, none ran a script",
		len(xssPayloads), len(xssCases), pages, time.Since(start).Round(time.Millisecond))
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"tsunagari"
	"tsunagari/internal/i18n"
)

// Authoring instruments in the browser: a form with one block of fields
// per question, or the whole definition as JSON, the same JSON the API
// takes. Either way the instrument is checked in full and every problem
// is listed with where it is. Saving a changed instrument stores its next
// version; answers keep the version they were given on.

type instrumentsPage struct {
	Instruments []instrumentRow
}

type instrumentRow struct {
	ID, Title string
	Version   int
	Items     int
}

func (s *Server) instruments(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ins, err := s.Surveys.Authorable(r.Context(), a)
	if err != nil {
		return notFoundIfForbidden(err)
	}
	lang := s.printer(r, a).Lang
	var p instrumentsPage
	for _, in := range ins {
		p.Instruments = append(p.Instruments, instrumentRow{ID: in.ID, Title: in.Title.In(lang), Version: in.Version, Items: len(in.Items())})
	}
	return s.render(w, r, a, http.StatusOK, "instruments", "instruments.title", p)
}

// notFoundIfForbidden hides pages a role may not use, as pages that do
// not exist.
func notFoundIfForbidden(err error) error {
	if tsunagari.ErrorCode(err) == tsunagari.CodeForbidden {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.page_not_found")
	}
	return err
}

// editorPage is the authoring form.
type editorPage struct {
	New      bool
	Version  int // the latest stored version, 0 for a new instrument
	Values   url.Values
	Slots    []slotView
	Kinds    []tsunagari.ItemKind
	JSON     string
	JSONOpen bool
	Error    string
	Problems []problemView
}

// slotView is the block of fields of one question.
type slotView struct {
	N        int
	Prefix   string // "item.N."
	Values   url.Values
	Problems []string
}

// Get returns the slot's value of field.
func (sv slotView) Get(field string) string { return sv.Values.Get(sv.Prefix + field) }

type problemView struct {
	Where, Message string
	Slot           int // the question block it is about, from 1; 0 if none
}

// freeSlots is how many empty question blocks the form offers.
const freeSlots = 3

func (s *Server) newInstrumentForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if _, err := s.Surveys.Authorable(r.Context(), a); err != nil {
		return notFoundIfForbidden(err)
	}
	v := url.Values{"minutes": {"3"}}
	return s.renderEditor(w, r, a, http.StatusOK, editorPage{New: true, Values: v, JSON: instrumentTemplateJSON})
}

func (s *Server) editInstrumentForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	in, err := s.authorable(r, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderEditor(w, r, a, http.StatusOK, editorPage{Version: in.Version, Values: instrumentForm(in), JSON: prettyJSON(in)})
}

// authorable returns the latest version of an instrument actor may
// change, or "not found".
func (s *Server) authorable(r *http.Request, a *tsunagari.Account, id string) (*tsunagari.Instrument, error) {
	ins, err := s.Surveys.Authorable(r.Context(), a)
	if err != nil {
		return nil, notFoundIfForbidden(err)
	}
	i := slices.IndexFunc(ins, func(in *tsunagari.Instrument) bool { return in.ID == id })
	if i < 0 {
		return nil, tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	}
	return ins[i], nil
}

func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, p editorPage) error {
	p.Kinds = []tsunagari.ItemKind{tsunagari.KindLikert, tsunagari.KindSingle, tsunagari.KindMultiple, tsunagari.KindNumber, tsunagari.KindText}
	n := atoiOr(p.Values.Get("slots"), 0)
	used := 0
	for i := range maxSlots {
		if slotUsed(p.Values, i) {
			used = i + 1
		}
	}
	n = min(max(n, used+freeSlots), maxSlots)
	bySlot := map[int][]string{}
	for _, pr := range p.Problems {
		if pr.Slot > 0 {
			bySlot[pr.Slot] = append(bySlot[pr.Slot], pr.Message)
		}
	}
	p.Slots = nil
	for i := range n {
		p.Slots = append(p.Slots, slotView{N: i + 1, Prefix: fmt.Sprintf("item.%d.", i), Values: p.Values,
			Problems: bySlot[i+1]})
	}
	p.Values.Set("slots", strconv.Itoa(n))
	title := "instruments.new"
	if !p.New {
		title = "instruments.edit"
	}
	return s.render(w, r, a, status, "instrument_edit", title, p)
}

// maxSlots bounds the question blocks of the form; longer instruments
// are written as JSON.
const maxSlots = tsunagari.MaxInstrumentItems

func slotUsed(v url.Values, i int) bool {
	p := fmt.Sprintf("item.%d.", i)
	return strings.TrimSpace(v.Get(p+"id")) != "" || strings.TrimSpace(v.Get(p+"textJa")) != "" || strings.TrimSpace(v.Get(p+"textEn")) != ""
}

// saveInstrument saves the form, or the JSON definition when the JSON
// button was pressed; "more" only adds empty question blocks.
func (s *Server) saveInstrument(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tsunagari.NewError(tsunagari.CodeTooLarge, "error.too_large")
		}
		return tsunagari.NewError(tsunagari.CodeInvalid, "error.bad_form")
	}
	if _, err := s.Surveys.Authorable(r.Context(), a); err != nil {
		return notFoundIfForbidden(err)
	}
	v := r.PostForm
	p := editorPage{New: v.Get("new") == "1", Values: v, JSON: v.Get("definition")}
	if p.JSON == "" {
		p.JSON = instrumentTemplateJSON
	}
	pr := s.printer(r, a)
	var (
		in    *tsunagari.Instrument
		slots map[string]int
		err   error
	)
	switch v.Get("action") {
	case "more":
		v.Set("slots", strconv.Itoa(atoiOr(v.Get("slots"), 0)+5))
		return s.renderEditor(w, r, a, http.StatusOK, p)
	case "json":
		p.JSONOpen = true
		in, err = decodeInstrumentJSON([]byte(p.JSON))
	default:
		in, slots, err = instrumentFromForm(v)
		if err != nil {
			// List what the definition gets wrong as well, so that every
			// problem shows at once.
			in.Version = 1
			err = mergeProblems(err, in.Validate())
		}
	}
	added := false
	if err == nil {
		added, err = s.Surveys.Author(r.Context(), a, in)
	}
	if err != nil {
		var e *tsunagari.Error
		if !errors.As(err, &e) || (e.Code != tsunagari.CodeInvalid && e.Code != tsunagari.CodeConflict) {
			return notFoundIfForbidden(err)
		}
		p.Error = pr.T(e.Key, e.Args...)
		for _, d := range e.Details {
			where, slot := describeField(pr, d.Field, slots)
			p.Problems = append(p.Problems, problemView{Where: where, Slot: slot, Message: pr.T(d.Key, d.Args...)})
		}
		if in != nil && p.JSONOpen {
			// Keep the form in step with what was tried as JSON.
			p.Values = instrumentForm(in)
		}
		return s.renderEditor(w, r, a, http.StatusUnprocessableEntity, p)
	}
	flash := "flash.instrument_unchanged"
	if added {
		flash = "flash.instrument_saved"
	}
	return s.redirect(w, r, "/instruments", flash)
}

// decodeInstrumentJSON reads an instrument definition, rejecting unknown
// fields, and says where in the text a syntax error is.
func decodeInstrumentJSON(data []byte) (*tsunagari.Instrument, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in tsunagari.Instrument
	err := dec.Decode(&in)
	if err == nil {
		if _, terr := dec.Token(); terr == nil {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return &in, nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return nil, &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "instrument.json_syntax", Args: []any{lineOf(data, syn.Offset)}, Err: err}
	case errors.As(err, &typ):
		return nil, &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "instrument.json_type", Args: []any{typ.Field, lineOf(data, typ.Offset)}, Err: err}
	}
	return nil, &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "instrument.json_invalid", Err: err}
}

func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func prettyJSON(in *tsunagari.Instrument) string {
	b, _ := json.MarshalIndent(in, "", "  ")
	return string(b)
}

// instrumentTemplateJSON is where a new instrument written as JSON
// starts.
const instrumentTemplateJSON = `{
  "id": "my_pulse",
  "title": {"ja": "職場のパルス", "en": "Workplace pulse"},
  "minutes": 2,
  "dimensions": [
    {"id": "trust", "label": {"ja": "信頼", "en": "Trust"}}
  ],
  "sections": [
    {"id": "main", "title": {"ja": "いまの職場", "en": "Your workplace"}, "items": [
      {"id": "q1", "kind": "likert", "points": 5, "required": true, "dimension": "trust",
       "text": {"ja": "上司に本音で相談できる", "en": "I can talk honestly with my manager"}},
      {"id": "q2", "kind": "single", "text": {"ja": "勤続年数", "en": "Years here"},
       "options": [
         {"id": "short", "label": {"ja": "3年未満", "en": "Under 3 years"}},
         {"id": "long", "label": {"ja": "3年以上", "en": "3 years or more"}}
       ]}
    ]}
  ]
}`

// The form of an instrument. Lists are written one per line, fields
// separated by "|": dimensions and sections as "id | 日本語 | English |
// 説明 | description", options as "id | 日本語 | English", followed by
// "other" or "exclusive" where they apply. A condition is "item: option
// option". Derived segments are given as JSON.

func splitLine(line string) []string {
	parts := strings.Split(line, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func joinLine(parts ...string) string {
	for len(parts) > 3 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, " | ")
}

// instrumentForm writes in as form values.
func instrumentForm(in *tsunagari.Instrument) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("id", in.ID)
	set("titleJa", in.Title.Ja)
	set("titleEn", in.Title.En)
	set("introJa", in.Intro.Ja)
	set("introEn", in.Intro.En)
	if in.Minutes > 0 {
		v.Set("minutes", strconv.Itoa(in.Minutes))
	}
	var dims, secs []string
	for _, d := range in.Dimensions {
		dims = append(dims, joinLine(d.ID, d.Label.Ja, d.Label.En, d.About.Ja, d.About.En))
	}
	for _, sec := range in.Sections {
		secs = append(secs, joinLine(sec.ID, sec.Title.Ja, sec.Title.En, sec.Intro.Ja, sec.Intro.En))
	}
	set("dimensions", strings.Join(dims, "\n"))
	set("sections", strings.Join(secs, "\n"))
	if len(in.Segments) > 0 {
		b, _ := json.MarshalIndent(in.Segments, "", "  ")
		v.Set("segments", string(b))
	}
	n := 0
	for _, sec := range in.Sections {
		for _, it := range sec.Items {
			p := fmt.Sprintf("item.%d.", n)
			n++
			set(p+"section", sec.ID)
			set(p+"id", it.ID)
			set(p+"kind", string(it.Kind))
			if it.Required {
				v.Set(p+"required", "1")
			}
			set(p+"textJa", it.Text.Ja)
			set(p+"textEn", it.Text.En)
			set(p+"hintJa", it.Hint.Ja)
			set(p+"hintEn", it.Hint.En)
			var opts []string
			for _, o := range it.Options {
				parts := []string{o.ID, o.Label.Ja, o.Label.En}
				if o.Other {
					parts = append(parts, "other")
				}
				if o.Exclusive {
					parts = append(parts, "exclusive")
				}
				opts = append(opts, strings.Join(parts, " | "))
			}
			set(p+"options", strings.Join(opts, "\n"))
			if it.Points > 0 {
				v.Set(p+"points", strconv.Itoa(it.Points))
			}
			set(p+"lowJa", it.Low.Ja)
			set(p+"lowEn", it.Low.En)
			set(p+"highJa", it.High.Ja)
			set(p+"highEn", it.High.En)
			if it.Reverse {
				v.Set(p+"reverse", "1")
			}
			set(p+"dimension", it.Dimension)
			if it.Kind == tsunagari.KindNumber {
				v.Set(p+"min", formatFloat(it.Min))
				v.Set(p+"max", formatFloat(it.Max))
			}
			if it.Integer {
				v.Set(p+"integer", "1")
			}
			set(p+"unitJa", it.Unit.Ja)
			set(p+"unitEn", it.Unit.En)
			if it.MaxLength > 0 {
				v.Set(p+"maxLength", strconv.Itoa(it.MaxLength))
			}
			if it.When != nil {
				v.Set(p+"when", it.When.Item+": "+strings.Join(it.When.AnyOf, " "))
			}
		}
	}
	v.Set("slots", strconv.Itoa(n))
	return v
}

// instrumentFromForm reads the form. It returns the instrument, where
// each question of the definition came from (its path to the form's block
// number), and the problems of the form itself, such as a line that is
// not "id | 日本語 | English" or a number that is not one.
func instrumentFromForm(v url.Values) (*tsunagari.Instrument, map[string]int, error) {
	var details []tsunagari.Detail
	bad := func(field, key string, args ...any) {
		details = append(details, tsunagari.Detail{Field: field, Key: key, Args: args})
	}
	text := func(ja, en string) tsunagari.Text {
		return tsunagari.Text{Ja: strings.TrimSpace(v.Get(ja)), En: strings.TrimSpace(v.Get(en))}
	}
	number := func(field string, dflt float64) float64 {
		raw := normalizeDigits(strings.TrimSpace(v.Get(field)))
		if raw == "" {
			return dflt
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			bad(field, "instrument.form_number")
		}
		return f
	}
	in := &tsunagari.Instrument{ID: strings.TrimSpace(v.Get("id")), Title: text("titleJa", "titleEn"), Intro: text("introJa", "introEn"),
		Minutes: int(number("minutes", 0))}
	for i, l := range lines(v.Get("dimensions")) {
		p := splitLine(l)
		if len(p) < 3 || len(p) > 5 {
			bad("dimensions", "instrument.form_line", i+1)
			continue
		}
		p = append(p, "", "")
		in.Dimensions = append(in.Dimensions, tsunagari.Dimension{ID: p[0], Label: tsunagari.Text{Ja: p[1], En: p[2]},
			About: tsunagari.Text{Ja: p[3], En: p[4]}})
	}
	for i, l := range lines(v.Get("sections")) {
		p := splitLine(l)
		if len(p) < 3 || len(p) > 5 {
			bad("sections", "instrument.form_line", i+1)
			continue
		}
		p = append(p, "", "")
		in.Sections = append(in.Sections, tsunagari.Section{ID: p[0], Title: tsunagari.Text{Ja: p[1], En: p[2]},
			Intro: tsunagari.Text{Ja: p[3], En: p[4]}})
	}
	if seg := strings.TrimSpace(v.Get("segments")); seg != "" {
		dec := json.NewDecoder(strings.NewReader(seg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in.Segments); err != nil {
			bad("segments", "instrument.json_invalid")
		}
	}

	type placed struct {
		slot int
		item tsunagari.Item
	}
	bySection := map[string][]placed{}
	var unknownSection []int
	for i := range maxSlots {
		if !slotUsed(v, i) {
			continue
		}
		p := fmt.Sprintf("item.%d.", i)
		it := tsunagari.Item{ID: strings.TrimSpace(v.Get(p + "id")), Kind: tsunagari.ItemKind(v.Get(p + "kind")),
			Required: v.Get(p+"required") == "1", Text: text(p+"textJa", p+"textEn"), Hint: text(p+"hintJa", p+"hintEn")}
		switch it.Kind {
		case tsunagari.KindSingle, tsunagari.KindMultiple:
			for j, l := range lines(v.Get(p + "options")) {
				parts := splitLine(l)
				if len(parts) < 3 {
					bad(p+"options", "instrument.form_line", j+1)
					continue
				}
				o := tsunagari.Option{ID: parts[0], Label: tsunagari.Text{Ja: parts[1], En: parts[2]}}
				for _, flag := range parts[3:] {
					switch strings.ToLower(flag) {
					case "other":
						o.Other = true
					case "exclusive":
						o.Exclusive = true
					default:
						bad(p+"options", "instrument.form_flag", j+1, flag)
					}
				}
				it.Options = append(it.Options, o)
			}
		case tsunagari.KindLikert:
			it.Points = int(number(p+"points", 5))
			it.Low, it.High = text(p+"lowJa", p+"lowEn"), text(p+"highJa", p+"highEn")
			it.Reverse = v.Get(p+"reverse") == "1"
			it.Dimension = strings.TrimSpace(v.Get(p + "dimension"))
		case tsunagari.KindNumber:
			it.Min, it.Max = number(p+"min", 0), number(p+"max", 0)
			it.Integer = v.Get(p+"integer") == "1"
			it.Unit = text(p+"unitJa", p+"unitEn")
			it.Dimension = strings.TrimSpace(v.Get(p + "dimension"))
		case tsunagari.KindText:
			it.MaxLength = int(number(p+"maxLength", 0))
		}
		if w := strings.TrimSpace(v.Get(p + "when")); w != "" {
			ref, opts, ok := strings.Cut(w, ":")
			if !ok {
				bad(p+"when", "instrument.form_when")
			} else {
				it.When = &tsunagari.Condition{Item: strings.TrimSpace(ref), AnyOf: strings.Fields(opts)}
			}
		}
		sec := strings.TrimSpace(v.Get(p + "section"))
		if sec == "" && len(in.Sections) > 0 {
			sec = in.Sections[0].ID
		}
		if len(in.Sections) > 0 && !slices.ContainsFunc(in.Sections, func(s tsunagari.Section) bool { return s.ID == sec }) {
			unknownSection = append(unknownSection, i)
			continue
		}
		bySection[sec] = append(bySection[sec], placed{i, it})
	}
	for _, i := range unknownSection {
		bad(fmt.Sprintf("item.%d.section", i), "instrument.form_section")
	}
	if len(in.Sections) == 0 && len(bySection) > 0 {
		// One untitled section: it takes the instrument's title.
		in.Sections = []tsunagari.Section{{ID: "main", Title: in.Title}}
		bySection["main"] = bySection[""]
	}
	slots := map[string]int{}
	for si := range in.Sections {
		for ii, pl := range bySection[in.Sections[si].ID] {
			in.Sections[si].Items = append(in.Sections[si].Items, pl.item)
			slots[fmt.Sprintf("sections[%d].items[%d]", si, ii)] = pl.slot
		}
	}
	if len(details) > 0 {
		return in, slots, &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "instrument.invalid", Args: []any{len(details)}, Details: details}
	}
	return in, slots, nil
}

// pathToken is one step of a problem's place: a name and an index.
var pathToken = regexp.MustCompile(`^([A-Za-z]+)(?:\[(\d+)\])?$`)

// formField is the place of a problem of the form itself.
var formField = regexp.MustCompile(`^item\.(\d+)\.(\w+)$`)

// describeField writes the place of a problem in words, such as "質問欄 3
// › 選択肢 2 › 表示名", and returns the number of the question block it is
// in (0 if none). Questions are numbered by their block of the form, as
// slots says where each came from.
func describeField(pr i18n.Printer, field string, slots map[string]int) (string, int) {
	if field == "" {
		return "", 0
	}
	if m := formField.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[1])
		return pr.T("instrument.where.item", n+1) + " › " + fieldName(pr, m[2]), n + 1
	}
	var words []string
	rest, slot := field, 0
	for k, i := range slots {
		if rest == k || strings.HasPrefix(rest, k+".") {
			slot = i + 1
			words = append(words, pr.T("instrument.where.item", slot))
			rest = strings.TrimPrefix(strings.TrimPrefix(rest, k), ".")
			break
		}
	}
	for _, part := range strings.Split(rest, ".") {
		if part == "" {
			continue
		}
		m := pathToken.FindStringSubmatch(part)
		if m == nil {
			words = append(words, part)
			continue
		}
		name := fieldName(pr, m[1])
		if m[2] != "" {
			i, _ := strconv.Atoi(m[2])
			name = fmt.Sprintf("%s %d", name, i+1)
		}
		words = append(words, name)
	}
	return strings.Join(words, " › "), slot
}

func fieldName(pr i18n.Printer, name string) string {
	if key := "instrument.field." + name; pr.Has(key) {
		return pr.T(key)
	}
	return name
}

// mergeProblems joins the details of two CodeInvalid errors into one.
func mergeProblems(a, b error) error {
	var ea, eb *tsunagari.Error
	if !errors.As(a, &ea) || !errors.As(b, &eb) {
		return a
	}
	details := append(slices.Clone(ea.Details), eb.Details...)
	return &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "instrument.invalid", Args: []any{len(details)}, Details: details}
}

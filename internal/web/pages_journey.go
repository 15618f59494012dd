package web

import (
	"net/http"
	"net/url"
	"strings"

	"tsunagari"
	"tsunagari/internal/journey"
	"tsunagari/internal/survey"
)

// The journey pages: the member's career inventory and its shares, what
// a consultant reads of a shared inventory, and the member's timeline.

type inventoryItemView struct {
	ID, Label, Hint, Value, Error string
}

type inventoryPage struct {
	Items     []inventoryItemView
	UpdatedAt string
	Exists    bool
	Form      *form
	Shares    []journey.Share
	MaxLen    int
}

func (s *Server) inventoryPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	ctx := r.Context()
	inv, err := s.Journey.Inventory(ctx, a)
	if err != nil {
		return err
	}
	shares, err := s.Journey.Shares(ctx, a)
	if err != nil {
		return err
	}
	pr := s.printer(r, a)
	if f == nil {
		f = &form{Values: url.Values{}, Fields: map[string]string{}}
		for _, it := range inv.Items {
			f.Values.Set(it.ID, it.Text)
		}
	}
	p := inventoryPage{Exists: !inv.UpdatedAt.IsZero(), Form: f, Shares: shares, MaxLen: tsunagari.MaxInventoryItemLen}
	if p.Exists {
		p.UpdatedAt = pr.DateTime(inv.UpdatedAt, a.Location())
	}
	for _, it := range tsunagari.InventoryItems {
		p.Items = append(p.Items, inventoryItemView{ID: it.ID, Label: it.Label.In(pr.Lang), Hint: pr.T(inventoryHint(it.ID)),
			Value: f.Values.Get(it.ID), Error: f.Fields[it.ID]})
	}
	return s.render(w, r, a, status, "inventory", "inventory.title", p)
}

func (s *Server) inventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.inventoryPage(w, r, a, http.StatusOK, nil)
}

// inventoryHint is the message key of the hint under an inventory
// heading.
func inventoryHint(id string) string { return "inventory.hint." + id }

// kindKey names a kind of timeline entry; bookingKey a booking's status
// as the timeline says it.
func kindKey(k journey.ItemKind) string            { return "journey.kind." + string(k) }
func bookingKey(st tsunagari.BookingStatus) string { return "journey.booking." + string(st) }

// inventoryItems reads the items of a posted inventory form.
func inventoryItems(v url.Values) []tsunagari.InventoryItem {
	var out []tsunagari.InventoryItem
	for _, it := range tsunagari.InventoryItems {
		if v.Has(it.ID) {
			out = append(out, tsunagari.InventoryItem{ID: it.ID, Text: v.Get(it.ID)})
		}
	}
	return out
}

func (s *Server) saveInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Journey.SaveInventory(r.Context(), a, inventoryItems(r.PostForm)); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.inventoryPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/inventory", "flash.inventory_saved")
}

func (s *Server) deleteInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Journey.DeleteInventory(r.Context(), a); err != nil {
		return err
	}
	return s.redirect(w, r, "/inventory", "flash.inventory_deleted")
}

// shareError shows a refused share on the inventory page; anything else
// goes to the error page.
func (s *Server) shareError(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, err error) error {
	if tsunagari.ErrorCode(err) != tsunagari.CodeConflict {
		return err
	}
	f, status, err := s.formError(r, a, err)
	if err != nil {
		return err
	}
	inv, err := s.Journey.Inventory(r.Context(), a)
	if err != nil {
		return err
	}
	f.Values = url.Values{}
	for _, it := range inv.Items {
		f.Values.Set(it.ID, it.Text)
	}
	return s.inventoryPage(w, r, a, status, f)
}

func (s *Server) shareInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Journey.Share(r.Context(), a, r.PathValue("id")); err != nil {
		return s.shareError(w, r, a, err)
	}
	return s.redirect(w, r, "/inventory#shares", "flash.inventory_shared")
}

func (s *Server) unshareInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Journey.Unshare(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/inventory#shares", "flash.inventory_unshared")
}

type sharedPage struct {
	Shared *journey.Shared
	Items  []inventoryItemView
}

func (s *Server) sharedInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	sh, err := s.Journey.SharedInventory(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	pr := s.printer(r, a)
	p := sharedPage{Shared: sh}
	for _, it := range tsunagari.InventoryItems {
		if text := sh.Inventory.Text(it.ID); text != "" {
			p.Items = append(p.Items, inventoryItemView{ID: it.ID, Label: it.Label.In(pr.Lang), Value: text})
		}
	}
	return s.render(w, r, a, http.StatusOK, "inventory_shared", "inventory.shared.title", p)
}

func (s *Server) sharedInventories(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Journey.SharedWithMe(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "inventory_shared_list", "inventory.shared_list.title", list)
}

// The timeline.

type timelineItem struct {
	journey.Item
	Date   string
	Label  string // what kind of entry, in words
	Text   string
	Link   string
	Status string
}

type journeyPage struct {
	Items []timelineItem
	Next  journey.Step
	Link  string
	Count map[journey.ItemKind]int
}

// stepLinks are where each suggested step is taken.
var stepLinks = map[journey.Step]string{
	journey.StepDiagnosis:  "/surveys/values_diagnosis",
	journey.StepBook:       "/shortlist",
	journey.StepInventory:  "/inventory",
	journey.StepShare:      "/inventory#shares",
	journey.StepCommunity:  "/communities",
	journey.StepCheckIn:    "/surveys/five_powers",
	journey.StepRediagnose: "/surveys/values_diagnosis",
	journey.StepKeepGoing:  "/shortlist",
}

func (s *Server) journey(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	tl, err := s.Journey.Timeline(r.Context(), a)
	if err != nil {
		return err
	}
	pr := s.printer(r, a)
	loc := a.Location()
	p := journeyPage{Next: tl.Next, Link: stepLinks[tl.Next], Count: tl.Counts}
	for _, it := range tl.Items {
		v := timelineItem{Item: it, Date: pr.Date(it.At, loc), Label: pr.T(kindKey(it.Kind))}
		switch it.Kind {
		case journey.ItemDiagnosis, journey.ItemCheckIn:
			v.Text, v.Link = it.Instrument.Title.In(pr.Lang), "/surveys/"+it.Instrument.ID
			if it.Instrument.ID == survey.ValuesDiagnosis {
				var top []string
				for _, t := range survey.Top(it.Instrument, it.Response.Scores, 2) {
					top = append(top, t.Dimension.Label.In(pr.Lang))
				}
				if len(top) > 0 {
					v.Text = pr.T("journey.values_top", v.Text, strings.Join(top, pr.T("journey.and")))
				}
			}
		case journey.ItemInventory:
			v.Text, v.Link = pr.T("journey.inventory_updated"), "/inventory"
		case journey.ItemConsultation:
			v.Date = pr.DateTime(it.At, loc)
			v.Text, v.Link = pr.T("journey.consultation_with", it.Consultant), "/bookings/"+it.Booking.ID
			v.Status = pr.T(bookingKey(it.Booking.Status))
			if it.Upcoming {
				v.Status = pr.T("journey.upcoming")
			}
		case journey.ItemCommunity:
			v.Text = pr.T("journey.joined", it.Community.Name)
		}
		p.Items = append(p.Items, v)
	}
	return s.render(w, r, a, http.StatusOK, "journey", "journey.title", p)
}

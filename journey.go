package tsunagari

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The member's journey: a private career inventory (キャリアの棚卸し) the
// member may share with a consultant they booked, and one timeline of
// what they did on the platform. Career support is a line, not points
// (PRODUCT.md §5).

// InventoryItems are the headings of a career inventory, in order: what
// the member has done, their strengths, and what they want to do, can do
// and are expected to do (Will, Can, Must).
var InventoryItems = []Theme{
	{"experiences", Text{"これまでの経験", "Experiences so far"}},
	{"strengths", Text{"強み", "Strengths"}},
	{"want", Text{"やりたいこと (Will)", "What I want to do (Will)"}},
	{"can", Text{"できること (Can)", "What I can do (Can)"}},
	{"expected", Text{"求められていること (Must)", "What is expected of me (Must)"}},
}

// MaxInventoryItemLen limits each item of an inventory, in runes.
const MaxInventoryItemLen = 4000

// InventoryItem is the member's text under one heading.
type InventoryItem struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Inventory is a member's career inventory. Only the member reads it, and
// a consultant the member shared it with for a booking. Items are the
// text; Body is their sealed form, as stored: the store never sees the
// text.
type Inventory struct {
	MemberID  string
	Items     []InventoryItem
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the items of inv, drops empty ones and puts the rest in
// the order of InventoryItems.
func (inv *Inventory) Validate() error {
	seen := map[string]bool{}
	var items []InventoryItem
	for _, it := range inv.Items {
		if !slices.ContainsFunc(InventoryItems, func(t Theme) bool { return t.ID == it.ID }) || seen[it.ID] {
			return Invalid("items", "journey.item_unknown")
		}
		seen[it.ID] = true
		text := strings.TrimSpace(strings.ReplaceAll(it.Text, "\r\n", "\n"))
		if utf8.RuneCountInString(text) > MaxInventoryItemLen {
			return Invalid(it.ID, "journey.text_too_long", MaxInventoryItemLen)
		}
		if strings.ContainsFunc(text, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
			return Invalid(it.ID, "error.control_characters")
		}
		if text != "" {
			items = append(items, InventoryItem{ID: it.ID, Text: text})
		}
	}
	slices.SortFunc(items, func(a, b InventoryItem) int {
		return slices.IndexFunc(InventoryItems, func(t Theme) bool { return t.ID == a.ID }) -
			slices.IndexFunc(InventoryItems, func(t Theme) bool { return t.ID == b.ID })
	})
	inv.Items = items
	return nil
}

// Text returns the text of item id, or "".
func (inv *Inventory) Text(id string) string {
	for _, it := range inv.Items {
		if it.ID == id {
			return it.Text
		}
	}
	return ""
}

// InventoryShare lets the consultant of one booking read the member's
// inventory. The member shares it explicitly, before the session, and may
// take it back at any time.
type InventoryShare struct {
	BookingID    string    `json:"bookingId"`
	MemberID     string    `json:"-"`
	ConsultantID string    `json:"consultantId"`
	SharedAt     time.Time `json:"sharedAt"`
}

// InventoryStore persists career inventories, sealed, and their shares.
// It does no authorization; package journey does.
type InventoryStore interface {
	// SaveInventory creates or replaces the member's inventory and
	// records the update at inv.UpdatedAt, in one transaction. CreatedAt
	// is kept from the first save. It returns ErrNotFound if the member
	// does not exist.
	SaveInventory(ctx context.Context, inv *Inventory) error
	// FindInventory returns the member's inventory, sealed; ErrNotFound
	// if there is none.
	FindInventory(ctx context.Context, memberID string) (*Inventory, error)
	// FindInventoryUpdates returns when the member saved their inventory,
	// newest first, at most limit times (0: all).
	FindInventoryUpdates(ctx context.Context, memberID string, limit int) ([]time.Time, error)
	// DeleteInventory deletes the member's inventory with its updates and
	// shares, in one transaction; ErrNotFound if there is none.
	DeleteInventory(ctx context.Context, memberID string) error

	// ShareInventory stores s. Sharing a booking again keeps the first
	// share as it is. It returns ErrNotFound if the booking does not
	// exist.
	ShareInventory(ctx context.Context, s *InventoryShare) error
	// DeleteInventoryShare takes back the share of a booking; ErrNotFound
	// if there is none.
	DeleteInventoryShare(ctx context.Context, bookingID string) error
	// FindInventoryShare returns the share of a booking; ErrNotFound if
	// there is none.
	FindInventoryShare(ctx context.Context, bookingID string) (*InventoryShare, error)
	// FindInventoryShares returns the member's shares, newest first.
	FindInventoryShares(ctx context.Context, memberID string) ([]*InventoryShare, error)
	// FindSharesWith returns the shares made with a consultant, newest
	// first.
	FindSharesWith(ctx context.Context, consultantID string) ([]*InventoryShare, error)

	// ResealInventories calls fn with every inventory's member and sealed
	// body; if fn returns a new sealed body, it replaces the old one
	// unless the inventory changed meanwhile. It returns how many were
	// replaced.
	ResealInventories(ctx context.Context, fn func(memberID, sealed string) (string, error)) (int, error)
}

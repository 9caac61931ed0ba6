package web

import (
	"html/template"
	"sync"

	"github.com/gofiber/fiber/v3"
)

// Places on core pages that modules fill.
const (
	// SlotHomeTile is a card on the start page.
	SlotHomeTile = "home.tile"
	// SlotPersonCard is a card on a person's page; its parameter person_id
	// names a member of the active organisation.
	SlotPersonCard = "person.card"
	// SlotSettingsSection is a card on the person's own settings page, for a
	// module's personal settings (its form posts to the module's own page).
	SlotSettingsSection = "settings.section"
)

// Slots are the places a module may fill.
var Slots = []string{SlotHomeTile, SlotPersonCard, SlotSettingsSection}

// SlotFiller is one module's part of a slot.
type SlotFiller struct {
	Module string
	// Prepare runs on the request (it may read the request's state) and
	// returns the work that fills the slot, which runs alongside the other
	// modules' work; nil leaves the module's part out.
	Prepare func(c fiber.Ctx, params map[string]string) func() template.HTML
}

// AddSlotFiller lets a module fill a slot.
func (s *Server) AddSlotFiller(slot string, f SlotFiller) {
	if s.slots == nil {
		s.slots = map[string][]SlotFiller{}
	}
	s.slots[slot] = append(s.slots[slot], f)
}

// FillSlot asks every module the organisation has on for its part of a slot,
// all at once, and gives the parts that are not empty in a stable order. A
// filler bounds its own work with a deadline, so one slow module delays the
// page by that deadline at most.
func (s *Server) FillSlot(c fiber.Ctx, slot string, params map[string]string) []template.HTML {
	v := CurrentViewer(c)
	fillers := s.slots[slot]
	parts := make([]template.HTML, len(fillers))
	var wg sync.WaitGroup
	for i, f := range fillers {
		if v == nil || !v.HasModule(f.Module) {
			continue
		}
		if work := f.Prepare(c, params); work != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				parts[i] = work()
			}()
		}
	}
	wg.Wait()
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

package web

import (
	"html/template"
	"slices"
	"sort"
	"sync"

	"github.com/gofiber/fiber/v3"
)

// Registries are what modules add to the core's pages as they register:
// navigation entries and panels, start-page sections and homes, and the
// fillers of slots. Each Server has its own.
type Registries struct {
	nav      []NavItem
	panels   []NavItem
	sections []StartSection
	homes    []func(c fiber.Ctx, v *Viewer) (string, error)
	slots    map[string][]SlotFiller
}

// AddPanel adds a button, on every page, that opens a page in the side
// panel (a module's conversations, say).
func (r *Registries) AddPanel(item NavItem) { r.panels = append(r.panels, item) }

// AddNav adds an entry to the navigation column, after the others of its group.
func (r *Registries) AddNav(item NavItem) {
	r.nav = append(r.nav, item)
	sort.SliceStable(r.nav, func(i, j int) bool { return r.nav[i].Group < r.nav[j].Group })
}

// AddHome lets a module send a person elsewhere as their start page (a
// coachee to their own dossier): home answers the path, or "" to leave the
// dashboard be. v.Org is nil for someone who belongs to no organisation.
func (r *Registries) AddHome(home func(c fiber.Ctx, v *Viewer) (string, error)) {
	r.homes = append(r.homes, home)
}

// AddStartSection adds a module's section to the start page.
func (r *Registries) AddStartSection(sec StartSection) { r.sections = append(r.sections, sec) }

// AddSlotFiller lets a module fill a slot.
func (r *Registries) AddSlotFiller(slot string, f SlotFiller) {
	if r.slots == nil {
		r.slots = map[string][]SlotFiller{}
	}
	r.slots[slot] = append(r.slots[slot], f)
}

// FillSlot asks every module the organisation has on for its part of a slot,
// all at once, and gives the parts that are not empty in a stable order. A
// filler bounds its own work with a deadline, so one slow module delays the
// page by that deadline at most.
func (r *Registries) FillSlot(c fiber.Ctx, slot string, params map[string]string) []template.HTML {
	return r.FillSlotIn(c, slot, params, nil)
}

// FillSlotIn is FillSlot in another organisation than the viewer's (nil
// scope: the viewer's own).
func (r *Registries) FillSlotIn(c fiber.Ctx, slot string, params map[string]string, scope *Scope) []template.HTML {
	v := CurrentViewer(c)
	fillers := r.slots[slot]
	parts := make([]template.HTML, len(fillers))
	var wg sync.WaitGroup
	for i, f := range fillers {
		on := v != nil && v.HasModule(f.Module)
		if scope != nil {
			on = v != nil && slices.Contains(scope.Modules, f.Module)
		}
		if !on {
			continue
		}
		if work := f.Prepare(c, params, scope); work != nil {
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

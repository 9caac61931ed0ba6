package module

import (
	"slices"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/access"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	if ids := r.IDs(); len(ids) != 0 || len(r.All()) != 0 {
		t.Fatalf("a new registry holds %v", ids)
	}
	if _, ok := r.Get("announcements"); ok {
		t.Fatal("an empty registry finds a module")
	}
	for _, d := range []Descriptor{
		{ID: "dossiers", Label: "dossier.module", Permission: access.DossiersView},
		{ID: "announcements", Label: "announcements.title"},
		{ID: "agenda", Label: "agenda.module", Path: "/m/agenda/"},
	} {
		r.Add(d)
	}
	if got := r.IDs(); !slices.Equal(got, []string{"agenda", "announcements", "dossiers"}) {
		t.Errorf("IDs = %v, want them sorted", got)
	}
	for _, tc := range []struct {
		id    string
		found bool
		label string
	}{
		{"dossiers", true, "dossier.module"},
		{"agenda", true, "agenda.module"},
		{"Agenda", false, ""},
		{"", false, ""},
		{"chat", false, ""},
	} {
		d, ok := r.Get(tc.id)
		if ok != tc.found || d.Label != tc.label {
			t.Errorf("Get(%q) = %+v, %v", tc.id, d, ok)
		}
	}
	if d, _ := r.Get("dossiers"); d.Permission != access.DossiersView {
		t.Errorf("the dossiers module needs %q", d.Permission)
	}

	// An id added again replaces its descriptor, and is listed once.
	r.Add(Descriptor{ID: "agenda", Label: "agenda.renamed", Path: "/m/agenda/"})
	if got := r.IDs(); !slices.Equal(got, []string{"agenda", "announcements", "dossiers"}) {
		t.Errorf("IDs after adding agenda again = %v", got)
	}
	if d, _ := r.Get("agenda"); d.Label != "agenda.renamed" {
		t.Errorf("agenda added again is %+v", d)
	}
	all := r.All()
	if len(all) != 3 || all[0].Label != "agenda.renamed" || all[2].ID != "dossiers" {
		t.Errorf("All = %+v", all)
	}
	// All is a copy: changing it changes no module.
	all[0].Label = "changed"
	if d, _ := r.Get("agenda"); d.Label != "agenda.renamed" {
		t.Error("changing All's answer changed the registry")
	}
	if other := NewRegistry(); len(other.IDs()) != 0 {
		t.Error("two registries share their modules")
	}
}

// TestRegistryAddsWhileOthersRead: plugins start side by side while pages
// read the registry (run with -race to see a data race).
func TestRegistryAddsWhileOthersRead(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Add(Descriptor{ID: string(rune('a' + i))})
		}()
		go func() {
			defer wg.Done()
			_ = r.IDs()
		}()
	}
	wg.Wait()
	if got := r.IDs(); len(got) != 20 || !slices.IsSorted(got) {
		t.Errorf("after 20 concurrent additions: %v", got)
	}
}

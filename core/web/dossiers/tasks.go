package dossiers

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplTasks = "dossiers/tasks"
	tmplTask  = "dossiers/task"
)

type tasksData struct {
	Tasks  []dossier.TaskRow
	Status string
	Form   web.Form
	Failed int64 // the task whose form is shown again
}

// Tasks lists the organisation's requests for the people who handle them:
// open ones first, the handled ones on their own tab.
func (h *Handlers) Tasks(c fiber.Ctx) error {
	return h.renderTasks(c, fiber.StatusOK, web.ReadForm(c), 0)
}

func (h *Handlers) renderTasks(c fiber.Ctx, status int, f web.Form, failed int64) error {
	state := c.Query("status", dossier.TaskOpen)
	if state != dossier.TaskDone && state != dossier.TaskDeclined {
		state = dossier.TaskOpen
	}
	list, err := h.svc.Tasks(c.Context(), who(c), state)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplTasks, Title: "dossier.tasks.title", Status: status,
		Data: tasksData{Tasks: list, Status: state, Form: f, Failed: failed}})
}

// TaskPost marks a task done or declined with a comment.
func (h *Handlers) TaskPost(c fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	f := web.ReadForm(c, "decision", "comment")
	if f.Values["decision"] != "done" && f.Values["decision"] != "declined" {
		f.Errors["decision"] = "form.choose"
		return h.renderTasks(c, web.Unprocessable, f, id)
	}
	err = h.svc.Handle(c.Context(), who(c), id, f.Values["decision"] == "done", f.Values["comment"], c.IP())
	if f.Refuse(err) {
		return h.renderTasks(c, web.Unprocessable, f, id)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.tasks."+f.Values["decision"])
	return h.web.Redirect(c, "/tasks")
}

// RequestPost files a task about a dossier (the coach asks for an extension),
// between staff unless "for the person" is ticked.
func (h *Handlers) RequestPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Edit)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "kind", "note", "for_person")
	forPerson := f.Values["for_person"] == "1"
	if !forPerson && f.Values["for_person"] != "" { // a checkbox sends "1" or nothing
		web.SetFlash(c, "error", "dossier.tasks.request_refused")
		return h.web.Redirect(c, link(d.ID, "#tasks"))
	}
	_, err = h.svc.Request(c.Context(), who(c), d.ID, dossier.TaskRequest{Kind: f.Values["kind"], Note: f.Values["note"], ForPerson: forPerson}, c.IP())
	if f.Refuse(err) {
		web.SetFlash(c, "error", "dossier.tasks.request_refused")
		return h.web.Redirect(c, link(d.ID, "#tasks"))
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.tasks.requested")
	return h.web.Redirect(c, link(d.ID, "#tasks"))
}

// Task shows one task of a dossier, to those who may see it: a task between
// staff is a 404 for the person whose dossier it is.
func (h *Handlers) Task(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.View)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("task"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	task, err := h.svc.TaskOf(c.Context(), who(c), d, id)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplTask, Title: "dossier.tasks.kind." + task.Kind, Data: task})
}

// openTasks is the navigation badge: open tasks for those who handle them.
func (h *Handlers) openTasks(c fiber.Ctx) (int, error) {
	v := web.CurrentViewer(c)
	return h.svc.OpenTasks(c.Context(), v.Org.ID, v.User.ID)
}

package sdk

import "encoding/json"

// DemoPeople are the demo organisation's people, by role.
// Since contract v1.5.
type DemoPeople struct {
	Admin           int64 `json:"admin"`
	Coach           int64 `json:"coach"`
	Coachee         int64 `json:"coachee"`
	EmployerContact int64 `json:"employer_contact"`
}

// Demo adds the module's demo data when the core seeds its demo
// organisation (`atrium demo`, `make run`): f runs as the demo's coach,
// in that organisation, and must change nothing when the data is there
// already (the demo runs again on every start).
// Since contract v1.5.
func (m *Module) Demo(f func(r *Request, people DemoPeople) error) {
	m.OnEvent("core.demo", func(r *Request, payload []byte) error {
		var people DemoPeople
		if err := json.Unmarshal(payload, &people); err != nil {
			return err
		}
		return f(r, people)
	})
}

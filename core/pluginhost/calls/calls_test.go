package calls

import (
	"testing"
	"time"
)

// TestTokensBelongToOnePluginAndOneCall: a plugin cannot use another
// plugin's token, an ended call's token or one it made up.
func TestTokensBelongToOnePluginAndOneCall(t *testing.T) {
	t.Parallel()
	var c Registry
	c.Open("tok", &Scope{Plugin: "agenda", OrgID: 7, Deadline: time.Now().Add(time.Minute)})
	if s := c.Find("agenda", "tok"); s == nil || s.OrgID != 7 {
		t.Fatal("the plugin's own live call was not found")
	}
	if c.Find("chat", "tok") != nil {
		t.Error("another plugin used the token")
	}
	if c.Find("agenda", "made-up") != nil {
		t.Error("a made-up token was accepted")
	}
	c.Open("late", &Scope{Plugin: "agenda", Deadline: time.Now().Add(-time.Second)})
	if c.Find("agenda", "late") != nil {
		t.Error("a call past its deadline was accepted")
	}
	c.Close("tok")
	if c.Find("agenda", "tok") != nil {
		t.Error("an ended call's token was accepted")
	}
}

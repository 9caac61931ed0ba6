package pluginhost

import (
	"testing"
	"time"
)

// TestTokensBelongToOnePluginAndOneCall: a plugin cannot use another
// plugin's token, an ended call's token or one it made up.
func TestTokensBelongToOnePluginAndOneCall(t *testing.T) {
	t.Parallel()
	var c calls
	c.open("tok", &scope{plugin: "agenda", orgID: 7, deadline: time.Now().Add(time.Minute)})
	if s := c.find("agenda", "tok"); s == nil || s.orgID != 7 {
		t.Fatal("the plugin's own live call was not found")
	}
	if c.find("chat", "tok") != nil {
		t.Error("another plugin used the token")
	}
	if c.find("agenda", "made-up") != nil {
		t.Error("a made-up token was accepted")
	}
	c.open("late", &scope{plugin: "agenda", deadline: time.Now().Add(-time.Second)})
	if c.find("agenda", "late") != nil {
		t.Error("a call past its deadline was accepted")
	}
	c.close("tok")
	if c.find("agenda", "tok") != nil {
		t.Error("an ended call's token was accepted")
	}
}

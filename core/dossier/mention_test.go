package dossier

import (
	"reflect"
	"testing"
)

func TestMentioned(t *testing.T) {
	members := []Member{
		{UserID: 1, Name: "Kim Bakker", Email: "coachee@harbour.example"},
		{UserID: 2, Name: "Chris Jansen", Email: "coach@harbour.example"},
		{UserID: 3, Name: "Kim de Vries", Email: "kdevries@kracht.example"},
		{UserID: 4, Name: "Léon Peters", Email: "leon@kracht.example"},
	}
	for _, c := range []struct {
		text string
		want []int64
	}{
		{"@chris please look", []int64{2}},
		{"@kim is ambiguous", nil}, // two Kims: nobody
		{"thanks @kimbakker and @kim.devries", []int64{1, 3}},
		{"@leon (accents aside) and @kdevries", []int64{4, 3}},
		{"mail kim@harbour.example is no mention", nil},
		{"@chris @chris twice", []int64{2}},
		{"@Chris, then @nobody", []int64{2}},
		{"(@coach) by address", []int64{2}},
		{"@léon writes to himself", nil}, // the author
	} {
		author := int64(4)
		if c.text != "@léon writes to himself" {
			author = 99
		}
		if got := Mentioned(members, author, c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}

package directory

import "testing"

func TestPersonName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		given, prefix, family string
		want                  string
	}{
		{"Bram", "de", "Vries", "Bram de Vries"},
		{"Kim", "", "Bakker", "Kim Bakker"},
		{"", "", "Bakker", "Bakker"},
		{"Kim", "", "", "Kim"},
		{"", "", "", ""},
		{" Anna ", " van der ", "  Berg ", "Anna van der Berg"},
	} {
		if got := (Person{GivenName: tc.given, NamePrefix: tc.prefix, FamilyName: tc.family}).Name(); got != tc.want {
			t.Errorf("Name of %q %q %q = %q, want %q", tc.given, tc.prefix, tc.family, got, tc.want)
		}
	}
}

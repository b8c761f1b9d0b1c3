package flowapi

import (
	"testing"
)

func TestJoinOrgs(t *testing.T) {
	for _, tc := range []struct {
		names    []string
		lang     string
		want     string
		wantNone bool
	}{
		{nil, "zh", "本链的验证节点", true},
		{nil, "en", "this chain's validators", true},
		{[]string{"北京互联网法院"}, "zh", "北京互联网法院", false},
		{[]string{"北京互联网法院", "北京市方圆公证处", "北京仲裁委员会", "Platform Ltd"}, "zh", "北京互联网法院、北京市方圆公证处、北京仲裁委员会和Platform Ltd", false},
		{[]string{"Court", "Notary", "Platform Ltd"}, "en", "Court, Notary and Platform Ltd", false},
	} {
		if got := joinOrgs(tc.names, tc.lang); got != tc.want {
			t.Errorf("joinOrgs(%q, %s) = %q, want %q", tc.names, tc.lang, got, tc.want)
		}
	}
}

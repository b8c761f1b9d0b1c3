package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/evidence"
)

// TestMakePrintsRecomputedChecks: the verification an evidence report
// prints is the one Make recomputes from the bundle under Options.Trust. A
// caller's check list that was edited (a detail reworded, a check added,
// dropped or turned to a pass) does not reach the page; a caller's verdict
// that differs from the recomputed one is refused; without a trust there
// is nothing to recompute with, and Make refuses.
func TestMakePrintsRecomputedChecks(t *testing.T) {
	f := newFixture(t)
	v, err := evidence.NewVerifier(f.trust)
	if err != nil {
		t.Fatal(err)
	}
	want := v.Verify(f.bundle, nil)
	if !want.OK || len(want.Checks) < 3 {
		t.Fatalf("fixture verification: ok=%v, %d checks", want.OK, len(want.Checks))
	}
	// edited copies the fixture's verification and lets the case edit it.
	edited := func(edit func(r *evidence.Result)) *evidence.Result {
		r := *f.res
		r.Checks = slices.Clone(f.res.Checks)
		edit(&r)
		return &r
	}
	const forged = "FORGEDCHECKDETAIL"
	for _, tc := range []struct {
		name string
		res  *evidence.Result
		// absent must not be on the page.
		absent []string
	}{
		{"a detail reworded", edited(func(r *evidence.Result) { r.Checks[0].Detail = forged }), []string{forged}},
		{"a check added", edited(func(r *evidence.Result) {
			r.Checks = append(r.Checks, evidence.Check{Name: "forged_extra_check", OK: true, Detail: forged})
		}), []string{"forged_extra_check", forged}},
		{"a check dropped", edited(func(r *evidence.Result) { r.Checks = r.Checks[1:] }), nil},
		{"a check marked failed under a passing verdict", edited(func(r *evidence.Result) {
			r.Checks[1].OK, r.Checks[1].Detail = false, forged
		}), []string{forged, "未通过 FAIL", "VERIFICATION FAILED"}},
		{"no checks at all", edited(func(r *evidence.Result) { r.Checks = nil }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Make(f.bundle, tc.res, f.options())
			if err != nil {
				t.Fatalf("Make: %v", err)
			}
			text := ownText(t, out)
			for _, s := range tc.absent {
				if strings.Contains(text, s) {
					t.Errorf("the page shows %q from the caller's check list", s)
				}
			}
			n := len(want.Checks)
			if s := fmt.Sprintf("全部 %d 项检查通过 ALL %d CHECKS PASSED", n, n); !strings.Contains(text, s) {
				t.Errorf("the page lacks %q", s)
			}
			for _, ch := range want.Checks {
				if !strings.Contains(text, ch.Name) {
					t.Errorf("the page lacks the recomputed check %s", ch.Name)
				}
			}
			if got := strings.Count(text, "通过 PASS"); got != n {
				t.Errorf("%d checks marked passed on the page, want the %d recomputed", got, n)
			}
		})
	}

	// The caller's verdict differs from the recomputed one: refused.
	failed := edited(func(r *evidence.Result) { r.OK, r.Checks[0].OK = false, false })
	if _, err := Make(f.bundle, failed, f.options()); !errors.Is(err, ErrOptions) {
		t.Errorf("a failed verdict for a bundle that verifies: %v, want ErrOptions", err)
	}
	// A bundle that does not verify under the trust (another chain's
	// genesis) with the caller's passing verdict: refused, so no report
	// says ALL CHECKS PASSED for it.
	other := f.options()
	tr := *f.trust
	tr.ChainID = "another-chain"
	other.Trust = &tr
	if _, err := Make(f.bundle, f.res, other); !errors.Is(err, ErrOptions) {
		t.Errorf("a passing verdict for a bundle that fails under the trust: %v, want ErrOptions", err)
	}
	noTrust := f.options()
	noTrust.Trust = nil
	if _, err := Make(f.bundle, f.res, noTrust); !errors.Is(err, ErrOptions) {
		t.Errorf("no trust: %v, want ErrOptions", err)
	}
}

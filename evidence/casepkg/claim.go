package casepkg

import (
	"errors"
	"fmt"
	"maps"
	"strings"
)

// ErrNoClaim means a contract's template has no claim mapping, or lacks
// the fields its claim needs.
var ErrNoClaim = errors.New("no claim facts")

// claimRoles are, per template, the role that sues (the filer's client)
// and the role sued.
var claimRoles = map[string][2]string{
	"loan_note":         {"lender", "borrower"},
	"service_agreement": {"party_b", "party_a"},
}

// ClaimOf derives the claim facts of a contract made from template tpl
// with fields, for a case of kind. It returns the plaintiff's and the
// defendant's roles. Errors wrap ErrNoClaim and name the template or field.
func ClaimOf(kind, contract, title, tpl string, fields map[string]string) (*Claim, string, string, error) {
	roles, ok := claimRoles[tpl]
	if !ok {
		if tpl == "" {
			return nil, "", "", fmt.Errorf("%w: the contract was not made from a template (its fields are unknown)", ErrNoClaim)
		}
		return nil, "", "", fmt.Errorf("%w: template %q has no claim mapping (loan_note and service_agreement have)", ErrNoClaim, tpl)
	}
	need := func(names ...string) error {
		var missing []string
		for _, n := range names {
			if strings.TrimSpace(fields[n]) == "" {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: template field %s missing", ErrNoClaim, strings.Join(missing, ", "))
		}
		return nil
	}
	c := &Claim{Contract: contract, Title: title, Template: tpl, Currency: "CNY", Fields: maps.Clone(fields)}
	defendant := "被告"
	costs := "本案诉讼费用由被告承担。 The costs of the case are borne by the defendant."
	if kind == KindArbitration {
		defendant = "被申请人"
		costs = "本案仲裁费用由被申请人承担。 The costs of the arbitration are borne by the respondent."
	}
	switch tpl {
	case "loan_note":
		if err := need("amount", "annual_rate", "due_date", "date"); err != nil {
			return nil, "", "", err
		}
		c.Principal, c.AmountWords, c.AnnualRate = fields["amount"], fields["amount_words"], fields["annual_rate"]
		c.DueDate, c.StartDate, c.Purpose = fields["due_date"], fields["date"], fields["purpose"]
		c.Requests = []string{
			fmt.Sprintf("判令%s偿还借款本金人民币 %s 元。 Repay the principal of CNY %s.", defendant, c.Principal, c.Principal),
			fmt.Sprintf("判令%s按年利率 %s 支付自 %s 起至实际清偿之日止的利息。 Pay interest at %s a year from %s until paid.",
				defendant, c.AnnualRate, c.StartDate, c.AnnualRate, c.StartDate),
			costs,
		}
	case "service_agreement":
		if err := need("fee", "end_date"); err != nil {
			return nil, "", "", err
		}
		c.Principal, c.DueDate, c.StartDate = fields["fee"], fields["end_date"], fields["start_date"]
		c.Requests = []string{
			fmt.Sprintf("判令%s支付服务费 %s。 Pay the service fee of %s.", defendant, c.Principal, c.Principal),
			fmt.Sprintf("判令%s支付自 %s 后第十五日起至实际清偿之日止的逾期付款利息。 Pay interest on the late fee from the fifteenth day after %s until paid.",
				defendant, c.DueDate, c.DueDate),
			costs,
		}
	}
	return c, roles[0], roles[1], nil
}

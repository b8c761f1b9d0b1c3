package identity

import (
	"strings"
	"unicode/utf8"

	"github.com/sealchain/sealchain/chain"
)

const (
	maxNameRunes = 128
	maxFaceBytes = 8 << 20
)

// validate checks that req has what its method needs, in a form a real
// provider would accept.
func validate(req *Request) error {
	if req == nil {
		return &FieldError{"request", "missing"}
	}
	if (req.Person == nil) == (req.Enterprise == nil) {
		return &FieldError{"request", "want exactly one of person and enterprise"}
	}
	switch req.Method {
	case chain.IdentityFace, chain.IdentityCarrier3Factor:
		if req.Person == nil {
			return &FieldError{"method", req.Method.String() + " verifies a person"}
		}
		if err := validPerson("person", req.Person); err != nil {
			return err
		}
		if req.Method == chain.IdentityFace {
			if n := len(req.Person.Face); n == 0 || n > maxFaceBytes {
				return &FieldError{"person.face", "want an image of 1 byte to 8 MiB"}
			}
		}
		return nil
	case chain.IdentityAgentCheck, chain.IdentityBusinessRegistry, chain.IdentityLegalRepAuth, chain.IdentityBankTransfer:
	default:
		return &FieldError{"method", "unknown identity method " + req.Method.String()}
	}
	e := req.Enterprise
	if e == nil {
		return &FieldError{"method", req.Method.String() + " verifies an enterprise"}
	}
	if err := validName("enterprise.name", e.Name); err != nil {
		return err
	}
	if !ValidCreditCode(e.CreditCode) {
		return &FieldError{"enterprise.credit_code", "not an 18-character unified social credit code with a valid check character"}
	}
	switch req.Method {
	case chain.IdentityAgentCheck:
		if e.Agent == nil {
			return &FieldError{"enterprise.agent", "missing"}
		}
		return validPerson("enterprise.agent", e.Agent)
	case chain.IdentityLegalRepAuth:
		if e.LegalRep == nil {
			return &FieldError{"enterprise.legal_rep", "missing"}
		}
		return validPerson("enterprise.legal_rep", e.LegalRep)
	case chain.IdentityBankTransfer:
		a := e.Account
		if a == nil {
			return &FieldError{"enterprise.account", "missing"}
		}
		if a.Name != e.Name {
			return &FieldError{"enterprise.account.name", "must be the company's registered name"}
		}
		if n := len(a.Number); n < 8 || n > 32 || strings.Trim(a.Number, "0123456789") != "" {
			return &FieldError{"enterprise.account.number", "want 8 to 32 digits"}
		}
	}
	return nil
}

func validPerson(field string, p *Person) error {
	if err := validName(field+".name", p.Name); err != nil {
		return err
	}
	if !ValidIDNumber(p.IDNumber) {
		return &FieldError{field + ".id_number", "not an 18-character resident ID number with a valid check digit"}
	}
	if !ValidPhone(p.Phone) {
		return &FieldError{field + ".phone", "want an 11-digit mobile number starting with 1"}
	}
	return nil
}

func validName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return &FieldError{field, "missing"}
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameRunes {
		return &FieldError{field, "want valid UTF-8 of at most 128 characters"}
	}
	return nil
}

// ValidIDNumber checks an 18-character resident ID number's form and its
// GB 11643-1999 check digit (ISO 7064 MOD 11-2; X stands for 10).
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * w
	}
	return s[17] == "10X98765432"[sum%11]
}

// creditCodeChars are the characters of a unified social credit code, by
// value (GB 32100-2015: digits and capitals without I, O, Z, S, V).
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// ValidCreditCode checks an 18-character unified social credit code's
// alphabet and its GB 32100-2015 check character.
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i, w := range weights {
		v := strings.IndexByte(creditCodeChars, s[i])
		if v < 0 {
			return false
		}
		sum += v * w
	}
	return s[17] == creditCodeChars[(31-sum%31)%31]
}

// ValidPhone accepts an 11-digit mainland mobile number.
func ValidPhone(s string) bool {
	return len(s) == 11 && s[0] == '1' && strings.Trim(s, "0123456789") == ""
}

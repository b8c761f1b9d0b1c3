package casepkg

// Parties is parties/parties.json.
type Parties struct {
	Parties []Party `json:"parties"`
}

// Party is one party of the case: its pseudonymous certificate (the one
// the chain records) and, where the filer discloses it, the platform's
// off-chain identity data. None of the identity data is on chain.
type Party struct {
	Index int `json:"index"`
	// Role is the party's role in the contract (e.g. borrower, lender).
	Role string `json:"role"`
	// Side is plaintiff or defendant (claimant or respondent in an
	// arbitration: the same words are used for both).
	Side        string `json:"side"`
	Cert        string `json:"cert"` // package path of the certificate (DER)
	Fingerprint string `json:"fingerprint"`
	Subject     string `json:"subject"`
	// Identity is the platform's verified identity data, disclosed by the
	// filer for this filing; nil when not disclosed.
	Identity *Identity `json:"identity,omitempty"`
}

// Sides of a party.
const (
	SidePlaintiff = "plaintiff"
	SideDefendant = "defendant"
	SideOther     = "other"
)

// Identity is a party's off-chain identity data as the platform verified
// it: for a person the name and resident ID number, for a company its
// name and unified social credit code; the address is for service (送达地址).
type Identity struct {
	Kind     string `json:"kind"` // person or enterprise
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Address  string `json:"address"`
	Phone    string `json:"phone,omitempty"`
}

// Claim is claim/claim.json: the facts of the claim, taken from the
// contract's template fields.
type Claim struct {
	Contract string `json:"contract"`
	Title    string `json:"title"`
	Template string `json:"template"`
	// Principal is the sum claimed in figures (a loan note's amount, a
	// service agreement's fee), AmountWords its 大写 when the contract has it.
	Principal   string `json:"principal"`
	AmountWords string `json:"amount_words,omitempty"`
	Currency    string `json:"currency"`
	// AnnualRate is the contractual interest rate; DueDate the date the
	// sum fell due; StartDate the loan's date (interest runs from it).
	AnnualRate string `json:"annual_rate,omitempty"`
	DueDate    string `json:"due_date"`
	StartDate  string `json:"start_date,omitempty"`
	Purpose    string `json:"purpose,omitempty"`
	// Requests are the claims as printed in the statement (诉讼请求 /
	// 仲裁请求), in order.
	Requests []string `json:"requests"`
	// Fields are the contract's template fields, as the contract was made.
	Fields map[string]string `json:"fields"`
}

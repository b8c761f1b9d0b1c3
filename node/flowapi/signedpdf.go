package flowapi

import "context"

// SignedPDF returns a contract's PDF as its last signature left it: the
// signed PDF an institution case examines (chainapi.SignedPDFSource). The
// caller checks its SM3 against the chain's contract_signed record.
func (s *Service) SignedPDF(ctx context.Context, contractID string) ([]byte, error) {
	return s.engine.PDF(ctx, contractID)
}

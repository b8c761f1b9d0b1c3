package seal

// Sealer encrypts small values at rest for a record id (the AAD), and
// opens what it sealed for the same id.
type Sealer interface {
	Seal(id string, plain []byte) ([]byte, error)
	Open(id string, sealed []byte) ([]byte, error)
}

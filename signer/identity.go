package signer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm3"
)

// IdentityCommitment binds a certificate and an identity-verified record to
// a real identity without putting the identity on chain:
//
//	SM3("sealchain/identity/v1" ‖ 0x00 ‖ salt ‖ for each field: uvarint(len) ‖ field)
//
// For a person the fields are the name, the ID number and the phone number;
// for an enterprise the registered name and the unified social credit code.
// The 32-byte random salt makes the commitment useless for guessing: whoever
// holds the salt and the fields (the person, the platform) can open it in
// court, nobody else can link it to a name.
func IdentityCommitment(salt []byte, fields ...string) ([32]byte, error) {
	if len(salt) != 32 {
		return [32]byte{}, fmt.Errorf("identity salt: %d bytes, want 32", len(salt))
	}
	if len(fields) == 0 {
		return [32]byte{}, errors.New("identity commitment: no fields")
	}
	h := sm3.New()
	h.Write([]byte("sealchain/identity/v1"))
	h.Write([]byte{0})
	h.Write(salt)
	var n [binary.MaxVarintLen64]byte
	for _, f := range fields {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
		h.Write([]byte(f))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}

// NewIdentitySalt returns a fresh 32-byte salt.
func NewIdentitySalt(rand io.Reader) ([]byte, error) {
	salt := make([]byte, 32)
	if _, err := io.ReadFull(orCryptoRand(rand), salt); err != nil {
		return nil, fmt.Errorf("identity salt: %w", err)
	}
	return salt, nil
}

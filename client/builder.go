package client

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// Submitter signs transaction envelopes for an organisation with its API
// client credential (a certificate with the submitter usage, issued by the
// org's CA).
type Submitter struct {
	ChainID string
	Org     string
	Cert    []byte // DER
	Key     *signer.PrivateKey
	Rand    io.Reader // nonces and signatures; crypto/rand when nil
}

// Actor is a certificate holder who signs a record: the signer of a contract.
type Actor struct {
	Cert chain.Fingerprint
	Key  *signer.PrivateKey
}

// LoadSubmitter reads an org's submitter credential from PEM files.
func LoadSubmitter(chainID, org, certPath, keyPath string) (*Submitter, error) {
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("submitter certificate: %w", err)
	}
	cert, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("submitter certificate %s: %w", certPath, err)
	}
	key, err := signer.LoadPrivateKey(keyPath)
	if err != nil {
		return nil, fmt.Errorf("submitter key: %w", err)
	}
	return &Submitter{ChainID: chainID, Org: org, Cert: cert.Raw, Key: key}, nil
}

// LoadActor reads a signer's certificate and key.
func LoadActor(certPath, keyPath string) (*Actor, error) {
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("signer certificate: %w", err)
	}
	cert, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("signer certificate %s: %w", certPath, err)
	}
	key, err := signer.LoadPrivateKey(keyPath)
	if err != nil {
		return nil, fmt.Errorf("signer key: %w", err)
	}
	return &Actor{Cert: chain.FingerprintOf(cert.Raw), Key: key}, nil
}

func (s *Submitter) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// Build encodes body as a transaction with a fresh random nonce, signed by
// actor (when the record type needs one) and by the submitter's envelope.
func (s *Submitter) Build(body chain.Body, actor *Actor) ([]byte, error) {
	var n [8]byte
	if _, err := io.ReadFull(s.rand(), n[:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return s.BuildWithNonce(body, actor, binary.BigEndian.Uint64(n[:])|1)
}

// BuildWithNonce is Build with a caller-chosen nonce (tests, vectors).
func (s *Submitter) BuildWithNonce(body chain.Body, actor *Actor, nonce uint64) ([]byte, error) {
	if s.Key == nil || len(s.Cert) == 0 {
		return nil, errors.New("build tx: submitter has no key or certificate")
	}
	tx := &chain.Tx{
		Version: chain.TxVersion, ChainID: s.ChainID, Nonce: nonce, Body: body,
		Envelope: chain.Envelope{Org: s.Org, Cert: s.Cert},
	}
	if actor != nil {
		tx.Actor = &chain.Signature{Cert: actor.Cert}
		sig, err := actor.Key.Sign(s.rand(), tx.ActorSignBytes())
		if err != nil {
			return nil, fmt.Errorf("actor signature: %w", err)
		}
		tx.Actor.Sig = sig
	}
	sig, err := s.Key.Sign(s.rand(), tx.EnvelopeSignBytes())
	if err != nil {
		return nil, fmt.Errorf("envelope signature: %w", err)
	}
	tx.Envelope.Sig = sig
	raw := tx.Encode()
	if _, err := chain.DecodeTx(raw); err != nil {
		return nil, fmt.Errorf("build tx: %w", err)
	}
	return raw, nil
}

// BuildItem builds body as a batch item: a record signed by actor (when the
// type needs one), without envelope, for BuildBatch. The actor signs the
// same bytes as in a standalone tx.
func (s *Submitter) BuildItem(body chain.Body, actor *Actor) (*chain.Tx, error) {
	var n [8]byte
	if _, err := io.ReadFull(s.rand(), n[:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	tx := &chain.Tx{Version: chain.TxVersion, ChainID: s.ChainID, Nonce: binary.BigEndian.Uint64(n[:]) | 1, Body: body}
	if actor != nil {
		tx.Actor = &chain.Signature{Cert: actor.Cert}
		sig, err := actor.Key.Sign(s.rand(), tx.ActorSignBytes())
		if err != nil {
			return nil, fmt.Errorf("actor signature: %w", err)
		}
		tx.Actor.Sig = sig
	}
	return tx, nil
}

// BuildBatch signs items (from BuildItem, or standalone txs with their
// envelope removed) as one batch transaction under the submitter's
// credential, named by fingerprint. Batches are valid from rules version
// chain.BatchRulesVersion on.
func (s *Submitter) BuildBatch(items []*chain.Tx) ([]byte, error) {
	if s.Key == nil || len(s.Cert) == 0 {
		return nil, errors.New("build batch: submitter has no key or certificate")
	}
	b, err := chain.NewBatch(s.ChainID, s.Org, chain.FingerprintOf(s.Cert), items, func(msg []byte) ([]byte, error) {
		return s.Key.Sign(s.rand(), msg)
	})
	if err != nil {
		return nil, err
	}
	return b.Encode(), nil
}

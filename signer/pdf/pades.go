package pdf

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// PAdES baseline levels (ETSI EN 319 142-1) as reported by [Verify].
const (
	LevelBB  = "B-B"  // CAdES signature with signing-certificate-v2
	LevelBT  = "B-T"  // plus a valid signature time stamp
	LevelBLT = "B-LT" // plus a DSS with the chain and revocation data
)

// TimeStamper obtains an RFC 3161 TimeStampToken (the DER ContentInfo) for
// a hash. hashAlg is SHA-256 for ECDSA signatures and SM3 for SM2 ones
// (the OIDs of signer/tsa). A Sealchain node's TSA answers only for hashes
// it can tie to a commit on chain; see docs/long-term-validation.md.
type TimeStamper interface {
	TimeStamp(ctx context.Context, hashAlg asn1.ObjectIdentifier, digest []byte) ([]byte, error)
}

// SignatureValue returns the signature value of the last signature in
// data and the OIDs of the hash a signature time stamp over it uses, with
// that hash: what a TSA is asked to stamp for PAdES B-T.
func SignatureValue(data []byte) (value []byte, hashAlg asn1.ObjectIdentifier, digest []byte, err error) {
	_, der, err := lastSignature(data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("signature value: %w", err)
	}
	sig, prof, err := signatureValue(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("signature value: %w", err)
	}
	h := prof.newHash()
	h.Write(sig)
	return sig, prof.digest, h.Sum(nil), nil
}

// AddTimeStamp makes the last signature in data PAdES B-T: it asks ts for
// a token over the hash of the signature value and adds it to the
// SignerInfo as the unsigned attribute id-aa-signatureTimeStampToken,
// rewriting the /Contents string in place. The signed byte range, and so
// the signature, are unchanged; the file length too. The last signature
// must cover the whole file (add the time stamp before the DSS).
func AddTimeStamp(ctx context.Context, data []byte, ts TimeStamper) ([]byte, error) {
	c, der, err := lastSignature(data)
	if err != nil {
		return nil, fmt.Errorf("add time stamp: %w", err)
	}
	br, _ := byteRange(c.dict)
	if br[2]+br[3] != int64(len(data)) {
		return nil, fmt.Errorf("add time stamp: %w: the last signature does not cover the whole file", ErrInvalidOptions)
	}
	sig, prof, err := signatureValue(der)
	if err != nil {
		return nil, fmt.Errorf("add time stamp: %w", err)
	}
	h := prof.newHash()
	h.Write(sig)
	token, err := ts.TimeStamp(ctx, prof.digest, h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("add time stamp: %w", err)
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(token, &raw); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("add time stamp: token is not one DER value: %v", err)
	}
	nd, err := withTimeStamp(der, token)
	if err != nil {
		return nil, fmt.Errorf("add time stamp: %w", err)
	}
	contents := c.dict["Contents"].(pStr)
	room := (contents.end - contents.start - 2) / 2
	if len(nd) > room {
		return nil, fmt.Errorf("add time stamp: CMS with token is %d bytes, more than the %d reserved", len(nd), room)
	}
	out := bytes.Clone(data)
	hexed := make([]byte, 2*room)
	for i := range hexed {
		hexed[i] = '0'
	}
	hex.Encode(hexed, nd)
	copy(out[contents.start+1:], hexed)
	return out, nil
}

// lastSignature finds the last signature dictionary in data and returns
// it with its CMS (zero padding trimmed by DER length).
func lastSignature(data []byte) (sigCandidate, []byte, error) {
	s := &scanner{data: data, ctx: context.Background()}
	cands, err := s.signatures()
	if err != nil {
		return sigCandidate{}, nil, err
	}
	if len(cands) == 0 {
		return sigCandidate{}, nil, ErrNoSignature
	}
	c := cands[len(cands)-1]
	if c.err != nil {
		return c, nil, fmt.Errorf("%w: %v", ErrMalformed, c.err)
	}
	br, ok := byteRange(c.dict)
	contents, cok := c.dict["Contents"].(pStr)
	if !ok || !cok || !contents.hex || br[1] != int64(contents.start) || br[2] != int64(contents.end) {
		return c, nil, fmt.Errorf("%w: last signature's /ByteRange or /Contents", ErrMalformed)
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(contents.b, &raw); err != nil {
		return c, nil, fmt.Errorf("%w: CMS: %v", ErrMalformed, err)
	}
	return c, raw.FullBytes, nil
}

// ValidationData is what goes into a DSS: DER certificates, OCSP responses
// (OCSPResponse) and CRLs (CertificateList).
type ValidationData struct {
	Certs, OCSPs, CRLs [][]byte
}

// ValidationSource supplies OCSP responses and CRLs for certificates
// (DER, leaf first as found in the signatures and time stamps), and any
// further certificates to embed. Sealchain nodes answer from the chain's
// revocation state (node/pki).
type ValidationSource interface {
	ValidationData(ctx context.Context, certs [][]byte) (*ValidationData, error)
}

// AddDSS makes the signatures in data PAdES B-LT: it gathers the
// certificates of every signature's CMS and signature time stamp, and of
// every document time stamp (before the next one: extend-lta), asks src
// for revocation data about them, and appends an incremental update with a
// document security store (/DSS with /Certs, /OCSPs and /CRLs, one stream
// per item; no /VRI) referenced from a new version of the catalog. An
// existing /DSS is kept and extended. Items are deduplicated.
func AddDSS(ctx context.Context, data []byte, src ValidationSource) ([]byte, error) {
	s := &scanner{data: data, ctx: ctx}
	cands, err := s.signatures()
	if err != nil {
		return nil, fmt.Errorf("add DSS: %w", err)
	}
	var certs [][]byte
	seen := map[string]bool{}
	addCert := func(der []byte) {
		if !seen[string(der)] {
			seen[string(der)] = true
			certs = append(certs, der)
		}
	}
	for _, c := range cands {
		contents, ok := c.dict["Contents"].(pStr)
		if c.err != nil || !ok {
			continue
		}
		if isDocTimeStamp(c) { // its TSA chain, for the next archive time stamp
			for _, ce := range tokenCerts(contents.b) {
				addCert(ce)
			}
			continue
		}
		cms, err := parseCMS(contents.b)
		if err != nil {
			continue
		}
		if cms.signer != nil {
			addCert(cms.signer.Raw)
		}
		for _, ce := range cms.certs {
			addCert(ce.Raw)
		}
		for _, tok := range cms.timeStamps {
			for _, ce := range tokenCerts(tok) {
				addCert(ce)
			}
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("add DSS: %w", ErrNoSignature)
	}
	vd, err := src.ValidationData(ctx, certs)
	if err != nil {
		return nil, fmt.Errorf("add DSS: %w", err)
	}
	for _, c := range vd.Certs {
		addCert(c)
	}
	return appendDSS(data, &ValidationData{Certs: certs, OCSPs: vd.OCSPs, CRLs: vd.CRLs})
}

// appendDSS writes the incremental update.
func appendDSS(in []byte, vd *ValidationData) ([]byte, error) {
	hdr, ctx, prevXRef, xrefIsStream, err := openUpdate(in)
	if err != nil {
		return nil, fmt.Errorf("add DSS: %w", err)
	}
	catalog, err := ctx.Catalog()
	if err != nil || ctx.Root == nil {
		return nil, fmt.Errorf("add DSS: %w: catalog: %v", ErrMalformed, err)
	}
	// Existing entries are kept by reference.
	existing := map[string]types.Array{}
	if o, ok := catalog["DSS"]; ok {
		d, err := ctx.DereferenceDict(o)
		if err != nil {
			return nil, fmt.Errorf("add DSS: %w: /DSS: %v", ErrMalformed, err)
		}
		for _, k := range []string{"Certs", "OCSPs", "CRLs"} {
			a, err := ctx.DereferenceArray(d[k])
			if err != nil {
				return nil, fmt.Errorf("add DSS: %w: /DSS /%s: %v", ErrMalformed, k, err)
			}
			existing[k] = a
		}
	}
	w := newUpdateWriter(in, hdr, 64<<10)
	next := *ctx.Size
	alloc := func() int { next++; return next - 1 }
	dssNr := alloc()
	var dss strings.Builder
	dss.WriteString("<< /Type /DSS")
	for _, part := range []struct {
		key   string
		items [][]byte
	}{{"Certs", vd.Certs}, {"OCSPs", vd.OCSPs}, {"CRLs", vd.CRLs}} {
		refs := []string{}
		for _, r := range existing[part.key] {
			refs = append(refs, r.PDFString())
		}
		seen := map[string]bool{}
		for _, it := range part.items {
			if len(it) == 0 || seen[string(it)] {
				continue
			}
			seen[string(it)] = true
			nr := alloc()
			w.stream(nr, 0, "", it)
			refs = append(refs, fmt.Sprintf("%d 0 R", nr))
		}
		if len(refs) > 0 {
			fmt.Fprintf(&dss, " /%s [%s]", part.key, strings.Join(refs, " "))
		}
	}
	dss.WriteString(" >>")
	w.object(dssNr, 0, dss.String())
	cat := catalog.Clone().(types.Dict)
	cat["DSS"] = *types.NewIndirectRef(dssNr, 0)
	w.object(ctx.Root.ObjectNumber.Value(), ctx.Root.GenerationNumber.Value(), cat.PDFString())

	w.finish(ctx, prevXRef, xrefIsStream, next)
	return w.buf.Bytes(), nil
}

// RecordedRevision returns the file as it was right after signature index
// (file order, from 0) was made: the bytes up to the end of its byte range,
// with the signature time stamps [AddTimeStamp] later put into its own
// /Contents taken out again. This is the file whose SM3 a contract_signed
// record names (signed_doc_sm3): a B-T time stamp is added only after that
// record committed, and before the next party signs, so time stamps of
// earlier signatures are part of the recorded bytes and are kept. Exact
// for CMS written by [Sign] (DER, re-encoded the same way); without time
// stamps the bytes are returned as they are.
func RecordedRevision(data []byte, index int) ([]byte, error) {
	s := &scanner{data: data, ctx: context.Background()}
	cands, err := s.signatures()
	if err != nil {
		return nil, fmt.Errorf("recorded revision: %w", err)
	}
	if index < 0 || index >= len(cands) || cands[index].err != nil {
		return nil, fmt.Errorf("recorded revision: %w: no signature %d", ErrNoSignature, index)
	}
	d := cands[index].dict
	br, ok := byteRange(d)
	contents, cok := d["Contents"].(pStr)
	end := br[2] + br[3]
	if !ok || !cok || !contents.hex || br[1] != int64(contents.start) || br[2] != int64(contents.end) || end > int64(len(data)) {
		return nil, fmt.Errorf("recorded revision: %w: signature %d's /ByteRange or /Contents", ErrMalformed, index)
	}
	out := bytes.Clone(data[:end])
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(contents.b, &raw); err != nil {
		return nil, fmt.Errorf("recorded revision: %w: CMS: %v", ErrMalformed, err)
	}
	stripped, changed, err := withoutTimeStamps(raw.FullBytes)
	if err != nil {
		return nil, fmt.Errorf("recorded revision: %w", err)
	}
	if !changed {
		return out, nil
	}
	hexed := bytes.Repeat([]byte{'0'}, contents.end-contents.start-2)
	hex.Encode(hexed, stripped)
	copy(out[contents.start+1:], hexed)
	return out, nil
}

// RecordedRevisions is [RecordedRevision] for every signature, the last
// first: the files a chain may have recorded on the way to data. Not a
// PDF, or no signature: none.
func RecordedRevisions(data []byte) [][]byte {
	s := &scanner{data: data, ctx: context.Background()}
	cands, err := s.signatures()
	if err != nil {
		return nil
	}
	var out [][]byte
	for i := len(cands) - 1; i >= 0; i-- {
		if rev, err := RecordedRevision(data, i); err == nil {
			out = append(out, rev)
		}
	}
	return out
}

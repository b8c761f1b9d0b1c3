package pdf

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

// LevelBLTA is a B-LT signature whose validation data a valid document
// time stamp covers (ETSI EN 319 142-1, PAdES-B-LTA).
const LevelBLTA = "B-LTA"

// DocTimeStampSize is the number of bytes reserved for the token in a
// document time stamp's /Contents: an RFC 3161 token with its TSA
// certificate is about 1.5 KB.
const DocTimeStampSize = 8192

// DocumentStamper obtains an RFC 3161 token (the DER ContentInfo) for a
// document time stamp: prepared is a PDF whose last revision ends with an
// empty document time stamp ([PrepareDocTimeStamp]) and the token must
// stamp [DocTimeStampDigest] of it under hashAlg. A Sealchain node first
// commits that digest on chain (record timestamp_requested), then stamps
// it with genTime = that block time (node/pki, POST /v1/tsa/document).
type DocumentStamper interface {
	TimeStampDocument(ctx context.Context, prepared []byte, hashAlg asn1.ObjectIdentifier) ([]byte, error)
}

// AddDocTimeStamp makes data PAdES B-LTA (after [AddDSS]): it appends an
// incremental update with a document time stamp, asks ts for the token and
// writes it into the reserved /Contents. hashAlg is tsa.OIDSHA256 (an
// ECDSA token, what pdfsig, pyHanko and Adobe verify) or tsa.OIDSM3.
// Adding another one later, before the previous time stamp's TSA
// certificate expires (with the DSS for it first), is sealchain pdf
// extend-lta.
func AddDocTimeStamp(ctx context.Context, data []byte, hashAlg asn1.ObjectIdentifier, ts DocumentStamper) ([]byte, error) {
	prepared, err := PrepareDocTimeStamp(data)
	if err != nil {
		return nil, err
	}
	token, err := ts.TimeStampDocument(ctx, prepared, hashAlg)
	if err != nil {
		return nil, fmt.Errorf("add document time stamp: %w", err)
	}
	return EmbedDocTimeStamp(prepared, token)
}

// PrepareDocTimeStamp appends an incremental update with a document time
// stamp whose /Contents is still empty (zeros): a signature dictionary
// /Type /DocTimeStamp /SubFilter /ETSI.RFC3161 with /ByteRange over the
// whole new file, in a new invisible signature field on page 1. The bytes
// of in are kept.
func PrepareDocTimeStamp(in []byte) ([]byte, error) {
	hdr, ctx, prevXRef, xrefIsStream, err := openUpdate(in)
	if err != nil {
		return nil, fmt.Errorf("document time stamp: %w", err)
	}
	if err := ctx.EnsurePageCount(); err != nil || ctx.PageCount < 1 {
		return nil, fmt.Errorf("document time stamp: %w: no page: %v", ErrMalformed, err)
	}
	pageDict, pageRef, _, err := ctx.PageDict(1, false)
	if err != nil {
		return nil, fmt.Errorf("document time stamp: %w: page 1: %v", ErrMalformed, err)
	}
	catalog, err := ctx.Catalog()
	if err != nil || ctx.Root == nil {
		return nil, fmt.Errorf("document time stamp: %w: catalog: %v", ErrMalformed, err)
	}
	w := newUpdateWriter(in, hdr, DocTimeStampSize*2+4096)
	next := *ctx.Size
	alloc := func() int { next++; return next - 1 }
	sigNr, widgetNr := alloc(), alloc()

	var sd strings.Builder
	sd.WriteString("<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [")
	brOff := sd.Len()
	sd.WriteString(strings.Repeat(" ", byteRangeWidth))
	sd.WriteString("] /Contents <")
	cOff := sd.Len() - 1
	sd.WriteString(strings.Repeat("0", 2*DocTimeStampSize))
	sd.WriteString("> >>")
	sigOff := w.object(sigNr, 0, sd.String())
	brPos, contentsPos := sigOff+int64(brOff), sigOff+int64(cOff)

	fieldName, fields, acroRef, acro, err := acroFormFields(ctx, catalog)
	if err != nil {
		return nil, fmt.Errorf("document time stamp: %w", err)
	}
	fieldName = docTimeStampName(ctx, fields, fieldName)
	w.object(widgetNr, 0, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /P %s /Rect [0 0 0 0] /F 132 >>",
		encodeTextString(fieldName), sigNr, pageRef.PDFString()))
	widgetRef := *types.NewIndirectRef(widgetNr, 0)

	if err := w.addSigWidget(ctx, catalog, pageDict, pageRef, fields, acroRef, acro, widgetRef); err != nil {
		return nil, fmt.Errorf("document time stamp: %w", err)
	}
	w.finish(ctx, prevXRef, xrefIsStream, next)
	out := w.buf.Bytes()
	a, b := contentsPos, contentsPos+2*DocTimeStampSize+2
	brStr := fmt.Sprintf("0 %d %d %d", a, b, int64(len(out))-b)
	if len(brStr) > byteRangeWidth {
		return nil, fmt.Errorf("document time stamp: byte range %q too wide", brStr)
	}
	copy(out[brPos:], brStr)
	return out, nil
}

// emptyDocTimeStamp finds the last signature dictionary of prepared and
// checks that it is a document time stamp with empty /Contents covering
// the whole file; it returns the /Contents string's bounds.
func emptyDocTimeStamp(prepared []byte) (pStr, error) {
	s := &scanner{data: prepared, ctx: context.Background()}
	cands, err := s.signatures()
	if err != nil {
		return pStr{}, err
	}
	if len(cands) == 0 {
		return pStr{}, ErrNoSignature
	}
	c := cands[len(cands)-1]
	if c.err != nil {
		return pStr{}, fmt.Errorf("%w: %v", ErrMalformed, c.err)
	}
	br, ok := byteRange(c.dict)
	contents, cok := c.dict["Contents"].(pStr)
	switch {
	case dictName(c.dict, "Type") != "DocTimeStamp" || dictName(c.dict, "SubFilter") != "ETSI.RFC3161":
		return pStr{}, fmt.Errorf("%w: the last signature is not a document time stamp", ErrInvalidOptions)
	case !ok || !cok || !contents.hex || br[0] != 0 || br[1] != int64(contents.start) || br[2] != int64(contents.end) || br[2]+br[3] != int64(len(prepared)):
		return pStr{}, fmt.Errorf("%w: the document time stamp's /ByteRange does not cover the whole file except its /Contents", ErrMalformed)
	case len(bytes.Trim(contents.b, "\x00")) != 0:
		return pStr{}, fmt.Errorf("%w: the document time stamp's /Contents is not empty", ErrInvalidOptions)
	}
	return contents, nil
}

// DocTimeStampDigest returns the hash under hashAlg (tsa.OIDSHA256 or
// tsa.OIDSM3) of the byte range of prepared's empty document time stamp:
// the message imprint its token must carry.
func DocTimeStampDigest(prepared []byte, hashAlg asn1.ObjectIdentifier) ([]byte, error) {
	contents, err := emptyDocTimeStamp(prepared)
	if err != nil {
		return nil, fmt.Errorf("document time stamp digest: %w", err)
	}
	var p profile
	switch {
	case hashAlg.Equal(tsa.OIDSHA256):
		p = profileECDSA
	case hashAlg.Equal(tsa.OIDSM3):
		p = profileSM2
	default:
		return nil, fmt.Errorf("document time stamp digest: %w: hash %s", ErrInvalidOptions, hashAlg)
	}
	h := p.newHash()
	h.Write(prepared[:contents.start])
	h.Write(prepared[contents.end:])
	return h.Sum(nil), nil
}

// EmbedDocTimeStamp writes token into prepared's empty document time
// stamp. The file length does not change.
func EmbedDocTimeStamp(prepared, token []byte) ([]byte, error) {
	contents, err := emptyDocTimeStamp(prepared)
	if err != nil {
		return nil, fmt.Errorf("embed document time stamp: %w", err)
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(token, &raw); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("embed document time stamp: token is not one DER value: %v", err)
	}
	room := (contents.end - contents.start - 2) / 2
	if len(token) > room {
		return nil, fmt.Errorf("embed document time stamp: token is %d bytes, more than the %d reserved", len(token), room)
	}
	out := bytes.Clone(prepared)
	hex.Encode(out[contents.start+1:], token)
	return out, nil
}

// LastTimeStampCert returns the TSA certificate (DER) of the latest time
// stamp in data: its last document time stamp, else the last signature's
// signature time stamp; the one whose expiry the next archive time stamp
// must come before. Only certificates the tokens carry are found.
func LastTimeStampCert(data []byte) ([]byte, error) {
	s := &scanner{data: data, ctx: context.Background()}
	cands, err := s.signatures()
	if err != nil {
		return nil, fmt.Errorf("last time stamp: %w", err)
	}
	for i := len(cands) - 1; i >= 0; i-- {
		c := cands[i]
		contents, ok := c.dict["Contents"].(pStr)
		if c.err != nil || !ok {
			continue
		}
		var tokens [][]byte
		if isDocTimeStamp(c) {
			tokens = [][]byte{contents.b}
		} else if cms, err := parseCMS(contents.b); err == nil {
			tokens = cms.timeStamps
		}
		for _, tok := range tokens {
			for _, der := range tokenCerts(tok) {
				if ce, err := smx509.ParseCertificate(der); err == nil && signer.HasCriticalTimeStamping(ce) {
					return der, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("last time stamp: %w: no time stamp carrying its TSA certificate", ErrNoSignature)
}

// docTimeStampName is "DocTimeStampN" with N the number of the field
// acroFormFields chose ("SignatureN"), raised past the names in use.
func docTimeStampName(ctx *model.Context, fields types.Array, sigName string) string {
	used := map[string]bool{}
	for _, f := range fields {
		if d, err := ctx.DereferenceDict(f); err == nil && d != nil {
			if t, err := ctx.DereferenceStringOrHexLiteral(d["T"], model.V10, nil); err == nil {
				used[t] = true
			}
		}
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(sigName, "Signature"))
	for used["DocTimeStamp"+strconv.Itoa(n)] {
		n++
	}
	return "DocTimeStamp" + strconv.Itoa(n)
}

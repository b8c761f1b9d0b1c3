package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/ofd/render"
)

// Contract document formats (Contract.Format). A contract keeps the format
// of its first document: every signature is added in that format, and the
// chain records, per signature, the SM3 of the file after it
// (contract_signed.signed_doc_sm3), whatever the format.
const (
	FormatPDF = "pdf"
	FormatOFD = "ofd" // GB/T 33190; signatures per GB/T 38540 (signer/ofd)
)

// mmPerPoint converts an Area (PDF points, 1/72 in) to OFD millimetres.
const mmPerPoint = 25.4 / 72

// PageRenderer draws one page of an OFD file as a PNG for people (the
// signing page): page counts from 1; unsupported names what could not be
// drawn. signer/ofd/render implements it; nil means the signing page says
// that the picture cannot be shown.
type PageRenderer interface {
	PNG(ctx context.Context, ofdFile []byte, page int, dpi float64) (png []byte, unsupported []string, err error)
}

// PageRendererFunc adapts a function (e.g. render.PNG) to PageRenderer.
type PageRendererFunc func(ctx context.Context, ofdFile []byte, page int, dpi float64) ([]byte, []string, error)

// PNG calls f.
func (f PageRendererFunc) PNG(ctx context.Context, ofdFile []byte, page int, dpi float64) ([]byte, []string, error) {
	return f(ctx, ofdFile, page, dpi)
}

// docFormat names an uploaded file's format: a PDF by its header, an OFD by
// a package that signer/ofd reads (within its bounds on entries, sizes and
// XML) and whose first document has pages. pages is the OFD's page count
// (0 for a PDF: pdf.Sign checks the page itself).
func docFormat(data []byte) (format string, pages int, err error) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return FormatPDF, 0, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		p, err := ofd.Open(data)
		if err != nil {
			return "", 0, fmt.Errorf("not a readable OFD: %w", err)
		}
		d, err := p.ReadDocument()
		if err != nil {
			return "", 0, fmt.Errorf("not a readable OFD: %w", err)
		}
		if len(d.Pages) == 0 {
			return "", 0, errors.New("the OFD document has no page")
		}
		return FormatOFD, len(d.Pages), nil
	}
	return "", 0, errors.New("neither a PDF (%PDF- header) nor an OFD (zip package)")
}

// pagePNGDPI is the resolution of the signing page's picture of an OFD
// page: an A4 page is 1240×1754 px, enough to read on a phone.
const pagePNGDPI = 150

// PageImage is page (from 1) of the contract's current OFD file as a PNG,
// for the holder of a signing link, and what the renderer could not draw.
func (e *Engine) PageImage(ctx context.Context, tok string, page int) ([]byte, []string, error) {
	c, _, err := e.resolve(tok)
	if err != nil {
		return nil, nil, err
	}
	if c.format() != FormatOFD {
		return nil, nil, badField("page", "contract %s is a PDF: the browser shows /pdf itself", c.ID)
	}
	if e.cfg.Pages == nil {
		return nil, nil, newErr(http.StatusNotImplemented, "render_unavailable", "this node cannot draw OFD pages; download the file to view it")
	}
	if page < 1 {
		return nil, nil, badField("page", "%d, want 1 or more", page)
	}
	data, err := e.getFile(ctx, c.CurrentSM3)
	if err != nil {
		return nil, nil, err
	}
	png, unsupported, err := e.cfg.Pages.PNG(ctx, data, page, pagePNGDPI)
	if errors.Is(err, render.ErrPage) {
		return nil, nil, badField("page", "%d: the contract's file has no such page", page)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("render page %d of %s: %w", page, c.ID, err)
	}
	return png, unsupported, nil
}

// format is the contract's document format; contracts made before OFD
// support have none and are PDFs.
func (c *Contract) format() string {
	if c.Format == "" {
		return FormatPDF
	}
	return c.Format
}

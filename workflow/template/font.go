package template

import (
	"errors"
	"fmt"

	"github.com/sealchain/sealchain/internal/pdfgen"
)

// DefaultFontPath is the CJK TrueType font embedded in contracts (Debian
// package fonts-droid-fallback, the font the evidence report uses).
const DefaultFontPath = pdfgen.DefaultFontPath

// ErrFont: the CJK font could not be loaded or is not TrueType.
var ErrFont = errors.New("template: font")

// Font is a loaded CJK TrueType font. It is safe for concurrent use.
type Font struct{ f *pdfgen.Font }

// LoadFont reads and parses a TrueType font (errors wrap ErrFont).
func LoadFont(path string) (*Font, error) {
	f, err := pdfgen.LoadFont(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFont, err)
	}
	return &Font{f: f}, nil
}

package ofd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestXMLBudget checks the package-wide bounds on parsed XML: every part
// within its own bounds, but too much of them together.
func TestXMLBudget(t *testing.T) {
	p := &Package{}
	part := []byte("<a>" + strings.Repeat("<b/>", 1000) + "</a>")
	_, err := p.parse(part, "x")
	require.NoError(t, err)
	require.Equal(t, 1001, p.xmlElems)
	p.xmlElems = MaxXMLTotalElements - 10
	_, err = p.parse(part, "x")
	require.ErrorIs(t, err, ErrTooLarge)
	p.xmlElems, p.xmlBytes = 0, MaxXMLTotalBytes-10
	_, err = p.parse([]byte("<a/>"), "small")
	require.NoError(t, err)
	_, err = p.parse(part, "x")
	require.ErrorIs(t, err, ErrTooLarge)
}

package ofd

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
)

// Text layout of [NewText], in millimetres on an A4 page.
const (
	pageW, pageH = 210, 297
	margin       = 20
	fontSize     = 4.2333 // 12 pt
	lineHeight   = 7
	maxLines     = (pageH - 2*margin) / lineHeight
	maxRunes     = 36 // a full-width character is fontSize wide
)

// NewText makes a minimal OFD (GB/T 33190-2016) of A4 pages of text lines,
// one font (宋体, not embedded: readers substitute), as ofdrw and other
// readers accept it: OFD.xml, Doc_0/Document.xml, Doc_0/PublicRes.xml and
// Doc_0/Pages/Page_N/Content.xml. It reads no clock; created dates it.
// Lines longer than 36 characters or pages with more than 36 lines are
// refused rather than wrapped.
func NewText(title string, pages [][]string, created time.Time) ([]byte, error) {
	if len(pages) == 0 || len(pages) > 1000 {
		return nil, errors.New("new ofd: 1 to 1000 pages")
	}
	if !utf8.ValidString(title) || utf8.RuneCountInString(title) > 200 {
		return nil, errors.New("new ofd: title is not UTF-8 or longer than 200 characters")
	}
	type part struct {
		name string
		b    []byte
	}
	var parts []part
	const ns = `xmlns:ofd="http://www.ofdspec.org/2016"`
	id := 1 // object IDs; 1 is the font
	var pageList strings.Builder
	var contents []part
	for i, lines := range pages {
		if len(lines) > maxLines {
			return nil, fmt.Errorf("new ofd: page %d has %d lines, more than %d", i+1, len(lines), maxLines)
		}
		id++
		pageID := id
		fmt.Fprintf(&pageList, `<ofd:Page ID="%d" BaseLoc="Pages/Page_%d/Content.xml"/>`, pageID, i)
		var c strings.Builder
		c.WriteString(xmlHeader)
		id++
		fmt.Fprintf(&c, `<ofd:Page %s><ofd:Content><ofd:Layer ID="%d">`, ns, id)
		for j, line := range lines {
			n := utf8.RuneCountInString(line)
			if !utf8.ValidString(line) || n > maxRunes {
				return nil, fmt.Errorf("new ofd: page %d line %d is not UTF-8 or longer than %d characters", i+1, j+1, maxRunes)
			}
			if n == 0 {
				continue
			}
			id++
			y := margin + float64(j)*lineHeight
			fmt.Fprintf(&c, `<ofd:TextObject ID="%d" Boundary="%d %s %d %d" Font="1" Size="%s">`, id, margin, mm(y), pageW-2*margin, lineHeight, mm(fontSize))
			c.WriteString(`<ofd:FillColor Value="0 0 0"/>`)
			fmt.Fprintf(&c, `<ofd:TextCode X="0" Y="%s"`, mm(fontSize+0.5))
			if n > 1 {
				fmt.Fprintf(&c, ` DeltaX="g %d %s"`, n-1, mm(fontSize))
			}
			c.WriteString(`>` + esc(line) + `</ofd:TextCode></ofd:TextObject>`)
		}
		c.WriteString(`</ofd:Layer></ofd:Content></ofd:Page>`)
		contents = append(contents, part{fmt.Sprintf("Doc_0/Pages/Page_%d/Content.xml", i), []byte(c.String())})
	}
	document := xmlHeader + `<ofd:Document ` + ns + `><ofd:CommonData>` +
		fmt.Sprintf(`<ofd:MaxUnitID>%d</ofd:MaxUnitID>`, id) +
		fmt.Sprintf(`<ofd:PageArea><ofd:PhysicalBox>0 0 %d %d</ofd:PhysicalBox></ofd:PageArea>`, pageW, pageH) +
		`<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>` + pageList.String() +
		`</ofd:Pages></ofd:Document>`
	publicRes := xmlHeader + `<ofd:Res ` + ns + ` BaseLoc="Res"><ofd:Fonts>` +
		`<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>`
	// DocID: derived from the content, so that the file is deterministic.
	h := sm3.New()
	h.Write([]byte(title))
	h.Write([]byte(document))
	for _, c := range contents {
		h.Write(c.b)
	}
	docID := hex.EncodeToString(h.Sum(nil)[:16])
	ofdXML := xmlHeader + `<ofd:OFD ` + ns + ` Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>` +
		`<ofd:DocID>` + docID + `</ofd:DocID><ofd:Title>` + esc(title) + `</ofd:Title>` +
		`<ofd:CreationDate>` + created.UTC().Format("2006-01-02") + `</ofd:CreationDate>` +
		`<ofd:Creator>Sealchain</ofd:Creator></ofd:DocInfo>` +
		`<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`
	parts = append(parts, part{"OFD.xml", []byte(ofdXML)}, part{"Doc_0/Document.xml", []byte(document)},
		part{"Doc_0/PublicRes.xml", []byte(publicRes)})
	parts = append(parts, contents...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: created.UTC()})
		if err != nil {
			return nil, fmt.Errorf("new ofd: %w", err)
		}
		if _, err := w.Write(p.b); err != nil {
			return nil, fmt.Errorf("new ofd: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("new ofd: %w", err)
	}
	return buf.Bytes(), nil
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// bar draws a one-line progress bar with \r on w (nil: nothing), at most
// every progressInterval.
type bar struct {
	w     io.Writer
	label string
	total int
	start time.Time
	last  time.Time
}

func newBar(w io.Writer, label string, total int) *bar {
	return &bar{w: w, label: label, total: total, start: time.Now()}
}

// set redraws the bar at done units if enough time has passed.
func (b *bar) set(done int) {
	if b == nil || b.w == nil || time.Since(b.last) < progressInterval {
		return
	}
	b.last = time.Now()
	b.draw(done, "")
}

// done draws the bar full and ends the line.
func (b *bar) done() {
	if b == nil || b.w == nil {
		return
	}
	b.draw(b.total, "\n")
}

func (b *bar) draw(done int, end string) {
	fmt.Fprintf(b.w, "\r%-26s %s %s%s", b.label, barString(done, b.total, 30),
		time.Since(b.start).Round(100*time.Millisecond), end)
}

// barString renders done/total as [####----] plus counts.
func barString(done, total, width int) string {
	frac := 1.0
	if total > 0 {
		frac = min(1, float64(done)/float64(total))
	}
	full := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %d/%d %3.0f%%", strings.Repeat("#", full), strings.Repeat("-", width-full), done, total, 100*frac)
}

package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot colours: Sealchain blue, kvstore orange, reference lines grey.
var (
	sealColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	kvColor   = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	refColor  = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	// limitColor marks the SM2 limit: red.
	limitColor = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// series is one line of a plot.
type series struct {
	name   string
	pts    plotter.XYs
	color  color.Color
	dashed bool
}

// savePlot draws the series as lines with points and writes a small PNG.
func savePlot(path, title, xlabel, ylabel string, logX bool, ss []series) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Legend.Top = true
	p.Legend.Left = true
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", s.name, err)
		}
		l.Color, pts.Color = s.color, s.color
		pts.Shape = draw.CircleGlyph{}
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			pts.Radius = 0
		}
		p.Add(l, pts)
		p.Legend.Add(s.name, l)
	}
	// Headroom above the data for the legend in the top left corner.
	p.Y.Min = 0
	p.Y.Max *= 1.35
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := p.Save(6*vg.Inch, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	fmt.Printf("plot written to %s\n", path)
	return nil
}

// plotSweep writes throughput.png (committed vs offered tx/s, both apps)
// and latency.png (p50/p95/p99 vs offered tx/s, both apps) into dir; for a
// batched sweep batched-throughput.png (records/s against the SM2 limit,
// the goal and kvstore's burst) and batched-latency.png.
func plotSweep(r *sweepResult, dir string) error {
	if r.Batch > 1 {
		return plotBatchedSweep(r, dir)
	}
	var sealTPS, kvTPS, ideal, limit plotter.XYs
	lat := map[string]plotter.XYs{}
	for _, st := range r.Steps {
		x := st.OfferedTPS
		ideal = append(ideal, plotter.XY{X: x, Y: x})
		if st.Limit > 0 {
			limit = append(limit, plotter.XY{X: x, Y: st.Limit})
		}
		if p := st.Sealchain; p != nil {
			sealTPS = append(sealTPS, plotter.XY{X: x, Y: p.TPS})
			lat["s50"] = append(lat["s50"], plotter.XY{X: x, Y: p.P50Ms})
			lat["s99"] = append(lat["s99"], plotter.XY{X: x, Y: p.P99Ms})
			lat["s95"] = append(lat["s95"], plotter.XY{X: x, Y: p.P95Ms})
		}
		if p := st.KVStore; p != nil {
			kvTPS = append(kvTPS, plotter.XY{X: x, Y: p.TPS})
			lat["k50"] = append(lat["k50"], plotter.XY{X: x, Y: p.P50Ms})
			lat["k95"] = append(lat["k95"], plotter.XY{X: x, Y: p.P95Ms})
			lat["k99"] = append(lat["k99"], plotter.XY{X: x, Y: p.P99Ms})
		}
	}
	sub := fmt.Sprintf("%d validators, %s blocks, %gs steps", r.Validators, r.BlockInterval, r.StepSec)
	if err := savePlot(filepath.Join(dir, "throughput.png"), "Committed vs offered load ("+sub+")",
		"offered tx/s", "committed tx/s", false, []series{
			{name: "Sealchain (contract_signed)", pts: sealTPS, color: sealColor},
			{name: "kvstore (same tx size)", pts: kvTPS, color: kvColor},
			{name: "offered", pts: ideal, color: refColor, dashed: true},
			{name: "SM2 limit (2 verifies per record per node)", pts: limit, color: limitColor, dashed: true},
		}); err != nil {
		return err
	}
	light := func(c color.RGBA) color.NRGBA { return color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x80} }
	var targets plotter.XYs
	if len(ideal) > 0 {
		targets = plotter.XYs{{X: ideal[0].X, Y: 600}, {X: ideal[len(ideal)-1].X, Y: 600}}
	}
	return savePlot(filepath.Join(dir, "latency.png"), "Submit-to-commit latency ("+sub+")",
		"offered tx/s", "latency ms", false, []series{
			{name: "Sealchain p50", pts: lat["s50"], color: sealColor},
			{name: "Sealchain p95", pts: lat["s95"], color: light(sealColor), dashed: true},
			{name: "Sealchain p99", pts: lat["s99"], color: light(sealColor)},
			{name: "kvstore p50", pts: lat["k50"], color: kvColor},
			{name: "kvstore p95", pts: lat["k95"], color: light(kvColor), dashed: true},
			{name: "kvstore p99", pts: lat["k99"], color: light(kvColor)},
			{name: "target p50 600 ms", pts: targets, color: refColor, dashed: true},
		})
}

// plotBatchedSweep draws a batched sweep: committed records/s against the
// offered load, the SM2 limit at each step's batch size, the goal and
// kvstore's burst tx/s; and the records' latency against the targets.
func plotBatchedSweep(r *sweepResult, dir string) error {
	var tps, ideal, limit, goal, kv plotter.XYs
	lat := map[string]plotter.XYs{}
	for _, st := range r.Steps {
		x := st.OfferedTPS
		ideal = append(ideal, plotter.XY{X: x, Y: x})
		if st.Limit > 0 {
			limit = append(limit, plotter.XY{X: x, Y: st.Limit})
		}
		if r.GoalTPS > 0 {
			goal = append(goal, plotter.XY{X: x, Y: r.GoalTPS})
		}
		if r.KVBurst != nil {
			kv = append(kv, plotter.XY{X: x, Y: r.KVBurst.TPS})
		}
		if p := st.Sealchain; p != nil {
			tps = append(tps, plotter.XY{X: x, Y: p.TPS})
			lat["50"] = append(lat["50"], plotter.XY{X: x, Y: p.P50Ms})
			lat["95"] = append(lat["95"], plotter.XY{X: x, Y: p.P95Ms})
			lat["99"] = append(lat["99"], plotter.XY{X: x, Y: p.P99Ms})
		}
	}
	sub := fmt.Sprintf("%d validators, batches ≤ %d, %s blocks, %gs steps", r.Validators, r.Batch, r.BlockInterval, r.StepSec)
	if err := savePlot(filepath.Join(dir, "batched-throughput.png"), "Records/s vs offered load ("+sub+")",
		"offered records/s", "committed records/s", false, []series{
			{name: "Sealchain batched (contract_signed)", pts: tps, color: sealColor},
			{name: "SM2 limit (1 + 1/batch verifies per record per node)", pts: limit, color: limitColor, dashed: true},
			{name: "goal", pts: goal, color: sealColor, dashed: true},
			{name: "kvstore burst tx/s (standalone size)", pts: kv, color: kvColor, dashed: true},
			{name: "offered", pts: ideal, color: refColor, dashed: true},
		}); err != nil {
		return err
	}
	light := color.NRGBA{R: sealColor.R, G: sealColor.G, B: sealColor.B, A: 0x80}
	var p50, p99 plotter.XYs
	if n := len(ideal); n > 0 {
		p50 = plotter.XYs{{X: ideal[0].X, Y: goalP50Ms}, {X: ideal[n-1].X, Y: goalP50Ms}}
		p99 = plotter.XYs{{X: ideal[0].X, Y: goalP99Ms}, {X: ideal[n-1].X, Y: goalP99Ms}}
	}
	return savePlot(filepath.Join(dir, "batched-latency.png"), "Record submit-to-commit latency ("+sub+")",
		"offered records/s", "latency ms", false, []series{
			{name: "p50", pts: lat["50"], color: sealColor},
			{name: "p95", pts: lat["95"], color: light, dashed: true},
			{name: "p99", pts: lat["99"], color: light},
			{name: "target p50 600 ms", pts: p50, color: refColor, dashed: true},
			{name: "target p99 1.5 s", pts: p99, color: limitColor, dashed: true},
		})
}

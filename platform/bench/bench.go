// Package bench is the frame of `make bench`: a report of sections, each
// figure printed beside its target, and the environment the sections
// measure in (a private PostgreSQL cluster configured like production, a
// fresh database per data set, the real binary). Modules contribute
// sections from their <module>bench packages; cmd/bench runs them in order.
// Each section generates its data set and drops it when done.
package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Section is one part of the report.
type Section struct {
	// Name heads the section in the report.
	Name string
	// Run measures and returns the figures, in the order to print them.
	Run func(ctx context.Context, env *Env) ([]Figure, error)
}

// Target is what a figure should reach: at least (AtLeast) or at most
// Value. A zero Target means the figure is information only.
type Target struct {
	AtLeast bool
	Value   float64
}

// Min is a target the figure must reach or exceed.
func Min(v float64) Target { return Target{AtLeast: true, Value: v} }

// Max is a target the figure must not exceed.
func Max(v float64) Target { return Target{Value: v} }

func (t Target) set() bool { return t.Value != 0 }

// Met reports whether v meets the target.
func (t Target) Met(v float64) bool {
	if t.AtLeast {
		return v >= t.Value
	}
	return v <= t.Value
}

func (t Target) String() string {
	if !t.set() {
		return ""
	}
	if t.AtLeast {
		return "≥ " + number(t.Value)
	}
	return "≤ " + number(t.Value)
}

// Figure is one measured number.
type Figure struct {
	Name   string
	Value  float64
	Unit   string
	Target Target
	// Note says what the number depends on (data set, concurrency).
	Note string
}

// Info is a figure without a target.
func Info(name string, v float64, unit, note string) Figure {
	return Figure{Name: name, Value: v, Unit: unit, Note: note}
}

// Ms converts a duration to milliseconds, the report's latency unit.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Print writes one section's figures as an aligned table.
func Print(w io.Writer, name string, figs []Figure, took time.Duration) {
	fmt.Fprintf(w, "\n== %s (%s)\n", name, took.Round(time.Second))
	width := 0
	for _, f := range figs {
		width = max(width, len([]rune(f.Name)))
	}
	for _, f := range figs {
		mark := "    "
		if f.Target.set() {
			mark = "ok  "
			if !f.Target.Met(f.Value) {
				mark = "MISS"
			}
		}
		target := ""
		if f.Target.set() {
			target = "target " + f.Target.String() + " " + f.Unit
		}
		value := number(f.Value) + " " + f.Unit
		line := fmt.Sprintf("  %s %s%s  %14s   %-26s", mark, f.Name, strings.Repeat(" ", width-len([]rune(f.Name))), value, target)
		if f.Note != "" {
			line += "  " + f.Note
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// number prints a figure with the precision that matters for its size.
func number(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

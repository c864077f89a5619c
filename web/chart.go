package web

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk"
)

// The usage chart: one dimension's closed hours as stacked bars (covered by the contract, then
// metered to AWS), drawn by the server as inline SVG (templates/partials/chart.html) with a
// text table of the same numbers under it. Coordinates are in the SVG's own units (viewBox);
// the numbers shown are the records' exact decimals, floats only place the bars.
const (
	chartWidth  = 640
	chartHeight = 240
	chartLeft   = 56 // room for the y axis' labels
	chartRight  = 8
	chartTop    = 16
	chartBottom = 44 // room for the hours and the axis' title
	// chartMaxLabels is how many hour labels the x axis shows at most; the others are left out.
	chartMaxLabels = 12
	// chartMaxBar is the widest a bar gets, when there are few hours.
	chartMaxBar = 32
)

// usageChart is what the chart partial draws for one dimension.
type usageChart struct {
	ID        string // the id of the SVG's title, for aria-labelledby
	Dimension string // the dimension's key
	Name      string // its name, and unit, for people
	Unit      string
	ViewBox   string
	Width     int
	Height    int
	// The plot area's edges.
	Left, Right, Top, Bottom int
	LegendX                  int // where the legend starts, at the top right
	Ticks                    []chartTick
	Bars                     []chartBar
}

// chartTick is a label of the y axis.
type chartTick struct {
	Y     string
	Label string
}

// chartBar is one closed hour: its bar group (covered at the bottom, metered on top) and the
// row of the table under the chart.
type chartBar struct {
	Hour     time.Time
	Label    string // the x axis' label ("" when left out to make room)
	LabelX   string
	X, W     string
	CoveredY string
	CoveredH string
	MeteredY string
	MeteredH string
	Usage    dealdesk.Decimal // units counted in the hour
	Covered  dealdesk.Decimal // units covered by the grant and the commit
	Metered  int64            // units metered (the record's quantity)
	Status   dealdesk.MeteringRecordStatus
}

// newUsageChart draws one dimension's records (any order; one per hour) as a chart: one bar
// group per hour, oldest first.
func newUsageChart(id, key, name, unit string, recs []*dealdesk.MeteringRecord) usageChart {
	c := usageChart{ID: id, Dimension: key, Name: name, Unit: unit, Width: chartWidth, Height: chartHeight,
		ViewBox: "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(chartHeight),
		Left:    chartLeft, Right: chartWidth - chartRight, Top: chartTop, Bottom: chartHeight - chartBottom,
		LegendX: chartWidth - chartRight - 170}
	recs = slices.Clone(recs)
	slices.SortFunc(recs, func(a, b *dealdesk.MeteringRecord) int { return a.Hour.Compare(b.Hour) })
	top := 0.0
	for _, r := range recs {
		top = math.Max(top, r.Covered().InexactFloat64()+float64(r.Quantity))
	}
	scaleMax := niceCeil(top)
	plotH := float64(c.Bottom - c.Top)
	y := func(v float64) float64 { return float64(c.Bottom) - v/scaleMax*plotH }
	for _, v := range []float64{0, scaleMax / 2, scaleMax} {
		c.Ticks = append(c.Ticks, chartTick{Y: coord(y(v)), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	if len(recs) == 0 {
		return c
	}
	slot := float64(c.Right-c.Left) / float64(len(recs))
	every := (len(recs) + chartMaxLabels - 1) / chartMaxLabels
	for i, r := range recs {
		covered, metered := r.Covered().InexactFloat64(), float64(r.Quantity)
		x := float64(c.Left) + float64(i)*slot
		w := math.Min(slot*0.7, chartMaxBar)
		b := chartBar{Hour: r.Hour, Usage: r.Usage, Covered: r.Covered(), Metered: r.Quantity, Status: r.Status,
			X: coord(x + (slot-w)/2), W: coord(w), LabelX: coord(x + slot/2),
			CoveredY: coord(y(covered)), CoveredH: coord(y(0) - y(covered)),
			MeteredY: coord(y(covered + metered)), MeteredH: coord(y(covered) - y(covered+metered))}
		if i%every == 0 {
			b.Label = r.Hour.UTC().Format("15:04")
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// niceCeil returns the smallest of 1, 2 or 5 times a power of ten that is at least v (1 for
// v ≤ 0): the top of the y axis.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// coord writes an SVG coordinate to a tenth of a unit.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

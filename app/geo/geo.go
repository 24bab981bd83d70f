// Package geo holds the plain geography the product shares — points,
// great-circle distance, service areas (circles and polygons) — and Index, the
// in-memory grid of on-duty staff that smart dispatch asks "who is near this
// address". It imports only the standard library.
package geo

import (
	"errors"
	"fmt"
	"math"
)

// EarthRadiusM is the mean Earth radius (IUGG). Every distance in the product
// uses it, so a distance shown to a customer and one used by dispatch agree.
const EarthRadiusM = 6371008.8

const (
	rad             = math.Pi / 180
	metersPerDegree = EarthRadiusM * rad // one degree of latitude, ~111.2 km

	minRadiusM       = 100
	maxRadiusM       = 200_000
	maxPolygonPoints = 1000

	// edgeEpsilonDeg is how close (in degrees, ~0.1 mm) a point must be to a
	// polygon edge to count as on it; without it a point computed to lie on a
	// shared boundary would flip in or out with rounding.
	edgeEpsilonDeg = 1e-9
)

// ErrInvalidArea is the kind of every error Area.Validate returns, so the edge
// can map all of them to a 400 with errors.Is.
var ErrInvalidArea = errors.New("invalid service area")

// ErrInvalidPoint is returned for coordinates that cannot be a real location.
var ErrInvalidPoint = errors.New("invalid coordinates")

// Point is a position in degrees, WGS-84 or GCJ-02 (what Chinese map SDKs
// return), treated as plain latitude/longitude. The few hundred meters
// GCJ-02 shifts a city by cancel out between two points of the same datum;
// mixing datums does not, so each caller keeps to one.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Valid reports whether p can be a real location. 0,0 is refused because it
// is what an unset or failed GPS fix decodes to, and it lies in the ocean.
func (p Point) Valid() bool { return p.check() == nil }

func (p Point) String() string { return fmt.Sprintf("%.6f,%.6f", p.Lat, p.Lng) }

func (p Point) check() error {
	switch {
	case !(p.Lat >= -90 && p.Lat <= 90): // written so NaN fails too
		return fmt.Errorf("%w: latitude %v is outside [-90, 90]", ErrInvalidPoint, p.Lat)
	case !(p.Lng >= -180 && p.Lng <= 180):
		return fmt.Errorf("%w: longitude %v is outside [-180, 180]", ErrInvalidPoint, p.Lng)
	case p.Lat == 0 && p.Lng == 0:
		return fmt.Errorf("%w: 0,0 is an unset location, not a real one", ErrInvalidPoint)
	}
	return nil
}

// Distance is the great-circle distance between a and b in meters
// (haversine). It is within 0.5% of the ellipsoid's answer — 25 m in 5 km,
// the size of GPS noise — and errs nearly alike for people around one
// address, so it hardly ever changes who is nearest.
func Distance(a, b Point) float64 {
	sLat := math.Sin((b.Lat - a.Lat) * rad / 2)
	sLng := math.Sin((b.Lng - a.Lng) * rad / 2)
	h := sLat*sLat + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*sLng*sLng
	return 2 * EarthRadiusM * math.Asin(math.Sqrt(min(h, 1)))
}

// Area is where a merchant serves: a circle (Center and RadiusM) or, when
// Polygon is set, the polygon alone. The polygon need not repeat its first
// point at the end; a closing repeat is accepted too.
type Area struct {
	Center  Point   `json:"center,omitzero"`
	RadiusM float64 `json:"radius_m,omitzero"`
	Polygon []Point `json:"polygon,omitempty"`
}

// IsPolygon reports whether a is drawn as a polygon rather than a circle.
func (a Area) IsPolygon() bool { return len(a.Polygon) > 0 }

// Validate reports the first reason a cannot be saved as a service area. The
// message is meant for the merchant drawing it; every error wraps
// ErrInvalidArea.
func (a Area) Validate() error {
	if a.IsPolygon() {
		return a.validatePolygon()
	}
	if err := a.Center.check(); err != nil {
		return fmt.Errorf("%w: center: %w", ErrInvalidArea, err)
	}
	if !(a.RadiusM >= minRadiusM && a.RadiusM <= maxRadiusM) {
		return fmt.Errorf("%w: radius must be between 100 m and 200 km, got %v m", ErrInvalidArea, a.RadiusM)
	}
	return nil
}

func (a Area) validatePolygon() error {
	if a.RadiusM != 0 || a.Center != (Point{}) {
		// Two shapes in one area would leave Contains to guess which one the
		// merchant meant.
		return fmt.Errorf("%w: an area is a circle or a polygon, not both: send either center and radius_m or polygon", ErrInvalidArea)
	}
	pts := ring(a.Polygon)
	if len(pts) < 3 {
		return fmt.Errorf("%w: polygon needs at least 3 points", ErrInvalidArea)
	}
	if len(pts) > maxPolygonPoints {
		return fmt.Errorf("%w: polygon has %d points, at most %d are allowed", ErrInvalidArea, len(pts), maxPolygonPoints)
	}
	for i, p := range pts {
		if err := p.check(); err != nil {
			return fmt.Errorf("%w: polygon point %d: %w", ErrInvalidArea, i+1, err)
		}
		if p == pts[(i+1)%len(pts)] {
			return fmt.Errorf("%w: polygon point %d repeats the next point", ErrInvalidArea, i+1)
		}
	}
	if collinear(pts) {
		return fmt.Errorf("%w: polygon has no area: all its points lie on one line", ErrInvalidArea)
	}
	// A bow-tie polygon has a region that even-odd containment counts as
	// outside although the merchant drew a line around it.
	n := len(pts)
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // adjacent through the closing edge
			}
			if segmentsIntersect(pts[i], pts[(i+1)%n], pts[j], pts[(j+1)%n]) {
				return fmt.Errorf("%w: polygon edges %d and %d cross; draw the boundary without crossing itself", ErrInvalidArea, i+1, j+1)
			}
		}
	}
	return nil
}

// Contains reports whether p is inside a. A polygon is tested in plain
// lat/lng space, which at city scale is indistinguishable from geodesic edges;
// a point on an edge or vertex counts as inside, so an address on the
// boundary street is served. A circle includes its rim.
func (a Area) Contains(p Point) bool {
	if a.IsPolygon() {
		return polygonContains(ring(a.Polygon), p)
	}
	return Distance(a.Center, p) <= a.RadiusM
}

// Bounds returns the south-west and north-east corners of the smallest
// lat/lng box around a, for a first cut in SQL or a map viewport. Areas are
// assumed not to cross the 180th meridian (none in China does).
func (a Area) Bounds() (sw, ne Point) {
	if a.IsPolygon() {
		sw, ne = a.Polygon[0], a.Polygon[0]
		for _, p := range a.Polygon[1:] {
			sw.Lat, sw.Lng = min(sw.Lat, p.Lat), min(sw.Lng, p.Lng)
			ne.Lat, ne.Lng = max(ne.Lat, p.Lat), max(ne.Lng, p.Lng)
		}
		return sw, ne
	}
	d := max(a.RadiusM, 0) / EarthRadiusM // angular radius
	lat := a.Center.Lat * rad
	sw.Lat = max(-90, (lat-d)/rad)
	ne.Lat = min(90, (lat+d)/rad)
	if lat+d >= math.Pi/2 || lat-d <= -math.Pi/2 {
		// The circle covers a pole: every longitude is in it.
		sw.Lng, ne.Lng = -180, 180
		return sw, ne
	}
	// The widest point of a circle on a sphere is not at its center's
	// latitude but poleward of it; this is the exact half-width there.
	dLng := math.Asin(math.Sin(d)/math.Cos(lat)) / rad
	sw.Lng = max(-180, a.Center.Lng-dLng)
	ne.Lng = min(180, a.Center.Lng+dLng)
	return sw, ne
}

// ring drops a closing point that repeats the first one, so both ways of
// sending a polygon mean the same thing.
func ring(pts []Point) []Point {
	if n := len(pts); n > 1 && pts[0] == pts[n-1] {
		return pts[:n-1]
	}
	return pts
}

func polygonContains(pts []Point, p Point) bool {
	if len(pts) < 3 {
		return false
	}
	inside := false
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		a, b := pts[j], pts[i]
		if onSegment(p, a, b) {
			return true
		}
		// Half-open in latitude, so a ray through a vertex crosses exactly
		// one of the two edges that meet there.
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) {
			lng := a.Lng + (p.Lat-a.Lat)*(b.Lng-a.Lng)/(b.Lat-a.Lat)
			if p.Lng < lng {
				inside = !inside
			}
		}
	}
	return inside
}

// cross is the z of (b-a)×(c-a) with lng as x and lat as y.
func cross(a, b, c Point) float64 {
	return (b.Lng-a.Lng)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lng-a.Lng)
}

func onSegment(p, a, b Point) bool {
	if p.Lat < min(a.Lat, b.Lat)-edgeEpsilonDeg || p.Lat > max(a.Lat, b.Lat)+edgeEpsilonDeg ||
		p.Lng < min(a.Lng, b.Lng)-edgeEpsilonDeg || p.Lng > max(a.Lng, b.Lng)+edgeEpsilonDeg {
		return false
	}
	// |cross| is the edge length times the point's distance from the line.
	length := math.Hypot(b.Lng-a.Lng, b.Lat-a.Lat)
	return math.Abs(cross(a, b, p)) <= edgeEpsilonDeg*max(length, edgeEpsilonDeg)
}

func segmentsIntersect(a, b, c, d Point) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	// Touching or overlapping counts: a polygon whose vertex sits on another
	// edge is just as ambiguous as one that crosses.
	return (d1 == 0 && within(a, c, d)) || (d2 == 0 && within(b, c, d)) ||
		(d3 == 0 && within(c, a, b)) || (d4 == 0 && within(d, a, b))
}

// within reports whether p, known to be collinear with a and b, lies between them.
func within(p, a, b Point) bool {
	return p.Lat >= min(a.Lat, b.Lat) && p.Lat <= max(a.Lat, b.Lat) &&
		p.Lng >= min(a.Lng, b.Lng) && p.Lng <= max(a.Lng, b.Lng)
}

// collinear reports whether every point lies on the line through the first
// two (which differ: Validate refused repeats before), within the same
// tolerance as an edge.
func collinear(pts []Point) bool {
	a, b := pts[0], pts[1]
	length := math.Hypot(b.Lng-a.Lng, b.Lat-a.Lat)
	for _, p := range pts[2:] {
		if math.Abs(cross(a, b, p)) > edgeEpsilonDeg*length {
			return false
		}
	}
	return true
}

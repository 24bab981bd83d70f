package geo_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"doorstep/app/geo"
)

var (
	tiananmen     = geo.Point{Lat: 39.9087, Lng: 116.3975}
	peoplesSquare = geo.Point{Lat: 31.2304, Lng: 121.4737}
	shenzhen      = geo.Point{Lat: 22.54, Lng: 114.06}
)

// offset moves p by north and east meters on a local flat approximation,
// which is all these tests need to place points near a boundary.
func offset(p geo.Point, northM, eastM float64) geo.Point {
	const mPerDeg = geo.EarthRadiusM * math.Pi / 180
	return geo.Point{
		Lat: p.Lat + northM/mPerDeg,
		Lng: p.Lng + eastM/(mPerDeg*math.Cos(p.Lat*math.Pi/180)),
	}
}

func TestDistance_BeijingToShanghaiIs1068kmOnTheSphere(t *testing.T) {
	// 1,068.14 km is the haversine figure for R = 6371008.8 m, computed
	// independently; the WGS-84 ellipsoid says 1,066.68 km (Vincenty), and a
	// sphere may be off by up to 0.5%.
	got := geo.Distance(tiananmen, peoplesSquare)
	if math.Abs(got-1_068_140) > 10 {
		t.Fatalf("Tiananmen to People's Square = %.0f m, want 1,068.14 km", got)
	}
	if geodesic := 1_066_676.0; math.Abs(got-geodesic) > 0.005*geodesic {
		t.Fatalf("Tiananmen to People's Square = %.0f m, more than 0.5%% off the ellipsoid's %.0f m", got, geodesic)
	}
	if back := geo.Distance(peoplesSquare, tiananmen); back != got {
		t.Fatalf("distance is not symmetric: %v there, %v back", got, back)
	}
}

func TestDistance_OneDegreeOfLatitudeIs111_2km(t *testing.T) {
	for _, lng := range []float64{0.5, 114.06, -70} {
		for _, lat := range []float64{0, 22.54, 53} {
			got := geo.Distance(geo.Point{Lat: lat, Lng: lng}, geo.Point{Lat: lat + 1, Lng: lng})
			if math.Abs(got-111_195) > 1 {
				t.Errorf("one degree of latitude at %v,%v = %.1f m, want 111,195 m", lat, lng, got)
			}
		}
	}
}

func TestDistance_LongitudeShrinksWithLatitude(t *testing.T) {
	// One degree of longitude is 111.2 km × cos(latitude).
	for _, lat := range []float64{18, 22.54, 39.9, 53} {
		got := geo.Distance(geo.Point{Lat: lat, Lng: 100}, geo.Point{Lat: lat, Lng: 101})
		want := 111_195 * math.Cos(lat*math.Pi/180)
		if math.Abs(got-want) > 10 {
			t.Errorf("one degree of longitude at %v° = %.0f m, want %.0f m", lat, got, want)
		}
	}
	if d := geo.Distance(shenzhen, shenzhen); d != 0 {
		t.Errorf("distance from a point to itself = %v", d)
	}
}

func TestPoint_ValidRefusesOutOfRangeAndUnsetCoordinates(t *testing.T) {
	cases := []struct {
		p    geo.Point
		want bool
	}{
		{shenzhen, true},
		{geo.Point{Lat: 90, Lng: 180}, true},
		{geo.Point{Lat: -90, Lng: -180}, true},
		{geo.Point{Lat: 0, Lng: 114}, true},
		{geo.Point{}, false},
		{geo.Point{Lat: 90.0001, Lng: 114}, false},
		{geo.Point{Lat: 22, Lng: -180.5}, false},
		{geo.Point{Lat: 114.06, Lng: 22.54}, false}, // swapped
		{geo.Point{Lat: math.NaN(), Lng: 114}, false},
		{geo.Point{Lat: 22, Lng: math.Inf(1)}, false},
	}
	for _, c := range cases {
		if got := c.p.Valid(); got != c.want {
			t.Errorf("%v.Valid() = %v, want %v", c.p, got, c.want)
		}
	}
}

// A U-shaped service area: a district with a park (not served) cut into its
// north side. Corners (lng, lat): the notch runs from lng 114.02 to 114.08
// and down to lat 22.52.
var districtU = geo.Area{Polygon: []geo.Point{
	{Lat: 22.50, Lng: 114.00},
	{Lat: 22.50, Lng: 114.10},
	{Lat: 22.56, Lng: 114.10},
	{Lat: 22.56, Lng: 114.08},
	{Lat: 22.52, Lng: 114.08},
	{Lat: 22.52, Lng: 114.02},
	{Lat: 22.56, Lng: 114.02},
	{Lat: 22.56, Lng: 114.00},
}}

func TestArea_ConcavePolygonServesItsArmsButNotTheNotch(t *testing.T) {
	cases := []struct {
		name string
		p    geo.Point
		want bool
	}{
		{"south body", geo.Point{Lat: 22.51, Lng: 114.05}, true},
		{"west arm", geo.Point{Lat: 22.55, Lng: 114.01}, true},
		{"east arm", geo.Point{Lat: 22.55, Lng: 114.09}, true},
		{"inside the notch", geo.Point{Lat: 22.54, Lng: 114.05}, false},
		{"notch, level with a vertex", geo.Point{Lat: 22.52 + 1e-7, Lng: 114.05}, false},
		{"body, level with the notch's bottom vertices", geo.Point{Lat: 22.52, Lng: 114.01}, true},
		{"west of everything on a vertex's latitude", geo.Point{Lat: 22.56, Lng: 113.9}, false},
		{"north of the arms", geo.Point{Lat: 22.57, Lng: 114.01}, false},
		{"south of the body", geo.Point{Lat: 22.49, Lng: 114.05}, false},
		{"east of the body", geo.Point{Lat: 22.51, Lng: 114.11}, false},

		{"on the south edge", geo.Point{Lat: 22.50, Lng: 114.05}, true},
		{"on the west edge", geo.Point{Lat: 22.53, Lng: 114.00}, true},
		{"on the notch's bottom edge", geo.Point{Lat: 22.52, Lng: 114.05}, true},
		{"on the notch's east wall", geo.Point{Lat: 22.54, Lng: 114.08}, true},
		{"on an outer vertex", geo.Point{Lat: 22.50, Lng: 114.10}, true},
		{"on a reflex vertex", geo.Point{Lat: 22.52, Lng: 114.02}, true},
		{"on the top of the west arm", geo.Point{Lat: 22.56, Lng: 114.01}, true},
	}
	for _, c := range cases {
		if got := districtU.Contains(c.p); got != c.want {
			t.Errorf("%s (%v): Contains = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestArea_PolygonOnADiagonalEdgeIsInside(t *testing.T) {
	triangle := geo.Area{Polygon: []geo.Point{
		{Lat: 22.50, Lng: 114.00}, {Lat: 22.50, Lng: 114.10}, {Lat: 22.60, Lng: 114.00},
	}}
	mid := geo.Point{Lat: 22.55, Lng: 114.05} // midpoint of the hypotenuse
	if !triangle.Contains(mid) {
		t.Errorf("midpoint of the hypotenuse is outside")
	}
	if triangle.Contains(geo.Point{Lat: 22.55 + 1e-6, Lng: 114.05 + 1e-6}) {
		t.Errorf("a point 15 cm beyond the hypotenuse is inside")
	}
	if !triangle.Contains(geo.Point{Lat: 22.55 - 1e-6, Lng: 114.05 - 1e-6}) {
		t.Errorf("a point 15 cm within the hypotenuse is outside")
	}
}

func TestArea_PolygonMayRepeatItsFirstPointAtTheEnd(t *testing.T) {
	closed := geo.Area{Polygon: append(append([]geo.Point{}, districtU.Polygon...), districtU.Polygon[0])}
	if err := closed.Validate(); err != nil {
		t.Fatalf("closed polygon: %v", err)
	}
	for _, p := range []geo.Point{{Lat: 22.51, Lng: 114.05}, {Lat: 22.54, Lng: 114.05}, {Lat: 22.50, Lng: 114.0}} {
		if closed.Contains(p) != districtU.Contains(p) {
			t.Errorf("%v: closed and open polygon disagree", p)
		}
	}
}

func TestArea_CircleIncludesItsRim(t *testing.T) {
	a := geo.Area{Center: shenzhen, RadiusM: 1000}
	if !a.Contains(shenzhen) {
		t.Errorf("center is outside")
	}
	if !a.Contains(offset(shenzhen, 999, 0)) || !a.Contains(offset(shenzhen, 0, -999)) {
		t.Errorf("points 999 m away are outside a 1 km circle")
	}
	if a.Contains(offset(shenzhen, 1001, 0)) || a.Contains(offset(shenzhen, 0, 1001)) {
		t.Errorf("points 1001 m away are inside a 1 km circle")
	}
	rim := offset(shenzhen, 600, 800)
	if !(geo.Area{Center: shenzhen, RadiusM: geo.Distance(shenzhen, rim)}).Contains(rim) {
		t.Errorf("a point exactly on the rim is outside")
	}
}

func TestArea_ValidateExplainsWhatIsWrong(t *testing.T) {
	cases := []struct {
		name string
		a    geo.Area
		want string // "" means valid
	}{
		{"circle", geo.Area{Center: shenzhen, RadiusM: 5000}, ""},
		{"smallest circle", geo.Area{Center: shenzhen, RadiusM: 100}, ""},
		{"largest circle", geo.Area{Center: shenzhen, RadiusM: 200_000}, ""},
		{"polygon", districtU, ""},
		{"zero value", geo.Area{}, "0,0 is an unset location"},
		{"radius too small", geo.Area{Center: shenzhen, RadiusM: 99}, "radius must be between 100 m and 200 km"},
		{"radius too large", geo.Area{Center: shenzhen, RadiusM: 200_001}, "radius must be between 100 m and 200 km"},
		{"radius NaN", geo.Area{Center: shenzhen, RadiusM: math.NaN()}, "radius must be between 100 m and 200 km"},
		{"center latitude", geo.Area{Center: geo.Point{Lat: 91, Lng: 114}, RadiusM: 1000}, "center: invalid coordinates: latitude 91 is outside [-90, 90]"},
		{"center longitude", geo.Area{Center: geo.Point{Lat: 22, Lng: 181}, RadiusM: 1000}, "longitude 181 is outside [-180, 180]"},
		{"two points", geo.Area{Polygon: []geo.Point{shenzhen, offset(shenzhen, 100, 0)}}, "polygon needs at least 3 points"},
		{"triangle closed into three points", geo.Area{Polygon: []geo.Point{shenzhen, offset(shenzhen, 100, 0), shenzhen}}, "polygon needs at least 3 points"},
		{"bad vertex", geo.Area{Polygon: []geo.Point{shenzhen, offset(shenzhen, 100, 0), {Lat: 22, Lng: 200}}}, "polygon point 3: invalid coordinates: longitude 200"},
		{"unset vertex", geo.Area{Polygon: []geo.Point{shenzhen, offset(shenzhen, 100, 0), {}}}, "polygon point 3: invalid coordinates: 0,0"},
		{"repeated vertex", geo.Area{Polygon: []geo.Point{shenzhen, offset(shenzhen, 100, 0), offset(shenzhen, 100, 0), offset(shenzhen, 0, 100)}}, "polygon point 2 repeats the next point"},
		{"collinear", geo.Area{Polygon: []geo.Point{{Lat: 22.5, Lng: 114}, {Lat: 22.6, Lng: 114}, {Lat: 22.7, Lng: 114}}}, "polygon has no area"},
		{"collinear, doubling back", geo.Area{Polygon: []geo.Point{{Lat: 22.5, Lng: 114}, {Lat: 22.6, Lng: 114.1}, {Lat: 22.7, Lng: 114.2}, {Lat: 22.55, Lng: 114.05}}}, "polygon has no area"},
		{"bow tie", geo.Area{Polygon: []geo.Point{{Lat: 22.5, Lng: 114}, {Lat: 22.6, Lng: 114.1}, {Lat: 22.6, Lng: 114}, {Lat: 22.5, Lng: 114.1}}}, "polygon edges 1 and 3 cross"},
		{"vertex touching an edge", geo.Area{Polygon: []geo.Point{{Lat: 22.5, Lng: 114}, {Lat: 22.5, Lng: 114.2}, {Lat: 22.6, Lng: 114.2}, {Lat: 22.5, Lng: 114.1}, {Lat: 22.6, Lng: 114}}}, "cross"},
		{"polygon and radius", geo.Area{RadiusM: 1000, Polygon: districtU.Polygon}, "a circle or a polygon, not both"},
		{"polygon and center", geo.Area{Center: shenzhen, Polygon: districtU.Polygon}, "a circle or a polygon, not both"},
		{"too many points", geo.Area{Polygon: manyPoints(1001)}, "polygon has 1001 points, at most 1000"},
	}
	for _, c := range cases {
		err := c.a.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want == "":
		case err == nil:
			t.Errorf("%s: no error, want one saying %q", c.name, c.want)
		case !errors.Is(err, geo.ErrInvalidArea) || !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: error %q, want one wrapping ErrInvalidArea saying %q", c.name, err, c.want)
		}
	}
}

// manyPoints is a valid n-gon around Shenzhen.
func manyPoints(n int) []geo.Point {
	pts := make([]geo.Point, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / float64(n)
		pts[i] = offset(shenzhen, 5000*math.Sin(a), 5000*math.Cos(a))
	}
	return pts
}

func TestArea_ValidAcceptsALargeRoundPolygon(t *testing.T) {
	if err := (geo.Area{Polygon: manyPoints(1000)}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestArea_CircleBoundsHoldTheWholeCircle(t *testing.T) {
	for _, c := range []geo.Point{shenzhen, {Lat: 18.25, Lng: 109.5}, {Lat: 53.0, Lng: 122.5}, {Lat: -33.9, Lng: 151.2}} {
		for _, r := range []float64{100, 5000, 200_000} {
			a := geo.Area{Center: c, RadiusM: r}
			sw, ne := a.Bounds()
			// The rim, walked every degree of bearing, touches each side of
			// the box without leaving it.
			var lo, hi geo.Point = c, c
			for deg := range 3600 {
				p := destination(c, float64(deg)/10, r)
				if p.Lat < sw.Lat-1e-9 || p.Lat > ne.Lat+1e-9 || p.Lng < sw.Lng-1e-9 || p.Lng > ne.Lng+1e-9 {
					t.Fatalf("center %v r %v: rim point %v outside bounds %v–%v", c, r, p, sw, ne)
				}
				lo.Lat, lo.Lng = min(lo.Lat, p.Lat), min(lo.Lng, p.Lng)
				hi.Lat, hi.Lng = max(hi.Lat, p.Lat), max(hi.Lng, p.Lng)
			}
			slack := 1e-3 * r / 111_195 // the walk's step, as a fraction of the radius
			if lo.Lat-sw.Lat > slack || ne.Lat-hi.Lat > slack || lo.Lng-sw.Lng > 2*slack || ne.Lng-hi.Lng > 2*slack {
				t.Errorf("center %v r %v: bounds %v–%v are looser than the rim %v–%v", c, r, sw, ne, lo, hi)
			}
		}
	}
}

// destination is the point distM from p along the great circle starting at
// bearingDeg clockwise from north.
func destination(p geo.Point, bearingDeg, distM float64) geo.Point {
	const rad = math.Pi / 180
	d, b := distM/geo.EarthRadiusM, bearingDeg*rad
	lat1, lng1 := p.Lat*rad, p.Lng*rad
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(b))
	lng2 := lng1 + math.Atan2(math.Sin(b)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	return geo.Point{Lat: lat2 / rad, Lng: lng2 / rad}
}

func TestArea_PolygonBoundsAreItsExtremeVertices(t *testing.T) {
	sw, ne := districtU.Bounds()
	if sw != (geo.Point{Lat: 22.50, Lng: 114.00}) || ne != (geo.Point{Lat: 22.56, Lng: 114.10}) {
		t.Fatalf("bounds %v–%v", sw, ne)
	}
}

func TestArea_JSONUsesSnakeCaseAndOmitsTheOtherShape(t *testing.T) {
	b, err := json.Marshal(geo.Area{Center: shenzhen, RadiusM: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"center":{"lat":22.54,"lng":114.06},"radius_m":3000}`; got != want {
		t.Errorf("circle JSON %s, want %s", got, want)
	}
	var a geo.Area
	if err := json.Unmarshal([]byte(`{"polygon":[{"lat":22.5,"lng":114},{"lat":22.5,"lng":114.1},{"lat":22.6,"lng":114}]}`), &a); err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil || len(a.Polygon) != 3 || a.Polygon[1].Lng != 114.1 {
		t.Errorf("decoded polygon %+v, validate: %v", a, err)
	}
	b, _ = json.Marshal(a)
	if !strings.HasPrefix(string(b), `{"polygon":`) {
		t.Errorf("polygon JSON %s carries a circle's fields", b)
	}
}

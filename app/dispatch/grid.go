package dispatch

import "doorstep/app/geo"

// grid holds a city's located staff in one geo.Index per merchant. Every
// decision looks at one merchant's staff only, so a query reads none of the
// others': with a city-wide grid and a merchant filter, a query for a small
// merchant walks every staff member of the city within the radius (at the
// policy's 50 km, the whole city) to find a handful. Entries still carry
// their merchant id. Callers serialize writes (cityIndex.mu).
type grid struct {
	cellM      float64
	byMerchant map[int64]*geo.Index
	merchantOf map[int64]int64 // staff id -> merchant id
}

func newGrid(cellM float64) *grid {
	return &grid{cellM: cellM, byMerchant: map[int64]*geo.Index{}, merchantOf: map[int64]int64{}}
}

// Get returns the entry of a staff member, on duty or not.
func (g *grid) Get(id int64) (geo.Entry, bool) {
	m, ok := g.merchantOf[id]
	if !ok {
		return geo.Entry{}, false
	}
	return g.byMerchant[m].Get(id)
}

// Upsert adds or replaces an entry.
func (g *grid) Upsert(e geo.Entry) error {
	if m, ok := g.merchantOf[e.ID]; ok && m != e.MerchantID {
		g.Remove(e.ID)
	}
	ix := g.byMerchant[e.MerchantID]
	if ix == nil {
		ix = geo.NewIndex(g.cellM)
		g.byMerchant[e.MerchantID] = ix
	}
	if err := ix.Upsert(e); err != nil {
		return err
	}
	g.merchantOf[e.ID] = e.MerchantID
	return nil
}

// Remove drops a staff member and reports whether they were there.
func (g *grid) Remove(id int64) bool {
	m, ok := g.merchantOf[id]
	if !ok {
		return false
	}
	delete(g.merchantOf, id)
	return g.byMerchant[m].Remove(id)
}

// Nearby is geo.Index.Nearby over one merchant's staff.
func (g *grid) Nearby(merchantID int64, center geo.Point, radiusM float64, keep func(*geo.Entry) bool, limit int) []geo.Candidate {
	ix := g.byMerchant[merchantID]
	if ix == nil {
		return nil
	}
	return ix.Nearby(center, radiusM, keep, limit)
}

// Len is the number of staff held.
func (g *grid) Len() int { return len(g.merchantOf) }

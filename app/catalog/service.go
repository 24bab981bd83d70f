package catalog

// Service runs the catalog. (Being built: see the catalog work.)
type Service struct{}

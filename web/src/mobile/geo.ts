// The browser's position (navigator.geolocation) as a promise, with errors
// the apps can show (geo_denied, geo_unavailable).
import { ApiError } from '@/shared/api/client'

export interface Position {
  lat: number
  lng: number
  accuracy?: number
}

export function geoSupported(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.geolocation
}

/** The position now; `maxAgeMs` lets a recent fix do (0: always a fresh one). */
export function currentPosition(timeout = 10000, maxAgeMs = 10000): Promise<Position> {
  return new Promise((resolve, reject) => {
    if (!geoSupported()) return reject(new ApiError(0, 'geo_unavailable', 'geolocation is not supported'))
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: round(p.coords.latitude), lng: round(p.coords.longitude), accuracy: p.coords.accuracy }),
      (e) => reject(new ApiError(0, e.code === e.PERMISSION_DENIED ? 'geo_denied' : 'geo_unavailable', e.message || 'position unavailable')),
      { enableHighAccuracy: true, timeout, maximumAge: maxAgeMs },
    )
  })
}

/** Six decimals: about 0.1 m, as precise as a phone gets. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6
}

/** Is "lat,lng" a real position? */
export function validLatLng(lat: number, lng: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180 && !(lat === 0 && lng === 0)
}

// Duty and location sharing of the signed-in staff member, for the whole
// app: on duty, the position from navigator.geolocation goes to POST
// /v1/staff/me/location at once and every minute (dispatch uses it); when
// the browser cannot or may not locate, "I'm here" sends a position typed
// in (or the last one known) instead.
import { reactive } from 'vue'
import { api } from '@/shared/api/client'
import type { DutyState, StaffMe } from '@/shared/api/booking'
import { currentPosition, geoSupported, type Position } from '@/mobile/geo'

export type Sharing = 'off' | 'locating' | 'ok' | 'denied' | 'unavailable' | 'failed'

export const duty = reactive({
  loaded: false,
  onDuty: false,
  busy: false,
  sharing: 'off' as Sharing,
  location: null as { lat: number; lng: number } | null,
  locatedAt: '' as string,
  lastError: '' as string,
  me: null as StaffMe | null,
})

const EVERY = 60_000
let timer: ReturnType<typeof setInterval> | undefined

function applyState(s: DutyState) {
  duty.onDuty = !!s.on_duty
  if (s.location && (s.location.lat || s.location.lng)) duty.location = { lat: s.location.lat, lng: s.location.lng }
  if (s.located_at) duty.locatedAt = s.located_at
}

/** Read GET /v1/staff/me; start sharing when on duty. */
export async function loadDuty(): Promise<StaffMe> {
  const me = await api.get<StaffMe>('/v1/staff/me')
  duty.me = me
  duty.loaded = true
  applyState({ staff_id: me.id, on_duty: me.on_duty, location: me.location, located_at: me.located_at })
  if (duty.onDuty) startSharing()
  else stopSharing()
  return me
}

export async function setDuty(on: boolean): Promise<void> {
  duty.busy = true
  try {
    applyState(await api.post<DutyState>('/v1/staff/me/duty', { on_duty: on }))
    if (duty.me) duty.me.on_duty = duty.onDuty
    if (duty.onDuty) startSharing()
    else stopSharing()
  } finally {
    duty.busy = false
  }
}

/** Send a position (from the device or typed in). */
export async function sendLocation(p: Position): Promise<void> {
  applyState(await api.post<DutyState>('/v1/staff/me/location', { lat: p.lat, lng: p.lng }))
  duty.lastError = ''
}

/** Locate the device and send it; returns the position, or null when locating failed. */
export async function shareNow(): Promise<Position | null> {
  if (!geoSupported()) {
    duty.sharing = 'unavailable'
    return null
  }
  duty.sharing = duty.sharing === 'ok' ? 'ok' : 'locating'
  let p: Position
  try {
    p = await currentPosition(15000)
  } catch (e) {
    duty.sharing = (e as { code?: string }).code === 'geo_denied' ? 'denied' : 'unavailable'
    return null
  }
  try {
    await sendLocation(p)
    duty.sharing = 'ok'
  } catch (e) {
    duty.sharing = 'failed'
    duty.lastError = (e as Error).message
  }
  return p
}

export function startSharing(): void {
  if (timer) return
  void shareNow()
  timer = setInterval(() => {
    if (duty.onDuty) void shareNow()
  }, EVERY)
}

export function stopSharing(): void {
  if (timer) clearInterval(timer)
  timer = undefined
  duty.sharing = 'off'
}

/** Signed out: forget everything. */
export function resetDuty(): void {
  stopSharing()
  duty.loaded = false
  duty.onDuty = false
  duty.me = null
  duty.location = null
  duty.locatedAt = ''
}

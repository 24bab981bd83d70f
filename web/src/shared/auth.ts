// Sign-in, role switching and the profile: the calls every app makes.
import { api } from './api/client'
import type { Grant, Profile, Session } from './api/types'
import { normalPhone } from './composables/useSmsCode'

export function loginWithCode(phone: string, code: string): Promise<Session> {
  return api.post<Session>('/v1/auth/login/sms', { phone: normalPhone(phone), code: code.trim() }, { auth: false, city: null })
}

export function loginWithPassword(login: string, password: string): Promise<Session> {
  const id = login.includes('@') ? login.trim() : normalPhone(login)
  return api.post<Session>('/v1/auth/login/password', { login: id, password }, { auth: false, city: null })
}

/** Act in one of the person's grants (0: as a customer). */
export function switchGrant(grantId: number): Promise<Session> {
  return api.post<Session>('/v1/auth/switch', { grant_id: grantId }, { city: null })
}

export function fetchProfile(): Promise<Profile> {
  return api.get<Profile>('/v1/me', { city: null })
}

export function updateProfile(p: Partial<Pick<Profile, 'display_name' | 'avatar_url' | 'locale' | 'notify_sms' | 'notify_push'>>): Promise<Profile> {
  return api.patch<Profile>('/v1/me', p, { city: null })
}

/** End every session of the account, on every device. */
export function logoutEverywhere(): Promise<unknown> {
  return api.post('/v1/auth/logout', {}, { city: null })
}

/** The grant a session acts in, if any. */
export function actingGrant(s: Session | null): Grant | undefined {
  if (!s || s.role === 'customer') return undefined
  return s.grants.find((g) => g.role === s.role && g.domain === s.scope && (g.merchant_id ?? 0) === (s.merchant_id ?? 0))
}

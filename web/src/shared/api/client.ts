// One small typed fetch wrapper for the whole front end.
//
// - Same origin; JSON in and out.
// - X-City from the chosen city, Authorization: Bearer from the session.
// - On 401 invalid_token it rotates the refresh token once (POST
//   /v1/auth/refresh), stores the new pair and retries. Tabs share one
//   session in localStorage, so the rotation runs under a Web Lock and first
//   re-reads the stored pair: a tab that lost the race adopts the pair the
//   winner stored instead of presenting a spent token (which the API treats
//   as theft and answers by ending every session).
// - refresh_token_reused, invalid_refresh_token, session_ended and friends
//   sign the person out.
// - Errors arrive as {"error":{"code","message"}} and are thrown as ApiError.
import type { Session } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields?: Record<string, string>
  readonly requestId?: string

  constructor(status: number, code: string, message: string, fields?: Record<string, string>, requestId?: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
    this.requestId = requestId
  }
}

export interface ClientConfig {
  /** The session in memory (reactive store). */
  current(): Session | null
  /** The session as stored now (another tab may have rotated it). */
  stored(): Session | null
  /** Keep a new session (after refresh). */
  save(s: Session): void
  /** The session is over: forget it and go to sign-in. */
  signOut(code: string): void
  /** City code for X-City, or null. */
  city(): string | null
  /** Name of the Web Lock that serialises refreshes across tabs. */
  lockName: string
}

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** City to send instead of the chosen one; null sends none. */
  city?: string | null
  /** Send the bearer token (default: when signed in). */
  auth?: boolean
  idempotencyKey?: string
  signal?: AbortSignal
  /** Answer as a Blob (CSV exports) instead of JSON. */
  blob?: boolean
}

// Codes after which the session cannot continue.
const fatal = new Set(['refresh_token_reused', 'invalid_refresh_token', 'session_ended', 'account_disabled', 'no_such_role'])

let cfg: ClientConfig | null = null

export function configureApi(c: ClientConfig): void {
  cfg = c
}

function conf(): ClientConfig {
  if (!cfg) throw new Error('configureApi was not called')
  return cfg
}

function url(path: string, query?: Query): string {
  if (!query) return path
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `${path}?${s}` : path
}

async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    /* not JSON */
  }
  const e = (body as { error?: { code?: string; message?: string; fields?: Record<string, string>; request_id?: string } } | null)?.error
  return new ApiError(res.status, e?.code || `http_${res.status}`, e?.message || res.statusText || 'request failed', e?.fields, e?.request_id)
}

async function send(method: string, path: string, o: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: o.blob ? '*/*' : 'application/json' }
  const city = o.city === undefined ? conf().city() : o.city
  if (city) headers['X-City'] = city
  if (token) headers.Authorization = `Bearer ${token}`
  if (o.idempotencyKey) headers['Idempotency-Key'] = o.idempotencyKey
  let body: BodyInit | undefined
  if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(o.body)
  }
  try {
    return await fetch(url(path, o.query), { method, headers, body, signal: o.signal, credentials: 'same-origin' })
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err
    throw new ApiError(0, 'network', 'network error')
  }
}

let refreshing: Promise<boolean> | null = null

/** Rotate the refresh token once for every caller that saw `stale` fail. */
export function refreshSession(stale: string | null): Promise<boolean> {
  if (!refreshing) {
    refreshing = withLock(() => rotate(stale)).finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  if (locks?.request) return locks.request(conf().lockName, fn) as Promise<T>
  return fn()
}

async function rotate(stale: string | null): Promise<boolean> {
  const c = conf()
  const s = c.stored()
  if (!s) {
    c.signOut('unauthorized')
    return false
  }
  if (stale && s.access_token !== stale) {
    // Another tab rotated while we waited for the lock.
    c.save(s)
    return true
  }
  const res = await send('POST', '/v1/auth/refresh', { body: { refresh_token: s.refresh_token }, city: null }, null)
  if (res.ok) {
    c.save((await res.json()) as Session)
    return true
  }
  const err = await toError(res)
  if (res.status === 401 || res.status === 403 || fatal.has(err.code)) {
    c.signOut(err.code)
    return false
  }
  throw err
}

function expiresSoon(s: Session): boolean {
  const t = Date.parse(s.access_expires_at)
  return Number.isFinite(t) && t - Date.now() < 5000
}

/** Make one API call and decode its JSON answer. */
export async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
  const c = conf()
  const useAuth = o.auth ?? true
  let s = useAuth ? c.current() : null
  if (s && expiresSoon(s) && (await refreshSession(s.access_token))) s = c.current()
  let res = await send(method, path, o, s?.access_token ?? null)
  if (res.status === 401 && s) {
    const err = await toError(res)
    if (err.code === 'invalid_token' && (await refreshSession(s.access_token))) {
      s = c.current()
      res = await send(method, path, o, s?.access_token ?? null)
    } else {
      if (fatal.has(err.code) || err.code === 'unauthorized' || err.code === 'invalid_token') c.signOut(err.code)
      throw err
    }
  }
  if (!res.ok) {
    const err = await toError(res)
    if (res.status === 401 && s && (fatal.has(err.code) || err.code === 'invalid_token')) c.signOut(err.code)
    throw err
  }
  if (res.status === 204) return undefined as T
  if (o.blob) return (await res.blob()) as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/**
 * Open a streaming GET (Server-Sent Events) with the session's token and
 * city; refreshes an expired token once like request(). Resolves with the
 * open response; throws ApiError when the API refuses.
 */
export async function openStream(path: string, o: { signal?: AbortSignal; city?: string | null } = {}): Promise<Response> {
  const c = conf()
  let s = c.current()
  if (s && expiresSoon(s) && (await refreshSession(s.access_token))) s = c.current()
  const go = async (tok: string | null) => {
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    const city = o.city === undefined ? c.city() : o.city
    if (city) headers['X-City'] = city
    if (tok) headers.Authorization = `Bearer ${tok}`
    try {
      return await fetch(path, { headers, signal: o.signal, credentials: 'same-origin', cache: 'no-store' })
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err
      throw new ApiError(0, 'network', 'network error')
    }
  }
  let res = await go(s?.access_token ?? null)
  if (res.status === 401 && s) {
    const err = await toError(res)
    if (err.code === 'invalid_token' && (await refreshSession(s.access_token))) res = await go(c.current()?.access_token ?? null)
    else {
      if (fatal.has(err.code)) c.signOut(err.code)
      throw err
    }
  }
  if (!res.ok) throw await toError(res)
  return res
}

export const api = {
  get: <T>(path: string, o?: RequestOptions) => request<T>('GET', path, o),
  post: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('POST', path, { ...o, body: body ?? {} }),
  patch: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('PATCH', path, { ...o, body: body ?? {} }),
  del: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('DELETE', path, { ...o, body }),
  put: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('PUT', path, { ...o, body: body ?? {} }),
}

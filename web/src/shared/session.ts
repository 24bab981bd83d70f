// The signed-in session of one app (customer, staff or admin), kept in
// localStorage under its own key so the three apps hold separate sessions,
// and shared between the tabs of one app.
import { defineStore } from 'pinia'
import type { Grant, Role, Session } from './api/types'
import { configureApi } from './api/client'

export type AppName = 'customer' | 'staff' | 'admin'

let appName: AppName = 'customer'
const key = () => `doorstep.${appName}.session`

export function readStoredSession(): Session | null {
  try {
    const raw = localStorage.getItem(key())
    return raw ? (JSON.parse(raw) as Session) : null
  } catch {
    return null
  }
}

export const useSession = defineStore('session', {
  state: () => ({
    session: readStoredSession(),
    /** Why the last session ended (an API error code), for the sign-in page. */
    endedBecause: '' as string,
  }),
  getters: {
    signedIn: (s): boolean => !!s.session,
    role: (s): Role | null => s.session?.role ?? null,
    scope: (s): string => s.session?.scope ?? '',
    accountId: (s): number => s.session?.account_id ?? 0,
    grants: (s): Grant[] => s.session?.grants ?? [],
    /** The city a city-bound token works in. */
    tokenCity: (s): string | null => (s.session?.scope.startsWith('city:') ? s.session.scope.slice(5) : null),
  },
  actions: {
    set(s: Session) {
      this.session = s
      this.endedBecause = ''
      localStorage.setItem(key(), JSON.stringify(s))
    },
    clear(reason = '') {
      this.session = null
      this.endedBecause = reason
      localStorage.removeItem(key())
    },
    reload() {
      this.session = readStoredSession()
    },
  },
})

export interface SessionWiring {
  app: AppName
  city: () => string | null
  onSignedOut: (code: string) => void
}

/** Wire the API client to this app's session store (call once, after pinia). */
export function wireSession(w: SessionWiring): ReturnType<typeof useSession> {
  appName = w.app
  const store = useSession()
  store.reload()
  configureApi({
    current: () => store.session,
    stored: readStoredSession,
    save: (s) => store.set(s),
    signOut: (code) => {
      if (!store.session) return
      store.clear(code)
      w.onSignedOut(code)
    },
    city: w.city,
    lockName: `doorstep-refresh-${w.app}`,
  })
  window.addEventListener('storage', (e) => {
    if (e.key === key()) store.reload()
  })
  return store
}

// The back office's view of who is acting where: the role of the session,
// the city it acts in (a city-bound token's own city, or the city an HQ
// person entered), and `can(op)`: the operation exists in the running API
// (/openapi.json) and the role may call it there (rbac/matrix.csv).
import { defineStore } from 'pinia'
import { BACK_OFFICE_ROLES, HQ_ROLES, type Role } from '@/shared/api/types'
import { useSession } from '@/shared/session'
import { features, operation } from '@/shared/features'
import { allowed } from './rbac'

const KEY = 'doorstep.admin.city'

export const useConsole = defineStore('console', {
  state: () => ({ hqCity: localStorage.getItem(KEY) || '' }),
  getters: {
    role: (): Role | null => useSession().role,
    isHQ(): boolean {
      return !!this.role && HQ_ROLES.includes(this.role)
    },
    isMerchant(): boolean {
      return this.role === 'merchant_owner' || this.role === 'merchant_dispatcher'
    },
    merchantId: (): number => useSession().session?.merchant_id ?? 0,
    isBackOffice(): boolean {
      return !!this.role && BACK_OFFICE_ROLES.includes(this.role)
    },
    /** The city the console acts in, if any. */
    city(): string | null {
      const s = useSession()
      if (s.tokenCity) return s.tokenCity
      return this.isHQ && this.hqCity ? this.hqCity : null
    },
    /** can("POST /v1/hq/cities"): shown only when the API has it and the role may call it. */
    can() {
      return (op: string): boolean => {
        void features.loaded // re-evaluate when the route table arrives
        const o = operation(op)
        if (!o || !this.role) return false
        if (o.city && !this.city) return false
        if (!o.perm) return true
        return allowed(this.role, o.perm, o.city ? 'city' : 'hq')
      }
    },
  },
  actions: {
    /**
     * The console area is the role's own: the merchant pages are for merchant
     * roles, the city pages for city operators and HQ people in a city (a
     * merchant role holds some city read permissions, but its work is in its
     * own shop's pages).
     */
    inArea(group: 'hq' | 'city' | 'merchant'): boolean {
      if (group === 'merchant') return this.isMerchant
      if (group === 'city') return !this.isMerchant
      return true
    },
    /**
     * The operation exists and the role may call it in a city given
     * explicitly (an HQ person acting on a city without entering it).
     */
    canInCity(op: string): boolean {
      void features.loaded
      const o = operation(op)
      if (!o || !this.role) return false
      return !o.perm || allowed(this.role, o.perm, o.city ? 'city' : 'hq')
    },
    enterCity(code: string) {
      this.hqCity = code
      if (code) localStorage.setItem(KEY, code)
      else localStorage.removeItem(KEY)
    },
  },
})

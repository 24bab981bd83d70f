// The chosen city: the customer's pick, an HQ person's pick in the back
// office, or the city a city-bound token belongs to.
import { defineStore } from 'pinia'
import type { PublicCity } from './api/types'
import { api } from './api/client'

const KEY = 'doorstep.city'

export const useCity = defineStore('city', {
  state: () => ({
    code: (localStorage.getItem(KEY) || '') as string,
    cities: [] as PublicCity[],
    loaded: false,
  }),
  getters: {
    current: (s): PublicCity | undefined => s.cities.find((c) => c.code === s.code),
    zone(): string {
      return this.current?.zone || 'Asia/Shanghai'
    },
  },
  actions: {
    async load(force = false) {
      if (this.loaded && !force) return this.cities
      this.cities = await api.get<PublicCity[]>('/v1/cities', { city: null, auth: false })
      this.loaded = true
      return this.cities
    },
    choose(code: string) {
      this.code = code
      if (code) localStorage.setItem(KEY, code)
      else localStorage.removeItem(KEY)
    },
    zoneOf(code: string | undefined | null): string | undefined {
      return this.cities.find((c) => c.code === code)?.zone
    },
  },
})

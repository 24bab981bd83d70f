// Category names by code, from the public category tree (GET /v1/categories),
// for pages that show category codes.
import { reactive } from 'vue'
import { api } from './api/client'
import { hasApi, loadFeatures } from './features'
import { currentLocale } from './i18n'

export interface CategoryNode {
  code: string
  name: string
  name_en: string
  icon: string
  sort: number
  children?: CategoryNode[]
}

const state = reactive({ tree: [] as CategoryNode[], byCode: {} as Record<string, CategoryNode>, loaded: false })
let loading: Promise<void> | null = null

export function loadCategories(): Promise<void> {
  if (!loading) {
    loading = loadFeatures()
      .then(async () => {
        if (!hasApi('GET /v1/categories')) return
        const tree = await api.get<CategoryNode[]>('/v1/categories', { city: null, auth: false })
        const by: Record<string, CategoryNode> = {}
        const walk = (ns: CategoryNode[]) => ns.forEach((n) => ((by[n.code] = n), walk(n.children || [])))
        walk(tree)
        state.tree = tree
        state.byCode = by
      })
      .catch(() => {})
      .finally(() => {
        state.loaded = true
      })
  }
  return loading
}

export function categoryName(code: string): string {
  const n = state.byCode[code]
  if (!n) return code
  return currentLocale() === 'en' && n.name_en ? n.name_en : n.name
}

export const categories = state

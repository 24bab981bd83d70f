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

const state = reactive({ tree: [] as CategoryNode[], byCode: {} as Record<string, CategoryNode>, topOf: {} as Record<string, string>, loaded: false })
let loading: Promise<void> | null = null

export function loadCategories(): Promise<void> {
  if (!loading) {
    loading = loadFeatures()
      .then(async () => {
        if (state.tree.length || !hasApi('GET /v1/categories')) return
        const tree = await api.get<CategoryNode[]>('/v1/categories', { city: null, auth: false })
        indexTree(tree)
      })
      .catch(() => {})
      .finally(() => {
        state.loaded = true
      })
  }
  return loading
}

/** Keep a category tree another request already fetched (the home page's). */
export function indexTree(tree: CategoryNode[]): void {
  const by: Record<string, CategoryNode> = {}
  const top: Record<string, string> = {}
  const walk = (ns: CategoryNode[], root: string) =>
    ns.forEach((n) => {
      by[n.code] = n
      top[n.code] = root || n.code
      walk(n.children || [], root || n.code)
    })
  walk(tree, '')
  state.tree = tree
  state.byCode = by
  state.topOf = top
}

/** The top-level category of a code (for colours), or the code itself. */
export function topCategory(code: string): string {
  return state.topOf[code] || code
}

export function categoryName(code: string): string {
  const n = state.byCode[code]
  if (!n) return code
  return currentLocale() === 'en' && n.name_en ? n.name_en : n.name
}

export const categories = state

/** The Chinese name of a category (placeholders are drawn in Chinese), or ''. */
export function categoryZh(code: string): string {
  return state.byCode[code]?.name || ''
}

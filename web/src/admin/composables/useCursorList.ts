// Lists read from the API: page by page with its cursor (next_cursor) —
// the first page on load(), the next one appended on load(true), one row
// swapped in place after a write with put() — or whole (useWholeList).
import { ref, type Ref } from 'vue'
import { api } from '@/shared/api/client'
import type { List } from '@/shared/api/types'
import { toastError } from '@/shared/notify'

export function useCursorList<T extends { id: number | string }>(path: string | (() => string), query: () => Record<string, string | number | boolean | null | undefined> = () => ({}), limit = 30) {
  const rows = ref([]) as Ref<T[]>
  const cursor = ref('')
  const loading = ref(false)
  const loaded = ref(false)

  async function load(more = false) {
    loading.value = true
    try {
      const p = typeof path === 'function' ? path() : path
      const r = await api.get<List<T>>(p, { query: { ...query(), limit, cursor: more ? cursor.value : undefined } })
      rows.value = more ? [...rows.value, ...r.items] : r.items
      cursor.value = r.next_cursor || ''
      loaded.value = true
    } catch (e) {
      toastError(e)
    } finally {
      loading.value = false
    }
  }
  /** Replace the row with the same id (after a write answered with the fresh row). */
  function put(row: T) {
    rows.value = rows.value.map((x) => (x.id === row.id ? row : x))
  }
  return { rows, cursor, loading, loaded, load, put }
}

/** A list the API answers whole (no cursor): rows, loading, and load(). */
export function useWholeList<T>(path: string) {
  const rows = ref([]) as Ref<T[]>
  const loading = ref(false)
  const loaded = ref(false)
  async function load() {
    loading.value = true
    try {
      rows.value = await api.get<T[]>(path)
      loaded.value = true
    } catch (e) {
      toastError(e)
    } finally {
      loading.value = false
    }
  }
  return { rows, loading, loaded, load }
}

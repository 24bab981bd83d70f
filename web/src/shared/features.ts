// What the running API supports, read from /openapi.json: pages and menu
// entries appear only when their endpoints exist, so the UI never links to
// an API that has not landed yet.
import { reactive } from 'vue'

export interface Operation {
  /** "resource:action" the route asks Casbin for, if any. */
  perm?: string
  /** The route is a city route (takes X-City). */
  city: boolean
  /** Query parameters with their descriptions. */
  query?: Record<string, string>
}

const state = reactive({ loaded: false, ops: {} as Record<string, Operation> })
let loading: Promise<void> | null = null

interface OpenAPIOperation {
  'x-permission'?: string
  parameters?: { in: string; name: string; description?: string }[]
}

/** Load the route table once per page load. */
export function loadFeatures(): Promise<void> {
  if (!loading) {
    loading = fetch('/openapi.json', { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : { paths: {} }))
      .then((doc: { paths?: Record<string, Record<string, OpenAPIOperation>> }) => {
        const ops: Record<string, Operation> = {}
        for (const [path, item] of Object.entries(doc.paths || {})) {
          for (const [method, op] of Object.entries(item)) {
            const query: Record<string, string> = {}
            for (const p of op.parameters || []) if (p.in === 'query') query[p.name] = p.description || ''
            ops[`${method.toUpperCase()} ${path}`] = {
              perm: op['x-permission'],
              city: !!op.parameters?.some((p) => p.in === 'header' && p.name === 'X-City'),
              query,
            }
          }
        }
        state.ops = ops
        state.loaded = true
      })
      .catch(() => {
        state.loaded = true
      })
  }
  return loading
}

/** The operation "METHOD /path/{param}" exists in the running API. */
export function hasApi(op: string): boolean {
  return op in state.ops
}

export function operation(op: string): Operation | undefined {
  return state.ops[op]
}

export const features = state

/** The operation takes this query parameter; `like` also tests its description ("comma-separated"). */
export function hasQuery(op: string, name: string, like?: RegExp): boolean {
  const d = state.ops[op]?.query?.[name]
  return d !== undefined && (!like || like.test(d))
}

/** The first of several spellings of an operation the running API serves, or undefined. */
export function firstApi(...ops: string[]): string | undefined {
  return ops.find((op) => op in state.ops)
}

/** The path of an operation ("GET /v1/x/{id}" -> "/v1/x/{id}") with its parameters filled in. */
export function pathOf(op: string, params: Record<string, string | number> = {}): string {
  const path = op.slice(op.indexOf(' ') + 1)
  return path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(params[k] ?? '')))
}

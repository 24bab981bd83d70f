// The permission matrix, read at build time from the API's own
// rbac/matrix.csv (resource,action,<one cell per role>; a cell names the
// domain kinds where the role may act: "hq", "city", "hq city" or "-").
// The API enforces it; the back office uses it to show a person only what
// their role may do.
import matrixCsv from '../../../rbac/matrix.csv?raw'
import type { Role } from '@/shared/api/types'

export type DomainKind = 'hq' | 'city'

const table = new Map<string, Map<string, Set<DomainKind>>>()

function parse(csv: string) {
  let roles: string[] = []
  for (const raw of csv.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const cells = line.split(',').map((c) => c.trim())
    if (cells[0] === 'resource') {
      roles = cells.slice(2)
      continue
    }
    const perm = `${cells[0]}:${cells[1]}`
    const byRole = new Map<string, Set<DomainKind>>()
    roles.forEach((role, i) => {
      const kinds = (cells[i + 2] || '-').split(/\s+/).filter((k): k is DomainKind => k === 'hq' || k === 'city')
      byRole.set(role, new Set(kinds))
    })
    table.set(perm, byRole)
  }
}
parse(matrixCsv)

/** May `role` do `perm` ("resource:action") in a domain of this kind? */
export function allowed(role: Role | null, perm: string, kind: DomainKind): boolean {
  if (!role) return false
  return table.get(perm)?.get(role)?.has(kind) ?? false
}

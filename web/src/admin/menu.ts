// The side menu: console routes whose op the acting role can use, grouped
// by area (HQ, the city entered or bound to, merchant).
import { computed } from 'vue'
import type { Component } from 'vue'
import { consoleRoutes, type MenuGroup } from './router'
import { useConsole } from './console'

export interface MenuEntry {
  path: string
  title: string
  icon: Component
}

export interface MenuSection {
  group: MenuGroup
  items: MenuEntry[]
}

const order: MenuGroup[] = ['hq', 'city', 'merchant']

export function useMenu() {
  const c = useConsole()
  return computed<MenuSection[]>(() =>
    order
      .map((group) => ({
        group,
        items: consoleRoutes
          .filter((r) => r.meta?.menu?.group === group && c.inArea(group) && r.meta.op && c.can(r.meta.op))
          .sort((a, b) => (a.meta!.menu!.order ?? 0) - (b.meta!.menu!.order ?? 0))
          .map((r) => ({ path: r.path, title: r.meta!.menu!.title, icon: r.meta!.menu!.icon })),
      }))
      .filter((s) => s.items.length > 0),
  )
}

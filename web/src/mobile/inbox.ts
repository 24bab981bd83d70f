// The unread count of the person's inbox in the current city (GET /v1/inbox),
// for tab badges: read on demand and every minute while the page is visible.
import { reactive } from 'vue'
import { api } from '@/shared/api/client'
import type { InboxPage } from '@/shared/api/booking'

export const inbox = reactive({ unread: 0 })

let timer: ReturnType<typeof setInterval> | undefined
let enabled: () => boolean = () => false

export async function refreshUnread(): Promise<void> {
  if (!enabled()) {
    inbox.unread = 0
    return
  }
  try {
    const r = await api.get<InboxPage>('/v1/inbox', { query: { limit: 1 } })
    inbox.unread = r.unread || 0
  } catch {
    /* a badge is not worth a toast */
  }
}

/** Keep the count fresh while `when()` holds (signed in, city known). */
export function watchUnread(when: () => boolean): void {
  enabled = when
  void refreshUnread()
  if (timer) clearInterval(timer)
  timer = setInterval(() => {
    if (document.visibilityState === 'visible') void refreshUnread()
  }, 60000)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshUnread()
  })
}

// Live status of an order or job over Server-Sent Events: connects on
// mount, reconnects when the stream drops (and at once when the network or
// the tab comes back), closes on unmount. `state` says how live it is.
import { onBeforeUnmount, onMounted, ref } from 'vue'
import type { OrderNotice } from '@/shared/api/booking'
import { stream, type Stream } from '@/shared/sse'

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off'

export function useLive(path: () => string | null, onNotice: (n: OrderNotice) => void) {
  const state = ref<LiveState>('connecting')
  let s: Stream | null = null
  let lastVersion = -1

  function start() {
    stop()
    const p = path()
    if (!p) {
      state.value = 'off'
      return
    }
    state.value = 'connecting'
    s = stream(p, {
      onOpen: () => (state.value = 'live'),
      onDrop: () => (state.value = 'reconnecting'),
      onFail: () => (state.value = 'off'),
      onEvent: (name, data) => {
        if (name !== 'status') return
        try {
          const n = JSON.parse(data) as OrderNotice
          // The first event of every connection is the current status: pass it on
          // when it is news (a change may have happened while we were away).
          if (n.version !== lastVersion) {
            lastVersion = n.version
            onNotice(n)
          }
        } catch {
          /* not JSON */
        }
      },
    })
  }

  function stop() {
    s?.close()
    s = null
  }

  const wake = () => {
    if (s && !s.connected && document.visibilityState === 'visible') s.reconnect()
  }

  onMounted(() => {
    start()
    window.addEventListener('online', wake)
    document.addEventListener('visibilitychange', wake)
  })
  onBeforeUnmount(() => {
    stop()
    state.value = 'off'
    window.removeEventListener('online', wake)
    document.removeEventListener('visibilitychange', wake)
  })

  /** Treat `v` as seen (after reading the order some other way). */
  function seen(v: number) {
    lastVersion = Math.max(lastVersion, v)
  }

  return { state, restart: start, seen }
}

// Server-Sent Events over fetch (EventSource cannot send the Authorization
// header): reads "event:"/"data:"/"id:"/"retry:" frames, and reconnects
// when the stream drops, after the server's retry delay (growing up to 30 s
// while the network stays down). The order streams send the current status
// first on every connection, so nothing is lost across a reconnect.
// close() ends it for good.
import { ApiError, openStream } from './api/client'

export interface StreamHandlers {
  /** One event (name "message" when the frame has none). */
  onEvent(name: string, data: string, id: string): void
  /** The stream is (re)connected. */
  onOpen?(): void
  /** The stream dropped; it will retry after `retryMs` unless closed. */
  onDrop?(err: unknown, retryMs: number): void
  /** The API refused the stream for good (404, 403…): no more retries. */
  onFail?(err: ApiError): void
}

export interface Stream {
  close(): void
  /** Drop the current connection and connect again now. */
  reconnect(): void
  readonly connected: boolean
}

export function stream(path: string, h: StreamHandlers, o: { city?: string | null } = {}): Stream {
  let closed = false
  let ctrl: AbortController | null = null
  let retry = 2000
  let failures = 0
  let lastId = ''
  let timer: ReturnType<typeof setTimeout> | undefined
  let connected = false

  async function run() {
    if (closed) return
    ctrl = new AbortController()
    try {
      const res = await openStream(path, { signal: ctrl.signal, city: o.city })
      connected = true
      failures = 0
      h.onOpen?.()
      await read(res)
      throw new Error('stream ended')
    } catch (e) {
      connected = false
      if (closed) return
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) {
        closed = true
        h.onFail?.(e)
        return
      }
      failures++
      const wait = Math.min(retry * Math.pow(2, Math.max(0, failures - 1)), 30000)
      h.onDrop?.(e, wait)
      timer = setTimeout(run, wait)
    }
  }

  async function read(res: Response) {
    if (!res.body) return
    const reader = res.body.getReader()
    const dec = new TextDecoder()
    let buf = ''
    let name = ''
    let data: string[] = []
    let id = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buf += dec.decode(value, { stream: true })
      let nl: number
      while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1))
        if (line === '') {
          if (data.length) {
            if (id) lastId = id
            h.onEvent(name || 'message', data.join('\n'), id || lastId)
          }
          name = ''
          data = []
          id = ''
          continue
        }
        if (line.startsWith(':')) continue
        const i = line.indexOf(':')
        const field = i < 0 ? line : line.slice(0, i)
        const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
        if (field === 'event') name = val
        else if (field === 'data') data.push(val)
        else if (field === 'id') id = val
        else if (field === 'retry' && /^\d+$/.test(val)) retry = Math.max(500, Number(val))
      }
    }
  }

  void run()
  return {
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      ctrl?.abort()
    },
    reconnect() {
      if (closed) return
      if (timer) clearTimeout(timer)
      ctrl?.abort()
      failures = 0
      // The aborted read lands in run()'s catch and schedules a retry; start now instead.
      setTimeout(() => {
        if (timer) clearTimeout(timer)
        void run()
      }, 0)
    },
    get connected() {
      return connected
    },
  }
}

// Sending an SMS sign-in code with a 60-second countdown, and (outside
// production, where GET /v1/sandbox/sms exists) reading it back from the
// sandbox for demos.
import { onBeforeUnmount, ref, type Ref } from 'vue'
import { api } from '../api/client'
import type { SandboxMessage } from '../api/types'
import { hasApi, loadFeatures } from '../features'

export const PHONE_RE = /^1[3-9]\d{9}$/

export function normalPhone(p: string): string {
  return p.replace(/[\s-]/g, '').replace(/^\+?86/, '')
}

export function useSmsCode(phone: Ref<string>) {
  const countdown = ref(0)
  const sending = ref(false)
  const sandbox = ref(false)
  let timer: ReturnType<typeof setInterval> | undefined
  let sentAt = 0

  loadFeatures().then(() => {
    sandbox.value = hasApi('GET /v1/sandbox/sms')
  })

  function tick() {
    countdown.value -= 1
    if (countdown.value <= 0 && timer) {
      clearInterval(timer)
      timer = undefined
    }
  }

  function startCountdown(seconds = 60) {
    countdown.value = seconds
    if (timer) clearInterval(timer)
    timer = setInterval(tick, 1000)
  }

  /** Ask for a code; throws ApiError (invalid_phone, code_cooldown, …). */
  async function send(purpose: 'login' | 'reset' | 'bind' = 'login'): Promise<void> {
    if (sending.value || countdown.value > 0) return
    sending.value = true
    try {
      sentAt = Date.now()
      await api.post('/v1/auth/sms-code', { phone: normalPhone(phone.value), purpose }, { auth: false, city: null })
      startCountdown(60)
    } finally {
      sending.value = false
    }
  }

  /** The newest code the sandbox holds for the phone (waits briefly: SMS go out through the job queue). */
  async function readDemoCode(): Promise<string | null> {
    let latest: string | null = null
    for (let i = 0; i < 10; i++) {
      const msgs = await api.get<SandboxMessage[]>('/v1/sandbox/sms', { query: { phone: normalPhone(phone.value) }, auth: false, city: null })
      const newest = [...msgs]
        .filter((m) => m.template.startsWith('code_'))
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)[0]
      latest = newest?.body.match(/\d{6}/)?.[0] ?? null
      // Fresh enough: sent after we asked (with room for clock skew), or we never asked.
      if (latest && (!sentAt || Date.parse(newest.created_at) >= sentAt - 30000)) return latest
      await new Promise((r) => setTimeout(r, 500))
    }
    return latest
  }

  onBeforeUnmount(() => {
    if (timer) clearInterval(timer)
  })

  return { countdown, sending, sandbox, send, readDemoCode }
}

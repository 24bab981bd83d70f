// Customer H5 (served at /). Kept small: Vue, the router, pinia, i18n (zh)
// and the home page; every other page is its own chunk.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { toast } from '@/mobile/toast'
import '@/mobile/frame.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import zh from './i18n/zh'
import { onLocaleChange, setupI18n, t, te } from '@/shared/i18n'
import { useSession, wireSession } from '@/shared/session'
import { useCity } from '@/shared/city'
import { setToaster } from '@/shared/notify'
import { updateProfile } from '@/shared/auth'
import { refreshUnread, watchUnread } from '@/mobile/inbox'

const app = createApp(App)
app.use(createPinia())
const { i18n, ready } = setupI18n(zh, () => import('./i18n/en').then((m) => m.default))
app.use(i18n)

const city = useCity()
wireSession({
  app: 'customer',
  city: () => city.code || null,
  onSignedOut: (code) => {
    toast(te(`errors.${code}`) ? t(`errors.${code}`) : t('auth.sessionEnded'))
    const here = router.currentRoute.value
    if (here.meta.auth) void router.push({ name: 'login', query: { redirect: here.fullPath } })
  },
})
setToaster({ error: toast, success: toast })
onLocaleChange((l) => {
  if (useSession().signedIn) updateProfile({ locale: l }).catch(() => {})
})
app.config.errorHandler = (err) => console.error(err)
app.use(router)

void ready.then(() => {
  app.mount('#app')
  // The unread badge: after the first paint, and again when the person or city changes.
  const session = useSession()
  setTimeout(() => watchUnread(() => session.signedIn && !!city.code), 300)
  city.$subscribe(() => void refreshUnread())
  session.$subscribe(() => void refreshUnread())
})

// Staff app (served at /staff/): sign in, act as staff (a city-bound role),
// go on duty and share your location, take offered jobs, work your jobs,
// see earnings, certifications and messages.
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
import { setToaster } from '@/shared/notify'
import { updateProfile } from '@/shared/auth'
import { resetDuty } from './duty'

const app = createApp(App)
app.use(createPinia())
const { i18n, ready } = setupI18n(zh, () => import('./i18n/en').then((m) => m.default))
app.use(i18n)

// A staff token is bound to its city: that city is the X-City.
const session = wireSession({
  app: 'staff',
  city: () => useSession().tokenCity,
  onSignedOut: (code) => {
    resetDuty()
    toast(te(`errors.${code}`) ? t(`errors.${code}`) : t('auth.sessionEnded'))
    void router.push({ name: 'login' })
  },
})
setToaster({ error: toast, success: toast })
onLocaleChange((l) => {
  if (session.signedIn) updateProfile({ locale: l }).catch(() => {})
})
app.use(router)
void ready.then(() => app.mount('#app'))

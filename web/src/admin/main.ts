// Back offices (served at /admin/): HQ, city and merchant consoles in one
// Element Plus app whose menus follow the acting role.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage } from 'element-plus'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import 'element-plus/es/components/loading/style/css'
import { vLoading } from 'element-plus'
import './style.css'
import App from './App.vue'
import { router } from './router'
import zh from './i18n/zh'
import { onLocaleChange, setupI18n, t, te } from '@/shared/i18n'
import { wireSession } from '@/shared/session'
import { setToaster } from '@/shared/notify'
import { updateProfile } from '@/shared/auth'
import { loadFeatures } from '@/shared/features'
import { useConsole } from './console'

const app = createApp(App)
app.use(createPinia())
const { i18n, ready } = setupI18n(zh, () => import('./i18n/en').then((m) => m.default))
app.use(i18n)
app.directive('loading', vLoading)

const con = useConsole()
const session = wireSession({
  app: 'admin',
  city: () => con.city,
  onSignedOut: (code) => {
    ElMessage.warning(te(`errors.${code}`) ? t(`errors.${code}`) : t('auth.sessionEnded'))
    const here = router.currentRoute.value
    void router.replace({ name: 'login', query: here.meta.public ? {} : { redirect: here.fullPath } })
  },
})
setToaster({
  error: (m) => ElMessage({ type: 'error', message: m, grouping: true }),
  success: (m) => ElMessage({ type: 'success', message: m }),
})
onLocaleChange((l) => {
  if (session.signedIn) updateProfile({ locale: l }).catch(() => {})
})
void loadFeatures()
app.use(router)
void ready.then(() => app.mount('#app'))


// vue-i18n set-up shared by the three apps: Chinese is the default and is
// bundled; English is loaded on first use so the customer entry stays small.
import { createI18n, type Composer, type I18n } from 'vue-i18n'
import { ApiError } from '../api/client'
import zh from './zh'

export type Locale = 'zh' | 'en'
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Messages = Record<string, any>

const KEY = 'doorstep.locale'
let i18n: I18n
let g: Composer
let loadAppEn: () => Promise<Messages> = async () => ({})
const localeListeners: ((l: Locale) => void)[] = []

export function storedLocale(): Locale {
  const v = localStorage.getItem(KEY)
  return v === 'en' ? 'en' : 'zh'
}

/** An app's messages over the shared ones; its error texts add to the shared ones. */
function merge(shared: Messages, app: Messages): Messages {
  return { ...shared, ...app, errors: { ...shared.errors, ...app.errors } }
}

/** Create the app's i18n; `ready` resolves when the stored language is loaded. */
export function setupI18n(appZh: Messages, appEn: () => Promise<Messages>) {
  loadAppEn = appEn
  i18n = createI18n({
    legacy: false,
    globalInjection: true,
    locale: 'zh',
    fallbackLocale: 'zh',
    messages: { zh: merge(zh, appZh) },
    missingWarn: false,
    fallbackWarn: false,
  }) as unknown as I18n
  g = i18n.global as unknown as Composer
  document.documentElement.lang = 'zh-CN'
  const ready = storedLocale() === 'en' ? setLocale('en', false) : Promise.resolve()
  return { i18n, ready }
}

export function currentLocale(): Locale {
  return (g?.locale.value as Locale) || 'zh'
}

/** Switch language (and remember it); `notify` tells listeners (e.g. to save it in the profile). */
export async function setLocale(l: Locale, notify = true): Promise<void> {
  if (l === 'en' && !g.availableLocales.includes('en')) {
    const [shared, app] = await Promise.all([import('./en').then((m) => m.default as Messages), loadAppEn()])
    g.setLocaleMessage('en', merge(shared, app))
  }
  g.locale.value = l
  localStorage.setItem(KEY, l)
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
  if (notify) localeListeners.forEach((f) => f(l))
}

export function onLocaleChange(f: (l: Locale) => void): void {
  localeListeners.push(f)
}

/** Translate outside components. */
export function t(key: string, named?: Record<string, unknown>): string {
  return named ? g.t(key, named) : g.t(key)
}

export function te(key: string): boolean {
  return g.te(key, currentLocale()) || g.te(key, 'zh')
}

/** What to show a person for an error: our words for known codes, else the API's message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    // "you are 812 m from the service address; check in within 500 m of it"
    const far = e.code === 'far_from_address' && e.message.match(/(\d+)\s*m\b.*?(\d+)\s*m\b/)
    if (far) return t('errors.far_from_address_m', { d: far[1], max: far[2] })
    const k = `errors.${e.code}`
    if (te(k)) return t(k, { message: e.message })
    return e.message || t('errors.unknown')
  }
  if (e instanceof Error && e.message) return e.message
  return t('errors.unknown')
}

/** Role name in the current language. */
export function roleName(role: string): string {
  return te(`roles.${role}`) ? t(`roles.${role}`) : role
}

// Toasts through whichever UI library the app uses (Vant or Element Plus).
import { errorText } from './i18n'

export interface Toaster {
  error(message: string): void
  success(message: string): void
}

let toaster: Toaster = {
  error: (m) => console.error(m),
  success: () => {},
}

export function setToaster(t: Toaster): void {
  toaster = t
}

export function toastError(e: unknown): void {
  if ((e as Error)?.name === 'AbortError') return
  toaster.error(errorText(e))
}

export function toastSuccess(message: string): void {
  toaster.success(message)
}

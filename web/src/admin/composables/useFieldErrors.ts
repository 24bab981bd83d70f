// The API's validation errors ({code, message, fields}) next to the form
// fields they name; anything else as a toast.
import { reactive } from 'vue'
import { ApiError } from '@/shared/api/client'
import { toastError } from '@/shared/notify'

export function useFieldErrors() {
  const errs = reactive<Record<string, string>>({})
  function clear() {
    for (const k of Object.keys(errs)) delete errs[k]
  }
  /** Show an error: field messages under their fields, and a toast. */
  function take(e: unknown) {
    clear()
    if (e instanceof ApiError && e.fields) Object.assign(errs, e.fields)
    toastError(e)
  }
  /** The error of a field or of any of its parts ("area" for "area.radius_m"). */
  function of(name: string): string | undefined {
    if (errs[name]) return errs[name]
    const k = Object.keys(errs).find((x) => x.startsWith(name + '.') || x.startsWith(name + '['))
    return k ? `${k}: ${errs[k]}` : undefined
  }
  return { errs, clear, take, of }
}

// Ask before a write (确认): resolves true when the person confirms, false
// when they cancel or close the box.
import { ElMessageBox } from 'element-plus'
import { t } from '@/shared/i18n'

export async function confirmed(message: string, title: string, opts: { ok?: string; type?: 'warning' | 'error' | 'info' } = {}): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: opts.type || 'warning',
      confirmButtonText: opts.ok || title || t('common.ok'),
      cancelButtonText: t('common.cancel'),
    })
    return true
  } catch {
    return false
  }
}

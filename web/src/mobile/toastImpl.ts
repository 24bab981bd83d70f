import { showToast } from 'vant'
import 'vant/es/toast/style'

export function show(message: string): void {
  showToast({ message, wordBreak: 'break-word' })
}

// Address labels are stored as the customer typed them (家, 公司 …); the
// usual ones read in the current language.
import { t } from '@/shared/i18n'

const keys: Record<string, string> = { 家: 'home', 公司: 'work', 父母家: 'parents', 其他: 'other' }

export function labelText(label: string): string {
  const k = keys[label]
  return k ? t(`addr.labels.${k}`) : label
}

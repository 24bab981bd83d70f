// Whether the console is on a phone-sized screen (one listener for the app).
import { ref } from 'vue'

const narrow = ref(false)
let watching = false

export function useNarrow() {
  if (!watching && typeof window !== 'undefined') {
    watching = true
    const mq = window.matchMedia('(max-width: 767px)')
    narrow.value = mq.matches
    mq.addEventListener('change', () => (narrow.value = mq.matches))
  }
  return narrow
}

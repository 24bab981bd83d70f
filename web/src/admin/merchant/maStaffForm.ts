// The staff profile form shared by adding (Staff.vue) and editing (StaffDetail.vue).
import { reactive } from 'vue'
import type { Staff } from './maShared'

export function staffForm() {
  return reactive({
    phone: '',
    display_name: '',
    photo_url: '',
    bio: '',
    years_experience: 0,
    skills: [] as string[],
    work_days: [0, 1, 2, 3, 4, 5, 6] as number[],
    work_start: '08:00',
    work_end: '20:00',
  })
}
export type StaffForm = ReturnType<typeof staffForm>

export function fillStaff(f: StaffForm, s: Staff) {
  f.phone = ''
  f.display_name = s.display_name
  f.photo_url = s.photo_url
  f.bio = s.bio
  f.years_experience = s.years_experience
  f.skills = [...(s.skills || [])]
  f.work_days = [...(s.work_days || [])]
  f.work_start = s.work_start || '08:00'
  f.work_end = s.work_end || '20:00'
}

export function staffBody(f: StaffForm): Record<string, unknown> {
  return {
    display_name: f.display_name.trim(),
    photo_url: f.photo_url.trim(),
    bio: f.bio.trim(),
    years_experience: f.years_experience,
    skills: f.skills,
    work_days: [...f.work_days].sort(),
    work_start: f.work_start,
    work_end: f.work_end,
  }
}

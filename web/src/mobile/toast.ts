// Vant's toast, loaded on first use so it stays out of the first screen's chunks.
let mod: Promise<typeof import('./toastImpl')> | null = null

export function toast(message: string): void {
  if (!mod) mod = import('./toastImpl')
  void mod.then((m) => m.show(message))
}

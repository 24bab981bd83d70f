// Money in the back office forms: the API counts integer fen, people type yuan.

/** Yuan (may have cents) -> integer fen; anything not a number is 0. */
export function toFen(yuan: number | null | undefined): number {
  if (yuan === null || yuan === undefined || !Number.isFinite(Number(yuan))) return 0
  return Math.round(Number(yuan) * 100)
}

/** Integer fen -> yuan for an input. */
export function toYuan(fen: number | null | undefined): number {
  return fen ? fen / 100 : 0
}

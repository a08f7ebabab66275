// Private stand-in until src/detectors/duration.ts lands; then config.ts should import that one and this file goes.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `90s`, `30m`, `1h`, `1.5h`, `2d` → milliseconds; undefined when it is not a positive duration. */
export function parseDuration(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(s)
  if (!m) return undefined
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
/** One or more `<number><unit>` groups: `90s`, `5m`, `1h30m`, `24h`, `7d`. Anchored and linear (config text only). */
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/
const GROUP = /(\d+)(ms|s|m|h|d)/g

/** `"1h30m"` → 5_400_000; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (!DURATION.test(text)) return null
  let ms = 0
  for (const m of text.matchAll(GROUP)) ms += Number(m[1]) * (UNITS[m[2] as string] as number)
  return ms
}

/** 60_000 → `1m`, 86_400_000 → `24h` (hours stay hours below 7 days: thresholds read "40 in 24h"). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms < 7 * 86_400_000) return `${ms / 3_600_000}h`
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

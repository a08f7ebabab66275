/** HTTP status conditions of rule filters: rule-spec.ts validates them, compile.ts compiles them. */

/** `404`, `"4xx"` or `"400-499"` → [from, to]; null when it is none of these. */
export function parseStatusRange(v: number | string): [number, number] | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 100 && v <= 599 ? [v, v] : null
  const s = v.trim()
  if (/^[1-5]xx$/.test(s)) {
    const h = Number(s[0]) * 100
    return [h, h + 99]
  }
  const m = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/.exec(s)
  if (!m) return null
  const from = Number(m[1])
  const to = m[2] === undefined ? from : Number(m[2])
  return from <= to ? [from, to] : null
}

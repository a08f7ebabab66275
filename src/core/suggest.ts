/**
 * "Did you mean …?" for a mistyped name: the candidate nearest to `word`, counting a letter missing, extra, wrong or
 * two letters swapped as one slip each (a different case costs nothing, but is still pointed out), and allowing one slip per four letters (at least one).
 * undefined when no candidate is that near; the first of equally near candidates wins.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase()
  const allowed = Math.max(1, Math.floor(w.length / 4))
  let best: string | undefined
  let bestSlips = allowed + 1
  for (const c of candidates) {
    const slips = distance(w, c.toLowerCase(), bestSlips)
    if (slips < bestSlips && c !== word) {
      best = c
      bestSlips = slips
    }
  }
  return best
}

/** Edits from a to b (optimal string alignment); any answer >= `cap` means "cap or more". */
function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap
  // three rows of the edit table: two back (for swaps), the previous one, this one
  let back = new Array<number>(b.length + 1).fill(0)
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let low = i
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1]
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (same ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (back[j - 2] as number) + 1)
      row.push(d)
      if (d < low) low = d
    }
    if (low >= cap) return cap
    back = prev
    prev = row
  }
  return Math.min(prev[b.length] as number, cap)
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment): a typo is a letter or
 * two away ("eu-wset-1" is one swap from "eu-west-1"); another word is further.
 */
export function editDistance(a: string, b: string): number {
  const left = [...a]
  const right = [...b]
  const rows: number[][] = [Array.from({length: right.length + 1}, (_, index) => index)]
  for (let i = 1; i <= left.length; i++) {
    const row = [i]
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
      const swapped = i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1]
      if (swapped) best = Math.min(best, rows[i - 2][j - 2] + 1)
      row.push(best)
    }

    rows.push(row)
  }

  return rows[left.length][right.length]
}

/** The candidate closest to `typed`, if one is at most `within` edits away. */
export function closest(typed: string, candidates: readonly string[], within: number): string | undefined {
  const [best] = candidates
  .map(candidate => ({candidate, distance: editDistance(typed, candidate)}))
  .filter(({distance}) => distance <= within)
  .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
  return best?.candidate
}

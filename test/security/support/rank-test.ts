// Mann–Whitney U as an effect size: the probability that a sample of `a` is larger than one of `b`
// (ties count half). 0.5 means the two cannot be told apart by ordering; it does not grow with the
// sample size the way a p-value does, and a loaded machine slows both sides alike when interleaved.
export function rankAuc(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let rankSumA = 0;
  all.forEach((x, i) => { if (x.g === 0) rankSumA += ranks[i] as number; });
  const u = rankSumA - (a.length * (a.length + 1)) / 2;
  return u / (a.length * b.length);
}

export const median = (xs: readonly number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

/** Shuffled in place (Fisher–Yates), so no category always runs first or last in a round. */
export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [xs[i], xs[j]] = [xs[j] as T, xs[i] as T]; }
  return xs;
}

/**
 * Small statistics for decisions made inside workflows (pure and deterministic): the normal tail, the
 * chi-square tail, and the population stability index.
 */

/** Upper tail P(Z > z) of the standard normal (Abramowitz–Stegun 7.1.26 via erfc, |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

function logGamma(x: number): number {
  const c = [
    76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5,
  ];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Regularised upper incomplete gamma Q(a, x). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-14) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** P(χ²_df > statistic). */
export function chiSquareUpperTail(statistic: number, df: number): number {
  if (df <= 0) return 1;
  return gammaQ(df / 2, statistic / 2);
}

/**
 * Chi-square test of homogeneity between two count vectors over the same categories (empty categories
 * dropped) and the PSI between their shares (with a small floor so empty cells stay finite).
 */
export function compareCounts(a: number[], b: number[]): { psi: number; pValue: number; df: number } {
  const na = a.reduce((s, v) => s + v, 0);
  const nb = b.reduce((s, v) => s + v, 0);
  if (na === 0 || nb === 0) return { psi: Number.NaN, pValue: Number.NaN, df: 0 };
  let statistic = 0;
  let cells = 0;
  let psi = 0;
  const floor = 1e-4;
  for (let i = 0; i < a.length; i++) {
    const total = a[i] + (b[i] ?? 0);
    if (total === 0) continue;
    cells++;
    for (const [observed, n] of [
      [a[i], na],
      [b[i] ?? 0, nb],
    ]) {
      const expected = (total * n) / (na + nb);
      statistic += ((observed - expected) * (observed - expected)) / expected;
    }
    const pa = Math.max(a[i] / na, floor);
    const pb = Math.max((b[i] ?? 0) / nb, floor);
    psi += (pb - pa) * Math.log(pb / pa);
  }
  const df = cells - 1;
  return { psi, pValue: chiSquareUpperTail(statistic, df), df };
}

/**
 * One-sided exact test that a canary's error rate exceeds the stable one's: conditional on the total
 * error count E, the canary's errors follow Binomial(E, n_c / (n_c + n_s)) when the rates are equal
 * (errors as rare Poisson events). Returns P(X ≥ canary errors). Exact for small counts, where the
 * normal approximation rolls back far too often.
 */
export function errorRateExcessPValue(
  canaryErrors: number,
  canaryRequests: number,
  stableErrors: number,
  stableRequests: number,
): number {
  const total = canaryErrors + stableErrors;
  if (total === 0 || canaryRequests === 0 || stableRequests === 0) return 1;
  const p = canaryRequests / (canaryRequests + stableRequests);
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logChoose = 0; // log C(total, k), built up from k = 0
  let tail = 0;
  for (let k = 0; k <= total; k++) {
    if (k > 0) logChoose += Math.log(total - k + 1) - Math.log(k);
    if (k >= canaryErrors) tail += Math.exp(logChoose + k * logP + (total - k) * logQ);
  }
  return Math.min(1, tail);
}

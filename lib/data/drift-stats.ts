/**
 * Pure drift-statistics kernels for the data plane: two-sample Kolmogorov–Smirnov, Pearson chi-square,
 * population stability index, Jensen–Shannon distance and histogram binning. Each one matches the SciPy or numpy
 * reference named in its TSDoc; test/fixtures/drift/cases.json holds the reference numbers and the test checks them.
 *
 * One file because the kernels share the special functions below; it splits along the statistics if it grows.
 */
import { sortFloat64 } from './sort';

/** How a KS p-value was computed, mirroring `scipy.stats.ks_2samp(method='auto')`. */
export const KsMethod = { Exact: 'exact', Asymptotic: 'asymptotic' } as const;
/** How a KS p-value was computed. */
export type KsMethod = (typeof KsMethod)[keyof typeof KsMethod];

/** Two samples to compare; NaN must be removed by the caller (a NaN found after sorting throws). */
export interface KsTwoSampleInput {
  reference: Float64Array;
  current: Float64Array;
  /** The reference is already ascending and NaN-free, so it is used in place (not copied, not sorted). */
  referenceSorted?: boolean;
  /** The current sample is already ascending and NaN-free. */
  currentSorted?: boolean;
}

/** A two-sided two-sample KS result. */
export interface KsTwoSampleResult {
  statistic: number;
  pValue: number;
  method: KsMethod;
}

/** Sample sizes and a KS statistic, for {@link ksTwoSamplePValue}. */
export interface KsPValueInput {
  n1: number;
  n2: number;
  statistic: number;
}

/** Above this size `ks_2samp(method='auto')` switches from the exact lattice count to the asymptotic law. */
const MAX_EXACT_N = 10000;

/**
 * Two-sided two-sample Kolmogorov–Smirnov test, equal to `scipy.stats.ks_2samp(reference, current)`.
 *
 * The statistic is max |F_ref − F_cur|, evaluated after every run of equal values is consumed from both samples
 * (SciPy's tie rule). Copies are sorted (lib/data/sort.ts) and compared in one merge pass, so the
 * cost is two sorts and O(n1 + n2). Throws RangeError when a sample is empty or holds NaN.
 */
export function ksTwoSample(input: KsTwoSampleInput): KsTwoSampleResult {
  const a = sortedSample(input.reference, input.referenceSorted === true, 'reference');
  const b = sortedSample(input.current, input.currentSorted === true, 'current');
  const n1 = a.length;
  const n2 = b.length;
  // |i·n2 − j·n1| is an integer below 2^53 for any realistic sizes, so the statistic is one exact division.
  const statistic = maxEcdfGap(a, b) / (n1 * n2);
  return { statistic, ...ksTwoSamplePValue({ n1, n2, statistic }) };
}

/**
 * The two-sided p-value `ks_2samp(method='auto')` gives for sample sizes and a statistic: an exact lattice-path
 * probability when max(n1, n2) ≤ 10000, otherwise `kstwo.sf(d, round(n1·n2 / (n1 + n2)))`.
 */
export function ksTwoSamplePValue(input: KsPValueInput): { pValue: number; method: KsMethod } {
  const { n1, n2, statistic } = input;
  if (!(Number.isInteger(n1) && Number.isInteger(n2) && n1 > 0 && n2 > 0)) {
    throw new RangeError(`sample sizes must be positive integers, got ${n1} and ${n2}`);
  }
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(statistic * lcm);
    const p = h <= 0 ? 1 : n1 === n2 ? squareOutsideProbability(n1, h) : latticeOutsideProbability(n1, n2, g, h);
    return { pValue: clip01(p), method: KsMethod.Exact };
  }
  const effectiveN = roundHalfEven((n1 * n2) / (n1 + n2));
  return { pValue: clip01(kolmogorovSurvival(effectiveN, statistic)), method: KsMethod.Asymptotic };
}

function sortedSample(sample: Float64Array, sorted: boolean, name: string): Float64Array {
  if (sample.length === 0) throw new RangeError(`the ${name} sample is empty`);
  const out = sorted ? sample : sortFloat64(new Float64Array(sample));
  // The sort puts NaN last, so one look finds any NaN in an unsorted input.
  if (Number.isNaN(out[out.length - 1])) throw new RangeError(`the ${name} sample contains NaN`);
  return out;
}

/** max over merge points of |i·n2 − j·n1|, taken only after all copies of a value have left both samples. */
function maxEcdfGap(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let best = 0;
  // Once one sample is exhausted the gap only shrinks, so the sweep stops there.
  while (i < n1 && j < n2) {
    const v = a[i] <= b[j] ? a[i] : b[j];
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    const gap = Math.abs(i * n2 - j * n1);
    if (gap > best) best = gap;
  }
  return best;
}

/**
 * P(D ≥ h/n) for two samples of equal size n: 2·Σ_{k≥1} (−1)^{k−1} C(2n, n−kh) / C(2n, n), evaluated as nested
 * ratios A_k = C(2n, n−(k+1)h) / C(2n, n−kh) so that nothing overflows or cancels badly.
 */
function squareOutsideProbability(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = (ratio * (n - k * h - j)) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D ≥ h/lcm) for sizes m ≠ n. A uniformly random merge order is a walk on the (m+1)×(n+1) lattice that steps
 * right with probability (m−x)/(m−x+n−y); the walk leaves the band |x·n/g − y·m/g| < h exactly when D ≥ h/lcm.
 * Forward-propagating probabilities (all in [0, 1]) and summing the mass absorbed on leaving gives the p-value as
 * a sum of positive terms: no overflow and no 1 − p cancellation for tiny p-values. Cost is the band's area,
 * about 2·D·m·n cells: ~40 ms at 10000 × 9999 and D = 0.02, ~0.6 s at D ≥ 0.5 (where p is 0 anyway).
 */
function latticeOutsideProbability(sizeA: number, sizeB: number, g: number, h: number): number {
  // Columns along the larger sample: a shorter buffer, and one evaluation order whichever sample comes first.
  const m = Math.max(sizeA, sizeB);
  const n = Math.min(sizeA, sizeB);
  const mg = m / g;
  const ng = n / g;
  const inflow = new Float64Array(n + 1); // mass arriving at (x, y) from (x − 1, y)
  inflow[0] = 1;
  let outside = 0;
  let first = 0; // lowest y that can hold mass in the current column
  for (let x = 0; x <= m; x++) {
    const last = Math.min(n, Math.floor((x * ng + h - 1) / mg) + 1); // one past the band's top
    let up = 0; // mass arriving at (x, y) from (x, y − 1)
    let nextFirst = -1;
    for (let y = first; y <= last; y++) {
      const mass = inflow[y] + up;
      const offset = x * ng - y * mg;
      if (offset >= h || offset <= -h) {
        outside += mass;
        inflow[y] = 0;
        up = 0;
        continue;
      }
      if (nextFirst < 0) nextFirst = y;
      const remaining = m - x + (n - y);
      if (remaining === 0) break; // the walk ended inside the band
      inflow[y] = (mass * (m - x)) / remaining;
      up = (mass * (n - y)) / remaining;
    }
    if (nextFirst < 0) return 1; // the band is empty in this column: every walk leaves it
    first = nextFirst;
  }
  return outside;
}

/**
 * `scipy.stats.kstwo.sf(d, n)`: survival function of the one-sample two-sided KS statistic D_n, using the same
 * regions as SciPy (Simard & L'Ecuyer 2011): Ruben–Gambino at the extremes, 2·Smirnov in the upper tail, the
 * Durbin matrix (Marsaglia–Tsang–Wang) in the lower tail and Pelz–Good for large n. Where SciPy uses Pomeranz's
 * recursion (n ≤ 140, 0.754693 < n·d² ≤ 4) the Durbin matrix is used instead; both are exact.
 */
function kolmogorovSurvival(n: number, d: number): number {
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) return t <= 0.5 ? 1 : 1 - Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
  if (t >= n - 1) return 2 * Math.pow(1 - d, n);
  if (d >= 0.5) return 2 * smirnovSurvival(n, d);
  const nd2 = t * d;
  if (n <= 140) return nd2 <= 4 ? 1 - durbinCdf(n, d) : 2 * smirnovSurvival(n, d);
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return 2 * smirnovSurvival(n, d);
  if (n <= 100000 && n * Math.pow(d, 1.5) <= 1.4) return 1 - durbinCdf(n, d);
  return 1 - pelzGoodCdf(n, d);
}

/**
 * One-sided P(D_n⁺ ≥ d) by the Birnbaum–Tingey sum d·Σ_j C(n, j)(1 − d − j/n)^{n−j}(d + j/n)^{j−1}. Term j is a
 * binomial probability at j with success rate d + j/n, divided by that rate; evaluating it in Loader's saddle-point
 * form keeps every term accurate to a few ulps even for n in the millions. The terms rise to one peak (near
 * j = n/2 − nd, where the binomial's spread is widest) and fall on both sides, so the sum starts there and walks
 * outwards until the terms no longer count: for n in the millions that is a fraction of the n terms.
 */
function smirnovSurvival(n: number, d: number): number {
  const nd = n * d;
  const stirlingN = stirlingError(n);
  const twoPiOverN = (2 * Math.PI) / n;
  const term = (j: number): number => {
    const nq = n - j - nd; // n·(1 − d − j/n) without cancelling 1 − d − j/n
    const np = j + nd;
    const logPmf =
      stirlingN -
      stirlingError(j) -
      stirlingError(n - j) -
      devianceTerm(j, np) -
      devianceTerm(n - j, nq) -
      0.5 * Math.log(twoPiOverN * j * (n - j));
    return Math.exp(logPmf) / (np / n);
  };
  // Terms run over 1 ≤ j < n − nd (and j < n).
  const last = Math.min(n - 1, Math.ceil(n - nd) - 1);
  let sum = 0;
  if (last >= 1) {
    const peak = Math.min(last, Math.max(1, Math.round(n / 2 - nd)));
    // Past the peak, a term below 1e-20 of the sum leaves at most n·1e-20 of it behind: far below double precision.
    let previous = Infinity;
    for (let j = peak; j <= last; j++) {
      const t = term(j);
      sum += t;
      if (t < previous && t < sum * 1e-20) break;
      previous = t;
    }
    previous = Infinity;
    for (let j = peak - 1; j >= 1; j--) {
      const t = term(j);
      sum += t;
      if (t < previous && t < sum * 1e-20) break;
      previous = t;
    }
  }
  return d * (Math.exp(n * Math.log1p(-d)) / d + sum);
}

/** ln k! − [(k + ½)·ln k − k + ½·ln 2π], the error of Stirling's formula at k ≥ 1. */
function stirlingError(k: number): number {
  if (k <= 15) return logGamma(k + 1) - (k + 0.5) * Math.log(k) + k - 0.5 * Math.log(2 * Math.PI);
  const inv2 = 1 / (k * k);
  let series = 0;
  for (let j = STIRLING.length - 1; j >= 0; j--) series = series * inv2 + STIRLING[j];
  return series / k;
}

/** x·ln(x/μ) + μ − x, summed as a series in (x − μ)/(x + μ) when x is near μ to avoid cancellation. */
function devianceTerm(x: number, mu: number): number {
  if (Math.abs(x - mu) >= 0.1 * (x + mu)) return x * Math.log(x / mu) + mu - x;
  const v = (x - mu) / (x + mu);
  let sum = (x - mu) * v;
  let power = 2 * x * v;
  for (let j = 1; j < 1000; j++) {
    power *= v * v;
    const next = sum + power / (2 * j + 1);
    if (next === sum) break;
    sum = next;
  }
  return sum;
}

/** P(D_n < d) by the Durbin matrix H^n (Marsaglia, Tsang & Wang 2003), rescaled by powers of two as it grows. */
function durbinCdf(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const size = 2 * k - 1;
  const h = k - n * d;
  const base = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) if (i - j + 1 >= 0) base[i * size + j] = 1;
  }
  for (let i = 0; i < size; i++) {
    base[i * size] -= Math.pow(h, i + 1);
    base[(size - 1) * size + i] -= Math.pow(h, size - i);
  }
  if (2 * h - 1 > 0) base[(size - 1) * size] += Math.pow(2 * h - 1, size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i && j < size; j++) {
      for (let f = 2; f <= i - j + 1; f++) base[i * size + j] /= f;
    }
  }
  const { matrix, log2Scale } = matrixPower(base, size, n);
  const centre = matrix[(k - 1) * size + (k - 1)];
  return Math.exp(Math.log(centre) + log2Scale * Math.LN2 + logFactorialOverPower(n));
}

/** M^p for a square matrix, returning the mantissa matrix and the power of two it was scaled down by. */
function matrixPower(m: Float64Array, size: number, p: number): { matrix: Float64Array; log2Scale: number } {
  if (p === 1) return { matrix: m, log2Scale: 0 };
  const half = matrixPower(m, size, Math.floor(p / 2));
  let matrix = matrixProduct(half.matrix, half.matrix, size);
  let log2Scale = 2 * half.log2Scale;
  if (p % 2 === 1) matrix = matrixProduct(matrix, m, size);
  let largest = 0;
  for (let i = 0; i < matrix.length; i++) largest = Math.max(largest, Math.abs(matrix[i]));
  if (largest > 2 ** 128) {
    for (let i = 0; i < matrix.length; i++) matrix[i] *= 2 ** -128;
    log2Scale += 128;
  }
  return { matrix, log2Scale };
}

function matrixProduct(a: Float64Array, b: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let l = 0; l < size; l++) {
      const ail = a[i * size + l];
      if (ail === 0) continue;
      for (let j = 0; j < size; j++) out[i * size + j] += ail * b[l * size + j];
    }
  }
  return out;
}

/**
 * Pelz–Good expansion P(D_n ≤ d) ≈ K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^{3/2}, z = d·√n, in the theta-function
 * form for small z given by Simard & L'Ecuyer (2011), eq. for K0..K3 with m = 2k − 1.
 */
function pelzGoodCdf(n: number, d: number): number {
  const z = d * Math.sqrt(n);
  const z2 = z * z;
  if (-(Math.PI ** 2) / (8 * z2) < -708) return 0;
  const pi2 = Math.PI ** 2;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;
  const terms = Math.ceil((16 * z) / Math.PI);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let e2 = 0;
  let e3 = 0;
  for (let k = terms; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2;
    const w = Math.exp((-pi2 * m2) / (8 * z2));
    s0 += w;
    s1 += ((pi2 * m2) / 4 - z2) * w;
    s2 +=
      (6 * z2 ** 3 + 2 * z2 ** 2 + ((2 * z2 ** 2 - 5 * z2) * pi2 * m2) / 4 + (pi4 * (1 - 2 * z2) * m2 ** 2) / 16) * w;
    s3 +=
      (-30 * z2 ** 3 -
        90 * z2 ** 4 +
        (pi2 * (135 * z2 ** 2 - 96 * z2 ** 3) * m2) / 4 +
        (pi4 * (212 * z2 ** 2 - 60 * z2) * m2 ** 2) / 16 +
        (pi6 * (5 - 30 * z2) * m2 ** 3) / 64) *
      w;
    const v = k * k * Math.exp((-pi2 * k * k) / (2 * z2));
    e2 += v;
    e3 += (3 * z2 - pi2 * k * k) * v;
  }
  const r = Math.sqrt(2 * Math.PI);
  const k0 = (r * s0) / z;
  const k1 = (r * s1) / (6 * z2 ** 2);
  const k2 = (r * s2) / (72 * z ** 7) - (pi2 * r * e2) / (36 * z ** 3);
  const k3 = (r * s3) / (6480 * z ** 10) + (pi2 * r * e3) / (216 * z2 ** 3);
  return k0 + k1 / Math.sqrt(n) + k2 / n + k3 / n ** 1.5;
}

/** Observed counts and expected counts per category, for {@link chiSquare}. */
export interface ChiSquareInput {
  observed: ArrayLike<number>;
  /** Expected counts, scaled by the caller to the observed total (as SciPy requires). */
  expected: ArrayLike<number>;
}

/** A Pearson chi-square goodness-of-fit result. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
}

/** SciPy's tolerance on |Σobserved − Σexpected| / min(Σobserved, Σexpected): √(float64 epsilon). */
const CHI_SQUARE_SUM_RTOL = Math.sqrt(Number.EPSILON);

/**
 * Pearson chi-square goodness of fit, equal to `scipy.stats.chisquare(observed, expected)`: Σ(o − e)²/e with
 * k − 1 degrees of freedom and p = Q((k − 1)/2, statistic/2).
 *
 * Callers scale `expected` to the observed total; like SciPy, totals that differ by more than √ε relatively throw
 * a RangeError. A category with expected 0 and observed > 0 makes the statistic Infinity and the p-value 0. A
 * category with both 0 carries no information and is dropped (it does not count toward the degrees of freedom;
 * SciPy would return NaN). Negative or non-finite counts, mismatched lengths or fewer than two categories throw.
 */
export function chiSquare(input: ChiSquareInput): ChiSquareResult {
  const { observed, expected } = input;
  if (observed.length !== expected.length) {
    throw new RangeError(`observed has ${observed.length} categories but expected has ${expected.length}`);
  }
  let statistic = 0;
  let categories = 0;
  let observedTotal = 0;
  let expectedTotal = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i];
    const e = expected[i];
    if (!(o >= 0 && e >= 0 && Number.isFinite(o) && Number.isFinite(e))) {
      throw new RangeError(`category ${i} has observed ${o} and expected ${e}; counts must be finite and >= 0`);
    }
    observedTotal += o;
    expectedTotal += e;
    if (o === 0 && e === 0) continue;
    categories++;
    statistic += e === 0 ? Infinity : ((o - e) * (o - e)) / e;
  }
  if (categories < 2) throw new RangeError('chi-square needs at least two categories with counts');
  if (Math.abs(observedTotal - expectedTotal) > CHI_SQUARE_SUM_RTOL * Math.min(observedTotal, expectedTotal)) {
    throw new RangeError(`observed total ${observedTotal} and expected total ${expectedTotal} differ`);
  }
  const degreesOfFreedom = categories - 1;
  const pValue = statistic === Infinity ? 0 : upperRegularizedGamma(degreesOfFreedom / 2, statistic / 2);
  return { statistic, pValue, degreesOfFreedom };
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) for a > 0, x ≥ 0: the power series for P = 1 − Q
 * when x < a + 1, otherwise the continued fraction for Q (modified Lentz), both to about 1e-15 relative.
 */
function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 100000 && Math.abs(term) > Math.abs(sum) * 1e-17; k++) {
      term *= x / (a + k);
      sum += term;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let dd = 1 / b;
  let fraction = dd;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    dd = an * dd + b;
    if (Math.abs(dd) < tiny) dd = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    dd = 1 / dd;
    const delta = dd * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * fraction;
}

/** Stirling-series coefficients B_{2j} / (2j(2j − 1)) for ln Γ, j = 1..7. */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];

/** ln Γ(z) for z > 0: shift z to ≥ 10 by Γ(z + 1) = zΓ(z), then the Stirling series (error below 1e-16). */
function logGamma(z: number): number {
  let shift = 1;
  while (z < 10) {
    shift *= z;
    z += 1;
  }
  const inv2 = 1 / (z * z);
  let series = 0;
  for (let j = STIRLING.length - 1; j >= 0; j--) series = series * inv2 + STIRLING[j];
  return (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + series / z - Math.log(shift);
}

/** ln(n!/nⁿ) for a positive integer n, without the n·ln n cancellation of ln n! − n ln n. */
function logFactorialOverPower(n: number): number {
  if (n <= 140) {
    let sum = 0;
    for (let i = 1; i < n; i++) sum += Math.log(i / n);
    return sum;
  }
  const inv2 = 1 / (n * n);
  let series = 0;
  for (let j = STIRLING.length - 1; j >= 0; j--) series = series * inv2 + STIRLING[j];
  return -n + 0.5 * Math.log(2 * Math.PI * n) + series / n;
}

/** Bin counts or proportions of a reference and a current distribution, for {@link populationStabilityIndex}. */
export interface PopulationStabilityIndexInput {
  reference: ArrayLike<number>;
  current: ArrayLike<number>;
  /** Stand-in for a zero proportion so the logarithm stays finite; 1e-4 when absent. */
  epsilon?: number;
}

/**
 * Population stability index Σ (c − r)·ln(c / r) over bins, after normalising both inputs to proportions and
 * replacing zero proportions by `epsilon` (without renormalising). Always ≥ 0 up to rounding.
 */
export function populationStabilityIndex(input: PopulationStabilityIndexInput): number {
  const epsilon = input.epsilon ?? 1e-4;
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must lie in (0, 1), got ${epsilon}`);
  const reference = proportions(input.reference, 'reference');
  const current = proportions(input.current, 'current');
  assertSameLength(reference, current);
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] === 0 ? epsilon : reference[i];
    const c = current[i] === 0 ? epsilon : current[i];
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** Two distributions as counts or proportions over the same categories, for {@link jensenShannonDistance}. */
export interface JensenShannonInput {
  p: ArrayLike<number>;
  q: ArrayLike<number>;
}

/**
 * Base-2 Jensen–Shannon distance √JS(p‖q) in [0, 1], equal to `scipy.spatial.distance.jensenshannon(p, q, base=2)`
 * after both inputs are normalised to proportions.
 */
export function jensenShannonDistance(input: JensenShannonInput): number {
  const p = proportions(input.p, 'p');
  const q = proportions(input.q, 'q');
  assertSameLength(p, q);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) divergence += p[i] * Math.log(p[i] / m);
    if (q[i] > 0) divergence += q[i] * Math.log(q[i] / m);
  }
  // Rounding can push an identical pair a hair below 0 or a disjoint pair a hair above 1.
  return Math.sqrt(clip01(divergence / (2 * Math.LN2)));
}

function proportions(counts: ArrayLike<number>, name: string): Float64Array {
  if (counts.length === 0) throw new RangeError(`${name} has no bins`);
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`${name}[${i}] is ${v}; counts must be finite and >= 0`);
    total += v;
  }
  if (!(total > 0)) throw new RangeError(`${name} sums to 0`);
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / total;
  return out;
}

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`distributions have ${a.length} and ${b.length} bins`);
}

/** Values and ascending bin edges, for {@link binCounts}. */
export interface BinCountsInput {
  values: Float64Array;
  /** Non-decreasing edges; edges.length − 1 bins, the last one closed on the right like numpy.histogram. */
  edges: Float64Array;
}

/**
 * Counts per bin by binary search over the edges, O(n log bins). Values below the first edge count in the first
 * bin and values above the last edge in the last bin; NaN is skipped.
 */
export function binCounts(input: BinCountsInput): Float64Array {
  const { values, edges } = input;
  const bins = edges.length - 1;
  if (bins < 1) throw new RangeError('binCounts needs at least two edges');
  for (let i = 0; i < edges.length; i++) {
    if (Number.isNaN(edges[i]) || (i > 0 && edges[i] < edges[i - 1])) {
      throw new RangeError(`edges must be non-decreasing and not NaN (index ${i})`);
    }
  }
  const counts = new Float64Array(bins);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (Number.isNaN(v)) continue;
    // lo ends as the number of edges <= v; the bin is lo − 1 clamped to [0, bins − 1].
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    counts[Math.min(bins - 1, Math.max(0, lo - 1))]++;
  }
  return counts;
}

/**
 * {@link binCounts} of values already sorted ascending (NaN-free): one binary search per edge instead of one per
 * value, O(bins log n). A value equal to an inner edge counts in the bin that edge opens, as in binCounts.
 */
export function binCountsSorted(input: BinCountsInput): Float64Array {
  const { values, edges } = input;
  const bins = edges.length - 1;
  if (bins < 1) throw new RangeError('binCounts needs at least two edges');
  const counts = new Float64Array(bins);
  // below(e): how many values are < e, i.e. fall in the bins before the one edge e opens.
  const below = (e: number) => {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid] < e) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let previous = 0;
  for (let k = 1; k < bins; k++) {
    if (Number.isNaN(edges[k]) || edges[k] < edges[k - 1]) {
      throw new RangeError(`edges must be non-decreasing and not NaN (index ${k})`);
    }
    const at = below(edges[k]);
    counts[k - 1] = at - previous;
    previous = at;
  }
  counts[bins - 1] = values.length - previous;
  return counts;
}

/**
 * Conventional alert thresholds for the statistics above.
 * - psi 0.2: the credit-scoring rule of thumb (Siddiqi, "Credit Risk Scorecards"): < 0.1 stable, 0.1–0.2 watch,
 *   > 0.2 a significant population shift.
 * - ksPValue and chiSquarePValue 0.05: the customary significance level alpha; drift when p < alpha.
 * - jsDistance 0.1: a common monitoring default (e.g. Evidently's drift presets use 0.1 on the base-2 distance).
 */
export const defaultDriftThresholds = { psi: 0.2, ksPValue: 0.05, jsDistance: 0.1, chiSquarePValue: 0.05 } as const;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** numpy.round: nearest integer, ties to even (so n·m/(n+m) = 5000.5 becomes 5000). */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

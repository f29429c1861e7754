/** Cost of device time from configured prices per device-hour, on-demand or spot. */

/** Price settings, from MLOPS_GPU_PRICE_ON_DEMAND, MLOPS_GPU_PRICE_SPOT and MLOPS_CAPACITY. */
export interface Pricing {
  onDemandPerHour: number;
  spotPerHour: number;
  capacity: 'on-demand' | 'spot';
}

/** Reads pricing from the environment; defaults are example list prices of one data-centre GPU (USD). */
export function pricingFromEnv(env: NodeJS.ProcessEnv = process.env): Pricing {
  const number = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!(value >= 0)) throw new Error(`${name} must be a number >= 0, got '${raw}'`);
    return value;
  };
  const capacity = env.MLOPS_CAPACITY?.trim() || 'on-demand';
  if (capacity !== 'on-demand' && capacity !== 'spot')
    throw new Error(`MLOPS_CAPACITY must be on-demand or spot, got '${capacity}'`);
  return {
    onDemandPerHour: number('MLOPS_GPU_PRICE_ON_DEMAND', 4.0),
    spotPerHour: number('MLOPS_GPU_PRICE_SPOT', 1.5),
    capacity,
  };
}

/** Estimated cost of `deviceSeconds` at the configured capacity's price. */
export function estimateCost(deviceSeconds: number, pricing: Pricing): number {
  const perHour = pricing.capacity === 'spot' ? pricing.spotPerHour : pricing.onDemandPerHour;
  return Math.round((deviceSeconds / 3600) * perHour * 1e6) / 1e6;
}

/**
 * Traffic split between a model's stable and canary versions. A request with a routing key goes where the key's
 * hash bucket falls, so the same key always reaches the same version while the weight holds, and a key on the
 * canary stays there as the weight grows. Without a key the choice is random.
 */
import { createHash } from 'node:crypto';

/** What a gateway serves for one model, and where that came from. */
export interface RouteState {
  model: string;
  stable: number;
  canary: number | null;
  canaryWeight: number;
  /** The registry's routes generation; 0 when the gateway serves the champion of a model without routes. */
  generation: number;
  source: 'routes' | 'champion';
}

/** Header that carries the sticky routing key. */
export const ROUTING_KEY_HEADER = 'x-routing-key';

/** A key's bucket in [0, 1) for a model: the first 48 bits of sha256(model NUL key). */
export function routingBucket(model: string, key: string): number {
  const digest = createHash('sha256').update(`${model}\u0000${key}`, 'utf8').digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The version a request goes to: canary when its bucket (or a random draw) is below the canary weight. */
export function chooseVersion(route: RouteState, key?: string, random: () => number = Math.random): number {
  if (route.canary === null || route.canaryWeight <= 0) return route.stable;
  const draw = key !== undefined && key !== '' ? routingBucket(route.model, key) : random();
  return draw < route.canaryWeight ? route.canary : route.stable;
}

/** The versions a route needs loaded. */
export function routedVersions(route: RouteState): number[] {
  return route.canary === null ? [route.stable] : [route.stable, route.canary];
}

/** True when two routes send traffic the same way. */
export function sameRoute(a: RouteState | undefined, b: RouteState | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.stable === b.stable &&
    a.canary === b.canary &&
    a.canaryWeight === b.canaryWeight &&
    a.generation === b.generation &&
    a.source === b.source
  );
}

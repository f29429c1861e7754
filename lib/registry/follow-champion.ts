/** Keeping what the gateways serve in step with a champion moved by hand (`mlops models promote|rollback`). */
import type { ModelRegistry } from './types';

/** What happened to a model's routes after its champion moved. */
export type RoutesFollowed =
  | { routes: 'none' }
  | { routes: 'unchanged'; stable: number }
  | { routes: 'moved'; stable: number; previousStable: number; generation: number }
  | { routes: 'rollout'; stable: number; canary: number; canaryWeight: number };

/**
 * Routes the model's stable traffic to `champion` when the model is served (it has routes) and no canary takes
 * traffic. A canary with weight is a rollout in progress: its workflow owns the routes, so they are left alone.
 * The write is a compare-and-set on the routes' generation, so a concurrent route change wins and is not undone.
 */
export async function routesFollowChampion(
  registry: ModelRegistry,
  model: string,
  champion: number,
  reason: string,
): Promise<RoutesFollowed> {
  const routes = await registry.getRoutes(model);
  if (!routes) return { routes: 'none' };
  if (routes.canary !== null && routes.canaryWeight > 0) {
    return { routes: 'rollout', stable: routes.stable, canary: routes.canary, canaryWeight: routes.canaryWeight };
  }
  if (routes.stable === champion && routes.canary === null) return { routes: 'unchanged', stable: champion };
  const change = await registry.setRoutes({
    model,
    stable: champion,
    canaryWeight: 0,
    reason,
    expectedGeneration: routes.generation,
  });
  return { routes: 'moved', stable: champion, previousStable: routes.stable, generation: change.generation };
}

import type { Simulator } from '../../src/simulator/index.js';

/**
 * Resolves once `count` more chat requests than now have reached the simulators (polling, not a fixed sleep,
 * which a loaded machine outruns); fails after 5 s. Call it before sending, await it after.
 */
export async function upstreamArrivals(simulators: readonly Simulator[], count = 1): Promise<void> {
  const total = () => simulators.reduce((sum, simulator) => sum + simulator.stats().chatRequests, 0);
  const from = total();
  const deadline = Date.now() + 5000;
  while (total() < from + count) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${count} request(s) to reach an upstream`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

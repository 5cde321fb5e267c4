import { ConfigError, loadConfig, type Config, type Environment } from '../config/index.js';
import { createStrategy } from '../routing/create-strategy.js';
import { EMPTY_ROUTE_STATS } from '../routing/route-stats.js';
import type { RouteContext } from '../routing/routing-strategy.js';
import { maskSecret } from './mask-secret.js';

/** Human-readable route table of a valid config, secrets masked. */
export function describeConfig(config: Config): string {
  const strategy = createStrategy(config.routing);
  // Shares at start: nothing observed yet, every route healthy.
  const context: RouteContext = { random: Math.random, now: Date.now, stats: () => EMPTY_ROUTE_STATS };
  const lines = [
    `models:  ${config.sources.modelsPath}`,
    `routing: ${config.sources.routingPath ?? '(none: models.yaml weights)'}`,
    `strategy: ${strategy.name}${strategy.name === 'fixed' ? ` (local_fraction ${config.routing.localFraction})` : ''}`,
    '',
  ];
  for (const model of config.models) {
    const aliases = model.aliases.length > 0 ? ` (aliases: ${model.aliases.join(', ')})` : '';
    lines.push(`${model.id}${aliases}`);
    const weights = strategy.weights(model.routes, context);
    model.routes.forEach((route, index) => {
      const share = `${((weights[index] ?? 0) * 100).toFixed(1)}%`;
      lines.push(
        `  ${share.padStart(6)}  ${route.id}  [${route.kind}, ${route.isLocal ? 'local' : 'remote'}]  ${route.baseUrl}  model=${route.providerModelId}  key=${maskSecret(route.apiKey)}`,
      );
    });
    for (const route of model.disabledRoutes) lines.push(`     off  ${route.id}  ${route.detail}`);
    if (model.routes.length === 0) lines.push('          (no enabled route: requests get 503)');
  }
  if (config.warnings.length > 0) lines.push('', ...config.warnings.map((warning) => `warning: ${warning}`));
  return lines.join('\n');
}

/** `hybrid-inference check-config`: 0 and the route table when valid, 1 and every problem when not. */
export function runCheckConfig(environment: Environment, cwd: string, configDir: string | undefined): number {
  try {
    const config = loadConfig({
      environment,
      cwd,
      ...(configDir === undefined ? {} : { overrides: { configDir } }),
    });
    process.stdout.write(`${describeConfig(config)}\n\nconfiguration OK\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

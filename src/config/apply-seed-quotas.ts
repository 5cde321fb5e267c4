import type { QuotaLimits } from '../spec/index.js';
import type { ConfigProblem } from './config-error.js';
import type { ModelEntry } from './config.js';
import type { Environment } from './substitute-env.js';

interface SeedQuota {
  readonly variable: string;
  /** The seed's model id; matched against a model's id and aliases. */
  readonly model: string;
  readonly field: 'tpm' | 'tpd';
  /** The seed's default when the variable is unset; null = no limit unless set. */
  readonly fallback: number | null;
}

/**
 * hybridInference's environment knobs: Gemini tokens per minute and DeepSeek tokens per day (the seed's README
 * calls the latter DEEPSEEK_TPM_LIMIT, its code reads DEEPSEEK_TPD_LIMIT; both are honoured with their literal
 * meaning). Unlike the seed they also apply to requests made through an alias.
 */
const SEED_QUOTAS: readonly SeedQuota[] = [
  { variable: 'GEMINI_TPM_LIMIT', model: 'gemini-2.5-flash', field: 'tpm', fallback: 1_000_000 },
  { variable: 'DEEPSEEK_TPD_LIMIT', model: 'deepseek-chat', field: 'tpd', fallback: 1_000_000 },
  { variable: 'DEEPSEEK_TPM_LIMIT', model: 'deepseek-chat', field: 'tpm', fallback: null },
];

function matches(model: ModelEntry, name: string): boolean {
  const wanted = name.toLowerCase();
  return [model.id, ...model.aliases].some((candidate) => {
    const lower = candidate.toLowerCase();
    return lower === wanted || lower.endsWith(`/${wanted}`);
  });
}

/**
 * Adds the seed's quota variables to the matching models' limits. A variable that is set wins over
 * models.yaml; a default only fills a limit models.yaml leaves open; `<= 0` turns the quota off.
 */
export function applySeedQuotas(
  models: readonly ModelEntry[],
  environment: Environment,
  problems: ConfigProblem[],
): ModelEntry[] {
  return models.map((model) => {
    let limits: QuotaLimits = model.limits;
    for (const quota of SEED_QUOTAS) {
      if (!matches(model, quota.model)) continue;
      const raw = environment[quota.variable]?.trim();
      if (raw === undefined || raw === '') {
        if (quota.fallback !== null && limits[quota.field] === undefined) {
          limits = { ...limits, [quota.field]: quota.fallback };
        }
        continue;
      }
      const value = Number(raw);
      if (!Number.isFinite(value)) {
        problems.push({
          file: 'environment',
          path: quota.variable,
          message: `must be a number of tokens (≤ 0 turns the limit off), found '${raw}'`,
        });
        continue;
      }
      const field = quota.field;
      const rest = Object.fromEntries(
        Object.entries(limits).filter(([name]) => name !== field),
      ) as QuotaLimits;
      limits = value > 0 ? { ...rest, [field]: Math.floor(value) } : rest;
    }
    if (limits === model.limits) return model;
    return {
      ...model,
      limits,
      routes: model.routes.map((route) => ({ ...route, limits: { ...route.limits, model: limits } })),
    };
  });
}

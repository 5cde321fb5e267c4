export type * from './config.js';
export { ConfigError, formatProblems, type ConfigProblem } from './config-error.js';
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { normalizeEndpoint } from './normalize-endpoint.js';
export { PROVIDER_KINDS, ADAPTER_KINDS, isAdapterKind } from './provider-kinds.js';
export { substituteString, substituteEnv, type Environment } from './substitute-env.js';

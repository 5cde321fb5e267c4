/** One thing wrong with the configuration: where it is and how to fix it. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted path inside the file, e.g. `models[2].route[0].base_url`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/**
 * Startup-time failure listing every problem found. Kept apart from GatewayError on purpose: it never reaches
 * an HTTP client, it stops the process before it listens.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) =>
    problem.path === ''
      ? `  ${problem.file}: ${problem.message}`
      : `  ${problem.file} → ${problem.path}: ${problem.message}`,
  );
  return `Configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

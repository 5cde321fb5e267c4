import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, describe, mock, test } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { createGatewayMetrics } from '../../src/observability/gateway-metrics.js';

// The Grafana dashboard and the Prometheus alerts in docs/ query the gateway's metrics by name. These tests
// read every PromQL expression in both files and hold each metric and label name against the registry the
// gateway builds, so renaming a metric or a label fails here instead of leaving a blank panel or an alert
// that can never fire.

const DASHBOARD_PATH = 'docs/grafana/hybrid-inference.json';
const ALERTS_PATH = 'docs/prometheus/alerts.yml';

/** Labels Prometheus adds to every series at scrape time (the target's); the gateway never sets them. */
const TARGET_LABELS = ['instance', 'job'];
/** Variables Grafana defines itself. */
const GRAFANA_VARIABLES = ['__rate_interval', '__interval', '__range'];

interface Series {
  readonly metric: string;
  /** `counter` for counters and histogram/summary parts (they only grow), else `gauge`. */
  readonly kind: 'counter' | 'gauge';
  readonly labels: ReadonlySet<string>;
}

/**
 * The series the gateway exposes, by the name PromQL uses: a histogram `h` becomes `h_bucket` (with `le`),
 * `h_sum` and `h_count`. The registry is the one `createGatewayMetrics` builds, caught as metrics register.
 */
async function gatewaySeries(): Promise<Map<string, Series>> {
  const spy = mock.method(Registry.prototype, 'registerMetric');
  let metrics: ReturnType<typeof createGatewayMetrics>;
  try {
    metrics = createGatewayMetrics({
      routes: () => [],
      queue: () => ({ running: 0, waiting: 0 }),
      store: () => ({ kind: 'memory', healthy: true }),
      requestLog: () => null,
    });
  } finally {
    spy.mock.restore();
  }
  const registries = new Set(spy.mock.calls.map((call) => call.this));
  assert.equal(registries.size, 1, 'the gateway metrics live in one registry');
  const registry = [...registries][0];
  assert.ok(registry instanceof Registry);

  const series = new Map<string, Series>();
  const add = (name: string, metric: string, kind: Series['kind'], labels: readonly string[]) =>
    series.set(name, { metric, kind, labels: new Set(labels) });
  for (const metric of registry.getMetricsAsArray()) {
    const labelNames: unknown = (metric as unknown as { labelNames?: unknown }).labelNames ?? [];
    assert.ok(Array.isArray(labelNames), `${metric.name}: labelNames is a list`);
    const labels = labelNames.map(String);
    // prom-client types `type` as a numeric enum; at runtime it is the exposition type ('counter', ...).
    const type = String(metric.type);
    switch (type) {
      case 'counter':
        add(metric.name, metric.name, 'counter', labels);
        break;
      case 'gauge':
        add(metric.name, metric.name, 'gauge', labels);
        break;
      case 'histogram':
        add(`${metric.name}_bucket`, metric.name, 'counter', [...labels, 'le']);
        add(`${metric.name}_sum`, metric.name, 'counter', labels);
        add(`${metric.name}_count`, metric.name, 'counter', labels);
        break;
      case 'summary':
        add(metric.name, metric.name, 'gauge', [...labels, 'quantile']);
        add(`${metric.name}_sum`, metric.name, 'counter', labels);
        add(`${metric.name}_count`, metric.name, 'counter', labels);
        break;
      default:
        assert.fail(`${metric.name}: unexpected metric type ${type}`);
    }
  }
  // What /metrics serves is what the registry holds: same names, same types.
  const exposed = [...(await metrics.render()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(
    ([, name, type]) => `${name} ${type}`,
  );
  assert.deepEqual(
    exposed.sort(),
    registry
      .getMetricsAsArray()
      .map((metric) => `${metric.name} ${String(metric.type)}`)
      .sort(),
  );
  return series;
}

// ---- A small PromQL reader: enough to find selectors, matchers and label lists, not to evaluate.

interface Token {
  readonly kind: 'string' | 'range' | 'ident' | 'number' | 'punct';
  readonly text: string;
}

const TOKEN =
  /\s+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\[[^\]]*\]|[A-Za-z_:][\w:]*|\d[\w.]*|=~|!~|!=|==|>=|<=|[-+*/%^@(){},=<>]/y;

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expr);
    assert.ok(match !== null, `cannot read PromQL at ${JSON.stringify(expr.slice(at, at + 20))} in: ${expr}`);
    const text = match[0];
    if (/^\s/.test(text)) continue;
    const first = text[0]!;
    const kind: Token['kind'] =
      first === '"' || first === "'" || first === '`'
        ? 'string'
        : first === '['
          ? 'range'
          : /[A-Za-z_:]/.test(first)
            ? 'ident'
            : /\d/.test(first)
              ? 'number'
              : 'punct';
    tokens.push({ kind, text });
  }
  return tokens;
}

const AGGREGATIONS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
/** Functions over a counter's growth: their series must only grow. */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

interface Selector {
  readonly name: string;
  readonly at: number;
  readonly matchers: readonly string[];
}
interface LabelList {
  readonly keyword: string;
  readonly labels: readonly string[];
  /** Token span whose selectors the labels must exist on (the aggregation's argument, or everything). */
  readonly from: number;
  readonly to: number;
}
interface Call {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}
interface Scan {
  readonly selectors: readonly Selector[];
  readonly lists: readonly LabelList[];
  readonly calls: readonly Call[];
}

function scan(expr: string): Scan {
  const tokens = tokenize(expr);
  const partner = new Map<number, number>();
  const open: number[] = [];
  tokens.forEach((token, index) => {
    if (token.text === '(') open.push(index);
    if (token.text === ')') {
      const start = open.pop();
      assert.ok(start !== undefined, `unbalanced ')' in: ${expr}`);
      partner.set(start, index).set(index, start);
    }
  });
  assert.equal(open.length, 0, `unbalanced '(' in: ${expr}`);
  const closing = (index: number) => {
    assert.equal(tokens[index]?.text, '(', `expected '(' in: ${expr}`);
    return partner.get(index)!;
  };

  const selectors: Selector[] = [];
  const lists: LabelList[] = [];
  const calls: Call[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind !== 'ident') continue;
    const next = tokens[index + 1];
    if (LABEL_LISTS.has(token.text)) {
      if (next?.text !== '(') continue; // group_left without labels
      const end = closing(index + 1);
      const labels = tokens.slice(index + 2, end).filter((item) => item.kind === 'ident');
      let from = 0;
      let to = tokens.length - 1;
      if (token.text === 'by' || token.text === 'without') {
        const previous = tokens[index - 1];
        if (previous?.kind === 'ident' && AGGREGATIONS.has(previous.text)) {
          from = end + 1; // sum by (x) (argument)
          to = closing(from);
        } else if (previous?.text === ')') {
          from = partner.get(index - 1)!; // sum (argument) by (x)
          to = index - 1;
        } else assert.fail(`'${token.text}' outside an aggregation in: ${expr}`);
      }
      lists.push({ keyword: token.text, labels: labels.map((label) => label.text), from, to });
      index = end;
      continue;
    }
    if (next?.text === '(') {
      calls.push({ name: token.text, from: index + 1, to: closing(index + 1) });
      continue;
    }
    if (KEYWORDS.has(token.text)) continue;
    if (AGGREGATIONS.has(token.text) && (next?.text === 'by' || next?.text === 'without')) continue;
    const matchers: string[] = [];
    if (next?.text === '{') {
      let cursor = index + 2;
      for (; tokens[cursor] !== undefined && tokens[cursor]!.text !== '}'; cursor += 1) {
        const item = tokens[cursor]!;
        if (item.kind === 'ident' && ['=', '!=', '=~', '!~'].includes(tokens[cursor + 1]?.text ?? '')) {
          matchers.push(item.text);
        }
      }
      assert.ok(tokens[cursor] !== undefined, `unclosed '{' in: ${expr}`);
      index = cursor;
    }
    selectors.push({ name: token.text, at: index, matchers });
  }
  assert.ok(selectors.length > 0, `no metric in: ${expr}`);
  return { selectors, lists, calls };
}

/**
 * Every metric of `expr` exists; every matcher and label list names a label of the metrics it applies to;
 * histogram_quantile reads `_bucket` series aggregated with `le`; rate/increase read counters. Returns the
 * labels the result can carry (for legends and `$labels`).
 */
function checkExpression(expr: string, series: ReadonlyMap<string, Series>): Set<string> {
  const { selectors, lists, calls } = scan(expr);
  const problems: string[] = [];
  const labelsOf = (name: string) => new Set([...(series.get(name)?.labels ?? []), ...TARGET_LABELS]);
  for (const selector of selectors) {
    if (!series.has(selector.name)) {
      problems.push(`metric ${selector.name} does not exist (renamed?)`);
      continue;
    }
    for (const label of selector.matchers) {
      if (!labelsOf(selector.name).has(label)) problems.push(`${selector.name} has no label ${label}`);
    }
  }
  const within = (from: number, to: number) =>
    selectors.filter((selector) => selector.at > from && selector.at < to && series.has(selector.name));
  for (const list of lists) {
    for (const selector of within(list.from - 1, list.to + 1)) {
      for (const label of list.labels) {
        if (!labelsOf(selector.name).has(label)) {
          problems.push(`${list.keyword} (${label}): ${selector.name} has no label ${label}`);
        }
      }
    }
  }
  for (const call of calls) {
    const inside = within(call.from, call.to);
    if (call.name === 'histogram_quantile') {
      for (const selector of inside) {
        if (!selector.name.endsWith('_bucket')) problems.push(`histogram_quantile over ${selector.name}`);
      }
      for (const list of lists) {
        if (
          list.keyword === 'by' &&
          list.from > call.from &&
          list.to < call.to &&
          !list.labels.includes('le')
        )
          problems.push(`histogram_quantile aggregates without 'le': by (${list.labels.join(', ')})`);
      }
    }
    if (COUNTER_FUNCTIONS.has(call.name)) {
      for (const selector of inside) {
        if (series.get(selector.name)?.kind !== 'counter')
          problems.push(`${call.name} over gauge ${selector.name}`);
      }
    }
  }
  assert.deepEqual(problems, [], `in: ${expr}`);
  // The labels of the result: those kept by the aggregations, or those of the selectors when none.
  const kept = lists.filter((list) => list.keyword === 'by').flatMap((list) => list.labels);
  if (kept.length > 0) return new Set(kept.filter((label) => label !== 'le'));
  return new Set(selectors.flatMap((selector) => [...labelsOf(selector.name)]));
}

// ---- The files

interface Target {
  readonly refId?: string;
  readonly expr?: unknown;
  readonly legendFormat?: string;
  readonly datasource?: { readonly uid?: string };
}
interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly gridPos?: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query?: string };
  readonly datasource?: { readonly uid?: string };
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}
interface AlertRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: unknown;
  readonly for?: unknown;
  readonly labels?: Record<string, unknown>;
  readonly annotations?: Record<string, unknown>;
}
interface AlertFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly AlertRule[] }[];
}

const DATASOURCE = '${DS_PROMETHEUS}';

function everyPanel(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...everyPanel(panel.panels ?? [])]);
}

describe('Grafana dashboard and Prometheus alerts', () => {
  let series: Map<string, Series>;
  let dashboard: Dashboard;
  let alerts: AlertFile;

  before(async () => {
    series = await gatewaySeries();
    dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
    alerts = parse(readFileSync(ALERTS_PATH, 'utf8')) as AlertFile;
  });

  test('the checker itself rejects a renamed metric, an unknown label and a bad quantile', () => {
    assert.ok(series.has('gateway_requests_total'));
    assert.ok(series.get('gateway_request_duration_seconds_bucket')?.labels.has('le'));
    checkExpression('sum by (status_class) (rate(gateway_requests_total{model=~"$model"}[5m]))', series);
    assert.throws(() => checkExpression('sum(rate(gateway_request_total[5m]))', series), /does not exist/);
    assert.throws(
      () => checkExpression('sum by (route) (rate(gateway_tokens_total[5m]))', series),
      /has no label route/,
    );
    assert.throws(
      () => checkExpression('sum(rate(gateway_cost_usd_total{target="local"}[5m]))', series),
      /has no label target/,
    );
    assert.throws(
      () =>
        checkExpression(
          'histogram_quantile(0.9, sum by (model) (rate(gateway_request_duration_seconds_bucket[5m])))',
          series,
        ),
      /without 'le'/,
    );
    assert.throws(() => checkExpression('rate(gateway_circuit_state[5m])', series), /over gauge/);
  });

  test('the dashboard is importable: datasource variable, unique ids, every panel has a PromQL target', () => {
    assert.equal(typeof dashboard.uid, 'string');
    assert.ok(dashboard.title.length > 0);
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    const datasource = dashboard.templating.list.find((variable) => variable.type === 'datasource');
    assert.equal(datasource?.name, 'DS_PROMETHEUS');
    assert.equal(datasource.query, 'prometheus');

    const panels = everyPanel(dashboard.panels);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const queried = panels.filter((panel) => panel.type !== 'row');
    assert.ok(queried.length >= 20, `${queried.length} panels`);
    for (const panel of queried) {
      const name = `panel "${panel.title ?? panel.id}"`;
      assert.ok(panel.gridPos !== undefined && panel.gridPos.x + panel.gridPos.w <= 24, `${name}: gridPos`);
      assert.equal(panel.datasource?.uid, DATASOURCE, `${name}: datasource`);
      assert.ok((panel.targets ?? []).length > 0, `${name} has no target`);
      const refIds = panel.targets!.map((target) => target.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${name}: refIds are unique`);
      for (const target of panel.targets!) {
        assert.ok(typeof target.expr === 'string' && target.expr.trim() !== '', `${name}: empty expr`);
        assert.equal(target.datasource?.uid, DATASOURCE, `${name}: target datasource`);
      }
    }
  });

  test('every dashboard query uses metrics and labels the gateway registers, and defined variables', () => {
    const variables = new Set([
      ...dashboard.templating.list.map((variable) => variable.name),
      ...GRAFANA_VARIABLES,
    ]);
    const checkVariables = (text: string) => {
      for (const [, braced, plain] of text.matchAll(/\$(?:\{(\w+)[^}]*\}|(\w+))/g)) {
        const name = braced ?? plain!;
        assert.ok(variables.has(name), `undefined variable $${name} in: ${text}`);
      }
    };

    for (const variable of dashboard.templating.list.filter((item) => item.type === 'query')) {
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
      assert.ok(
        match !== null,
        `variable ${variable.name}: expected label_values(selector, label), got ${query}`,
      );
      checkVariables(query);
      const labels = checkExpression(match[1]!, series);
      assert.ok(labels.has(match[2]!), `variable ${variable.name}: no label ${match[2]} on ${match[1]}`);
      assert.equal(variable.datasource?.uid, DATASOURCE, `variable ${variable.name}: datasource`);
    }

    for (const panel of everyPanel(dashboard.panels)) {
      for (const target of panel.targets ?? []) {
        const expr = String(target.expr);
        checkVariables(expr);
        const labels = checkExpression(expr, series);
        const legend = target.legendFormat ?? '';
        for (const [, label] of legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
          assert.ok(
            labels.has(label!),
            `panel "${panel.title}": legend {{${label}}} is not a label of: ${expr}`,
          );
        }
      }
    }
  });

  test('every alert rule is complete and queries metrics and labels the gateway registers', () => {
    assert.ok(alerts.groups.length > 0);
    const names = new Set<string>();
    for (const group of alerts.groups) {
      assert.ok(group.name.length > 0 && group.rules.length > 0, `group ${group.name}`);
      for (const rule of group.rules) {
        assert.equal(typeof rule.alert, 'string', `group ${group.name}: every rule is an alert`);
        const name = rule.alert!;
        assert.ok(!names.has(name), `duplicate alert ${name}`);
        names.add(name);
        assert.match(String(rule.for), /^\d+[smh]$/, `${name}: for`);
        assert.ok(['warning', 'critical'].includes(String(rule.labels?.severity)), `${name}: severity`);
        const summary = rule.annotations?.summary;
        const description = rule.annotations?.description;
        assert.ok(typeof summary === 'string' && summary.length > 0, `${name}: summary`);
        assert.ok(typeof description === 'string' && /Runbook:/.test(description), `${name}: runbook hint`);
        assert.equal(typeof rule.expr, 'string', `${name}: expr`);
        const labels = checkExpression(String(rule.expr), series);
        for (const [, label] of `${summary} ${description}`.matchAll(/\$labels\.(\w+)/g)) {
          assert.ok(labels.has(label!), `${name}: $labels.${label} is not a label of its expr`);
        }
      }
    }
  });

  test('every metric an alert watches has a dashboard panel to look at', () => {
    const onDashboard = new Set(
      everyPanel(dashboard.panels)
        .flatMap((panel) => panel.targets ?? [])
        .flatMap((target) =>
          scan(String(target.expr)).selectors.map((s) => series.get(s.name)?.metric ?? s.name),
        ),
    );
    for (const rule of alerts.groups.flatMap((group) => group.rules)) {
      for (const selector of scan(String(rule.expr)).selectors) {
        const metric = series.get(selector.name)?.metric ?? selector.name;
        assert.ok(onDashboard.has(metric), `${rule.alert}: ${metric} is on no panel`);
      }
    }
  });

  // promtool is not a dependency and is not installed for the tests: when it is on PATH the rules get
  // Prometheus's own check too; when it is not, this test is reported as skipped (never passed silently).
  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  test(
    'promtool check rules accepts the alerts',
    { skip: promtool.error === undefined ? false : 'promtool is not installed (the checks above still ran)' },
    () => {
      const result = spawnSync('promtool', ['check', 'rules', ALERTS_PATH], { encoding: 'utf8' });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    },
  );
});

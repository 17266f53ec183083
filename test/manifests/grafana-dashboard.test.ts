/**
 * manifests/grafana-dashboard.json queries only what the controller exports: every metric name in every panel's
 * PromQL is a series of a Metrics registry (after one observation of each, so histograms and labelled series
 * appear), every label a query groups by or matches on is a label of that series, and every value it matches
 * exactly (a state, a result, a bucket bound) is one the series takes. Renaming a metric or a label in
 * src/runtime/metrics.ts without the dashboard fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { ObservedOwner } from '../../src/controllers/sync-observer.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { parseExposition } from '../support/prometheus-text.js';

interface Target { refId?: string; expr?: string; datasource?: { uid?: string } }
interface Panel { id?: number; type?: string; title?: string; datasource?: { uid?: string }; targets?: Target[]; panels?: Panel[] }
interface Dashboard {
  __inputs?: { name?: string; pluginId?: string }[];
  schemaVersion?: number;
  uid?: string;
  panels?: Panel[];
  templating?: { list?: { name?: string; type?: string; query?: string }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../../manifests/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;
const allPanels = (panels: readonly Panel[] = []): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels)]);
const panels = allPanels(dashboard.panels);
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? `#${p.id}`, expr: t.expr ?? '' })));

/** A metric selector: `name{label="value", …}`. */
interface Selector {
  readonly metric: string;
  readonly matchers: { readonly label: string; readonly op: string; readonly value: string }[];
}
/** Labels an aggregation keeps (`by`, `without`) or a binary operation matches on (`on`, `ignoring`, `group_*`), and the selectors they apply to. */
interface Grouping {
  readonly labels: string[];
  readonly metrics: Set<string>;
}
/** What one query uses. */
interface Use {
  readonly selectors: Selector[];
  readonly groupings: Grouping[];
}

/** Aggregation operators: `sum by (l) (…)` puts the grouping between the name and its parenthesis. */
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const GROUPING = new Set(['by', 'without']);
const MATCHING = new Set(['on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;

/**
 * A small PromQL reader, enough for dashboard queries: identifiers followed by `(` are functions, aggregation
 * operators take `by (…)`/`without (…)` before or after their argument, `{…}` holds the label matchers of the name
 * before it, `[…]` is a range, strings and numbers are literals; every other identifier that is not a keyword is a
 * metric name. Grouping labels apply to the selectors inside the aggregation's argument; `on (…)` and friends to
 * every selector of the query.
 */
export function promqlUses(expr: string): Use {
  const use: Use = { selectors: [], groupings: [] };
  /** Open parentheses: the selectors read inside each, and whether it is an aggregation's argument. */
  const open: { selectors: Set<string>; aggregation: boolean; pending?: string[] }[] = [{ selectors: new Set(), aggregation: false }];
  let lastAggregation: Set<string> | undefined;
  let nextIsAggregation = false;
  let pendingLabels: string[] | undefined;
  const matching: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < expr.length && /\s/.test(expr[i]!)) i++;
  };
  const labelList = (): string[] => {
    skipSpace();
    if (expr[i] !== '(') return [];
    const end = expr.indexOf(')', i);
    const labels = expr.slice(i + 1, end).split(',').map((l) => l.trim()).filter(Boolean);
    i = end + 1;
    return labels;
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'") {
      const end = expr.indexOf(c, i + 1);
      i = end < 0 ? expr.length : end + 1;
    } else if (c === '[') {
      const end = expr.indexOf(']', i);
      i = end < 0 ? expr.length : end + 1;
    } else if (c === '(') {
      open.push({ selectors: new Set(), aggregation: nextIsAggregation, ...(pendingLabels ? { pending: pendingLabels } : {}) });
      nextIsAggregation = false;
      pendingLabels = undefined;
      i++;
    } else if (c === ')') {
      const closed = open.length > 1 ? open.pop()! : open[0]!;
      for (const metric of closed.selectors) for (const outer of open) outer.selectors.add(metric);
      if (closed.aggregation) {
        lastAggregation = closed.selectors;
        if (closed.pending) use.groupings.push({ labels: closed.pending, metrics: closed.selectors });
      }
      i++;
    } else if (/[0-9.]/.test(c)) {
      const number = /[0-9.]+(e[+-]?\d+)?[smhdwy]?/y;
      number.lastIndex = i;
      i = number.exec(expr) ? number.lastIndex : i + 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      IDENT.lastIndex = i;
      const ident = IDENT.exec(expr)![0];
      i += ident.length;
      skipSpace();
      if (GROUPING.has(ident)) {
        const labels = labelList();
        skipSpace();
        // Prefix form (`sum by (l) (x)`) when the argument follows; postfix (`sum (x) by (l)`) otherwise.
        if (expr[i] === '(') pendingLabels = labels;
        else use.groupings.push({ labels, metrics: lastAggregation ?? new Set() });
      } else if (MATCHING.has(ident)) {
        matching.push(...labelList());
      } else if (AGGREGATIONS.has(ident)) {
        nextIsAggregation = true;
      } else if (expr[i] === '(' || KEYWORDS.has(ident.toLowerCase())) {
        // A function (its arguments are read on), or a keyword.
      } else {
        const selector: Selector = { metric: ident, matchers: [] };
        if (expr[i] === '{') {
          const end = expr.indexOf('}', i);
          const body = expr.slice(i + 1, end < 0 ? expr.length : end);
          for (const [, label, op, value] of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) selector.matchers.push({ label: label!, op: op!, value: value! });
          i = end < 0 ? expr.length : end + 1;
        }
        use.selectors.push(selector);
        for (const scope of open) scope.selectors.add(ident);
      }
    } else {
      i++;
    }
  }
  if (matching.length > 0) use.groupings.push({ labels: matching, metrics: new Set(use.selectors.map((s) => s.metric)) });
  return use;
}

/** Series name → its labels → the values seen, from a registry that saw one of everything. */
async function exportedSeries(metrics = new Metrics({ processMetrics: false, perObjectSyncState: true })): Promise<Map<string, Map<string, Set<string>>>> {
  for (const outcome of ['success', 'requeue', 'retry', 'terminal'] as const) metrics.observeReconcile('service', outcome, 120);
  metrics.trackQueueDepth('service', () => 3);
  metrics.observeCloudCall('DescribeTargets', { ok: true }, 40);
  metrics.observeCloudCall('DescribeTargets', { ok: false, code: 'RequestLimitExceeded', throttled: true }, 40);
  metrics.observeCloudCall('DescribeTargets', { ok: false, code: 'InternalError', throttled: false }, 40);
  metrics.observeReadinessGateLatency(2);
  const observer = metrics.syncObserver();
  const owner: ObservedOwner = { kind: 'Service', namespace: 'default', name: 'web' };
  observer.synced(owner, 'Failed', 'SyncLoadBalancerFailed', 'C5001');
  observer.owns(owner, { loadBalancers: ['lb-1'], listeners: 1, rules: 0, targets: 2 });
  observer.driftCorrected(owner, 'target', 1);
  observer.targetsProgrammed(owner, 4);
  observer.targetsProgrammed({ ...owner, kind: 'Ingress' }, 4);
  const series = new Map<string, Map<string, Set<string>>>();
  for (const sample of parseExposition(await metrics.expose())) {
    const labels = series.get(sample.name) ?? new Map<string, Set<string>>();
    for (const [label, value] of Object.entries(sample.labels)) labels.set(label, (labels.get(label) ?? new Set()).add(value));
    series.set(sample.name, labels);
  }
  return series;
}

/** Every way a query does not fit the exported series, as lines a reader can act on. */
function mismatches(series: Map<string, Map<string, Set<string>>>): string[] {
  const problems: string[] = [];
  for (const { panel, expr } of queries) {
    const use = promqlUses(expr);
    if (use.selectors.length === 0) problems.push(`${panel}: no metric in ${expr}`);
    for (const { metric, matchers } of use.selectors) {
      const labels = series.get(metric);
      if (!labels) {
        problems.push(`${panel}: ${metric} is not exported`);
        continue;
      }
      for (const { label, op, value } of matchers) {
        if (!labels.has(label)) problems.push(`${panel}: ${metric} has no label ${label}`);
        // An exact match, or an alternation of literal values (a|b|c), names values the series must take.
        else if (op === '=' || (op === '=~' && /^[A-Za-z0-9_.+-]+(\|[A-Za-z0-9_.+-]+)*$/.test(value))) {
          for (const one of op === '=' ? [value] : value.split('|')) if (!labels.get(label)!.has(one)) problems.push(`${panel}: ${metric}{${label}} never takes "${one}"`);
        }
      }
    }
    // A grouping label must be a label of every exported series it groups.
    for (const { labels, metrics } of use.groupings) {
      for (const metric of metrics) for (const label of labels) if (series.get(metric) && !series.get(metric)!.has(label)) problems.push(`${panel}: ${metric} has no label ${label}`);
    }
  }
  return problems;
}

describe('manifests/grafana-dashboard.json', () => {
  it('is an importable dashboard whose every query runs on the DS_PROMETHEUS data source', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('clb-controller');
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })]);
    expect(dashboard.templating?.list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' })]));
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queried = panels.filter((p) => p.type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(12);
    for (const panel of queried) {
      expect({ panel: panel.title, uid: panel.datasource?.uid, targets: (panel.targets ?? []).length > 0 }).toEqual({ panel: panel.title, uid: '${DS_PROMETHEUS}', targets: true });
      for (const target of panel.targets ?? []) expect({ panel: panel.title, uid: target.datasource?.uid }).toEqual({ panel: panel.title, uid: '${DS_PROMETHEUS}' });
    }
  });

  it('queries only series, labels and label values that the controller exports', async () => {
    expect(mismatches(await exportedSeries())).toEqual([]);
  });

  it('shows every series of the controller but the opt-in per-object one', async () => {
    const used = new Set(queries.flatMap(({ expr }) => promqlUses(expr).selectors.map((s) => s.metric.replace(/_(bucket|sum|count)$/, ''))));
    const own = new Metrics({ processMetrics: false }).registry.getMetricsAsArray().map((m) => m.name);
    expect(own.filter((name) => !used.has(name) && name !== 'clb_controller_object_sync_state')).toEqual([]);
  });

  it('would catch a renamed metric, label or bucket (the reader is not vacuous)', async () => {
    const series = await exportedSeries();
    const renamed = new Map(series);
    renamed.set('clb_controller_objects_total', renamed.get('clb_controller_objects')!);
    renamed.delete('clb_controller_objects');
    expect(mismatches(renamed)).toEqual(expect.arrayContaining([expect.stringContaining('clb_controller_objects is not exported')]));
    const relabelled = new Map(series);
    relabelled.set('clb_controller_reconcile_total', new Map([['ctrl', new Set(['service'])], ['outcome', series.get('clb_controller_reconcile_total')!.get('outcome')!]]));
    expect(mismatches(relabelled)).toEqual(expect.arrayContaining([expect.stringContaining('clb_controller_reconcile_total has no label controller')]));
    const rebucketed = new Map(series);
    rebucketed.set('clb_controller_target_programmed_latency_seconds_bucket', new Map([['kind', new Set(['Service'])], ['le', new Set(['10', '60', '+Inf'])]]));
    expect(mismatches(rebucketed)).toEqual(expect.arrayContaining([expect.stringContaining('never takes "30"')]));

    expect(promqlUses('histogram_quantile(0.99, sum by (kind, le) (rate(x_bucket{state!="Synced", outcome=~"a|b"}[$__rate_interval]))) / on (kind) max(y) without (pod) + 1e3 * count(z)')).toEqual({
      selectors: [
        { metric: 'x_bucket', matchers: [{ label: 'state', op: '!=', value: 'Synced' }, { label: 'outcome', op: '=~', value: 'a|b' }] },
        { metric: 'y', matchers: [] },
        { metric: 'z', matchers: [] },
      ],
      groupings: [
        { labels: ['kind', 'le'], metrics: new Set(['x_bucket']) },
        { labels: ['pod'], metrics: new Set(['y']) },
        { labels: ['kind'], metrics: new Set(['x_bucket', 'y', 'z']) },
      ],
    });
  });
});

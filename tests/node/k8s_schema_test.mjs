// Offline schema validation of the k8s manifests: renders the dev and prod
// overlays, k8s/monitoring, k8s/jobs and k8s/jobs/restore with `kubectl kustomize` and checks
// every object against the Kubernetes API schemas (kubernetes-models) and,
// for PodMonitor and PrometheusRule, the Prometheus Operator's CRD schemas;
// every alert expression and dashboard query must parse as PromQL
// (Prometheus's own grammar). ValidatingAdmissionPolicy and its binding
// (prod's shard guard) are in kubernetes-models' admissionregistration.k8s.io/v1.
// Types, enums, required fields and formats come from the models' validate();
// a field the schema does not know (a typo, a misplaced key) is caught too:
// the compiled validator reads every field its schema declares, so a key it
// never reads is not in the schema.
//
// node k8s_schema_test.mjs            (exit 77: kubectl is not installed)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { parser as promql } from '@prometheus-io/lezer-promql';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sources = ['overlays/dev', 'overlays/prod', 'monitoring', 'jobs', 'jobs/restore'];

if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) {
  console.log('SKIP: kubectl is not installed');
  process.exit(77);
}

function render(dir) {
  const out = spawnSync('kubectl', ['kustomize', join(root, 'k8s', dir)],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(out.status, 0, `kubectl kustomize k8s/${dir}: ${out.stderr}`);
  return parseAllDocuments(out.stdout).map((d) => {
    assert.deepEqual(d.errors, [], `k8s/${dir}: YAML errors`);
    return d.toJS();
  }).filter(Boolean);
}

// The model class for an apiVersion and kind, or undefined.
async function modelFor(apiVersion, kind) {
  const module = apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${apiVersion}`
    : `kubernetes-models/${apiVersion}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

// A view of `value` that records which keys of each object are read; the
// records go to `seen`.
function tracked(value, path, seen) {
  if (value === null || typeof value !== 'object') return value;
  const read = new Set();
  seen.push({ path, value, read });
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return v;
      read.add(key);
      if (v === null || typeof v !== 'object') return v;
      if (!children.has(key)) children.set(key, tracked(v, `${path}/${key}`, seen));
      return children.get(key);
    },
  });
}

// Problems of one object: schema errors, then fields the schema lacks.
async function problems(obj) {
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  const seen = [];
  const view = tracked(obj, '', seen);
  try {
    Model.prototype.validate.call(view);
  } catch (e) {
    return [e.message];
  }
  const unknown = [];
  for (const { path, value, read } of seen) {
    if (Array.isArray(value)) continue;
    for (const key of Object.keys(value)) {
      if (!read.has(key)) unknown.push(`${path}/${key}: not a field of the schema`);
    }
  }
  return unknown;
}

for (const dir of sources) {
  test(`k8s/${dir}: every object matches its API schema`, async () => {
    const objs = render(dir);
    assert.ok(objs.length > 0, `k8s/${dir} renders nothing`);
    const failures = [];
    for (const obj of objs) {
      for (const p of await problems(obj)) {
        failures.push(`${obj.kind}/${obj.metadata?.name}: ${p}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });
}

// Positions where `expr` does not parse as PromQL.
function promqlErrors(expr) {
  const at = [];
  promql.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) at.push(node.from);
    },
  });
  return at;
}

test('k8s/monitoring: alerts and dashboard queries are PromQL', () => {
  const objs = render('monitoring');
  const queries = [];
  for (const obj of objs) {
    if (obj.kind === 'PrometheusRule') {
      for (const group of obj.spec.groups) {
        for (const rule of group.rules) queries.push([rule.alert ?? rule.record, rule.expr]);
      }
    }
    if (obj.kind === 'ConfigMap' && obj.metadata.labels?.grafana_dashboard === '1') {
      for (const [file, text] of Object.entries(obj.data)) {
        for (const panel of JSON.parse(text).panels) {
          for (const t of panel.targets ?? []) {
            // Grafana's range variable becomes a duration before Prometheus sees it.
            queries.push([`${file}: ${panel.title}`, t.expr.replaceAll('$__rate_interval', '5m')]);
          }
        }
      }
    }
  }
  assert.ok(queries.length > 20, `only ${queries.length} queries found`);
  const bad = queries.filter(([, q]) => promqlErrors(q).length > 0)
    .map(([what, q]) => `${what}: error at ${promqlErrors(q)[0]} in ${q}`);
  assert.deepEqual(bad, [], bad.join('\n'));
  assert.deepEqual(promqlErrors('sum by (a (rate(x[5m]))').length > 0, true);
});

// The checker itself: it must refuse a wrong type and an unknown field.
test('the schema check refuses a wrong type and an unknown field', async () => {
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    },
  };
  assert.deepEqual(await problems(deployment), []);
  const wrongType = structuredClone(deployment);
  wrongType.spec.template.spec.terminationGracePeriodSeconds = '45';
  assert.match((await problems(wrongType)).join(), /terminationGracePeriodSeconds must be integer/);
  const unknown = structuredClone(deployment);
  unknown.spec.template.spec.containers[0].lifecycle = { preStopp: { exec: { command: ['a'] } } };
  assert.deepEqual(await problems(unknown),
    ['/spec/template/spec/containers/0/lifecycle/preStopp: not a field of the schema']);
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' },
    spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', runbook: 'x' }] }] },
  };
  assert.deepEqual(await problems(rule), ['/spec/groups/0/rules/0/runbook: not a field of the schema']);
});

// docs/deploy/*: the unit file, the Dockerfile and the StatefulSet that docs/deployment.md quotes. They must
// be quoted verbatim, the unit must pass `systemd-analyze verify`, the YAML must parse, and their timeouts
// must fit the runtime's defaults (stop ladder, readyTimeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/processes.js';
import { Worker } from '../../src/index.js';

const read = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');
const page = read('deployment.md');
const unit = read('deploy/bot.service');
const dockerfile = read('deploy/Dockerfile');
const manifest = read('deploy/statefulset.yaml');

function setting(text: string, key: string): string {
  const match = text.match(new RegExp(`^${key}=(.*)$`, 'm'));
  assert.ok(match, `${key}= is set`);
  return match[1]!;
}

test('docs/deployment.md quotes the three files exactly', () => {
  for (const [name, text] of Object.entries({ unit, dockerfile, manifest })) {
    assert.ok(page.includes(text.trimEnd()), `${name} is quoted verbatim in docs/deployment.md`);
  }
});

test('the unit: Type=notify, foreground start, timeouts above stopTimeout and readyTimeout', () => {
  assert.equal(setting(unit, 'Type'), 'notify');
  assert.equal(setting(unit, 'KillMode'), 'mixed');
  assert.match(setting(unit, 'NotifyAccess'), /^(all|main)$/);
  assert.match(setting(unit, 'ExecStart'), / start$/, 'foreground: no -d');
  assert.match(setting(unit, 'ExecReload'), / reload$/);
  assert.ok(
    Number(setting(unit, 'TimeoutStopSec')) >= Worker.stopTimeout + 5,
    'TimeoutStopSec > stopTimeout',
  );
  assert.ok(Number(setting(unit, 'TimeoutStartSec')) > Worker.readyTimeout, 'TimeoutStartSec > readyTimeout');
  assert.ok(Number(setting(unit, 'WatchdogSec')) >= 2);
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
test(
  'the unit passes systemd-analyze verify',
  { skip: analyze ? false : 'systemd-analyze not installed' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'wmts-unit-'));
    try {
      const path = join(dir, 'bot.service');
      copyFileSync(join(ROOT, 'docs', 'deploy', 'bot.service'), path);
      const result = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(result.status, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /bot\.service/, result.stderr); // no complaint about our unit
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the Dockerfile runs the master in the foreground under tini', () => {
  assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  assert.match(dockerfile, /^CMD \["node", "app\.js", "start"\]$/m);
  assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
});

const yaml = spawnSync('python3', ['-c', 'import yaml']).status === 0;
test(
  'the StatefulSet parses; grace period and probes fit the stop ladder and readyTimeout',
  {
    skip: yaml ? false : 'python3 with PyYAML not available to parse YAML',
  },
  () => {
    const parsed = spawnSync(
      'python3',
      ['-c', 'import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'],
      { input: manifest, encoding: 'utf8' },
    );
    assert.equal(parsed.status, 0, parsed.stderr);
    type Probe = { httpGet: { path: string }; periodSeconds: number; failureThreshold: number };
    type Doc = {
      kind: string;
      spec: {
        replicas?: number;
        template?: {
          spec: {
            terminationGracePeriodSeconds: number;
            containers: {
              env: { name: string; value: string }[];
              startupProbe: Probe;
              readinessProbe: Probe;
              livenessProbe: Probe;
            }[];
          };
        };
      };
    };
    const docs = JSON.parse(parsed.stdout) as Doc[];
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['Service', 'StatefulSet'],
    );
    const set = docs[1]!.spec;
    const pod = set.template!.spec;
    assert.ok(pod.terminationGracePeriodSeconds >= Worker.stopTimeout + 5, 'grace period > stopTimeout');
    const container = pod.containers[0]!;
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    const startup = container.startupProbe;
    assert.ok(
      startup.periodSeconds * startup.failureThreshold > Worker.readyTimeout,
      'startup probe > readyTimeout',
    );
    const shards = container.env.find((e) => e.name === 'WORKER_SHARDS');
    assert.equal(Number(shards?.value), set.replicas, 'WORKER_SHARDS = replicas');
  },
);

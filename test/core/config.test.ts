import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

test('defaults < config file < BOOTHERD_* env < flags', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-cfg-'));
  try {
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'http: 127.0.0.1:9000\nadvertise: 10.0.0.5\nlogLevel: warn\ntftp:\n  blksizeCap: 1024\n');
    const defaults = loadConfig({}, {}, dir);
    assert.deepEqual([defaults.http, defaults.tftp.listen, defaults.dataDir, defaults.firmwareDir], [{ host: '0.0.0.0', port: 8080 }, [{ host: '0.0.0.0', port: 69 }], path.join(dir, 'data'), path.join(dir, 'data/firmware')]);
    const fromFile = loadConfig({ config: file }, {}, dir);
    assert.deepEqual([fromFile.http.port, fromFile.advertise, fromFile.logLevel, fromFile.tftp.blksizeCap, fromFile.tftp.maxPerClient], [9000, '10.0.0.5', 'warn', 1024, 16]);
    const fromEnv = loadConfig({ config: file }, { BOOTHERD_HTTP: '127.0.0.1:9100', BOOTHERD_TFTP: '10.1.0.1:69, 10.2.0.1:69', BOOTHERD_LOG_LEVEL: 'error' }, dir);
    assert.deepEqual([fromEnv.http.port, fromEnv.tftp.listen.map((l) => l.host), fromEnv.logLevel, fromEnv.advertise], [9100, ['10.1.0.1', '10.2.0.1'], 'error', '10.0.0.5']);
    const fromFlags = loadConfig({ config: file, http: '127.0.0.1:0', tftp: ['127.0.0.1:0'], 'log-level': 'debug' }, { BOOTHERD_HTTP: '127.0.0.1:9100' }, dir);
    assert.deepEqual([fromFlags.http.port, fromFlags.tftp.listen, fromFlags.logLevel], [0, [{ host: '127.0.0.1', port: 0 }], 'debug']);
    const json = path.join(dir, 'c.json');
    writeFileSync(json, JSON.stringify({ dataDir: '/var/lib/bootherd' }));
    assert.equal(loadConfig({ config: json }, {}, dir).dataDir, '/var/lib/bootherd');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every problem is reported at once', () => {
  try {
    loadConfig({ http: 'nope', 'log-level': 'loud', 'admin-token': 'short', 'boot-network': ['10.0.0.0'] }, {});
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['adminToken', 'bootNetworks.0', 'http', 'logLevel']);
  }
});

test('store.url and instance.name: SQLite and the host name by default; file < BOOTHERD_STORE/BOOTHERD_INSTANCE < --store/--instance; bad values listed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-cfg-'));
  try {
    const defaults = loadConfig({}, {}, dir);
    assert.deepEqual([defaults.store.url, defaults.store.autoMigrate, defaults.instance.name], [undefined, true, os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63)]);
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'store:\n  url: postgres://file@db/bootherd\n  autoMigrate: false\ninstance:\n  name: from-file\n');
    const fromFile = loadConfig({ config: file }, {}, dir);
    assert.deepEqual([fromFile.store.url, fromFile.store.autoMigrate, fromFile.instance.name], ['postgres://file@db/bootherd', false, 'from-file']);
    const env = { BOOTHERD_STORE: 'postgresql://env@db/bootherd', BOOTHERD_INSTANCE: 'rack2' };
    const fromEnv = loadConfig({ config: file }, env, dir);
    assert.deepEqual([fromEnv.store.url, fromEnv.instance.name, fromEnv.store.autoMigrate], ['postgresql://env@db/bootherd', 'rack2', false]);
    const fromFlags = loadConfig({ config: file, store: 'postgres://flag@db/b', instance: 'rack3' }, env, dir);
    assert.deepEqual([fromFlags.store.url, fromFlags.instance.name], ['postgres://flag@db/b', 'rack3']);
    try {
      loadConfig({ store: 'mysql://db/x', instance: 'no spaces please' }, {}, dir);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.path).sort(), ['instance.name', 'store.url']);
      assert.doesNotMatch(err.message, /mysql:\/\/db/, 'a store URL (it may hold a password) is not echoed');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('power controllers, watchdog and rescue keys are checked at start, each problem with its path', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-cfg-'));
  try {
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, [
      'power:',
      '  controllers:',
      '    - { name: sw1, driver: snmp-poe, host: 10.0.0.2, community: sekrit }',
      '    - { name: sw1, driver: manual }',
      '    - { name: bmc1, driver: ipmi, host: 10.0.0.3, username: admin }',
      '    - { name: x, driver: telepathy }',
      'watchdog: { policy: pray, sweepSeconds: 0 }',
      'rescue:',
      '  authorizedKeys:',
      '    - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGv4cFxW3b1O2lL8s6lJxv8Zr0nq2m1m5o5JvC4s3e9k ops@rack1"',
      '    - "command=\\"/bin/sh\\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGv4 x"',
      '    - "ssh-ed25519 c3NoLXJzYQ== forged"',
    ].join('\n') + '\n');
    assert.throws(() => loadConfig({ config: file }, {}, dir), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.path), ['power.controllers.1.name', 'power.controllers.2.password', 'power.controllers.3.driver', 'watchdog.sweepSeconds', 'watchdog.policy', 'rescue.authorizedKeys.1', 'rescue.authorizedKeys.2']);
      assert.ok(!err.message.includes('sekrit'));
      return true;
    });
    const good = loadConfig({}, {}, dir);
    assert.deepEqual(good.watchdog, { sweepSeconds: 15, bootStartSeconds: 120, stallSeconds: 90, heartbeatSeconds: 300, policy: 'retry', retries: 2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

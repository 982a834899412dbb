// The deployed system's heartbeat (boot-templates/rootfs/): the settings file
// rendered from its template with the documented variables, the script run
// under busybox sh (wget) and with curl, against a real bootherd.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { builtinTemplatesDir } from '../../src/paths.js';
import { createTemplateRenderer } from '../../src/templates/renderer.js';
import { busyboxApplets } from '../image/agent-runner.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

const script = path.join(builtinTemplatesDir, 'rootfs', 'usr', 'local', 'sbin', 'bootherd-heartbeat');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-heartbeat-'));
let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(conf: string, pathVar: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(path.join(pathVar.split(':')[0]!, 'sh'), [script], { env: { PATH: pathVar, BOOTHERD_HEARTBEAT_CONF: conf, BOOTHERD_HEARTBEAT_ONCE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

async function deployedNode(serial: string, mac: string): Promise<{ id: string; bootToken: string }> {
  const id = (await s.api('POST', '/api/v1/discovery', piInventory(serial, mac), { auth: null })).body.nodeId as string;
  const cmdline = (await s.api('GET', `/api/v1/nodes/${id}/boot-files/cmdline.txt`)).body as string;
  const bootToken = /bootherd\.token=(\S+)/.exec(cmdline)![1]!;
  assert.equal((await s.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: `/srv/roots/${serial}` })).status, 200);
  return { id, bootToken };
}

function renderConf(name: string, id: string, token: string): string {
  const text = createTemplateRenderer([builtinTemplatesDir]).render('rootfs/etc/bootherd/heartbeat.env', { node: { label: 'rack1-pi07', id, bootToken: token }, server: { url: s.url }, heartbeat: { everySeconds: 100 } });
  assert.match(text, new RegExp(`^BOOTHERD_NODE=${id}$`, 'm'));
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

test('rendered settings + the script under busybox (wget): the deployed node is heard from its OS', async () => {
  const n = await deployedNode('0000f001', 'dc:a6:32:00:f0:01');
  const before = (await s.api('GET', `/api/v1/nodes/${n.id}`)).body;
  assert.equal(before.heartbeatFrom, 'agent', 'so far only the discovery agent spoke');
  const r = await run(renderConf('a.env', n.id, n.bootToken), await busyboxApplets());
  assert.deepEqual(r, { code: 0, stderr: '' });
  const after = (await s.api('GET', `/api/v1/nodes/${n.id}`)).body;
  assert.equal(after.heartbeatFrom, 'os');
  assert.ok(after.lastHeartbeatAt >= before.lastHeartbeatAt);
});

test('with curl on PATH the same heartbeat goes through curl; a wrong token is not delivered and changes nothing', async () => {
  const n = await deployedNode('0000f002', 'dc:a6:32:00:f0:02');
  const withCurl = `${await busyboxApplets()}:/usr/bin`;
  assert.deepEqual(await run(renderConf('b.env', n.id, n.bootToken), withCurl), { code: 0, stderr: '' });
  assert.equal((await s.api('GET', `/api/v1/nodes/${n.id}`)).body.heartbeatFrom, 'os');
  const other = await deployedNode('0000f003', 'dc:a6:32:00:f0:03');
  const wrong = await run(renderConf('c.env', other.id, n.bootToken), withCurl);
  assert.match(wrong.stderr, /bootherd-heartbeat: not delivered/);
  assert.equal((await s.api('GET', `/api/v1/nodes/${other.id}`)).body.heartbeatFrom, 'agent', 'another node\'s token is refused');
  writeFileSync(path.join(dir, 'bad.env'), 'BOOTHERD_URL=http://127.0.0.1:1\nBOOTHERD_NODE=$(reboot)\nBOOTHERD_TOKEN=x\n');
  assert.match((await run(path.join(dir, 'bad.env'), withCurl)).stderr, /BOOTHERD_NODE is not a node id/);
});

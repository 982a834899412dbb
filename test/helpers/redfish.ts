// A Redfish endpoint for tests: serves DMTF's mockup resources from
// ../shared/fixtures/redfish/ on 127.0.0.1:0, checks basic auth, and applies
// the ComputerSystem.Reset actions it receives to PowerState, recording each body.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

/** A running mockup. */
export interface RedfishMock {
  url: string;
  /** Reset bodies received, in order. */
  resets: Array<Record<string, unknown>>;
  /** The system's PowerState now. */
  powerState(): string;
  /** Makes the next requests answer with this status (e.g. 500), until set back to null. */
  failWith(status: number | null): void;
  stop(): Promise<void>;
}

const root = path.join(packageRoot, '..', 'shared', 'fixtures', 'redfish');
const load = (rel: string) => JSON.parse(readFileSync(path.join(root, rel, 'index.json'), 'utf8')) as Record<string, unknown>;

/** Starts the mockup with credentials `user` / `password`. */
export async function startRedfish(user = 'admin', password = 'redfish-pass'): Promise<RedfishMock> {
  const docs = new Map<string, Record<string, unknown>>([
    ['/redfish/v1', load('.')],
    ['/redfish/v1/Systems', load('Systems')],
    ['/redfish/v1/Systems/437XR1138R2', load('Systems/437XR1138R2')],
  ]);
  const system = docs.get('/redfish/v1/Systems/437XR1138R2')!;
  const allowed = ((system.Actions as Record<string, Record<string, unknown>>)['#ComputerSystem.Reset']!['ResetType@Redfish.AllowableValues']) as string[];
  const resets: Array<Record<string, unknown>> = [];
  let fail: number | null = null;
  const want = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  const server: Server = createServer((req, res) => {
    const send = (status: number, body?: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
    if (req.headers.authorization !== want) return send(401, { error: { code: 'Base.1.0.GeneralError', message: 'authentication required' } });
    if (fail) return send(fail, { error: { code: 'Base.1.0.InternalError', message: 'the service failed' } });
    const url = (req.url ?? '').replace(/\/$/, '');
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && docs.has(url)) return send(200, docs.get(url));
      if (req.method === 'POST' && url === '/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset') {
        const body = JSON.parse(raw || '{}') as { ResetType?: string };
        resets.push(body);
        if (!body.ResetType || !allowed.includes(body.ResetType)) return send(400, { error: { message: `ResetType ${String(body.ResetType)} is not allowed` } });
        if (body.ResetType === 'On' || body.ResetType === 'ForceOn') system.PowerState = 'On';
        if (body.ResetType === 'ForceOff' || body.ResetType === 'GracefulShutdown') system.PowerState = 'Off';
        if (body.ResetType === 'ForceRestart') system.PowerState = 'On';
        return send(204);
      }
      send(404, { error: { message: 'not found' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    resets,
    powerState: () => String(system.PowerState),
    failWith: (s) => void (fail = s),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

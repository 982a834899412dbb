// `bootherd nodes release-identity NODE mac=MAC|serial=SERIAL|uuid=UUID`: drop a stale identity so a board can enroll again.
import { z } from 'zod';
import { loadClientConfig } from '../../config.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { emit, type ApiNode } from '../format.js';
import { parseValue } from '../values.js';

const identityArg = z.string().regex(/^(mac|serial|uuid)=.+$/, { message: 'must be mac=MAC, serial=SERIAL or uuid=UUID' });

export default defineCommand({
  name: 'nodes release-identity',
  summary: 'drop a stale MAC, serial or UUID from a node, clearing an identity conflict',
  flags: { ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [{ name: 'NODE', help: 'a node: id, serial, MAC or hostname' }, { name: 'IDENTITY', help: 'mac=MAC, serial=SERIAL or uuid=UUID' }],
  examples: ['bootherd nodes release-identity rack1-pi07 mac=dc:a6:32:01:36:c2'],
  async run({ flags, args, raw, io }) {
    const kv = parseValue(identityArg, args.IDENTITY, 'IDENTITY');
    const eq = kv.indexOf('=');
    const [key, value] = [kv.slice(0, eq), kv.slice(eq + 1)];
    const cfg = loadClientConfig(raw);
    const n = (await callApi(cfg, 'POST', `/api/v1/nodes/${encodeURIComponent(args.NODE!)}/actions/release-identity`, { [key]: value })) as ApiNode;
    emit(io, flags.output ?? 'table', n, () => `${n.id}: released ${key} ${value}; it now holds serial ${n.identity.serial ?? '-'}, MAC ${n.identity.macs.join(',') || '-'}`);
  },
});

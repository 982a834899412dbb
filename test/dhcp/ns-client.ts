// Run inside the lab's client namespace (`ip netns exec`): sends one PXE
// packet given as JSON and prints the replies it saw as JSON.
import { exchange, helloPacket, type ClientHello } from './client.js';

type Arg = Omit<ClientHello, 'machineId'> & { machineId?: string; to: string; port: number; waitMs: number; bindIp: string };

async function run(raw: string): Promise<void> {
  const arg = JSON.parse(raw) as Arg;
  const hello: ClientHello = { ...arg, machineId: arg.machineId ? Buffer.from(arg.machineId, 'hex') : undefined };
  const seen = await exchange(helloPacket(hello), { address: arg.to, port: arg.port }, { address: arg.bindIp, port: 68 }, arg.waitMs);
  process.stdout.write(JSON.stringify(seen));
}

// `node --test dist/test/` runs every file under test/, this one too, without an argument: then it does nothing.
const raw = process.argv[2];
if (raw !== undefined) await run(raw);

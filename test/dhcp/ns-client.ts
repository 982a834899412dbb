// Run inside the lab's client namespace (`ip netns exec`): sends one PXE
// packet given as JSON and prints the replies it saw as JSON.
import { exchange, helloPacket, type ClientHello } from './client.js';

const arg = JSON.parse(process.argv[2] ?? '{}') as Omit<ClientHello, 'machineId'> & { machineId?: string; to: string; port: number; waitMs: number; bindIp: string };
const hello: ClientHello = { ...arg, machineId: arg.machineId ? Buffer.from(arg.machineId, 'hex') : undefined };
const seen = await exchange(helloPacket(hello), { address: arg.to, port: arg.port }, { address: arg.bindIp, port: 68 }, arg.waitMs);
process.stdout.write(JSON.stringify(seen));

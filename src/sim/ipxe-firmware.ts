// An x86 board's network boot: its PXE ROM asks the proxyDHCP (option 93 = 0,
// option 97 its SMBIOS GUID), loads the iPXE binary named in the offer over
// TFTP, and that iPXE asks again (user class "iPXE") for the HTTP chain
// URL; without proxyDHCP the site's DHCP hands iPXE the chain URL. Then
// /boot.ipxe, its `chain` to /ipxe?mac=..., and the script's kernel, initrd
// and boot lines (or sanboot/exit: boot the local disk; poweroff).
import { createHash } from 'node:crypto';
import { discover } from './board-dhcp.js';
import { guidOption97 } from './dhcp-client.js';
import type { BoardHttp } from './http-client.js';
import type { NetbootResult } from './netboot.js';
import { tftpFetch } from './tftp-client.js';
import type { BoardContext } from './types.js';

/** Runs one boot loop of an x86 PXE/iPXE board. */
export async function ipxeNetboot(ctx: BoardContext, http: BoardHttp): Promise<NetbootResult> {
  const chainUrl = ctx.network.dhcp ? await viaProxy(ctx) : ctx.network.chainUrl;
  if (typeof chainUrl !== 'string') return chainUrl;
  const chain = await fetchScript(http, chainUrl);
  if (!chain) return { kind: 'failed', reason: 'no chain script', file: chainUrl };
  const line = commands(chain).find((c) => c[0] === 'chain');
  const target = line?.find((w, i) => i > 0 && !w.startsWith('--'));
  if (!target) return { kind: 'failed', reason: 'chain script without a chain line', file: chainUrl };
  const scriptUrl = expand(target, ctx);
  const script = await fetchScript(http, scriptUrl);
  if (!script) return { kind: 'failed', reason: 'no iPXE script', file: scriptUrl };
  ctx.record('ipxe-script', { url: scriptUrl });
  return runScript(ctx, http, script);
}

// PXE ROM -> iPXE binary over TFTP -> iPXE's own DHCP: the chain URL, or why not.
async function viaProxy(ctx: BoardContext): Promise<string | NetbootResult> {
  const { spec } = ctx;
  const machineId = guidOption97(spec.uuid!);
  // PXE 2.1: DISCOVER timeouts of 4, 8, 16 and 32 s.
  const rom = await discover(ctx, { mac: spec.mac, arch: 0, machineId }, (o) => o.type === 2 && o.file !== '', { intervalsMs: [4000, 8000, 16000, 32000], totalMs: 60_000 });
  ctx.record('dhcp', rom ? { offer: true, file: rom.file } : { offer: false });
  if (!rom) return { kind: 'declined', reason: 'no PXE offer' };
  let url = rom.file;
  if (!/^https?:\/\//.test(rom.file)) {
    const server = { address: rom.tftpServer ?? rom.siaddr, port: ctx.network.tftp.port };
    const r = await tftpFetch(ctx.net, ctx.clock, ctx.signal, { server, path: rom.file, options: [['tsize', '0'], ['blksize', '1432']], fileTimeoutMs: 60_000, retransmitMs: 1000, rollover: true });
    ctx.record('tftp', { path: rom.file, outcome: r.outcome, bytes: r.bytes });
    if (r.outcome !== 'complete') return { kind: 'failed', reason: `iPXE binary: ${r.outcome}`, file: rom.file };
    // iPXE's DHCP: 1, 2, 4, 8 s (its defaults), waiting for the proxy's offer.
    const ipxe = await discover(ctx, { mac: spec.mac, arch: 0, machineId, userClass: 'iPXE' }, (o) => o.type === 2 && /^https?:\/\//.test(o.file), { intervalsMs: [1000, 2000, 4000, 8000], totalMs: 15_000 });
    if (!ipxe) return { kind: 'failed', reason: 'iPXE got no chain URL' };
    url = ipxe.file;
  }
  return url;
}

async function runScript(ctx: BoardContext, http: BoardHttp, script: string): Promise<NetbootResult> {
  let args: string[] | null = null;
  for (const cmd of commands(script)) {
    const [verb, ...rest] = cmd;
    if (verb === 'poweroff') return { kind: 'poweroff' };
    if (verb === 'sanboot' || verb === 'exit') return { kind: 'declined', reason: `iPXE ${verb}` };
    if (verb === 'kernel' || verb === 'initrd') {
      const url = rest.find((w) => !w.startsWith('--'))!;
      const got = await load(ctx, http, url);
      if (!got) return { kind: 'failed', reason: `${verb} download failed`, file: url };
      ctx.record(verb === 'kernel' ? 'kernel' : 'initramfs', { file: url, bytes: got });
      if (verb === 'kernel') args = rest.slice(rest.indexOf(url) + 1);
    }
    if (verb === 'boot') return args ? { kind: 'booted', cmdline: args.join(' ') } : { kind: 'failed', reason: 'boot without a kernel' };
  }
  return { kind: 'failed', reason: 'the script never boots' };
}

async function load(ctx: BoardContext, http: BoardHttp, url: string): Promise<number | null> {
  const hash = ctx.verify ? createHash('sha256') : null;
  try {
    const r = await http.download(url, (c) => hash?.update(c));
    return r.status === 200 ? r.bytes : null;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return null;
  }
}

async function fetchScript(http: BoardHttp, url: string): Promise<string | null> {
  try {
    const r = await http.request('GET', url);
    return r.status === 200 && r.text.startsWith('#!ipxe') ? r.text : null;
  } catch {
    return null;
  }
}

// Script lines as words: comments, labels and `|| ...` fallbacks dropped.
function commands(script: string): string[][] {
  return script.split('\n').map((l) => l.replace(/\s\|\|.*$/, '').trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(':')).map((l) => l.split(/\s+/));
}

// iPXE settings in a URL: ${net0/mac:hexhyp}, ${uuid}, ${serial:uristring}, ...
function expand(s: string, ctx: BoardContext): string {
  const values: Record<string, string> = {
    'net0/mac': ctx.spec.mac, mac: ctx.spec.mac, uuid: ctx.spec.uuid ?? '', serial: ctx.spec.systemSerial ?? '',
    buildarch: 'x86_64', platform: 'pcbios', manufacturer: 'Supermicro', product: 'X11SCL-F',
  };
  return s.replace(/\$\{([^}:]+)(?::([a-z]+))?\}/g, (_m, name: string, type?: string) => {
    const v = values[name] ?? '';
    if (type === 'hexhyp') return v.replace(/:/g, '-');
    return type === 'uristring' ? encodeURIComponent(v) : v;
  });
}

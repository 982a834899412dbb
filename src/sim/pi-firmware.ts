// The Raspberry Pi 4/5 bootloader model: one boot loop is a DHCP phase
// (DISCOVER with option 97 every DHCP_REQ_TIMEOUT until an offer with
// "Raspberry Pi Boot", for at most DHCP_TIMEOUT), then the TFTP sequence
// under the serial prefix (dropped when the prefix holds no firmware), each
// file within TFTP_FILE_TIMEOUT and never retried: a timeout or a missing
// required file ends the loop, and the board starts the next one.
import { hang } from './clock.js';
import { discover } from './board-dhcp.js';
import { isPiBootOffer, piOption97 } from './dhcp-client.js';
import type { NetbootResult } from './netboot.js';
import type { Peer } from './net.js';
import { armstub32, is32BitKernel, parsePiConfig, pi4KernelProbes, pi4Steps, pi5KernelProbes, pi5Steps, type PiConfig } from './pi-sequence.js';
import { tftpFetch, type TftpResult } from './tftp-client.js';
import type { BoardContext } from './types.js';

type Get = (file: string, opts?: { probe?: boolean; stallHalfway?: boolean }) => Promise<TftpResult>;

/** Runs one boot loop of a Pi 4 or Pi 5. */
export async function piNetboot(ctx: BoardContext): Promise<NetbootResult> {
  const { spec } = ctx;
  const family = spec.kind === 'pi5' ? 'pi5' : 'pi4';
  const server = await tftpServer(ctx, family);
  if (!server) return { kind: 'declined', reason: 'no proxyDHCP offer within DHCP_TIMEOUT' };
  let prefix = `${spec.serial}/`;
  const get: Get = async (file, opts = {}) => {
    const path = prefix + file;
    const q = ctx.quirks;
    const r = await tftpFetch(ctx.net, ctx.clock, ctx.signal, {
      server, path, options: [['tsize', '0'], ['blksize', family === 'pi5' ? '1468' : '1024']], probe: opts.probe,
      fileTimeoutMs: ctx.timings.tftpFileTimeoutMs, retransmitMs: ctx.timings.tftpRetransmitMs, rollover: family === 'pi5',
      duplicateRrq: ctx.net.rng() < q.duplicateRrqShare, duplicateAckShare: q.duplicateAckShare, ackAheadOnDuplicate: q.ackAheadOnDuplicate,
      stallAfterShare: opts.stallHalfway ? 0.5 : undefined, verify: ctx.verify, keep: file === 'config.txt' || file === 'cmdline.txt',
    });
    ctx.record('tftp', { path, outcome: r.outcome, bytes: r.bytes, ...(r.sha256 ? { sha256: r.sha256 } : {}), ...(r.resent ? { resent: r.resent } : {}) });
    if (r.outcome === 'stalled') {
      ctx.record('stalled', { path, bytes: r.bytes });
      await hang(ctx.signal);
    }
    return r;
  };
  const config = { current: { kernel: null, initramfs: null } as PiConfig, cmdline: '' };
  const steps = family === 'pi5' ? pi5Steps : pi4Steps;
  const first = family === 'pi5' ? await pi5Prefix(get) : await get('start4.elf', { probe: true });
  if (first.outcome === 'not-found') prefix = '';
  else if (first.outcome !== 'probed' && first.outcome !== 'complete') return failed(first);
  for (const step of steps) {
    const r = await get(step.file, { probe: step.probe });
    if (r.outcome === 'not-found' && step.required) return prefix === '' && step.file === 'start4.elf' ? { kind: 'declined', reason: 'no firmware served' } : { kind: 'failed', reason: `required file not found`, file: step.file };
    if (r.outcome !== 'not-found' && r.outcome !== 'complete' && r.outcome !== 'probed') return failed(r);
    if (r.outcome === 'complete' && step.file === 'config.txt') config.current = parsePiConfig(r.data!.toString('utf8'), { family, serial: spec.serial! });
    if (r.outcome === 'complete' && step.file === 'cmdline.txt') config.cmdline = r.data!.toString('utf8');
    if (step.firmwareDone) await firmwareLoaded(ctx);
  }
  return loadKernel(ctx, get, config.current, config.cmdline, family);
}

async function tftpServer(ctx: BoardContext, family: 'pi4' | 'pi5'): Promise<Peer | null> {
  if (!ctx.network.dhcp) return ctx.network.tftp;
  const { spec } = ctx;
  const machineId = piOption97(family === 'pi5' ? 'RPi5' : 'RPi4', spec.revision!, spec.mac, spec.serial!);
  const t = ctx.timings;
  const offer = await discover(ctx, { mac: spec.mac, arch: 0, machineId }, isPiBootOffer, { intervalsMs: [t.dhcpReqTimeoutMs], totalMs: t.dhcpTimeoutMs });
  ctx.record('dhcp', offer ? { offer: true, tftp: offer.tftpServer ?? offer.siaddr } : { offer: false });
  if (!offer) return null;
  return { address: offer.tftpServer ?? offer.siaddr, port: ctx.network.tftp.port };
}

// A Pi 5 keeps the prefix only if it looks bootable: config.txt and a device tree.
async function pi5Prefix(get: Get): Promise<TftpResult> {
  const cfg = await get('config.txt');
  if (cfg.outcome !== 'complete' && cfg.outcome !== 'not-found') return cfg;
  const dtb = await get('bcm2712-rpi-5-b.dtb', { probe: true });
  if (dtb.outcome !== 'probed' && dtb.outcome !== 'not-found') return dtb;
  return cfg.outcome === 'complete' && dtb.outcome === 'probed' ? dtb : { ...dtb, outcome: 'not-found' };
}

async function loadKernel(ctx: BoardContext, get: Get, config: PiConfig, cmdline: string, family: 'pi4' | 'pi5'): Promise<NetbootResult> {
  const candidates = config.kernel ? [config.kernel] : family === 'pi5' ? pi5KernelProbes : pi4KernelProbes;
  let kernel: string | null = null;
  for (const name of candidates) {
    const r = await get(name, { probe: true });
    if (r.outcome === 'probed') {
      kernel = name;
      break;
    }
    if (r.outcome !== 'not-found') return failed(r);
  }
  if (!kernel) return { kind: 'failed', reason: 'no kernel found' };
  if (family === 'pi4' && is32BitKernel(kernel)) await get(armstub32);
  const k = await get(kernel, { stallHalfway: ctx.spec.misbehave?.stallMidKernel });
  if (k.outcome !== 'complete') return k.outcome === 'not-found' ? { kind: 'failed', reason: 'kernel vanished', file: kernel } : failed(k);
  ctx.record('kernel', { file: kernel, bytes: k.bytes });
  if (config.initramfs) {
    const i = await get(config.initramfs);
    if (i.outcome !== 'complete') return i.outcome === 'not-found' ? { kind: 'failed', reason: 'initramfs not found', file: config.initramfs } : failed(i);
    ctx.record('initramfs', { file: config.initramfs, bytes: i.bytes });
  }
  return { kind: 'booted', cmdline: cmdline.trim() };
}

async function firmwareLoaded(ctx: BoardContext): Promise<void> {
  ctx.record('firmware');
  if (!ctx.spec.misbehave?.stallAfterFirmware) return;
  ctx.record('stalled', { after: 'firmware' });
  await hang(ctx.signal);
}

function failed(r: TftpResult): NetbootResult {
  return { kind: 'failed', reason: r.outcome === 'error' ? `error ${r.error?.code}: ${r.error?.message}` : r.outcome, file: r.path };
}

// resolveBootFile (DESIGN §4): from a path and a client to the bytes that
// client must get, following the node's state and target.
import path from 'node:path';
import { parsePathIdentity } from '../domain/identity.js';
import { discoveryArch, generatedFiles, ipxeBinaries, isSafeBootPath, planFor, type AssetLayer, type BootPlan } from '../domain/boot-plan.js';
import type { Node } from '../domain/node.js';
import type { TemplateRenderer } from '../templates/renderer.js';
import type { CoreDeps } from './deps.js';
import { findOrEnroll } from './enroll.js';
import { renderContext } from './render-context.js';

/** A random-access reader over one file. */
export interface BootFileReader {
  read(offset: number, length: number): Promise<Buffer>;
  close(): void | Promise<void>;
}

/** A servable file; its size is known before the first byte. */
export interface BootFile {
  size: number;
  open(): Promise<BootFileReader>;
}

/** Where the layers live and how files are read. */
export interface BootFileDeps extends CoreDeps {
  renderer: TemplateRenderer;
  /** Reads a file from disk (through the hot-file cache); null if missing. */
  readFile: (absPath: string) => Promise<BootFile | null>;
  firmwareDir: string;
  assetsDir: string;
  /** iPXE binaries (undionly.kpxe, ipxe.efi, snp.efi), e.g. /usr/lib/ipxe. */
  ipxeDir: string;
  /** bootherd's HTTP base URL as nodes reach it. */
  serverUrl: string;
}

/** What a request resolved to. */
export interface Resolved {
  node: Node | null;
  file: BootFile | null;
  /** The path with any serial or MAC prefix removed. */
  rest: string;
}

/** A BootFile over bytes in memory. */
export function bufferFile(buf: Buffer): BootFile {
  return { size: buf.length, open: async () => ({ read: async (o, l) => buf.subarray(o, o + l), close: () => undefined }) };
}

/** Creates the resolver. */
export function createBootFileResolver(deps: BootFileDeps) {
  async function layerDir(layer: AssetLayer, node: Node | null): Promise<string | null> {
    if (layer.kind === 'firmware') return deps.firmwareDir;
    if (layer.kind === 'discovery') return path.join(deps.assetsDir, 'discovery', discoveryArch(node?.hardware.arch ?? null));
    if (layer.kind === 'discovery-firmware') return path.join(deps.assetsDir, 'discovery', 'arm64', 'firmware');
    return (await deps.store.getImage(layer.image))?.bootDir ?? null;
  }

  async function render(node: Node | null, plan: BootPlan, file: string): Promise<Buffer> {
    const context = await renderContext(deps.store, node, plan.name, deps.serverUrl);
    let text = deps.renderer.render(`rpi/${plan.name}/${file}`, context);
    // cmdline.txt is one line: a template's own line breaks must not split it.
    if (file === 'cmdline.txt') text = text.replace(/\s+/g, ' ').trim() + '\n';
    return Buffer.from(text);
  }

  /** The file `rest` as `node` (null: unknown client) would be served it; null for not found. */
  async function fileFor(node: Node | null, rest: string): Promise<BootFile | null> {
    if (!isSafeBootPath(rest)) return null;
    const plan = planFor(node);
    if (!plan) return null;
    if (generatedFiles.has(rest) && deps.renderer.has(`rpi/${plan.name}/${rest}`)) return bufferFile(await render(node, plan, rest));
    for (const layer of plan.layers) {
      const prefix = layer.kind === 'discovery' ? (layer.prefix ?? '') : '';
      if (!rest.startsWith(prefix)) continue;
      const dir = await layerDir(layer, node);
      if (!dir) continue;
      const file = await deps.readFile(path.join(dir, rest.slice(prefix.length)));
      if (file) return file;
    }
    return null;
  }

  /** Resolves a boot request: prefixed paths name (and enroll) a node; others are matched by client IP. */
  async function resolve(req: { path: string; clientIp: string | null; via: 'tftp' | 'http' }): Promise<Resolved> {
    if (!isSafeBootPath(req.path)) return { node: null, file: null, rest: req.path };
    const id = parsePathIdentity(req.path);
    // PXE ROMs chain-load iPXE before anything knows who they are.
    if (id.kind === 'none' && ipxeBinaries.has(req.path)) return { node: null, file: await deps.readFile(path.join(deps.ipxeDir, req.path)), rest: req.path };
    let node: Node | null;
    if (id.kind === 'serial') node = (await findOrEnroll(deps, { serial: id.serial }, { ip: req.clientIp, via: req.via })).node;
    else if (id.kind === 'mac') node = (await findOrEnroll(deps, { mac: id.mac }, { ip: req.clientIp, via: req.via })).node;
    else node = req.clientIp ? await deps.store.findNode({ ip: req.clientIp }) : null;
    return { node, file: await fileFor(node, id.rest), rest: id.rest };
  }

  return { resolve, fileFor };
}

/** The boot-file resolver. */
export type BootFileResolver = ReturnType<typeof createBootFileResolver>;

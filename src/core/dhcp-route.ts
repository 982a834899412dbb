// The proxyDHCP route into core: what each PXE client boots. Raspberry Pis
// get option 43 "Raspberry Pi Boot" and this server as TFTP server (their
// option 97 enrolls and links them first); PXE ROMs get Debian's iPXE over
// TFTP; iPXE gets the HTTP chain script. Nodes that are `local` or `retired`
// get no answer, nor does a Pi boot admission defers. Shapes match src/dhcp's
// DhcpHandler structurally; core does not import it.
import { planFor } from '../domain/boot-plan.js';
import type { Node } from '../domain/node.js';
import { claimsPi, decodePiMachineId, hasPiOui } from '../domain/pi-dhcp.js';
import type { Admission } from './admission.js';
import type { CoreDeps } from './deps.js';
import { findOrEnrollLinked } from './enroll.js';

/** A PXE request as the proxy hands it over. */
export interface DhcpRouteRequest {
  port: 'dhcp' | 'pxe';
  mac: string;
  xid: number;
  client: { address: string };
  vendorClass: string;
  userClasses: string[];
  arches: number[];
  machineId: Uint8Array | null;
  bootItem: { type: number; layer: number } | null;
}

/** The answer: a boot reply or silence, and the client kind for metrics. */
export interface DhcpRouteAnswer {
  kind: ClientKind;
  reason?: string;
  reply: {
    nextServer: string;
    bootFile?: string;
    tftpServer?: string;
    vendor?: { discoveryControl?: number; menuPrompt?: { timeout: number; text: string }; bootMenu?: Array<{ type: number; description: string }>; bootItem?: { type: number; layer: number } };
  } | null;
}

/** What the proxy tells apart. */
export type ClientKind = 'pi' | 'ipxe' | 'bios' | 'uefi-x64' | 'uefi-arm64' | 'unsupported';

/** What to do with an iPXE that did not come from this server (a NIC's iPXE ROM): chain it to the HTTP script, or first reload the iPXE binary from ipxeDir over TFTP. */
export type IpxeRomPolicy = 'chain' | 'reload';

/** The client kind, from user class (77), option 97, MAC prefix and architecture (93, else the Arch in option 60). */
export function clientKind(req: Pick<DhcpRouteRequest, 'mac' | 'vendorClass' | 'userClasses' | 'arches' | 'machineId'>): ClientKind {
  if (req.userClasses.includes('iPXE')) return 'ipxe';
  const arch = req.arches[0] ?? archFromVendorClass(req.vendorClass);
  if (claimsPi(req.machineId) || (arch === 0 && req.machineId === null && hasPiOui(req.mac))) return 'pi';
  if (arch === 0) return 'bios';
  if (arch === 7 || arch === 9) return 'uefi-x64';
  if (arch === 11) return 'uefi-arm64';
  return 'unsupported';
}

function archFromVendorClass(vc: string): number {
  const m = /^PXEClient:Arch:(\d{5})/.exec(vc);
  return m ? Number(m[1]) : 0;
}

/** The iPXE binary each firmware loads (Debian's ipxe package). */
export const ipxeBinaryFor: Record<'bios' | 'uefi-x64' | 'uefi-arm64', string> = { bios: 'undionly.kpxe', 'uefi-x64': 'ipxe.efi', 'uefi-arm64': 'snp.efi' };

/** dnsmasq's `pxe-service=0,"Raspberry Pi Boot"`: the bootloader accepts an offer only with this. */
export const piVendorOptions = { discoveryControl: 3, menuPrompt: { timeout: 0, text: 'PXE' }, bootMenu: [{ type: 0, description: 'Raspberry Pi Boot' }] };

const reloadTtlMs = 5 * 60_000;
const maxReloads = 4096;

/** Creates the DHCP handler. */
export function createDhcpRoute(deps: CoreDeps & { serverAddress: () => string; chainUrl: () => string; ipxeRoms?: IpxeRomPolicy; admission?: Pick<Admission, 'dhcp'> }) {
  // iPXE ROMs sent to reload, by MAC: the DHCP session (xid) handed the binary, and the one chained after it.
  const reloads = new Map<string, { binaryXid: number; chainXid: number | null; at: number }>();

  async function piNode(req: DhcpRouteRequest): Promise<Node | null | 'bad'> {
    if (!req.machineId) return deps.store.findNode({ mac: req.mac });
    const id = decodePiMachineId(req.machineId);
    // A FourCC with garbage behind it, or another board's MAC: enroll nothing.
    if (!id || req.mac.slice(6) !== id.macLow) return 'bad';
    const d = id.decoded;
    const facts = { model: d.model, revision: id.revision, family: d.family, soc: d.soc, memoryBytes: d.memoryBytes };
    const ip = req.client.address === '0.0.0.0' ? null : req.client.address;
    return (await findOrEnrollLinked(deps, { serial: id.serial, mac: req.mac, facts }, { ip, via: 'dhcp' })).node;
  }

  // Under 'reload', an iPXE ROM is first handed our iPXE binary. Each iPXE DHCP
  // session has its own xid (retransmissions repeat it), so for one MAC: the
  // session that got the binary keeps getting it, the next session (the iPXE
  // it loaded) is chained, and a later one is a new boot.
  function ipxeGetsBinary(req: DhcpRouteRequest): boolean {
    if (deps.ipxeRoms !== 'reload') return false;
    const now = Date.now();
    const r = reloads.get(req.mac);
    if (r && now - r.at < reloadTtlMs) {
      if (req.xid === r.binaryXid) return true;
      if (req.xid === r.chainXid) return false;
      if (r.chainXid === null) {
        r.chainXid = req.xid;
        return false;
      }
    }
    reloads.delete(req.mac);
    if (reloads.size >= maxReloads) reloads.delete(reloads.keys().next().value!);
    reloads.set(req.mac, { binaryXid: req.xid, chainXid: null, at: now });
    return true;
  }

  function reply(kind: Exclude<ClientKind, 'unsupported'>, req: DhcpRouteRequest): NonNullable<DhcpRouteAnswer['reply']> {
    const server = deps.serverAddress();
    if (kind === 'pi') return { nextServer: server, tftpServer: server, vendor: piVendorOptions };
    if (kind === 'ipxe' && !ipxeGetsBinary(req)) return { nextServer: server, bootFile: deps.chainUrl() };
    const firmware = kind === 'ipxe' ? firmwareOf(req) : kind;
    const bootFile = ipxeBinaryFor[firmware];
    // BIOS ROMs boot the file named in the offer (discovery control bit 3); UEFI
    // firmware asks this server on port 4011 instead, which echoes the boot item.
    if (req.port === 'pxe') return { nextServer: server, bootFile, vendor: kind === 'ipxe' ? undefined : { bootItem: req.bootItem ?? { type: 0x8000, layer: 0 } } };
    return { nextServer: server, bootFile, vendor: firmware === 'bios' && kind !== 'ipxe' ? { discoveryControl: 8 } : undefined };
  }

  /** Answers one PXE request. */
  async function handler(req: DhcpRouteRequest): Promise<DhcpRouteAnswer> {
    const kind = clientKind(req);
    if (kind === 'unsupported') return { kind, reply: null, reason: 'unsupported-arch' };
    const node = kind === 'pi' ? await piNode(req) : await deps.store.findNode({ mac: req.mac });
    if (node === 'bad') return { kind, reply: null, reason: 'bad-option-97' };
    if (node && planFor(node) === null) return { kind, reply: null, reason: 'step-aside' };
    // Boot admission: a Pi beyond the budget hears nothing and asks again (DHCP_REQ_TIMEOUT, 4 s).
    if (kind === 'pi' && node && deps.admission && (await deps.admission.dhcp(node, req.xid)) === 'defer') return { kind, reply: null, reason: 'deferred' };
    return { kind, reply: reply(kind, req) };
  }

  return { handler };
}

function firmwareOf(req: DhcpRouteRequest): 'bios' | 'uefi-x64' | 'uefi-arm64' {
  const arch = req.arches[0] ?? archFromVendorClass(req.vendorClass);
  return arch === 7 || arch === 9 ? 'uefi-x64' : arch === 11 ? 'uefi-arm64' : 'bios';
}

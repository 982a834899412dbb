// `nextBoot`: one line saying what a node's next boot does (DESIGN §9), from
// its state and target alone, e.g. `nfs-root raspios-lite -> 10.0.0.1:/srv/roots/rack1-pi07`.
import type { Node } from './node.js';
import type { Target } from './targets.js';

function targetLine(t: Target, advertise: string): string {
  const image = 'image' in t && t.image ? ` ${t.image}` : ' (firmware-dir kernel)';
  switch (t.kind) {
    case 'nfs-root':
      return `nfs-root${image} -> ${t.server ?? advertise}:${t.path ?? '(root not made yet)'}`;
    case 'usb-root':
      return `usb-root${image} -> ${t.partuuid ? `PARTUUID=${t.partuuid}` : 'PARTUUID from the install report'}`;
    case 'local':
      return 'local disk (bootherd steps aside)';
    case 'install':
      // After the install, `then` boots the installed image unless it names another.
      return `install ${t.image} -> disk ${t.disk}, then ${targetLine(t.then.kind !== 'local' && !t.then.image ? { ...t.then, image: t.image } : t.then, advertise)}`;
  }
}

/** What the node boots next, in one line; `advertise` is the address an nfs-root without `server` is served from. */
export function nextBoot(node: Node, advertise: string): string {
  switch (node.state) {
    case 'new':
    case 'ready':
      return 'discovery image (hold: waiting for a target)';
    case 'failed':
      return `discovery image (hold: ${node.failure ?? 'failed'})`;
    case 'installing':
      return node.target ? targetLine(node.target, advertise) : 'discovery image (install: no target)';
    case 'rescue':
      return 'rescue system (discovery image in rescue mode)';
    case 'retired':
      return 'nothing (retired: every boot request gets file-not-found)';
    case 'deployed':
      return node.target ? targetLine(node.target, advertise) : 'discovery image (no target)';
  }
}

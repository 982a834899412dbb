// The variables every boot template sees: the node, the server, the discovery
// image, the target and its image. Every value here was validated on input.
import { defaultKernel } from '../domain/boot-plan.js';
import type { Node } from '../domain/node.js';
import type { Store } from '../store/store.js';

/** Discovery image file names in `<assetsDir>/discovery/<arch>/`. */
export const discoveryFiles = { kernel: 'vmlinuz', initramfs: 'initramfs.gz' };

/** Builds the template context for `node` (null: an unknown client) and plan `plan`. */
export async function renderContext(store: Store, node: Node | null, plan: string, serverUrl: string, kernelDefault?: string): Promise<Record<string, unknown>> {
  const t = node?.target;
  const image = t && 'image' in t && t.image ? await store.getImage(t.image) : null;
  return {
    plan,
    node: {
      id: node?.id ?? '', label: node?.hostname ?? node?.identity.serial ?? node?.identity.macs[0] ?? 'an unknown client',
      hostname: node?.hostname ?? '', serial: node?.identity.serial ?? '', mac: node?.identity.macs[0] ?? '',
      state: node?.state ?? 'new', labels: node?.labels ?? {}, family: node?.hardware.family ?? '', bootToken: node?.bootToken ?? '',
    },
    server: { url: serverUrl },
    discovery: discoveryFiles,
    target: t ?? {},
    image: { kernel: image?.kernel ?? kernelDefault ?? defaultKernel(node?.hardware.family ?? null), initramfs: image?.initramfs ?? '', cmdline: image?.cmdline ?? [] },
  };
}

// `bootherd images list`: the images targets boot and installs write.
import { loadClientConfig } from '../../config.js';
import type { Image } from '../../domain/images.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { bytes, emit, shortTime, table } from '../format.js';

/** An install image in one line: size and the start of its sha256. */
export function diskSummary(d: Image['disk']): string {
  return d ? `${d.sizeBytes ? `${bytes(d.sizeBytes)} ` : ''}sha256 ${d.sha256.slice(0, 12)}` : '-';
}

export default defineCommand({
  name: 'images list',
  summary: 'list images',
  flags: { ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  examples: ['bootherd images list', 'bootherd images list -o json'],
  async run({ flags, raw, io }) {
    const { images } = (await callApi(loadClientConfig(raw), 'GET', '/api/v1/images')) as { images: Image[] };
    const format = flags.output ?? 'table';
    if (images.length === 0 && format === 'table') return void io.err('no images');
    emit(io, format, images, () =>
      table(['NAME', 'ARCH', 'BOOT DIR', 'KERNEL', 'DISK', 'UPDATED'], images.map((i) => [i.name, i.arch ?? '-', i.bootDir ?? '-', i.kernel ?? '-', diskSummary(i.disk), shortTime(i.updatedAt)])));
  },
});

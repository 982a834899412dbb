// `bootherd images show NAME`: one image.
import { loadClientConfig } from '../../config.js';
import { imageNameSchema, type Image } from '../../domain/images.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { emit, keyValues, shortTime } from '../format.js';
import { parseValue } from '../values.js';
import { diskSummary } from './images-list.js';

const shown = new Set(['name', 'description', 'arch', 'bootDir', 'rootDir', 'kernel', 'initramfs', 'cmdline', 'disk', 'createdAt', 'updatedAt']);

export default defineCommand({
  name: 'images show',
  summary: 'show one image',
  flags: { ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [{ name: 'NAME', help: 'image name' }],
  examples: ['bootherd images show raspios-lite', 'bootherd images show raspios-lite -o yaml'],
  async run({ flags, args, raw, io }) {
    const name = parseValue(imageNameSchema, args.NAME, 'NAME');
    const i = (await callApi(loadClientConfig(raw), 'GET', `/api/v1/images/${encodeURIComponent(name)}`)) as Image & Record<string, unknown>;
    emit(io, flags.output ?? 'table', i, () =>
      keyValues([
        ['NAME', i.name],
        ['DESCRIPTION', i.description ?? '-'],
        ['ARCH', i.arch ?? '-'],
        ['BOOT DIR', i.bootDir ?? '-'],
        ['ROOT DIR', i.rootDir ?? '-'],
        ['KERNEL', i.kernel ?? '-'],
        ['INITRAMFS', i.initramfs ?? '-'],
        ['CMDLINE', i.cmdline.join(' ') || '-'],
        ['DISK', i.disk ? `${i.disk.url ?? i.disk.path} (${i.disk.compression ?? 'none'})\n${diskSummary(i.disk)}` : '-'],
        ...Object.entries(i).filter(([k, v]) => !shown.has(k) && v !== undefined).map(([k, v]): [string, string] => [k.toUpperCase(), JSON.stringify(v)]),
        ['CREATED', shortTime(i.createdAt)],
        ['UPDATED', shortTime(i.updatedAt)],
      ]));
  },
});

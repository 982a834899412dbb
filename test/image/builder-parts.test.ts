// Pure parts of the image builder: apt source parsing, module load order,
// and the command-line flags.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hostMirror, parseDeb822Sources, parseOneLineSources, pickMirror } from '../../src/image/apt-sources.js';
import { requireTool } from '../../src/image/exec.js';
import { parseBuildArgs, runImageCommand } from '../../src/image/cli.js';
import { moduleName, parseModulesDep, resolveLoadOrder } from '../../src/image/modules.js';
import { silentLogger } from '../../src/log.js';

describe('apt sources', () => {
  const deb822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
`;
  it('picks the main mirror from deb822 sources, not security or deb-src', () => {
    assert.equal(pickMirror(parseDeb822Sources(deb822), 'bookworm'), 'http://mirror.example/debian');
  });
  it('reads one-line sources.list entries with options', () => {
    const text = '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\ndeb http://sec.example bookworm-security main\n';
    assert.equal(pickMirror(parseOneLineSources(text), 'bookworm'), 'http://one.example/debian');
  });
  it('falls back to a non-security mirror when the suite differs', () => {
    assert.equal(pickMirror(parseOneLineSources('deb http://sec.example trixie-security main\ndeb http://m.example/debian trixie main\n'), 'bookworm'), 'http://m.example/debian');
  });
});

describe('host apt configuration', () => {
  it('reads sources.list.d/*.sources before sources.list and names the missing case', async () => {
    const etc = await mkdtemp(path.join(os.tmpdir(), 'bootherd-apt-'));
    try {
      await assert.rejects(hostMirror('bookworm', etc), /no debian mirror: .* pass --mirror URL/);
      await mkdir(path.join(etc, 'sources.list.d'));
      await writeFile(path.join(etc, 'sources.list'), 'deb http://legacy.example/debian bookworm main\n');
      await writeFile(path.join(etc, 'sources.list.d', 'debian.sources'), 'Types: deb\nURIs: http://parts.example/debian\nSuites: bookworm\nComponents: main\n');
      assert.equal(await hostMirror('bookworm', etc), 'http://parts.example/debian');
    } finally {
      await rm(etc, { recursive: true, force: true });
    }
  });
  it('names the Debian package of a missing tool', async () => {
    await assert.rejects(requireTool('no-such-tool', 'some-package'), /install the Debian package 'some-package'/);
  });
});

describe('kernel modules', () => {
  const dep = parseModulesDep([
    'kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko',
    'kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko',
    'kernel/net/core/failover.ko:',
    'kernel/drivers/mmc/host/sdhci-iproc.ko.xz: kernel/drivers/mmc/host/sdhci-pltfm.ko.xz kernel/drivers/mmc/host/sdhci.ko.xz',
    'kernel/drivers/mmc/host/sdhci-pltfm.ko.xz: kernel/drivers/mmc/host/sdhci.ko.xz',
    'kernel/drivers/mmc/host/sdhci.ko.xz:',
    'kernel/drivers/net/ethernet/broadcom/genet/genet.ko:',
  ].join('\n'));
  it('normalises names', () => assert.equal(moduleName('kernel/x/sdhci-iproc.ko.zst'), 'sdhci_iproc'));
  it('orders dependencies first and reports missing and built-in modules', () => {
    const r = resolveLoadOrder(dep, new Set(['mmc_block']), [['virtio_net'], ['sdhci_iproc'], ['bcmgenet', 'genet'], ['mmc_block'], ['nope']]);
    assert.deepEqual(r.files, [
      'kernel/net/core/failover.ko', 'kernel/drivers/net/net_failover.ko', 'kernel/drivers/net/virtio_net.ko',
      'kernel/drivers/mmc/host/sdhci.ko.xz', 'kernel/drivers/mmc/host/sdhci-pltfm.ko.xz', 'kernel/drivers/mmc/host/sdhci-iproc.ko.xz',
      'kernel/drivers/net/ethernet/broadcom/genet/genet.ko',
    ]);
    assert.deepEqual(r.builtin, ['mmc_block']);
    assert.deepEqual(r.missing, ['nope']);
  });
});

describe('image command line', () => {
  it('parses build flags', () => {
    assert.deepEqual(parseBuildArgs(['--arch', 'arm64', '--out', '/o', '--mirror', 'http://m/debian']), { arch: 'arm64', suite: 'bookworm', out: '/o', mirror: 'http://m/debian' });
  });
  const bad: [string[], RegExp][] = [
    [[], /--arch must be arm64 or amd64/],
    [['--arch', 'riscv64'], /--arch must be/],
    [['--arch', 'amd64', '--mirror', 'deb.example'], /--mirror must be/],
    [['--arch', 'amd64', '--bogus'], /bogus/],
  ];
  for (const [args, re] of bad) it(`refuses ${args.join(' ') || 'no flags'}`, () => assert.match(String(parseBuildArgs(args)), re));
  it('exits 2 with usage for a bad subcommand or flag', async () => {
    let out = '';
    assert.equal(await runImageCommand(['frobnicate'], { logger: silentLogger, stdout: (s) => (out += s) }), 2);
    assert.match(out, /usage: bootherd image build/);
    assert.equal(await runImageCommand(['build', '--arch', 'sparc'], { logger: silentLogger, stdout: () => undefined }), 2);
  });
});

// Installing bootherd as a systemd service: the unit from the package's
// systemd/bootherd.service with ExecStart pointing at this bootherd, and a
// system user to run it. Each step is data first, so --dry-run prints
// exactly what a real run does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';

/** The unit file shipped in the package. */
export const unitTemplatePath = path.join(packageRoot, 'systemd', 'bootherd.service');

/** What to install. */
export interface ServicePlan {
  unitFile: string;
  unit: string;
  user: string;
  /** The useradd argv, or null when the user exists. */
  useradd: string[] | null;
  /** What to run afterwards to start it. */
  enable: string[];
}

/** The unit with ExecStart running `node cli serve` and User/Group set to `user`. */
export function renderUnit(template: string, opts: { node: string; cli: string; user: string }): string {
  const quote = (s: string) => (/^[A-Za-z0-9_./:@+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`);
  return template
    .replace(/^ExecStart=.*$/m, `ExecStart=${quote(opts.node)} ${quote(opts.cli)} serve`)
    .replace(/^User=.*$/m, `User=${opts.user}`)
    .replace(/^Group=.*$/m, `Group=${opts.user}`);
}

/** True if `user` is in the local passwd file (system users live there). */
export function localUserExists(user: string, passwd = '/etc/passwd'): boolean {
  try {
    return readFileSync(passwd, 'utf8').split('\n').some((l) => l.split(':')[0] === user);
  } catch {
    return false;
  }
}

/** Plans the install: the unit text, whether to create the user, and the two commands that enable it. */
export function planService(opts: { unitDir: string; user: string; node: string; cli: string; userExists: boolean }): ServicePlan {
  return {
    unitFile: path.join(opts.unitDir, 'bootherd.service'),
    unit: renderUnit(readFileSync(unitTemplatePath, 'utf8'), opts),
    user: opts.user,
    useradd: opts.userExists ? null : ['useradd', '--system', '--user-group', '--home-dir', '/var/lib/bootherd', '--no-create-home', '--shell', '/usr/sbin/nologin', '--comment', 'bootherd network boot', opts.user],
    enable: ['systemctl daemon-reload', 'systemctl enable --now bootherd'],
  };
}

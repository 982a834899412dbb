// The text `bootherd demo` ends with: what each board reached, the usb-root
// switch, the wedge's timeline, and how to explore the bootherd it leaves
// running (URL, admin token, curl and CLI commands, the dashboard).
import type { DemoSummary } from '../sim/demo-summary.js';
import { table } from './format.js';

const secs = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(1)} s`);

/** The summary for people. */
export function formatDemoSummary(s: DemoSummary): string {
  const head = s.ok
    ? `demo done in ${s.seconds.toFixed(1)} s: every board reached what it was meant to, the usb-root switch took, and the wedged node was rescued`
    : `demo finished in ${s.seconds.toFixed(1)} s with ${s.problems.length} problem${s.problems.length === 1 ? '' : 's'}:\n${s.problems.map((p) => `  - ${p}`).join('\n')}`;
  const rows = s.boards.map((b) => [b.hostname ?? '-', b.board, b.kind, b.port, b.expected, b.reached ?? '-', b.state ?? '-', b.health ?? '-', b.role ?? '', b.ok ? 'ok' : 'FAILED']);
  const lines = [head, '', table(['HOSTNAME', 'BOARD', 'KIND', 'PORT', 'EXPECTED', 'REACHED', 'STATE', 'HEALTH', 'PART', 'RESULT'], rows), ''];
  lines.push(`usb-root switch: ${s.usbSwitch.hostname ?? '-'}: ${s.usbSwitch.detail}`);
  const w = s.wedge;
  if (w) {
    lines.push(`wedge: ${w.hostname} (port ${w.port}) stopped its heartbeats at ${w.stoppedAt}`);
    lines.push(`  detected (${w.reason ?? '-'}) after ${secs(w.detectedAfterSeconds)}, in rescue (rescue-ready) after ${secs(w.rescueReadyAfterSeconds)}, back up on its target after ${secs(w.backUpAfterSeconds)}`);
  }
  return lines.join('\n');
}

/** How to look around while the demo's bootherd keeps running. */
export function formatExplore(r: { url: string; token: string; dataDir: string; dir: string; example: string | null }): string {
  const cli = 'npx bootherd';
  const auth = `--url ${r.url} --admin-token ${r.token}`;
  return [
    '',
    `bootherd keeps running with the simulated rack (boards still heartbeating); Ctrl-C stops it and removes ${r.dir}.`,
    `  API:          ${r.url}/api/v1/nodes   (all of it: ${r.url}/openapi.json)`,
    `  admin token:  ${r.token}`,
    `  data dir:     ${r.dataDir}   (database bootherd.db)`,
    `  dashboard:    ${r.url}/ui/   (log in with the admin token)`,
    '',
    `  curl -H 'Authorization: Bearer ${r.token}' ${r.url}/api/v1/nodes`,
    `  ${cli} nodes list ${auth}`,
    `  ${cli} nodes watch ${auth}`,
    `  export BOOTHERD_URL=${r.url} BOOTHERD_ADMIN_TOKEN=${r.token}   # then the CLI needs neither flag`,
    ...(r.example ? [
      `  ${cli} nodes show ${r.example} ${auth}`,
      `  ${cli} nodes action ${r.example} rescue ${auth}    # the sim controller power-cycles it into rescue`,
    ] : []),
  ].join('\n');
}

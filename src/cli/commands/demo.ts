// `bootherd demo`: watch bootherd enroll, boot, switch and rescue a rack of simulated boards.
import { z } from 'zod';
import { defineCommand } from '../command.js';

export default defineCommand({
  name: 'demo',
  summary: 'boot a rack of simulated boards against a bootherd on loopback, live, and leave it running to explore',
  description:
    'Starts bootherd in this process on 127.0.0.1 with a temporary data dir, a rule (rack1-pi{seq:02}, nfs-root) and a sim power controller, ' +
    'powers on N simulated boards (Pi 4s, a Pi 5 and an x86 iPXE box when N allows) and shows the rack as `nodes watch` does. ' +
    'It switches one node to usb-root through the API, stops the heartbeats of another and lets the watchdog power-cycle it into rescue, ' +
    'ends the rescue, then prints a summary and how to explore the API and the dashboard it leaves running. Ctrl-C stops it and removes the temporary directory.',
  flags: {
    boards: { type: 'string', value: 'N', help: 'how many boards (2-100, default 8)', schema: z.coerce.number().int().min(2).max(100) },
    once: { type: 'boolean', help: 'stop after the summary: exit 0 only if every board reached what it was meant to, the usb-root switch took and the wedged node was rescued' },
    json: { type: 'boolean', help: 'print the summary as JSON (progress goes to stderr)' },
    'time-scale': { type: 'string', value: 'S', help: "the boards' time per real time, 0 < S <= 1 (default 0.1: boards ten times quicker than real ones; bootherd's watchdog is not scaled)", schema: z.coerce.number().gt(0).max(1) },
  },
  examples: ['bootherd demo', 'bootherd demo --boards 20', 'bootherd demo --once --json'],
  async run({ flags, io }) {
    const { runDemo } = await import('../demo.js');
    return runDemo({ boards: flags.boards ?? 8, once: flags.once, json: flags.json, timeScale: flags['time-scale'] ?? 0.1 }, io);
  },
});

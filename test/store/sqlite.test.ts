// The Store contract on SQLite: a real file in a temp dir, a second handle on
// the same file standing in for a second writer.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { storeContract } from './contract.js';

storeContract({
  name: 'sqlite',
  async fresh() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-store-'));
    const file = path.join(dir, 'bootherd.db');
    return {
      open: async (instance) => createSqliteStore(file, { instance }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DataDirError, lockDataDir } from './dataDirLock';

/** Where `local` keeps incidents and `incidents` reads them unless told otherwise: relative to the working directory. */
export const DEFAULT_DATA_DIR = './.denyscope';

/** The local store's table: one per data dir, so its name never needs choosing. */
export const LOCAL_TABLE_NAME = 'denyscope-incidents';

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly dataDir: string;
  /** Stops the server, flushes and closes LevelDB, releases the data dir. Safe to call twice. */
  close(): Promise<void>;
}

type DynaliteFactory = (options: { path: string; createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;

/**
 * dynalite in this process on a free loopback port, its LevelDB under dataDir so incidents persist
 * between runs. Loaded lazily: only `local` and `incidents` on the data dir pay for it.
 */
export async function startEmbeddedDynamo(dataDir: string): Promise<EmbeddedDynamo> {
  const lock = lockDataDir(dataDir);
  try {
    await checkStoreOpens(dataDir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dynalite = require('dynalite') as DynaliteFactory;
    const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    let closing: Promise<void> | undefined;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      dataDir,
      close() {
        closing ??= new Promise<void>((resolve) => {
          server.close(() => {
            lock.release();
            resolve();
          });
        });
        return closing;
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * dynalite opens LevelDB lazily and throws from its request handler when that fails (a corrupt or
 * foreign directory), which would crash with a stack trace. Opening it once first turns that into one line.
 * `level` is dynalite's own LevelDB binding, resolved from dynalite so both use the same one.
 */
async function checkStoreOpens(dataDir: string): Promise<void> {
  const levelPath = require.resolve('level', { paths: [path.dirname(require.resolve('dynalite/package.json'))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Level } = require(levelPath) as { Level: new (location: string, options: { valueEncoding: string }) => LevelDatabase };
  const database = new Level(dataDir, { valueEncoding: 'json' });
  try {
    await database.open();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new DataDirError(`the local store in ${dataDir} cannot be opened (${cause}); delete the directory to start over`);
  } finally {
    await database.close();
  }
}

/**
 * Ctrl-C or SIGTERM mid-run: shut the store down cleanly (LevelDB flushed, lock released), then exit
 * with the conventional 128+signal status. Returns the function that removes the handlers.
 */
export function closeOnSignal(close: () => Promise<void>): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      process.stderr.write(`\ndenyscope: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}, closing the local store\n`);
      void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once(signal, handler);
    return { signal, handler };
  });
  return () => handlers.forEach(({ signal, handler }) => process.off(signal, handler));
}

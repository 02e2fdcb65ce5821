import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * LevelDB allows one process per directory, and dynalite does not report a lock failure: the second
 * process crashes on its first request. So denyscope takes its own lock first and names the problem.
 */
const LOCK_FILE = 'denyscope.lock';

export class DataDirError extends Error {}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new DataDirError(`cannot use data dir ${dataDir}: ${(error as Error).message}`);
  }
  const lockPath = path.join(dataDir, LOCK_FILE);
  if (!tryCreateLock(lockPath)) {
    const holder = readHolderPid(lockPath);
    if (holder !== null && holder !== process.pid && isAlive(holder)) {
      throw new DataDirError(`data dir ${dataDir} is in use by another denyscope process (pid ${holder})`);
    }
    // The holder exited without releasing (killed, crashed): the lock is stale.
    fs.rmSync(lockPath, { force: true });
    if (!tryCreateLock(lockPath)) {
      throw new DataDirError(`data dir ${dataDir} is in use by another denyscope process`);
    }
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      fs.rmSync(lockPath, { force: true });
    },
  };
}

function tryCreateLock(lockPath: string): boolean {
  try {
    fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirError(`cannot use data dir ${path.dirname(lockPath)}: ${(error as Error).message}`);
  }
}

function readHolderPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

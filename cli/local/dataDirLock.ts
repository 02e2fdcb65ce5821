import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * LevelDB allows one process per directory, and dynalite does not report a lock failure: the second
 * process crashes on its first request. So denyscope takes its own lock first and names the problem.
 *
 * The lock file holds "<pid> <token>", the token random per lock: a lock is its owner's only while the file
 * holds exactly that text, so a lock is never released by anyone but its owner, even after a takeover.
 * Files are created whole (written under a unique name, then hard-linked into place, which fails if the name
 * exists), so a reader never sees a half-written lock.
 */
const LOCK_FILE = 'denyscope.lock';

/** Takeovers in a row before giving up; each one means another process was locking the same data dir. */
const MAX_ATTEMPTS = 4;

export class DataDirError extends Error {}

export interface DataDirLock {
  release(): void;
}

/** The locks this process holds, by their file's text: a lock file naming this pid is stale unless listed here. */
const HELD_BY_THIS_PROCESS = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new DataDirError(`cannot use data dir ${dataDir}: ${(error as Error).message}`);
  }
  const lockPath = path.join(dataDir, LOCK_FILE);
  const mine = ownerText();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createWhole(lockPath, mine, dataDir)) return ownedLock(lockPath, mine);
    const holder = readOwner(lockPath);
    if (holder === null) continue; // released meanwhile
    if (isLive(holder)) throw inUse(dataDir, holder);
    // The holder exited without releasing (killed, crashed): the lock is stale.
    removeStale(lockPath, holder, dataDir);
  }
  throw new DataDirError(`data dir ${dataDir} is in use by another denyscope process`);
}

function ownedLock(lockPath: string, mine: string): DataDirLock {
  HELD_BY_THIS_PROCESS.add(mine);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      HELD_BY_THIS_PROCESS.delete(mine);
      removeIfStill(lockPath, mine);
    },
  };
}

interface Owner {
  /** The file's whole text: what identifies this lock (or this stale lock) and nothing else. */
  readonly text: string;
  /** null when the text names no process (a foreign or damaged file): such a lock is stale. */
  readonly pid: number | null;
}

function ownerText(): string {
  return `${process.pid} ${randomBytes(16).toString('hex')}\n`;
}

function readOwner(file: string): Owner | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataDirError(`cannot use data dir ${path.dirname(file)}: ${(error as Error).message}`);
  }
  // "<pid> <token>", or a bare pid as earlier versions wrote it.
  const pid = Number.parseInt(text, 10);
  return { text, pid: Number.isInteger(pid) && pid > 0 ? pid : null };
}

function isLive(owner: Owner): boolean {
  if (owner.pid === null) return false;
  // A lock naming this process is live only if this process took it; else it is left by an earlier process that had this pid.
  if (owner.pid === process.pid) return HELD_BY_THIS_PROCESS.has(owner.text);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dataDir: string, holder: Owner): DataDirError {
  if (holder.pid === process.pid) return new DataDirError(`data dir ${dataDir} is in use by this process`);
  return new DataDirError(`data dir ${dataDir} is in use by another denyscope process (pid ${holder.pid})`);
}

/** Creates `file` holding `text`, complete from the first moment it exists; false when the file exists already. */
function createWhole(file: string, text: string, dataDir: string): boolean {
  const draft = `${file}.${randomBytes(8).toString('hex')}.draft`;
  try {
    fs.writeFileSync(draft, text, { flag: 'wx' });
    fs.linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirError(`cannot use data dir ${dataDir}: ${(error as Error).message}`);
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** Removes `file` if it still holds `text`: nobody else's file is ever removed. */
function removeIfStill(file: string, text: string): void {
  if (readOwner(file)?.text === text) fs.rmSync(file, { force: true });
}

/**
 * Where a takeover of the stale lock file `file` holding `staleText` takes its turn: one guard per stale lock, so
 * of several processes that find the same stale lock at once, only the one that creates the guard removes it.
 */
export function takeoverGuardPath(file: string, staleText: string): string {
  return `${file}.takeover-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}`;
}

/**
 * Removes the stale lock file, if it still holds what was judged stale, under that lock's takeover guard. The
 * guard's creator alone removes the file, then the guard. A process that finds the guard taken either sees its
 * creator alive (locking the data dir right now: in use) or dead, in which case the guard is a stale lock too and
 * is removed the same way. The caller then tries to lock again.
 */
function removeStale(file: string, stale: Owner, dataDir: string): void {
  const guard = takeoverGuardPath(file, stale.text);
  const mine = ownerText();
  if (!createWhole(guard, mine, dataDir)) {
    const guardHolder = readOwner(guard);
    if (guardHolder === null) return; // that takeover is over: the caller looks again
    if (isLive(guardHolder)) throw inUse(dataDir, guardHolder);
    removeStale(guard, guardHolder, dataDir);
    return;
  }
  try {
    removeIfStill(file, stale.text);
  } finally {
    removeIfStill(guard, mine);
  }
}

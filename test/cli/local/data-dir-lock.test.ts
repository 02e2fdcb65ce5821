import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataDirError, lockDataDir, takeoverGuardPath } from '../../../cli/local/dataDirLock';
import { REPO_ROOT, temporaryDir } from './harness';

const LOCK_MODULE = path.join(REPO_ROOT, 'cli', 'local', 'dataDirLock.ts');

/** The pid of a process that has exited: a lock file naming it is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

/**
 * A separate process driven by lines on its stdin. "lock AT": spin until the wall clock reaches AT (so that every
 * contender tries at the same instant), try to lock the data dir, answer {"acquired":true} or {"error":"..."}.
 * "release": release what it holds, answer {"released":true}. It ends with its stdin.
 */
class Contender {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(dataDir: string) {
    const script = `
      const { lockDataDir } = require(${JSON.stringify(LOCK_MODULE)});
      const readline = require('node:readline');
      let lock = null;
      const answer = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
      readline.createInterface({ input: process.stdin }).on('line', (line) => {
        const [command, at] = line.split(' ');
        if (command === 'release') {
          if (lock) lock.release();
          lock = null;
          return answer({ released: true });
        }
        while (Date.now() < Number(at)) {}
        try {
          lock = lockDataDir(${JSON.stringify(dataDir)});
          answer({ acquired: true });
        } catch (error) {
          answer({ error: error.message });
        }
      });
      answer({ ready: true });`;
    this.child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    let buffered = '';
    this.child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
        this.answers.push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
      this.deliver();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next answer; fails if the process exits first. */
  next(): Promise<{ ready?: boolean; acquired?: boolean; error?: string; released?: boolean }> {
    return new Promise((resolve, reject) => {
      this.waiting = (line) => resolve(JSON.parse(line));
      void this.exited.then((code) => reject(new Error(`contender exited (${code}): ${this.stderr}`)));
      this.deliver();
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async end(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  private deliver(): void {
    if (this.waiting === null || this.answers.length === 0) return;
    const waiting = this.waiting;
    this.waiting = null;
    waiting(this.answers.shift()!);
  }
}

describe('data dir lock', () => {
  let data: ReturnType<typeof temporaryDir>;
  beforeEach(() => {
    data = temporaryDir('lock');
  });
  afterEach(() => data.remove());
  const lockFile = () => path.join(data.dir, 'denyscope.lock');

  it('of several processes taking over one stale lock at the same instant, exactly one gets it', async () => {
    const contenders = Array.from({ length: 4 }, () => new Contender(data.dir));
    try {
      await Promise.all(contenders.map((contender) => contender.next()));
      const stalePid = deadPid();
      for (let round = 0; round < 25; round++) {
        writeFileSync(lockFile(), `${stalePid}\n`);
        const at = Date.now() + 100;
        for (const contender of contenders) contender.send(`lock ${at}`);
        const results = await Promise.all(contenders.map((contender) => contender.next()));

        expect({ round, acquired: results.filter((result) => result.acquired).length }).toEqual({ round, acquired: 1 });
        for (const result of results.filter((r) => !r.acquired))
          expect(result.error).toMatch(/is in use by another denyscope process \(pid \d+\)$/);
        for (const contender of contenders) contender.send('release');
        await Promise.all(contenders.map((contender) => contender.next()));
        // Released by its winner; nothing of the takeover is left behind.
        expect(readdirSync(data.dir)).toEqual([]);
      }
    } finally {
      await Promise.all(contenders.map((contender) => contender.end()));
    }
  }, 120_000);

  it('a process whose lock was taken over releases nothing but its own', () => {
    const lock = lockDataDir(data.dir);
    const newOwner = `${process.ppid} 0123456789abcdef0123456789abcdef\n`;
    writeFileSync(lockFile(), newOwner);
    lock.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe(newOwner);
  });

  it("a failed attempt to lock leaves the holder's lock alone", async () => {
    const holder = new Contender(data.dir);
    try {
      await holder.next();
      holder.send(`lock ${Date.now()}`);
      expect(await holder.next()).toEqual({ acquired: true });
      const held = readFileSync(lockFile(), 'utf8');

      expect(() => lockDataDir(data.dir)).toThrow(
        new DataDirError(`data dir ${data.dir} is in use by another denyscope process (pid ${holder.pid})`),
      );
      expect(readFileSync(lockFile(), 'utf8')).toBe(held);
    } finally {
      await holder.end();
    }
  }, 60_000);

  it('a second lock in the same process is refused, not taken over', () => {
    const lock = lockDataDir(data.dir);
    try {
      expect(() => lockDataDir(data.dir)).toThrow(`data dir ${data.dir} is in use by this process`);
      expect(existsSync(lockFile())).toBe(true);
    } finally {
      lock.release();
    }
    expect(existsSync(lockFile())).toBe(false);
  });

  it('recovers from a takeover that died half-way, leaving its guard file behind', () => {
    const stale = `${deadPid()} aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n`;
    writeFileSync(lockFile(), stale);
    writeFileSync(takeoverGuardPath(lockFile(), stale), `${deadPid()} bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n`);

    const lock = lockDataDir(data.dir);
    expect(readdirSync(data.dir)).toEqual(['denyscope.lock']);
    expect(readFileSync(lockFile(), 'utf8')).not.toBe(stale);
    lock.release();
    expect(readdirSync(data.dir)).toEqual([]);
  });
});

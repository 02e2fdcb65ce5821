import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What bash did with one pasted block. */
export interface PasteRun {
  /** The argv (without "aws") of each `aws` invocation, in order, as the stub on PATH received it. */
  readonly awsCalls: readonly (readonly string[])[];
  /** Every simple command bash ran (its DEBUG trap), pasted text included: only `aws …` may appear. */
  readonly executed: readonly string[];
  /** Commands bash could not find (command_not_found_handle): none may appear. */
  readonly notFound: readonly string[];
  /** Files left in the directory the block ran in: the stub writes elsewhere, so none may appear. */
  readonly created: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

// Interactive shells expand history (`!`) in what is pasted; a script does too once these are set.
// The DEBUG trap (inherited by functions and subshells with -T) records every simple command before it runs.
const PREAMBLE = [
  'set -o history -o histexpand',
  'set -T',
  `command_not_found_handle() { printf '%s\\0' "$*" >> "$PASTE_LOG/not-found"; return 127; }`,
  `trap 'printf "%s\\0" "$BASH_COMMAND" >> "$PASTE_LOG/executed"' DEBUG`,
  '',
].join('\n');

// The stub `aws`: records its argv, NUL-separated after the count, and prints nothing (sh: it starts faster than bash).
const AWS_STUB = `#!/bin/sh\n{ printf '%s\\0' "$#"; [ "$#" -gt 0 ] && printf '%s\\0' "$@"; } >> "$PASTE_LOG/argv"\n`;

// Runs every block in its own bash, one driver process for all of them (spawning from node per block is slow).
const DRIVER = `
for block in "$1"/*/; do
  block=\${block%/}
  (cd "$block/cwd" && env -i PATH="$2:$PATH" HOME="$block/cwd" PASTE_LOG="$block/log" LC_ALL=C.UTF-8 \\
    bash --norc --noprofile "$block/script.sh" > "$block/stdout" 2> "$block/stderr"; echo $? > "$block/status")
done
`;

/**
 * Runs each block as a person pasting it into bash would, with `aws` replaced by a stub that records its
 * argv (PATH is otherwise the real one, so a command that escaped its quotes really runs and is caught).
 */
export function pasteIntoBash(blocks: readonly string[]): PasteRun[] {
  if (blocks.length === 0) return [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'denyscope-paste-'));
  try {
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'aws'), AWS_STUB, { mode: 0o755 });
    const runs = path.join(root, 'runs');
    blocks.forEach((block, index) => {
      const dir = path.join(runs, String(index).padStart(6, '0'));
      for (const sub of ['cwd', 'log']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
      fs.writeFileSync(path.join(dir, 'script.sh'), `${PREAMBLE}${block}\n`);
    });
    execFileSync('bash', ['--norc', '--noprofile', '-c', DRIVER, 'driver', runs, bin], { stdio: 'ignore', timeout: 600_000 });
    return blocks.map((_, index) => {
      const dir = path.join(runs, String(index).padStart(6, '0'));
      const read = (file: string): string => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), 'utf8') : '');
      return {
        awsCalls: parseArgvLog(read('log/argv')),
        executed: nulSeparated(read('log/executed')),
        notFound: nulSeparated(read('log/not-found')),
        created: fs.readdirSync(path.join(dir, 'cwd')),
        stdout: read('stdout'),
        stderr: read('stderr'),
        status: Number(read('status').trim()),
      };
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function nulSeparated(text: string): string[] {
  return text === '' ? [] : text.slice(0, -1).split('\0');
}

function parseArgvLog(text: string): string[][] {
  const fields = nulSeparated(text);
  const calls: string[][] = [];
  for (let at = 0; at < fields.length;) {
    const count = Number(fields[at]);
    calls.push(fields.slice(at + 1, at + 1 + count));
    at += 1 + count;
  }
  return calls;
}

import type { ChildProcess } from 'node:child_process';

/** Waits for the first stdout line of a server child and parses it as JSON; fails with its stderr if it exits first. */
export function waitForJsonLine<T>(child: ChildProcess, name: string, timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.slice(0, newline)) as T);
      } catch (error) {
        reject(new Error(`${name} printed an unexpected first line: ${stdout.slice(0, newline)} (${String(error)})`));
      }
    });
    child.once('exit', (code) => fail(new Error(`${name} exited with code ${code} before starting: ${stderr}`)));
  });
}

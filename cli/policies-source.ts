import { setFlagsFromString } from 'node:v8';
import type { PolicyStore } from '../core/policy/store-model';
import { parseValidatedPolicyStore } from '../core/policy/store-model';
import { readInputFile } from './input';

/**
 * The policy store file given with --policies, as read: plain data, so it can go to scan workers as it is. This module
 * reads a store already validated (cli/policies.ts validates it) and carries no zod: a scan worker loads only this.
 */
export interface PolicySource {
  readonly file: string;
  readonly text: string;
}

/** Reads the file given with --policies (an InputError naming it when it cannot be read); cli/policies.ts validates it. */
export function readPolicySource(file: string): PolicySource {
  return { file, text: readInputFile(file).toString('utf8') };
}

// One parse per source object and thread: a scan worker receives the source once and scans many files with it.
const PARSED = new WeakMap<PolicySource, PolicyStore>();

/** Keeps the store validated from a source, so that this thread reads it from there (policyStoreOf). */
export function rememberStore(source: PolicySource, store: PolicyStore): void {
  PARSED.set(source, store);
}

/**
 * The store of a source already validated by loadPolicyStore. In a --deep scan worker (a copy of the source the main
 * thread validated) the text is read again without checking it, its documents compiled as evaluations need them.
 */
export function policyStoreOf(source: PolicySource | null): PolicyStore | null {
  if (source === null) return null;
  let store = PARSED.get(source);
  if (store === undefined) {
    store = parseValidatedPolicyStore(source.text);
    PARSED.set(source, store);
  }
  return store;
}

/**
 * For a scan that evaluates its denials: V8 optimizes a function on a background thread once it has run for a while
 * (its interrupt budget). The evaluator is much code, each function run a few thousand times in a scan: optimizing it
 * all took more CPU than it saved, on the cores the scan workers need. A larger budget optimizes only what keeps running
 * (a longer scan still gets it optimized, later). Process-wide; set before the workers start.
 */
export function tuneForEvaluation(): void {
  setFlagsFromString(`--interrupt-budget=${EVALUATION_INTERRUPT_BUDGET}`);
}

/** About 4.4 times V8's default budget (67,584 bytes of bytecode run). */
const EVALUATION_INTERRUPT_BUDGET = 300_000;

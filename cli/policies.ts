import { setFlagsFromString } from 'node:v8';
import { InputError } from '../core/diagnosis';
import { parsePolicyStore, PolicyStoreError, type PolicyStore } from '../core/policy/store';
import { readInputFile } from './input';
import { rememberStore, type PolicySource } from './policies-source';

/**
 * Reads and validates the store named by --policies. Every failure is an InputError of one line naming the file and,
 * for a malformed store, the path inside it: `policies.json: principals.arn:….policies[1].document: Statement must be …`.
 */
export function loadPolicyStore(file: string): { readonly source: PolicySource; readonly store: PolicyStore } {
  const source = { file, text: readInputFile(file).toString('utf8') };
  const store = parse(source);
  rememberStore(source, store);
  return { source, store };
}

function parse(source: PolicySource): PolicyStore {
  try {
    return parsePolicyStore(source.text);
  } catch (error) {
    if (error instanceof PolicyStoreError) throw new InputError(source.file, error.message);
    throw error;
  }
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

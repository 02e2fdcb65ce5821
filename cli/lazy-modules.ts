/**
 * The CLI's modules that only some runs need, loaded only by those: the policy store's reader (zod is not in it: a
 * scan worker, or the main thread before its check is done, reads a store the main thread validates) and the deep diagnosis's evidence, which brings zod. zod
 * was most of the JavaScript a command or a scan worker compiled at start-up. The bundle loads each as a chunk of its own. From
 * source, a scan worker runs under tsx's require hook, which does not cover import(): there each is required (by a name
 * the bundler leaves alone, as the bundle never takes this way).
 */

/** The reader of a policy store already validated (a scan worker's): zod-free, so it loads only the evaluator. */
export function loadPolicySource(): Promise<typeof import('./policies-source')> {
  if (fromSource()) return Promise.resolve(requireFromSource(POLICY_SOURCE_MODULE) as typeof import('./policies-source'));
  return import('./policies-source');
}

export function loadGatheredEvidence(): Promise<typeof import('../core/policy/gathered-evidence')> {
  if (fromSource())
    return Promise.resolve(requireFromSource(GATHERED_EVIDENCE_MODULE) as typeof import('../core/policy/gathered-evidence'));
  return import('../core/policy/gathered-evidence');
}

const POLICY_SOURCE_MODULE = './policies-source';
const GATHERED_EVIDENCE_MODULE = '../core/policy/gathered-evidence';

function fromSource(): boolean {
  return __filename.endsWith('.ts');
}

function requireFromSource(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

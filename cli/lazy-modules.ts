/**
 * The CLI's modules that bring zod (the policy store's reader), loaded only by the runs that need them: they were most
 * of the JavaScript a command or a scan worker compiled at start-up. The bundle loads each as a chunk of its own. From
 * source, a scan worker runs under tsx's require hook, which does not cover import(): there each is required (by a name
 * the bundler leaves alone, as the bundle never takes this way).
 */

export function loadPolicies(): Promise<typeof import('./policies')> {
  if (fromSource()) return Promise.resolve(requireFromSource(POLICIES_MODULE) as typeof import('./policies'));
  return import('./policies');
}

export function loadGatheredEvidence(): Promise<typeof import('../core/policy/gathered-evidence')> {
  if (fromSource())
    return Promise.resolve(requireFromSource(GATHERED_EVIDENCE_MODULE) as typeof import('../core/policy/gathered-evidence'));
  return import('../core/policy/gathered-evidence');
}

const POLICIES_MODULE = './policies';
const GATHERED_EVIDENCE_MODULE = '../core/policy/gathered-evidence';

function fromSource(): boolean {
  return __filename.endsWith('.ts');
}

function requireFromSource(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

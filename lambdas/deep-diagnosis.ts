import type { CloudTrailRecord } from '../core/diagnosis/record';
import type { Diagnosis } from '../core/diagnosis/types';
import type { DiagnosisDeepener } from '../core/incidents/ports';
import { messageEvaluation } from '../core/policy/message-evaluation';

export type DeepDiagnosisResult = Pick<Diagnosis, 'evaluation' | 'confidence' | 'remediation'>;

/** Deep diagnosis with the time it may take: what the loaded module provides. */
export interface BudgetedDeepener {
  deepen(diagnosis: Diagnosis, record: CloudTrailRecord, budgetMs: number): Promise<DeepDiagnosisResult>;
}

/**
 * The part of the budget the evidence reads get: when it runs out they stop and name what they were reading, and the
 * rest of the budget is left for evaluating what was read, so the named result comes back before the deadline.
 */
const READ_SHARE = 0.8;

/**
 * Deep diagnosis as the Lambda runs it: the module that reads AWS (its SDK clients and the policy evaluator) is loaded
 * by the first alert that needs it, not at module init, so a cold start that sends no alert never pays for it. The
 * whole of it, loading included, is held to the time budget: past it, or if loading fails, the alert goes out with an
 * evaluation that says what could not be read. Never rejects.
 */
export class LazyDeepener implements DiagnosisDeepener {
  private loading: Promise<BudgetedDeepener> | undefined;

  constructor(
    private readonly load: () => Promise<BudgetedDeepener>,
    private readonly budgetMs: number,
  ) {}

  async deepen(diagnosis: Diagnosis, record: CloudTrailRecord): Promise<DeepDiagnosisResult> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<DeepDiagnosisResult>((resolve) => {
      timer = setTimeout(
        () => resolve(notEvaluated(diagnosis, `evidence from AWS: not read within the ${this.budgetMs} ms deep diagnosis budget`)),
        this.budgetMs,
      );
    });
    const deepened = this.loaded()
      .then((deepener) => deepener.deepen(diagnosis, record, Math.floor(this.budgetMs * READ_SHARE)))
      .catch((error: unknown) => notEvaluated(diagnosis, `evidence from AWS: deep diagnosis failed: ${String(error)}`));
    try {
      return await Promise.race([deepened, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private loaded(): Promise<BudgetedDeepener> {
    this.loading ??= this.load().catch((error: unknown) => {
      // A later alert tries again rather than keeping a failed load for the container's life.
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }
}

/**
 * No policy could be evaluated: the diagnosis stays what the message says, and the evaluation only names what could
 * not be read (source `message`), so the alert says why it does not name a statement.
 */
export function notEvaluated(diagnosis: Diagnosis, reason: string): DeepDiagnosisResult {
  return { evaluation: messageEvaluation(diagnosis, [reason]), confidence: diagnosis.confidence, remediation: diagnosis.remediation };
}

/** The Lambda's deep diagnosis as configured (lambdas/handler-config.ts), or none when its budget is 0. */
export function deepDiagnosisFor(config: {
  readonly deepDiagnosisTimeoutSeconds: number;
  readonly organizationReaderRoleArn: string | null;
}): DiagnosisDeepener | undefined {
  if (config.deepDiagnosisTimeoutSeconds === 0) return undefined;
  return new LazyDeepener(
    async () =>
      (await import('./deep-diagnosis-evidence')).createEvidenceDeepener({ organizationReaderRoleArn: config.organizationReaderRoleArn }),
    config.deepDiagnosisTimeoutSeconds * 1000,
  );
}

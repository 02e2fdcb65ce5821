import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from '../core/contract';

/**
 * Powertools Tracer on the Lambda's SDK clients (the stack's `tracing` setting). A module of its own, and a file of
 * its own in the asset (scripts/build-lambda.mjs), required only when tracing is on: without it the X-Ray SDK is
 * neither loaded nor parsed, which was most of the module init beyond the SDK clients (README, Benchmarks).
 */
export function tracedClients(): <Client extends object>(client: Client) => Client {
  const tracer = new Tracer({ serviceName: SERVICE_NAME });
  return (client) => tracer.captureAWSv3Client(client);
}

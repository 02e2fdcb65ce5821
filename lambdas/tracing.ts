import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from '../core/contract';

/**
 * Powertools Tracer on the Lambda's SDK clients (the stack's `tracing` setting). A module of its own, required only
 * when tracing is on, so that without it the X-Ray SDK is never loaded: it is most of the module init beyond the
 * SDK clients (README, Benchmarks).
 */
export function tracedClients(): <Client extends object>(client: Client) => Client {
  const tracer = new Tracer({ serviceName: SERVICE_NAME });
  return (client) => tracer.captureAWSv3Client(client);
}

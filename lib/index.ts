export { AccessDeniedAlerts } from './access-denied-alerts';
export type { AccessDeniedAlertsProps } from './access-denied-alerts';
export { ConfigurationError, configFromContext, resolveConfig } from './config';
export type { AlertsConfig } from './config';
export { DenyscopeStack } from './denyscope-stack';
export type { DenyscopeStackProps } from './denyscope-stack';

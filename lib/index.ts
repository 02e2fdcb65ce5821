export { AccessDeniedAlerts } from './access-denied-alerts';
export type { AccessDeniedAlertsProps, OrganizationIntake } from './access-denied-alerts';
export { ConfigurationError, appSettingsFromContext, configFromContext, organizationSettings, resolveConfig } from './config';
export type { AlertsConfig, AppSettings, OrganizationSettings } from './config';
export { DenyscopeMemberStack, CENTRAL_EVENT_BUS_PARAMETER } from './member-stack';
export type { DenyscopeMemberStackProps } from './member-stack';
export { DenyscopeStack } from './denyscope-stack';
export type { DenyscopeStackProps } from './denyscope-stack';

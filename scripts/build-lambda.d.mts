import type { BuildOptions } from 'esbuild';

export declare const ALERT_HANDLER_ENTRY: string;
export declare const ALERT_HANDLER_ASSET_DIR: string;
export declare const ALERT_HANDLER_BUILD_OPTIONS: BuildOptions;
export declare function buildAlertHandler(): Promise<void>;

import type { BuildOptions } from 'esbuild';

export declare const ALERT_HANDLER_ENTRY: string;
export declare const ALERT_HANDLER_ASSET_DIR: string;
export declare const ALERT_HANDLER_BUILD_OPTIONS: BuildOptions;
export declare function buildAlertHandler(): Promise<void>;
export declare const DEEP_DIAGNOSIS_ENTRY: string;
export declare const DEEP_DIAGNOSIS_FILE: string;
export declare const SEPARATE_FILES: import('esbuild').Plugin;
export declare function alertHandlerBuilds(directory: string, options?: BuildOptions): BuildOptions[];
export declare const DIGEST_HANDLER_ENTRY: string;
export declare const DIGEST_HANDLER_ASSET_DIR: string;
export declare function digestHandlerBuilds(directory: string, options?: BuildOptions): BuildOptions[];

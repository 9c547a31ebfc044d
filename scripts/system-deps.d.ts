// Types of scripts/system-deps.js for the TypeScript tests.
export declare const BROWSER_NAMES: readonly string[];
export type FoundBrowser = { path: string; source: 'CHROMIUM_PATH' | 'PATH' | 'Applications' | 'Playwright cache' } | { path: null; problem: string };
export declare function findOnPath(name: string, env?: NodeJS.ProcessEnv): string | null;
export declare function findChromium(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): FoundBrowser;
export declare function findRedisServer(env?: NodeJS.ProcessEnv): string | null;
export declare function missingForTests(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): Array<{ what: string; install: string }>;
export declare function playwrightBrowsers(env?: NodeJS.ProcessEnv): string[];

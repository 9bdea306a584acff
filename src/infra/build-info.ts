/**
 * berth's version and a fingerprint of its code, set by the build (scripts/build.js, esbuild's
 * `define`). Running from source (tsx, vitest) they are absent, and the render cache is off.
 */
declare const __BERTH_VERSION__: string
declare const __BERTH_BUILD__: string

export const BUILD_INFO: {version: string; build: string} | undefined =
  typeof __BERTH_BUILD__ === 'string' && typeof __BERTH_VERSION__ === 'string' ? {version: __BERTH_VERSION__, build: __BERTH_BUILD__} : undefined

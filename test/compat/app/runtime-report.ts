import { Injectable } from '@nestjs/common';
import { createRequire } from 'node:module';

/**
 * Which module system this app runs as, which Nest it loaded, and where the app
 * and the library resolved their dependencies from (they must share one Nest).
 */
export function runtimeReport() {
  const fromApp = createRequire(process.argv[1]);
  const library = fromApp.resolve('nestjs-tasks');
  const fromLibrary = createRequire(library);
  return {
    moduleSystem: typeof require === 'function' ? 'commonjs' : 'esm',
    nestVersion: fromApp('@nestjs/core/package.json').version as string,
    sharesNest: fromLibrary('@nestjs/common').Injectable === Injectable,
    resolved: {
      nestCommon: fromApp.resolve('@nestjs/common'),
      nestCore: fromApp.resolve('@nestjs/core'),
      library,
      libraryNestCommon: fromLibrary.resolve('@nestjs/common'),
      libraryNestCore: fromLibrary.resolve('@nestjs/core'),
      libraryIoredis: fromLibrary.resolve('ioredis'),
    },
  };
}

/**
 * Jest runs the TypeScript sources as native ESM, transformed by Node's own type stripping
 * (test/support/jest-strip-types.cjs); `tsc --noEmit` type-checks separately.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/jest-strip-types.cjs' },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};

/**
 * Jest transform for our TypeScript: Node's own type stripping (node:module stripTypeScriptTypes, the same
 * engine Node uses to run .ts files). No native compiler package to install; `tsc --noEmit` type-checks.
 */
const { stripTypeScriptTypes } = require('node:module');

// Node prints an ExperimentalWarning the first time; the suite already runs with other experimental flags.
process.removeAllListeners('warning');

module.exports = {
  process(source, filename) {
    const code = stripTypeScriptTypes(source, { mode: 'transform', sourceMap: true, sourceUrl: filename });
    return { code };
  },
};

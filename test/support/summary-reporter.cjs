/** Ends every run with one plain line, `Tests: N passed, N failed, N skipped`, that any CI can read. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests + results.numRuntimeErrorTestSuites} failed, ${skipped} skipped\n`;
    // At exit, so it comes after Jest's own summary.
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;

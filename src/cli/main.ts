#!/usr/bin/env node
/**
 * The clb-controller command line: `run` (the controller), `plan` (what it would do, writing nothing),
 * `sandbox` (everything offline, = npm start). Errors a user can fix end the program with one line.
 */
import { ConfigError, RUN_SETTINGS } from '../config.js';
import { explainCommand } from './explain.js';
import { planCommand } from './plan.js';
import { run } from './run.js';
import { sandboxCommand } from './sandbox.js';

const HELP = `clb-controller — Kubernetes LoadBalancer Services and qcloud Ingresses on Tencent Cloud CLB

Usage:
  clb-controller run [flags]                      run the controller (in a cluster, or with --kubeconfig)
  clb-controller plan -f <file|dir> [-o text|json] [--cloud-state <file>] [--write-cloud-state <file>]
                     [--kubeconfig <file>] [--provider tencentcloud --region … --account-uin … --endpoint …]
                                                  what the controller would do for these manifests; writes nothing
  clb-controller explain service/NAME|ingress/NAME [-n NS] --kubeconfig <file> [-o text|json]
                        [--provider tencentcloud --cluster-id … --region … --account-uin …] [--node-ready-grace 60s]
                                                  is its CLB in sync; why each node and Pod is (not) a backend; read-only
  clb-controller sandbox [--once] [--examples <dir>] [--kubeconfig <file>] [--metrics-port <port>]
                         [--write-cloud-state <file>] [--no-data-path] [--log-level <level>]
                                                  fake cluster + mock cloud + controller, with manifests/examples applied

run flags (each also read from the environment variable shown):
${Object.entries(RUN_SETTINGS).map(([flag, s]) => `  --${flag.padEnd(22)} ${s.env.padEnd(26)} ${s.help}`).join('\n')}
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // `<command> --help` is the same help: every command's usage and the run flags are on one page.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  switch (command) {
    case 'run':
      return run(rest, process.env);
    case 'plan':
      return planCommand(rest, process.env);
    case 'sandbox':
      return sandboxCommand(rest);
    case 'explain':
      return explainCommand(rest, process.env);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return;
    default:
      throw new ConfigError(`Unknown command "${command}": use run, plan, explain or sandbox (see --help)`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // A configuration mistake is one line saying what to set; anything else keeps its stack for a bug report.
  const known = error instanceof ConfigError || (error as { name?: string })?.name === 'ConfigError' || (error as { name?: string })?.name === 'CredentialsError' || (error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  process.stderr.write(known ? `clb-controller: ${(error as Error).message}\n` : `${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(known ? 2 : 1);
});

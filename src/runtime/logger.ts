/** Structured logs (pino). The logger is injected everywhere; nothing logs through a module-level singleton. */
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = Pick<PinoLogger, 'debug' | 'info' | 'warn' | 'error' | 'child'>;

/** Paths redacted wherever they appear in a log object: credentials must never reach a log line. */
export const REDACTED_PATHS = [
  'secretKey', '*.secretKey', 'secretId', '*.secretId', 'token', '*.token', 'credential', '*.credential',
  'authorization', '*.authorization', 'headers.Authorization', '*.headers.Authorization', 'data', '*.data',
];

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: undefined }, destination as never);
}

export const silentLogger = (): Logger => pino({ level: 'silent' });

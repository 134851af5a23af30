import { pino } from "pino";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Where the JSON lines go: anything with write(line), e.g. a test's capture. */
export interface LogDestination {
  write(line: string): void;
}

/**
 * pino, one JSON object per line on stderr — `{"level":"info","time":"…","message":"…", …fields}` — written
 * synchronously so the last lines before an exit are never lost. On a terminal, a short readable line instead.
 */
export function createLogger(level: LogLevel = "info", destination?: LogDestination): Logger {
  const out = destination ?? (process.stderr.isTTY ? readable : pino.destination({ fd: 2, sync: true }));
  const p = pino(
    {
      level,
      messageKey: "message",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    out,
  );
  return {
    info: (message, fields) => p.info(fields ?? {}, message),
    warn: (message, fields) => p.warn(fields ?? {}, message),
    error: (message, fields) => p.error(fields ?? {}, message),
  };
}

// pino-pretty would bring a dozen packages for this.
const readable: LogDestination = {
  write(line) {
    const { time, level, message, ...fields } = JSON.parse(line) as Record<string, unknown>;
    const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    process.stderr.write(`${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${String(message)}${rest.length ? `  ${rest.join(" ")}` : ""}\n`);
  },
};

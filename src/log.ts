export type LogFields = Record<string, unknown>;
type Level = "debug" | "info" | "warn" | "error";

/** JSON lines, one per event, each carrying the fields of where it came from (request id, route…). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const WRITERS: Record<Level, (line: string) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

/** A logger whose every line carries `context()` — read when the line is written, so it can name the route. */
export function createLogger(context: () => LogFields = () => ({})): Logger {
  const write =
    (level: Level) =>
    (message: string, fields: LogFields = {}) =>
      WRITERS[level](JSON.stringify({ level, message, ...context(), ...fields }));
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/**
 * What to log of a caught error: its kind, and the messages down its cause chain (the database's own
 * error is usually last) — with any query parameters cut off, since they may be hashes or tokens.
 */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: "non-error", cause: String(error) };
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error && messages.length < 5; e = e.cause) {
    messages.push(e.message.split(/\nparams:/)[0] ?? "");
  }
  return { error: error.name, cause: messages.join(" <- "), stack: error.stack?.split(/\nparams:/)[0] };
}

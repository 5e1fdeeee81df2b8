/**
 * A D1 binding that counts what reaches the database: a round trip per statement run on its own or per
 * batch, and the statements in each. Requests made with it report their cost.
 */
export function countingD1(db: D1Database) {
  const counts = { roundTrips: 0, statements: 0 };
  const originals = new WeakMap<object, D1PreparedStatement>();

  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(statement, {
      get(target, property) {
        if (property === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values));
        const value: unknown = Reflect.get(target, property);
        if (typeof value !== "function") return value;
        if (property === "first" || property === "all" || property === "run" || property === "raw") {
          counts.roundTrips += 1;
          counts.statements += 1;
        }
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
    originals.set(wrapped, statement);
    return wrapped;
  };

  const wrapSession = <T extends D1Database | D1DatabaseSession>(target: T): T =>
    new Proxy(target, {
      get(inner, property) {
        if (property === "prepare") return (query: string) => wrapStatement(inner.prepare(query));
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) => {
            counts.roundTrips += 1;
            counts.statements += statements.length;
            return inner.batch(statements.map((s) => originals.get(s) ?? s));
          };
        }
        if (property === "withSession" && "withSession" in inner) {
          return (constraint?: string) => wrapSession(inner.withSession(constraint));
        }
        const value: unknown = Reflect.get(inner, property);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
      },
    });

  return { db: wrapSession(db), counts };
}

/** A D1 binding whose `failing`-th batch (1-based) fails, as when D1 goes away in the middle of a request. */
export function d1FailingAtBatch(db: D1Database, failing: number): D1Database {
  let batches = 0;
  const failSecond = (session: D1DatabaseSession) =>
    new Proxy(session, {
      get(target, property) {
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) =>
            ++batches === failing
              ? Promise.reject(new Error("D1_ERROR: storage unavailable"))
              : target.batch(statements);
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, property) {
      if (property === "withSession") return (constraint?: string) => failSecond(target.withSession(constraint));
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A D1 binding where every query fails, as during an outage. */
export const unavailableD1 = {
  withSession: () => ({
    prepare: () => {
      throw new Error("D1_ERROR: database unavailable");
    },
    batch: () => Promise.reject(new Error("D1_ERROR: database unavailable")),
    getBookmark: () => null,
  }),
} as unknown as D1Database;

/** A D1 binding that holds every query until `open()`: shows what a request does before touching D1. */
export function gatedD1(db: D1Database) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const gate = <T>(run: () => Promise<T>) => opened.then(run);
  const gated = new Proxy(db, {
    get(target, property) {
      if (property !== "withSession") return Reflect.get(target, property) as unknown;
      return (constraint?: string) => {
        const session = target.withSession(constraint);
        return new Proxy(session, {
          get(inner, key) {
            if (key === "batch") return (statements: D1PreparedStatement[]) => gate(() => inner.batch(statements));
            if (key === "prepare") {
              return (query: string) => {
                const statement = inner.prepare(query);
                const wrap = (s: D1PreparedStatement): D1PreparedStatement =>
                  new Proxy(s, {
                    get(st, name) {
                      if (name === "bind") return (...values: unknown[]) => wrap(st.bind(...values));
                      const value: unknown = Reflect.get(st, name);
                      if (typeof value !== "function") return value;
                      const fn = (value as (...args: unknown[]) => unknown).bind(st);
                      return name === "first" || name === "all" || name === "run" || name === "raw"
                        ? (...args: unknown[]) => gate(() => fn(...args) as Promise<unknown>)
                        : fn;
                    },
                  });
                return wrap(statement);
              };
            }
            const value: unknown = Reflect.get(inner, key);
            return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
          },
        });
      };
    },
  });
  return { db: gated, open };
}

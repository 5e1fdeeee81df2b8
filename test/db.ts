/**
 * Reading and arranging rows of the local D1 directly, for what the API does not show (hashes, revoked
 * sessions, the outbox) or does not let a client do (deactivate a user). Time is never arranged here:
 * tests move the clock (see `clock` in kit.ts).
 */
import { env } from "cloudflare:workers";
import type { Table } from "drizzle-orm";
import { plans, users } from "../src/db/schema";
import { usernameKey } from "../src/identifiers.mjs";

type Row = Record<string, unknown>;
type Value = string | number | null;

/** The SQL column names of a Drizzle table, so row helpers accept only columns that exist. */
type ColumnName<T extends Table> = T["_"]["columns"][keyof T["_"]["columns"]]["_"]["name"];
type ColumnValues<T extends Table> = Partial<Record<ColumnName<T>, Value>>;

function assignments(set: Record<string, Value>) {
  return {
    sql: Object.keys(set)
      .map((column) => `${column} = ?`)
      .join(", "),
    values: Object.values(set),
  };
}

export function userRow(username: string): Promise<Row | null> {
  return env.DB.prepare("select * from users where username = ?").bind(username).first<Row>();
}

export async function updateUserRow(where: { username: string } | { id: number }, set: ColumnValues<typeof users>) {
  const { sql, values } = assignments(set);
  const [column, key] = "username" in where ? ["username", where.username] : ["id", where.id];
  await env.DB.prepare(`update users set ${sql} where ${column} = ?`)
    .bind(...values, key)
    .run();
}

export async function insertUserRow(user: { username: string; email: string; password_hash: string }) {
  await env.DB.prepare(
    "insert into users (username, username_key, email, password_hash, date_joined) values (?, ?, ?, ?, ?)",
  )
    .bind(user.username, usernameKey(user.username), user.email, user.password_hash, Date.now())
    .run();
}

export async function deleteUserRow(id: number) {
  await env.DB.prepare("delete from users where id = ?").bind(id).run();
}

export async function countUsersWithEmail(email: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from users where email = ?")
    .bind(email)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export function sessionRow(id: string): Promise<Row | null> {
  return env.DB.prepare("select * from sessions where id = ?").bind(id).first<Row>();
}

export async function oneTimeTokenHashes(userId: number): Promise<string[]> {
  const rows = await env.DB.prepare("select token_hash from one_time_tokens where user_id = ?")
    .bind(userId)
    .all<{ token_hash: string }>();
  return rows.results.map((r) => r.token_hash);
}

export function stripeEventRows(id: string) {
  return env.DB.prepare("select outcome from stripe_events where id = ?").bind(id).all<{ outcome: string }>();
}

export async function insertPlanRow(plan: ColumnValues<typeof plans>) {
  const columns = Object.keys(plan);
  await env.DB.prepare(`insert into plans (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`)
    .bind(...Object.values(plan))
    .run();
}

export interface OutboxRow {
  id: number;
  recipient: string;
  subject: string;
  body: string | null;
  transport: string;
  status: string;
  error: string | null;
}

/** The newest outbox message to `recipient` that was handed to its transport. */
export function newestMail(recipient: string, subject?: string): Promise<OutboxRow | null> {
  return env.DB.prepare(
    "select * from outbox where recipient = ? and (? is null or subject = ?) and status != 'pending' order by id desc limit 1",
  )
    .bind(recipient, subject ?? null, subject ?? null)
    .first<OutboxRow>();
}

export async function mailCount(recipient: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from outbox where recipient = ?")
    .bind(recipient)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export async function planIdByName(name: string): Promise<number> {
  const row = await env.DB.prepare("select id from plans where name = ?").bind(name).first<{ id: number }>();
  if (!row) throw new Error(`no plan ${name}`);
  return row.id;
}

/** A user's plan and the Stripe state of its subscription. */
export function subscriptionRow(userId: number) {
  return env.DB.prepare(
    "select plan_id, stripe_customer_id, stripe_subscription_id, stripe_subscription_status, subscription_current_period_end, subscription_interval from users where id = ?",
  )
    .bind(userId)
    .first<{
      plan_id: number | null;
      stripe_customer_id: string | null;
      stripe_subscription_id: string | null;
      stripe_subscription_status: string | null;
      subscription_current_period_end: number | null;
      subscription_interval: string | null;
    }>();
}

import type { Child } from "hono/jsx";
import type { PasskeyRow, SecurityEventRow } from "../../db/schema";
import type { LiveSession } from "../../db/sessions";
import { PostForm, Table, When } from "./layout";

/*
 * The tables both an account's own security page and its console page show: a user sees of their
 * account what staff see of it, with the actions each may take.
 */

/** Where a removal posts, and the question it asks first. */
export interface RemoveAction {
  action: string;
  confirm: string;
}

/** Live sessions; `end` adds a button that signs one out, `currentId` marks the caller's own. */
export function SessionsTable(props: {
  sessions: LiveSession[];
  empty: string;
  currentId?: string;
  csrf?: string;
  end?: (session: LiveSession) => string;
}) {
  const { end, csrf } = props;
  return (
    <Table
      columns={["Signed in", "Last used", "IP", "Device", ...(end ? [""] : [])]}
      empty={props.empty}
      rows={props.sessions.map((s) => (
        <tr>
          <td>
            <When at={s.createdAt} />
          </td>
          <td>
            <When at={s.lastUsedAt} />
          </td>
          <td class="mono nowrap">{s.ip ?? "—"}</td>
          <td>
            {s.userAgent ?? <span class="muted">unknown</span>}
            {s.id === props.currentId && <span class="badge accent">this one</span>}
          </td>
          {end && csrf !== undefined && (
            <td class="nowrap">
              <PostForm action={end(s)} csrf={csrf}>
                <button
                  type="submit"
                  class="secondary"
                  aria-label={`Sign out the session signed in at ${s.createdAt.toISOString()}`}
                >
                  Sign out
                </button>
              </PostForm>
            </td>
          )}
        </tr>
      ))}
    />
  );
}

const alarming = (type: string) => type.includes("failed") || type.includes("reused") || type.includes("refused");

/** Security events, newest first; the ones worth a second look (failures, reuse, refusals) in red. */
export function SecurityEventsTable(props: { events: SecurityEventRow[]; empty: string }) {
  return (
    <Table
      columns={["When", "Event", "IP"]}
      empty={props.empty}
      rows={props.events.map((e) => (
        <tr>
          <td>
            <When at={e.createdAt} />
          </td>
          <td>
            <span class={alarming(e.type) ? "badge danger" : "badge"}>{e.type.replaceAll("_", " ")}</span>
          </td>
          <td class="mono nowrap">{e.ip ?? "—"}</td>
        </tr>
      ))}
    />
  );
}

/** Passkeys; `name` renders the name cell (a rename form on the owner's page), `remove` each one's removal. */
export function PasskeysTable(props: {
  passkeys: PasskeyRow[];
  empty: string;
  csrf: string;
  name: (passkey: PasskeyRow) => Child;
  remove: (passkey: PasskeyRow) => RemoveAction;
}) {
  return (
    <Table
      columns={["Name", "Added", "Last used", ""]}
      empty={props.empty}
      rows={props.passkeys.map((passkey) => (
        <tr>
          <td>{props.name(passkey)}</td>
          <td>
            <When at={passkey.createdAt} />
          </td>
          <td>
            <When at={passkey.lastUsedAt} />
          </td>
          <td>
            <PostForm {...props.remove(passkey)} csrf={props.csrf}>
              <button type="submit" class="secondary" aria-label={`Remove passkey ${passkey.name}`}>
                Remove
              </button>
            </PostForm>
          </td>
        </tr>
      ))}
    />
  );
}

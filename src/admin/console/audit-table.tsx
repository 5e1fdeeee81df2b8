import type { AuditRow } from "../../db/schema";
import { Table, When, windowText } from "./layout";

interface AuditedQuota {
  scope: string;
  limit: number;
  window_seconds: number;
}

const isQuotaList = (value: unknown): value is AuditedQuota[] =>
  Array.isArray(value) && value.every((q) => typeof q === "object" && q !== null && "scope" in q && "limit" in q);

/** A recorded value as people read it: quotas as `ai_responses 100 / 1 d`, anything else as JSON. */
function shown(value: unknown): string {
  if (isQuotaList(value)) {
    return value.map((q) => `${q.scope} ${q.limit} / ${windowText(q.window_seconds)}`).join(", ") || "none";
  }
  return JSON.stringify(value);
}

/** "field: before → after" lines of an audit entry. */
function Changes({ entry }: { entry: AuditRow }) {
  const keys = [...new Set([...Object.keys(entry.before ?? {}), ...Object.keys(entry.after ?? {})])];
  if (keys.length === 0) return <span class="muted">—</span>;
  const show = (value: unknown) => (value === undefined ? "—" : shown(value));
  return (
    <ul class="mono changes">
      {keys.map((key) => (
        <li>
          {key}: {show(entry.before?.[key])} → {show(entry.after?.[key])}
        </li>
      ))}
    </ul>
  );
}

/** Audit entries; `about` is left out where every entry is about the same object (its own page). */
export function AuditTable({ rows, about = true }: { rows: AuditRow[]; about?: boolean }) {
  return (
    <Table
      columns={["When", "Who", "What", "Changes (before → after)"]}
      empty="Nothing recorded yet."
      rows={rows.map((entry) => (
        <tr>
          <td>
            <When at={entry.createdAt} />
          </td>
          <td>{entry.actorUsername}</td>
          <td>
            <span class="badge">{entry.action}</span>{" "}
            {about &&
              (entry.targetType === "user" ? (
                <a href={`/admin/users/${entry.targetId}`}>user #{entry.targetId}</a>
              ) : (
                <span class="muted">
                  {entry.targetType} #{entry.targetId}
                </span>
              ))}
          </td>
          <td>
            <Changes entry={entry} />
          </td>
        </tr>
      ))}
    />
  );
}

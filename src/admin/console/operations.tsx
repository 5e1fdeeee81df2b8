import type { AuditRow, OutboxRow, StripeEventRow } from "../../db/schema";
import type { Page } from "../../pagination";
import { ConsolePage, Pager, PostForm, Panel, Table, When, type Chrome } from "./layout";
import { AuditTable } from "./audit-table";

const OUTCOME_BADGES: Record<string, string> = { applied: "badge ok", stale: "badge warn", unmatched: "badge danger" };
const STATUS_BADGES: Record<string, string> = { sent: "badge ok", pending: "badge warn", failed: "badge danger" };

export function OperationsPage(props: { chrome: Chrome; events: Page<StripeEventRow>; outbox: Page<OutboxRow> }) {
  const { chrome, events, outbox } = props;
  return (
    <ConsolePage title="Operations" chrome={chrome}>
      <h1>Operations</h1>
      <p class="subtitle">What Stripe told us, and the mail we sent.</p>
      <Panel id="events" title="Stripe events">
        <Table
          columns={["Received", "Type", "Outcome", { label: "Event id", class: "hide-small" }]}
          empty="No Stripe event received yet."
          rows={events.rows.map((event) => (
            <tr>
              <td>
                <When at={event.receivedAt} />
              </td>
              <td class="mono">{event.type}</td>
              <td>
                <span class={OUTCOME_BADGES[event.outcome] ?? "badge"}>{event.outcome}</span>
              </td>
              <td class="mono hide-small">{event.id}</td>
            </tr>
          ))}
        />
        <Pager page={events} href={(n) => `/admin/operations?events_page=${n}&outbox_page=${outbox.number}`} />
      </Panel>
      <Panel id="outbox" title="Outbox">
        <Table
          columns={["Written", "To", "Subject", "Status", "Action"]}
          empty="No mail sent yet."
          rows={outbox.rows.map((mail) => (
            <tr>
              <td>
                <When at={mail.createdAt} />
              </td>
              <td>{mail.recipient}</td>
              <td>{mail.subject}</td>
              <td>
                <span class={STATUS_BADGES[mail.status] ?? "badge"}>{mail.status}</span>
                {mail.error && <div class="hint">{mail.error}</div>}
              </td>
              <td>
                {mail.status === "failed" && mail.body !== null && (
                  <PostForm action={`/admin/outbox/${mail.id}/resend`} csrf={chrome.csrf}>
                    <button
                      type="submit"
                      class="secondary"
                      aria-label={`Re-send "${mail.subject}" to ${mail.recipient}`}
                    >
                      Re-send
                    </button>
                  </PostForm>
                )}
              </td>
            </tr>
          ))}
        />
        <Pager page={outbox} href={(n) => `/admin/operations?events_page=${events.number}&outbox_page=${n}`} />
      </Panel>
    </ConsolePage>
  );
}

export function AuditLogPage(props: { chrome: Chrome; page: Page<AuditRow> }) {
  return (
    <ConsolePage title="Audit log" chrome={props.chrome}>
      <h1>Audit log</h1>
      <p class="subtitle">Every change made through the console or the admin API: who, what, when, before → after.</p>
      <AuditTable rows={props.page.rows} />
      <Pager page={props.page} href={(n) => `/admin/audit-log?page=${n}`} />
    </ConsolePage>
  );
}

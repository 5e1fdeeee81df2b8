import { subscriptionStillBills, type StaffUserDetail } from "../users";
import type { AuditRow, PlanRow } from "../../db/schema";
import { Page, PostForm, When, YesNo, type Chrome } from "./layout";

/** "field: before → after" lines of an audit entry. */
export function Changes({ entry }: { entry: AuditRow }) {
  const keys = [...new Set([...Object.keys(entry.before ?? {}), ...Object.keys(entry.after ?? {})])];
  if (keys.length === 0) return <span class="muted">—</span>;
  const show = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value));
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
  if (rows.length === 0) return <p class="empty">Nothing recorded yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Changes (before → after)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((entry) => (
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
        </tbody>
      </table>
    </div>
  );
}

function Text(props: { id: string; label: string; value: string; type?: string; autocomplete?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        value={props.value}
        autocomplete={props.autocomplete ?? "off"}
      />
    </div>
  );
}

function AccountForm({ detail, plans, csrf }: { detail: StaffUserDetail; plans: PlanRow[]; csrf: string }) {
  const { user } = detail;
  return (
    <section class="panel" aria-labelledby="account-heading">
      <h2 id="account-heading">Account</h2>
      <PostForm action={`/admin/users/${user.id}`} csrf={csrf}>
        <div class="grid tight">
          <Text id="first_name" label="First name" value={user.firstName} />
          <Text id="last_name" label="Last name" value={user.lastName} />
          <Text id="email" label="E-mail" type="email" value={user.email} />
          <Text id="date_of_birth" label="Date of birth" type="date" value={user.dateOfBirth ?? ""} />
        </div>
        <div class="field">
          <label for="plan">Plan</label>
          <select id="plan" name="plan">
            {plans.map((plan) => (
              <option value={String(plan.id)} selected={plan.id === user.planId}>
                {plan.name}
              </option>
            ))}
          </select>
          <p class="hint">A plan chosen here is recorded as set by hand; only a newer Stripe event changes it.</p>
        </div>
        <label class="check" for="is_active">
          <input
            id="is_active"
            name="is_active"
            type="checkbox"
            checked={user.isActive}
            data-confirm-untick={`Deactivate ${user.username}? Every session of theirs ends at once.`}
          />
          Active
        </label>
        <label class="check" for="is_staff">
          <input id="is_staff" name="is_staff" type="checkbox" checked={user.isStaff} />
          Staff
        </label>
        <button type="submit">Save</button>
      </PostForm>
    </section>
  );
}

function Billing({ detail }: { detail: StaffUserDetail }) {
  const { user, plan } = detail;
  return (
    <section class="panel" aria-labelledby="billing-heading">
      <h2 id="billing-heading">Billing</h2>
      <dl class="facts">
        <dt>Plan</dt>
        <dd>
          {plan?.name ?? "none"}{" "}
          {user.planSetByHandAt && (
            <span class="badge warn">
              set by hand <When at={user.planSetByHandAt} />
            </span>
          )}
        </dd>
        <dt>Subscription</dt>
        <dd>
          {user.stripeSubscriptionStatus ? (
            <span class="badge accent">{user.stripeSubscriptionStatus}</span>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Renews</dt>
        <dd>
          <When at={user.subscriptionCurrentPeriodEnd} />{" "}
          {user.subscriptionInterval && <span class="muted">({user.subscriptionInterval}ly)</span>}
        </dd>
        <dt>Stripe customer</dt>
        <dd class="mono">{user.stripeCustomerId ?? "—"}</dd>
        <dt>Stripe subscription</dt>
        <dd class="mono">{user.stripeSubscriptionId ?? "—"}</dd>
        <dt>E-mail verified</dt>
        <dd>
          <YesNo value={user.emailVerified} />
          {user.pendingEmail && <span class="muted"> · moving to {user.pendingEmail}</span>}
        </dd>
        <dt>Joined</dt>
        <dd>
          <When at={user.dateJoined} />
        </dd>
        <dt>Last sign-in</dt>
        <dd>
          <When at={user.lastLogin} />
        </dd>
      </dl>
    </section>
  );
}

function Usage({ detail }: { detail: StaffUserDetail }) {
  return (
    <section class="panel" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage</h2>
      {detail.usages.length === 0 ? (
        <p class="empty">This plan sets no quotas.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Scope</th>
                <th scope="col" class="num">
                  Used
                </th>
                <th scope="col" class="num">
                  Limit
                </th>
                <th scope="col">Window resets</th>
              </tr>
            </thead>
            <tbody>
              {detail.usages.map((usage) => {
                return (
                  <tr>
                    <td class="mono nowrap">{usage.scope}</td>
                    <td class="num">{usage.used}</td>
                    <td class="num">{usage.limit ?? "∞"}</td>
                    <td>
                      {usage.limit !== null && (
                        <progress
                          max={usage.limit}
                          value={Math.min(usage.used, usage.limit)}
                          aria-label={`${usage.scope} used`}
                        ></progress>
                      )}{" "}
                      <When at={new Date(usage.resetAt)} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Sessions({ detail }: { detail: StaffUserDetail }) {
  return (
    <section class="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      {detail.sessions.length === 0 ? (
        <p class="empty">No live session.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">IP</th>
                <th scope="col">Device</th>
              </tr>
            </thead>
            <tbody>
              {detail.sessions.map((s) => (
                <tr>
                  <td>
                    <When at={s.createdAt} />
                  </td>
                  <td>
                    <When at={s.lastUsedAt} />
                  </td>
                  <td class="mono nowrap">{s.ip ?? "—"}</td>
                  <td class="muted">{s.userAgent ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SecurityEvents({ detail }: { detail: StaffUserDetail }) {
  return (
    <section class="panel" aria-labelledby="events-heading">
      <h2 id="events-heading">Security events</h2>
      {detail.events.length === 0 ? (
        <p class="empty">None yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {detail.events.map((e) => (
                <tr>
                  <td>
                    <When at={e.createdAt} />
                  </td>
                  <td>
                    <span class={e.type.includes("failed") || e.type.includes("reused") ? "badge danger" : "badge"}>
                      {e.type.replaceAll("_", " ")}
                    </span>
                  </td>
                  <td class="mono nowrap">{e.ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Actions({ detail, csrf }: { detail: StaffUserDetail; csrf: string }) {
  const { user } = detail;
  const billing = subscriptionStillBills(user);
  return (
    <section class="panel danger-zone" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <div class="actions">
        <PostForm
          action={`/admin/users/${user.id}/end-sessions`}
          csrf={csrf}
          confirm={`End every session of ${user.username}? They will have to sign in again.`}
        >
          <button type="submit" class="secondary">
            End all sessions
          </button>
        </PostForm>
        <PostForm
          action={`/admin/users/${user.id}/password-reset`}
          csrf={csrf}
          confirm={`Mail ${user.email} a link to choose a new password?`}
        >
          <button type="submit" class="secondary">
            Send password reset
          </button>
        </PostForm>
        <PostForm
          action={`/admin/users/${user.id}/delete`}
          csrf={csrf}
          confirm={`Delete ${user.username} and their personal data? This cannot be undone.`}
          class="actions"
        >
          {billing && (
            <label class="check inline" for="cancel_subscription">
              <input id="cancel_subscription" name="cancel_subscription" type="checkbox" />
              Also cancel the Stripe subscription
            </label>
          )}
          <button type="submit" class="danger">
            Delete user
          </button>
        </PostForm>
      </div>
      {billing && (
        <p class="hint">This user's subscription still bills: deleting needs it cancelled through Stripe as well.</p>
      )}
    </section>
  );
}

export function UserPage(props: { chrome: Chrome; detail: StaffUserDetail; plans: PlanRow[] }) {
  const { detail, chrome } = props;
  const { user } = detail;
  return (
    <Page title={user.username} chrome={chrome}>
      <p>
        <a href="/admin/users">← Users</a>
      </p>
      <h1>
        {user.username} {user.isStaff && <span class="badge accent">staff</span>}{" "}
        <YesNo value={user.isActive} yes="active" no="deactivated" />
      </h1>
      <p class="subtitle">
        {user.email} · user #{user.id}
      </p>
      <div class="grid">
        <AccountForm detail={detail} plans={props.plans} csrf={chrome.csrf} />
        <div class="stack">
          <Billing detail={detail} />
          <Actions detail={detail} csrf={chrome.csrf} />
        </div>
      </div>
      <div class="grid spaced">
        <Usage detail={detail} />
        <Sessions detail={detail} />
      </div>
      <div class="grid spaced">
        <SecurityEvents detail={detail} />
        <section class="panel" aria-labelledby="audit-heading">
          <h2 id="audit-heading">Audit log</h2>
          <AuditTable rows={detail.audit} about={false} />
        </section>
      </div>
    </Page>
  );
}

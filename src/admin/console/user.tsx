import { subscriptionStillBills } from "../../accounts/delete";
import type { StaffUserDetail } from "../../db/admin-users";
import type { PlanRow } from "../../db/schema";
import { AuditTable } from "./audit-table";
import { PasskeysTable, SecurityEventsTable, SessionsTable } from "./account-tables";
import {
  Field,
  FormErrors,
  ConsolePage,
  PostForm,
  Panel,
  shownTick,
  shownValue,
  Table,
  When,
  YesNo,
  type Chrome,
  type FormProblem,
} from "./layout";

/** The account form's fields (what its messages can be about; any other goes to the top of the form). */
const ACCOUNT_FIELDS = ["first_name", "last_name", "email", "date_of_birth", "plan"];

function AccountForm(props: { detail: StaffUserDetail; plans: PlanRow[]; csrf: string; problem?: FormProblem }) {
  const { user } = props.detail;
  const problem = props.problem;
  const planMessages = problem?.errors.plan;
  const chosenPlan = shownValue(problem, "plan", String(user.planId));
  return (
    <Panel id="account" title="Account">
      <PostForm action={`/admin/users/${user.id}`} csrf={props.csrf}>
        <FormErrors problem={problem} fields={ACCOUNT_FIELDS} />
        <div class="grid tight">
          <Field id="first_name" label="First name" value={user.firstName} problem={problem} />
          <Field id="last_name" label="Last name" value={user.lastName} problem={problem} />
          <Field id="email" label="E-mail" type="email" value={user.email} problem={problem} />
          <Field
            id="date_of_birth"
            label="Date of birth"
            type="date"
            value={user.dateOfBirth ?? ""}
            problem={problem}
          />
        </div>
        <div class="field">
          <label for="plan">Plan</label>
          <select id="plan" name="plan" aria-invalid={planMessages ? "true" : undefined}>
            {props.plans.map((plan) => (
              <option value={String(plan.id)} selected={String(plan.id) === chosenPlan}>
                {plan.name}
              </option>
            ))}
          </select>
          {planMessages && <p class="field-error">{planMessages.join(" ")}</p>}
          <p class="hint">A plan chosen here is recorded as set by hand; only a newer Stripe event changes it.</p>
        </div>
        <label class="check" for="is_active">
          <input
            id="is_active"
            name="is_active"
            type="checkbox"
            checked={shownTick(problem, "is_active", user.isActive)}
            data-confirm-untick={`Deactivate ${user.username}? Every session of theirs ends at once.`}
          />
          Active
        </label>
        <label class="check" for="is_staff">
          <input id="is_staff" name="is_staff" type="checkbox" checked={shownTick(problem, "is_staff", user.isStaff)} />
          Staff
        </label>
        <button type="submit">Save</button>
      </PostForm>
    </Panel>
  );
}

function Billing({ detail }: { detail: StaffUserDetail }) {
  const { user, plan } = detail;
  return (
    <Panel id="billing" title="Billing">
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
        <dt>Two-factor</dt>
        <dd>
          {detail.mfa.totp ? (
            <span class="badge ok">on · {detail.mfa.recoveryCodesRemaining} recovery codes left</span>
          ) : (
            <span class="muted">off</span>
          )}
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
    </Panel>
  );
}

function Usage({ detail }: { detail: StaffUserDetail }) {
  return (
    <Panel id="usage" title="Usage">
      <Table
        columns={["Scope", { label: "Used", class: "num" }, { label: "Limit", class: "num" }, "Window resets"]}
        empty="This plan sets no quotas."
        rows={detail.usages.map((usage) => (
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
        ))}
      />
    </Panel>
  );
}

function Sessions({ detail }: { detail: StaffUserDetail }) {
  return (
    <Panel id="sessions" title="Sessions">
      <SessionsTable sessions={detail.sessions} empty="No live session." />
    </Panel>
  );
}

function LinkedAccounts({ detail, csrf }: { detail: StaffUserDetail; csrf: string }) {
  const { user } = detail;
  return (
    <Panel id="linked" title="Linked accounts">
      <Table
        columns={["Provider", "Identity", "Linked", "Last sign-in", ""]}
        empty="No linked account."
        rows={detail.identities.map((identity) => (
          <tr>
            <td>{identity.provider}</td>
            <td class="mono">{identity.uid}</td>
            <td>
              <When at={identity.dateJoined} />
            </td>
            <td>
              <When at={identity.lastLogin} />
            </td>
            <td>
              <PostForm
                action={`/admin/users/${user.id}/social-accounts/${identity.id}/unlink`}
                csrf={csrf}
                confirm={`Unlink this ${identity.provider} account from ${user.username}? They will no longer sign in with it.`}
              >
                <button
                  type="submit"
                  class="secondary"
                  aria-label={`Unlink ${identity.provider} account ${identity.uid}`}
                >
                  Unlink
                </button>
              </PostForm>
            </td>
          </tr>
        ))}
      />
    </Panel>
  );
}

function Passkeys({ detail, csrf }: { detail: StaffUserDetail; csrf: string }) {
  const { user } = detail;
  return (
    <Panel id="passkeys" title="Passkeys">
      <PasskeysTable
        passkeys={detail.passkeys}
        empty="No passkey."
        csrf={csrf}
        name={(passkey) => passkey.name}
        remove={(passkey) => ({
          action: `/admin/users/${user.id}/passkeys/${passkey.id}/remove`,
          confirm: `Remove the passkey "${passkey.name}" of ${user.username}? It will no longer sign them in.`,
        })}
      />
    </Panel>
  );
}

function SecurityEvents({ detail }: { detail: StaffUserDetail }) {
  return (
    <Panel id="events" title="Security events">
      <SecurityEventsTable events={detail.events} empty="None yet." />
    </Panel>
  );
}

function Actions({ detail, csrf }: { detail: StaffUserDetail; csrf: string }) {
  const { user } = detail;
  const billing = subscriptionStillBills(user);
  return (
    <Panel id="actions" title="Actions" class="danger-zone">
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
        {detail.mfa.totp && (
          <PostForm
            action={`/admin/users/${user.id}/mfa-reset`}
            csrf={csrf}
            confirm={`Turn two-factor authentication off for ${user.username}? Only do this for a lost authenticator, once you know it is them.`}
          >
            <button type="submit" class="secondary">
              Reset two-factor
            </button>
          </PostForm>
        )}
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
    </Panel>
  );
}

export function UserPage(props: { chrome: Chrome; detail: StaffUserDetail; plans: PlanRow[]; problem?: FormProblem }) {
  const { detail, chrome } = props;
  const { user } = detail;
  return (
    <ConsolePage title={user.username} chrome={chrome}>
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
        <AccountForm detail={detail} plans={props.plans} csrf={chrome.csrf} problem={props.problem} />
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
        <LinkedAccounts detail={detail} csrf={chrome.csrf} />
        <Passkeys detail={detail} csrf={chrome.csrf} />
      </div>
      <div class="grid spaced">
        <SecurityEvents detail={detail} />
      </div>
      <div class="grid spaced">
        <Panel id="audit" title="Audit log">
          <AuditTable rows={detail.audit} about={false} />
        </Panel>
      </div>
    </ConsolePage>
  );
}

import type { StaffPlanView } from "../../db/plans";
import type { PlanRow } from "../../db/schema";
import { planPrice, type Billing } from "../../billing/prices";
import { PLAN_FIELDS } from "../../schemas/admin";
import { isKeptPlan } from "../plans";
import {
  Field,
  FormErrors,
  ConsolePage,
  PostForm,
  Panel,
  Table,
  windowText,
  type Chrome,
  type FormProblem,
} from "./layout";

function price(plan: PlanRow, billing: Billing) {
  const p = planPrice(plan, billing);
  return p ? `${p.amount} ${p.currency} / ${p.interval}` : "—";
}

/**
 * The fields of a plan form; `prefix` keeps the ids of the page's many forms apart, and names the form
 * a refused submission (`problem`) belongs to.
 */
function PlanFields(props: { prefix: string; view?: StaffPlanView; scopes: string[]; problem?: FormProblem }) {
  const { prefix, view, scopes } = props;
  const problem = props.problem?.form === prefix ? props.problem : undefined;
  const plan = view?.plan;
  return (
    <>
      <FormErrors problem={problem} fields={PLAN_FIELDS} />
      <div class="grid tight">
        <Field
          problem={problem}
          id={`${prefix}-name`}
          name="name"
          label="Name"
          value={plan?.name ?? ""}
          required
          readonly={plan !== undefined && isKeptPlan(plan)}
        />
        <Field
          problem={problem}
          id={`${prefix}-sort_order`}
          name="sort_order"
          label="Order"
          type="number"
          value={String(plan?.sortOrder ?? 0)}
        />
      </div>
      <Field
        problem={problem}
        id={`${prefix}-description`}
        name="description"
        label="Description"
        value={plan?.description ?? ""}
      />
      <div class="grid tight">
        <Field
          problem={problem}
          id={`${prefix}-monthly`}
          name="stripe_monthly_price_id"
          label="Monthly price id"
          value={plan?.monthlyPriceId ?? ""}
          hint="A Stripe price (price_…); checked with Stripe on save. Empty: not sold monthly."
        />
        <Field
          problem={problem}
          id={`${prefix}-yearly`}
          name="stripe_yearly_price_id"
          label="Yearly price id"
          value={plan?.yearlyPriceId ?? ""}
        />
      </div>
      <fieldset>
        <legend>Quotas (an empty limit means unlimited)</legend>
        {problem?.errors.quotas && <p class="field-error">{problem.errors.quotas.join(" ")}</p>}
        <div class="quota-grid">
          {scopes.map((scope) => {
            const quota = view?.quotas.find((q) => q.scope === scope);
            return (
              <div>
                <Field
                  problem={problem}
                  id={`${prefix}-limit-${scope}`}
                  name={`limit.${scope}`}
                  label={`${scope} limit`}
                  type="number"
                  value={quota ? String(quota.limit) : ""}
                />
                <Field
                  problem={problem}
                  id={`${prefix}-window-${scope}`}
                  name={`window.${scope}`}
                  label={`${scope} window (seconds)`}
                  type="number"
                  value={String(quota?.windowSeconds ?? 86_400)}
                />
              </div>
            );
          })}
          <div>
            <Field
              problem={problem}
              id={`${prefix}-new-scope`}
              name="new_scope"
              label="New quota scope"
              value=""
              hint="e.g. exports"
            />
            <Field
              problem={problem}
              id={`${prefix}-new-limit`}
              name="new_limit"
              label="New quota limit"
              type="number"
              value=""
            />
            <Field
              problem={problem}
              id={`${prefix}-new-window`}
              name="new_window"
              label="New quota window (seconds)"
              type="number"
              value="86400"
            />
          </div>
        </div>
      </fieldset>
    </>
  );
}

export function PlansPage(props: { chrome: Chrome; plans: StaffPlanView[]; problem?: FormProblem }) {
  const { chrome, plans, problem } = props;
  const scopes = [...new Set(plans.flatMap((v) => v.quotas.map((q) => q.scope)))].sort();
  return (
    <ConsolePage title="Plans" chrome={chrome}>
      <h1>Plans</h1>
      <p class="subtitle">What each plan costs and allows. Changes apply to the very next request — no deploy.</p>
      <Table
        columns={["Plan", { label: "Users", class: "num" }, "Monthly", "Yearly", "Quotas"]}
        empty="No plan yet: add one below."
        rows={plans.map(({ plan, quotas, users }) => (
          <tr>
            <td>
              <a href={`#plan-${plan.id}`}>{plan.name}</a>
              <div class="muted">{plan.description}</div>
            </td>
            <td class="num">{users}</td>
            <td>{price(plan, "monthly")}</td>
            <td>{price(plan, "yearly")}</td>
            <td>
              {quotas.length === 0 ? (
                <span class="muted">unlimited</span>
              ) : (
                quotas.map((q) => (
                  <span class="badge">
                    {q.scope}: {q.limit} / {windowText(q.windowSeconds)}
                  </span>
                ))
              )}
            </td>
          </tr>
        ))}
      />
      <h2 class="spaced-heading">Edit</h2>
      {plans.map((view) => (
        <details class="plan" id={`plan-${view.plan.id}`} open={problem?.form === `p${view.plan.id}`}>
          <summary>
            {view.plan.name} <span class="badge">{view.users === 1 ? "1 user" : `${view.users} users`}</span>
          </summary>
          <div class="body">
            <PostForm action={`/admin/plans/${view.plan.id}`} csrf={chrome.csrf}>
              <PlanFields prefix={`p${view.plan.id}`} view={view} scopes={scopes} problem={problem} />
              <button type="submit">Save plan</button>
            </PostForm>
            <PostForm
              action={`/admin/plans/${view.plan.id}/delete`}
              csrf={chrome.csrf}
              confirm={`Delete the plan ${view.plan.name}?`}
              class="actions spaced"
            >
              <button type="submit" class="danger" disabled={view.users > 0 || isKeptPlan(view.plan)}>
                Delete plan
              </button>
              {isKeptPlan(view.plan) ? (
                <span class="hint">New users start on this plan: it is kept (and keeps its name).</span>
              ) : (
                view.users > 0 && <span class="hint">Users are on this plan: move them before deleting it.</span>
              )}
            </PostForm>
          </div>
        </details>
      ))}
      <Panel id="add" title="Add plan" class="spaced">
        <PostForm action="/admin/plans" csrf={chrome.csrf}>
          <PlanFields prefix="new" scopes={scopes} problem={problem} />
          <button type="submit">Add plan</button>
        </PostForm>
      </Panel>
    </ConsolePage>
  );
}

import type { UserListRow } from "../../db/admin-users";
import type { PlanRow } from "../../db/schema";
import type { Page } from "../../pagination";
import { ConsolePage, Pager, Table, When, YesNo, type Chrome } from "./layout";

export interface UserFilters {
  search: string;
  plan: string;
  is_active: string;
  is_staff: string;
  subscription_status: string;
  ordering: string;
}

const STATUSES = ["active", "trialing", "past_due", "unpaid", "canceled", "incomplete", "none"];
const ORDERINGS = [
  ["-date_joined", "Newest first"],
  ["date_joined", "Oldest first"],
  ["-last_login", "Recent sign-in first"],
  ["last_login", "Least recent sign-in first"],
] as const;

function Select(props: {
  id: string;
  label: string;
  value: string;
  options: ReadonlyArray<readonly [string, string]>;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={value === props.value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

const ANY_YES_NO = [
  ["", "Any"],
  ["true", "Yes"],
  ["false", "No"],
] as const;

function pageHref(filters: UserFilters, page: number) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ""));
  query.set("page", String(page));
  return `/admin/users?${query.toString()}`;
}

export function UsersPage(props: { chrome: Chrome; filters: UserFilters; plans: PlanRow[]; page: Page<UserListRow> }) {
  const { filters, page } = props;
  return (
    <ConsolePage title="Users" chrome={props.chrome}>
      <h1>Users</h1>
      <p class="subtitle">Find an account by the start of its username or e-mail address.</p>
      <form class="panel filters" method="get" action="/admin/users" role="search">
        <div class="field grow">
          <label for="search">Search</label>
          <input
            id="search"
            name="search"
            type="search"
            value={filters.search}
            placeholder="ada or ada@example.com"
            autofocus
          />
        </div>
        <Select
          id="plan"
          label="Plan"
          value={filters.plan}
          options={[["", "Any"], ...props.plans.map((p) => [String(p.id), p.name] as const)]}
        />
        <Select id="is_active" label="Active" value={filters.is_active} options={ANY_YES_NO} />
        <Select id="is_staff" label="Staff" value={filters.is_staff} options={ANY_YES_NO} />
        <Select
          id="subscription_status"
          label="Subscription"
          value={filters.subscription_status}
          options={[
            ["", "Any"],
            ...STATUSES.map((s) => [s, s === "none" ? "No subscription" : s.replace("_", " ")] as const),
          ]}
        />
        <Select id="ordering" label="Order by" value={filters.ordering || "-date_joined"} options={ORDERINGS} />
        <button type="submit">Filter</button>
      </form>
      <Table
        columns={["Username", "E-mail", "Plan", "Active", "Joined", { label: "Last sign-in", class: "hide-small" }]}
        empty="No user matches."
        rows={page.rows.map((user) => (
          <tr>
            <td>
              <a href={`/admin/users/${user.id}`}>{user.username}</a>{" "}
              {user.isStaff && <span class="badge accent">staff</span>}
            </td>
            <td>{user.email}</td>
            <td>
              {user.planName ?? <span class="muted">none</span>}
              {user.subscriptionStatus && <span class="muted"> · {user.subscriptionStatus}</span>}
            </td>
            <td>
              <YesNo value={user.isActive} />
            </td>
            <td>
              <When at={user.dateJoined} />
            </td>
            <td class="hide-small">
              <When at={user.lastLogin} />
            </td>
          </tr>
        ))}
      />
      <Pager page={page} href={(n) => pageHref(filters, n)} />
    </ConsolePage>
  );
}

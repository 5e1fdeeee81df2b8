import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { CSRF_FORM_FIELD } from "../../auth/cookies";
import type { FieldErrors } from "../../errors";

export type ConsoleArea = "users" | "plans" | "operations" | "audit";

/** What every page knows: the CSRF token its forms carry and, once signed in, who is looking. */
export interface Chrome {
  csrf: string;
  staff?: { username: string };
  section?: ConsoleArea;
  notice?: { text: string; tone?: "info" | "error" };
}

const SECTIONS: Array<{ id: ConsoleArea; href: string; label: string }> = [
  { id: "users", href: "/admin/users", label: "Users" },
  { id: "plans", href: "/admin/plans", label: "Plans" },
  { id: "operations", href: "/admin/operations", label: "Operations" },
  { id: "audit", href: "/admin/audit-log", label: "Audit log" },
];

/** The hidden field every form posts, checked against the CSRF cookie (Django's double submit). */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FORM_FIELD} value={token} />;
}

/** A form that posts to `action` with the CSRF token; `confirm` asks first (see console.js). */
export function PostForm(props: {
  action: string;
  csrf: string;
  confirm?: string;
  class?: string;
  id?: string;
  children: Child;
}) {
  return (
    <form method="post" action={props.action} data-confirm={props.confirm} class={props.class} id={props.id}>
      <Csrf token={props.csrf} />
      {props.children}
    </form>
  );
}

function Brand() {
  return (
    <a class="brand" href="/admin/users">
      <span class="logo" aria-hidden="true">
        ea
      </span>
      edge-accounts admin
    </a>
  );
}

/**
 * The document every page this worker renders is (the console, the account security page): its own
 * stylesheet and script only — the CSP allows nothing else — never indexed, with a skip link.
 */
export function HtmlDocument(props: { title: string; children: Child; scripts?: string[] }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{props.title}</title>
          <link rel="icon" href="/admin/static/favicon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/admin/static/console.css" />
          <script src="/admin/static/console.js" defer></script>
          {props.scripts?.map((src) => (
            <script src={src} defer></script>
          ))}
        </head>
        <body>
          <a class="skip" href="#content">
            Skip to content
          </a>
          {props.children}
        </body>
      </html>
    </>
  );
}

export function ConsolePage(props: { title: string; chrome: Chrome; children: Child; scripts?: string[] }) {
  const { chrome } = props;
  return (
    <HtmlDocument title={`${props.title} · edge-accounts admin`} scripts={props.scripts}>
      {chrome.staff && (
        <header class="top">
          <div class="bar">
            <Brand />
            <nav class="main" aria-label="Sections">
              {SECTIONS.map((s) => (
                <a href={s.href} aria-current={s.id === chrome.section ? "page" : undefined}>
                  {s.label}
                </a>
              ))}
            </nav>
            <SignedInAs username={chrome.staff.username} signOut="/admin/logout" csrf={chrome.csrf} />
          </div>
        </header>
      )}
      {chrome.staff ? (
        <main id="content">
          <Notice notice={chrome.notice} />
          {props.children}
        </main>
      ) : (
        <main id="content" class="center">
          <div class="card">
            <Brand />
            {props.children}
          </div>
        </main>
      )}
    </HtmlDocument>
  );
}

/** Who is signed in, and the button that signs them out (`signOut`: the form's action). */
export function SignedInAs(props: { username: string; signOut: string; csrf: string }) {
  return (
    <div class="who">
      <span>
        Signed in as <strong>{props.username}</strong>
      </span>
      <PostForm action={props.signOut} csrf={props.csrf}>
        <button type="submit" class="secondary" id="sign-out">
          Sign out
        </button>
      </PostForm>
    </div>
  );
}

/** Why a sign-in step was refused (a fixed text, never reflected input); nothing when it was not. */
export function ErrorNotice({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p class="notice error" role="alert">
      {message}
    </p>
  );
}

/** What a redirect after a form said it did (a fixed text, never reflected input). */
export function Notice({ notice }: { notice?: { text: string; tone?: "info" | "error" } }) {
  if (!notice) return null;
  return (
    <p class={notice.tone ? `notice ${notice.tone}` : "notice"} role="status">
      {notice.text}
    </p>
  );
}

/** An instant, formatted for people: `2026-12-01 18:20 UTC`. */
export function When({ at }: { at: Date | null }) {
  if (!at) return <span class="muted">never</span>;
  return <time datetime={at.toISOString()}>{`${at.toISOString().slice(0, 16).replace("T", " ")} UTC`}</time>;
}

export function YesNo({ value, yes = "Yes", no = "No" }: { value: boolean; yes?: string; no?: string }) {
  return <span class={value ? "badge ok" : "badge danger"}>{value ? yes : no}</span>;
}

/** DRF-style pagination links for a page of `total` rows. */
export function Pager(props: {
  page: { number: number; size: number; total: number };
  href: (page: number) => string;
}) {
  const { number, size, total } = props.page;
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <nav class="pager" aria-label="Pages">
      <span>
        Page {number} of {pages} · {total} in all
      </span>
      <span class="actions">
        {number > 1 && (
          <a class="button secondary" href={props.href(number - 1)} rel="prev">
            Previous
          </a>
        )}
        {number < pages && (
          <a class="button secondary" href={props.href(number + 1)} rel="next">
            Next
          </a>
        )}
      </span>
    </nav>
  );
}

/** A panel headed `title` (the heading names the region, for screen readers and tests). */
export function Panel(props: { id: string; title: string; class?: string; children: Child }) {
  return (
    <section class={props.class ? `panel ${props.class}` : "panel"} aria-labelledby={`${props.id}-heading`}>
      <h2 id={`${props.id}-heading`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export type Column = string | { label: string; class: string };

/** A table with column headers, or `empty` when there is no row. */
export function Table(props: { columns: Column[]; rows: Child[]; empty: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.columns.map((column) =>
              typeof column === "string" ? (
                <th scope="col">{column}</th>
              ) : (
                <th scope="col" class={column.class}>
                  {column.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.rows}</tbody>
      </table>
    </div>
  );
}

/**
 * A form that was refused: what was wrong, by field, and what was typed — shown again in place of the
 * stored values, so nothing typed is lost. `form` names which of a page's forms it was.
 */
export interface FormProblem {
  form: string;
  errors: FieldErrors;
  values: Record<string, string>;
}

/** What a field of this form shows: what was typed into it when the form was refused, else `stored`. */
export function shownValue(problem: FormProblem | undefined, name: string, stored: string): string {
  return problem ? (problem.values[name] ?? "") : stored;
}

/** A box of this form is ticked: as it was sent when the form was refused, else as `stored`. */
export function shownTick(problem: FormProblem | undefined, name: string, stored: boolean): boolean {
  return problem ? problem.values[name] !== undefined : stored;
}

/** The messages of a refused form that belong to no field shown (or to every field), at its top. */
export function FormErrors({ problem, fields }: { problem?: FormProblem; fields: string[] }) {
  if (!problem) return null;
  const loose = Object.entries(problem.errors).filter(([field]) => !fields.includes(field));
  return (
    <div class="notice error" role="alert">
      Nothing was saved: please correct what is marked.
      {loose.length > 0 && (
        <ul>
          {loose.flatMap(([field, messages]) =>
            messages.map((m) => <li>{field === "non_field_errors" ? m : `${field.replaceAll("_", " ")}: ${m}`}</li>),
          )}
        </ul>
      )}
    </div>
  );
}

/** The messages about one field, tied to it for screen readers (`aria-describedby`). */
function FieldMessages({ id, messages }: { id: string; messages?: string[] }) {
  if (!messages || messages.length === 0) return null;
  return (
    <p class="field-error" id={`${id}-error`}>
      {messages.join(" ")}
    </p>
  );
}

/** A labelled input; in a refused form it shows what was typed, and its messages beside it. */
export function Field(props: {
  id: string;
  name?: string;
  label: string;
  value: string;
  type?: string;
  required?: boolean;
  readonly?: boolean;
  hint?: string;
  problem?: FormProblem;
}) {
  const name = props.name ?? props.id;
  const messages = props.problem?.errors[name];
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={name}
        type={props.type ?? "text"}
        value={shownValue(props.problem, name, props.value)}
        required={props.required}
        readonly={props.readonly}
        autocomplete="off"
        aria-invalid={messages ? "true" : undefined}
        aria-describedby={messages ? `${props.id}-error` : undefined}
      />
      <FieldMessages id={props.id} messages={messages} />
      {props.hint && <p class="hint">{props.hint}</p>}
    </div>
  );
}

/** A quota window for people: `1 d`, `1 h`, `90 s`. */
export function windowText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${seconds} s`;
}

/** The account page's script (passkey ceremonies, also on the console's sign-in): a file of this Worker, as the CSP requires. */
export const ACCOUNT_SCRIPT = "/account/static/account.js";

/**
 * A form the page's script runs a passkey ceremony for (`data-passkey`); its messages appear in the
 * alert beside it. Without the script (or WebAuthn), it does nothing harmful: it posts nowhere.
 */
export function PasskeyForm(props: { id: string; ceremony: string; next?: string; label: string; children?: Child }) {
  return (
    <form id={props.id} data-passkey={props.ceremony} data-next={props.next} class="passkey-form">
      {props.children}
      <button type="submit" class="secondary">
        {props.label}
      </button>
      <p id={`${props.id}-problem`} class="field-error" role="alert" hidden></p>
    </form>
  );
}

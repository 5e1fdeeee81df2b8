import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { MfaStatus } from "../auth/mfa/enrolment";
import type { SessionListing } from "../auth/sessions";
import type { PasskeyRow, SecurityEventRow } from "../db/schema";
import {
  ACCOUNT_SCRIPT,
  PasskeyForm,
  Field,
  FormErrors,
  HtmlDocument,
  Notice,
  Panel,
  PostForm,
  SignedInAs,
  When,
  type FormProblem,
} from "../admin/console/layout";
import { SecondFactorForm, SignInForm } from "../admin/console/sign-in";
import { PasskeysTable, SecurityEventsTable, SessionsTable } from "../admin/console/account-tables";

export const ACCOUNT_PAGE = "/account/security";
/** What every account page knows: the CSRF token of its forms, who is signed in, what was just done. */
export interface AccountChrome {
  csrf: string;
  username?: string;
  notice?: { text: string; tone?: "info" | "error" };
}

function AccountBrand() {
  return (
    <a class="brand" href={ACCOUNT_PAGE}>
      <span class="logo" aria-hidden="true">
        ea
      </span>
      Account security
    </a>
  );
}

function AccountLayout(props: { title: string; chrome: AccountChrome; children: Child }) {
  const { chrome } = props;
  if (!chrome.username) {
    return (
      <HtmlDocument title={`${props.title} · edge-accounts`} scripts={[ACCOUNT_SCRIPT]}>
        <main id="content" class="center">
          <div class="card">
            <AccountBrand />
            <Notice notice={chrome.notice} />
            {props.children}
          </div>
        </main>
      </HtmlDocument>
    );
  }
  return (
    <HtmlDocument title={`${props.title} · edge-accounts`} scripts={[ACCOUNT_SCRIPT]}>
      <header class="top">
        <div class="bar">
          <AccountBrand />
          <SignedInAs username={chrome.username} signOut={`${ACCOUNT_PAGE}/logout`} csrf={chrome.csrf} />
        </div>
      </header>
      <main id="content">
        <Notice notice={chrome.notice} />
        {props.children}
      </main>
    </HtmlDocument>
  );
}

export function AccountSignInPage(props: { chrome: AccountChrome; identifier?: string; error?: string }) {
  return (
    <AccountLayout title="Sign in" chrome={props.chrome}>
      <h1>Sign in</h1>
      <p class="subtitle">Sign in to see and change how your account is protected.</p>
      <SignInForm
        action={`${ACCOUNT_PAGE}/login`}
        csrf={props.chrome.csrf}
        identifier={props.identifier}
        error={props.error}
      />
    </AccountLayout>
  );
}

export function AccountSecondFactorPage(props: {
  chrome: AccountChrome;
  mfaToken: string;
  methods: string[];
  error?: string;
}) {
  return (
    <AccountLayout title="Two-factor authentication" chrome={props.chrome}>
      <SecondFactorForm
        action={`${ACCOUNT_PAGE}/login/mfa`}
        csrf={props.chrome.csrf}
        mfaToken={props.mfaToken}
        methods={props.methods}
        error={props.error}
      />
    </AccountLayout>
  );
}

/** A pending TOTP setup to show: the secret as a QR code and as text. */
export interface TotpSetupView {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

export interface SecurityPageProps {
  chrome: AccountChrome;
  mfa: MfaStatus;
  passkeys: PasskeyRow[];
  sessions: SessionListing;
  events: SecurityEventRow[];
  /** Shown right after "Turn on": the secret to scan, and the form for its first code. */
  setup?: TotpSetupView;
  /** Shown once, right after they were made. */
  recoveryCodes?: string[];
  problem?: FormProblem;
}

/** A code field (6 digits, or a recovery code) with its messages. */
function CodeField(props: { id: string; label: string; problem?: FormProblem; form: string }) {
  const problem = props.problem?.form === props.form ? props.problem : undefined;
  return (
    <Field
      id={props.id}
      name="code"
      label={props.label}
      value=""
      required
      problem={problem}
      hint="6 digits from your authenticator app, or a recovery code"
    />
  );
}

function PasswordField(props: {
  id: string;
  name: string;
  label: string;
  problem?: FormProblem;
  autocomplete: string;
}) {
  const messages = props.problem?.errors[props.name];
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type="password"
        autocomplete={props.autocomplete}
        required
        aria-invalid={messages ? "true" : undefined}
        aria-describedby={messages ? `${props.id}-error` : undefined}
      />
      {messages && (
        <p class="field-error" id={`${props.id}-error`}>
          {messages.join(" ")}
        </p>
      )}
    </div>
  );
}

function TwoFactorPanel(props: SecurityPageProps) {
  const { mfa, chrome, setup, recoveryCodes } = props;
  const problem = (form: string) => (props.problem?.form === form ? props.problem : undefined);
  return (
    <Panel id="two-factor" title="Two-factor authentication">
      {recoveryCodes && (
        <div class="notice info" role="status">
          <p>
            <strong>Your recovery codes.</strong> Keep them somewhere safe: each signs you in once if you lose your
            phone. They are shown only now.
          </p>
          <ul class="mono recovery-codes" aria-label="Recovery codes">
            {recoveryCodes.map((code) => (
              <li>{code}</li>
            ))}
          </ul>
        </div>
      )}
      {mfa.totp.enabled ? (
        <>
          <p>
            <span class="badge ok">On</span> since <When at={mfa.totp.created} /> · {mfa.recoveryCodesRemaining}{" "}
            recovery codes left
          </p>
          <div class="grid">
            <PostForm action={`${ACCOUNT_PAGE}/recovery-codes`} csrf={chrome.csrf}>
              <FormErrors problem={problem("regenerate")} fields={["code"]} />
              <CodeField
                id="regenerate-code"
                label="Code to make new recovery codes"
                problem={props.problem}
                form="regenerate"
              />
              <button type="submit" class="secondary">
                Make new recovery codes
              </button>
            </PostForm>
            <PostForm
              action={`${ACCOUNT_PAGE}/totp/disable`}
              csrf={chrome.csrf}
              confirm="Turn two-factor authentication off? Signing in will ask only for your password."
            >
              <FormErrors problem={problem("disable")} fields={["code"]} />
              <CodeField id="disable-code" label="Code to turn two-factor off" problem={props.problem} form="disable" />
              <button type="submit" class="danger">
                Turn two-factor off
              </button>
            </PostForm>
          </div>
        </>
      ) : setup ? (
        <div class="grid">
          <div>
            <p>Scan this code with your authenticator app, or type the key below into it.</p>
            <figure class="qr" role="img" aria-label="QR code of your two-factor secret">
              {raw(setup.qrSvg)}
            </figure>
            <p>
              <span id="secret-label">Key: </span>
              <code class="mono" id="totp-secret" aria-labelledby="secret-label">
                {setup.secret}
              </code>
            </p>
          </div>
          <PostForm action={`${ACCOUNT_PAGE}/totp/confirm`} csrf={chrome.csrf}>
            <FormErrors problem={problem("confirm")} fields={["code"]} />
            <CodeField id="confirm-code" label="Code from the app" problem={props.problem} form="confirm" />
            <button type="submit">Turn two-factor on</button>
          </PostForm>
        </div>
      ) : (
        <PostForm action={`${ACCOUNT_PAGE}/totp/setup`} csrf={chrome.csrf}>
          <p>
            <span class="badge danger">Off</span> Signing in asks only for your password. Add a code from an
            authenticator app.
          </p>
          <FormErrors problem={problem("setup")} fields={["password"]} />
          <PasswordField
            id="setup-password"
            name="password"
            label="Your password"
            autocomplete="current-password"
            problem={problem("setup")}
          />
          <button type="submit">Set up two-factor</button>
        </PostForm>
      )}
    </Panel>
  );
}

function PasskeysPanel({ passkeys, chrome, problem }: SecurityPageProps) {
  return (
    <Panel id="passkeys" title="Passkeys">
      <p class="subtitle">Sign in with your fingerprint, face or screen lock instead of a password.</p>
      <PasskeysTable
        passkeys={passkeys}
        empty="No passkey yet."
        csrf={chrome.csrf}
        name={(passkey) => (
          <PostForm action={`${ACCOUNT_PAGE}/passkeys/${passkey.id}/rename`} csrf={chrome.csrf} class="actions">
            <Field
              id={`passkey-name-${passkey.id}`}
              name="name"
              label={`Name of passkey ${passkey.name}`}
              value={passkey.name}
              required
              problem={problem?.form === `rename-${passkey.id}` ? problem : undefined}
            />
            <button type="submit" class="secondary" aria-label={`Rename passkey ${passkey.name}`}>
              Rename
            </button>
          </PostForm>
        )}
        remove={(passkey) => ({
          action: `${ACCOUNT_PAGE}/passkeys/${passkey.id}/remove`,
          confirm: `Remove the passkey "${passkey.name}"? It will no longer sign you in.`,
        })}
      />
      <FormErrors problem={problem?.form === "passkeys" ? problem : undefined} fields={[]} />
      <PasskeyForm id="add-passkey" ceremony="register" label="Add a passkey">
        <div class="field">
          <label for="new-passkey-name">Name for the new passkey</label>
          <input id="new-passkey-name" name="name" type="text" maxlength={64} placeholder="This laptop" />
        </div>
      </PasskeyForm>
    </Panel>
  );
}

function SessionsPanel({ sessions, chrome }: SecurityPageProps) {
  return (
    <Panel id="sessions" title="Where you are signed in">
      <SessionsTable
        sessions={sessions.sessions}
        empty="No session."
        currentId={sessions.currentId}
        csrf={chrome.csrf}
        end={(s) => `${ACCOUNT_PAGE}/sessions/${s.id}/end`}
      />
      <PostForm
        action={`${ACCOUNT_PAGE}/sessions/end-all`}
        csrf={chrome.csrf}
        class="actions spaced"
        confirm="Sign out everywhere, this browser included?"
      >
        <button type="submit" class="secondary">
          Sign out everywhere
        </button>
      </PostForm>
    </Panel>
  );
}

function PasswordPanel({ chrome, problem }: SecurityPageProps) {
  const mine = problem?.form === "password" ? problem : undefined;
  return (
    <Panel id="password" title="Change password">
      <PostForm action={`${ACCOUNT_PAGE}/password`} csrf={chrome.csrf}>
        <FormErrors problem={mine} fields={["old_password", "new_password1", "new_password2"]} />
        <PasswordField
          id="old-password"
          name="old_password"
          label="Current password"
          autocomplete="current-password"
          problem={mine}
        />
        <PasswordField
          id="new-password1"
          name="new_password1"
          label="New password"
          autocomplete="new-password"
          problem={mine}
        />
        <PasswordField
          id="new-password2"
          name="new_password2"
          label="New password again"
          autocomplete="new-password"
          problem={mine}
        />
        <button type="submit">Change password</button>
      </PostForm>
    </Panel>
  );
}

function EventsPanel({ events }: SecurityPageProps) {
  return (
    <Panel id="events" title="Recent security events">
      <SecurityEventsTable events={events} empty="Nothing yet." />
    </Panel>
  );
}

export function SecurityPage(props: SecurityPageProps) {
  return (
    <AccountLayout title="Account security" chrome={props.chrome}>
      <h1>Account security</h1>
      <p class="subtitle">How your account is protected, and where it is signed in.</p>
      <div class="stack">
        <TwoFactorPanel {...props} />
        <PasskeysPanel {...props} />
        <SessionsPanel {...props} />
        <div class="grid">
          <PasswordPanel {...props} />
          <EventsPanel {...props} />
        </div>
      </div>
    </AccountLayout>
  );
}

/** A refusal that is no form's (an expired form, a limit): said plainly, with the way back. */
export function AccountMessagePage(props: { chrome: AccountChrome; title: string; message: string }) {
  return (
    <AccountLayout title={props.title} chrome={props.chrome}>
      <h1>{props.title}</h1>
      <p role="alert">{props.message}</p>
      <a class="button secondary" href={ACCOUNT_PAGE}>
        Back
      </a>
    </AccountLayout>
  );
}
